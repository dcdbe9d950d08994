"""Evidence files: served only here, after the owner's access check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from inspections.access import get_attachment_for_user


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_attachment_for_user(request, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
