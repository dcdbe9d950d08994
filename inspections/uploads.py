"""Evidence uploads for inspections, under the shared evidence policy (liangge_zeren/uploads.py).

Every file is identified by its bytes, bounded by size and, for .docx/.xlsx, by what it
expands to; it is stored under MEDIA_ROOT/inspections/YYYY/MM with a random name, its sha256
recorded, and served only by `evidence_views.attachment_download`, which checks access first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from inspections.models import Attachment
from liangge_zeren import uploads


def save_attachments(
    files: Iterable[UploadedFile] | None, *, user: Any, **owner: Any
) -> list[Attachment]:
    """Check every file first, then store them all (nothing half-saved on a bad file)."""
    checked = uploads.check_uploads(files or ())
    folder = f"inspections/{timezone.now():%Y/%m}"
    saved = []
    for upload, kind in checked:
        stored = uploads.store(upload, folder, suffix=uploads.KINDS[kind].extensions[0])
        attachment = Attachment(
            original_name=uploads.clean_name(str(upload.name)),
            content_type=uploads.CONTENT_TYPES[kind],
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=user,
            **owner,
        )
        attachment.file.name = stored.name
        attachment.save()
        saved.append(attachment)
    return saved
