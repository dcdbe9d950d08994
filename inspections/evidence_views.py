"""Evidence files: served only here, after the owner's access check."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest

from inspections.access import get_attachment_for_user
from liangge_zeren.uploads import serve_evidence


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_attachment_for_user(request, pk)
    return serve_evidence(request, attachment, Path(settings.MEDIA_ROOT) / attachment.file.name)
