"""Evidence uploads for inspections, reusing the duty-log upload validator.

`responsibilities.evidence.validate_upload` identifies the file by its bytes (magic numbers,
zip structure), never by the browser's Content-Type or the name, and enforces
settings.UPLOAD_MAX_BYTES / ALLOWED_UPLOAD_TYPES. Files are stored under MEDIA_ROOT with
random names and served only by `views.attachment_download`, which checks access first.
"""

from __future__ import annotations

import os
import unicodedata

from inspections.models import Attachment
from responsibilities.evidence import CONTENT_TYPES, validate_upload


def _clean_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (name or "file")[:200]


def save_attachments(files, *, user, **owner) -> list[Attachment]:
    """Validate every file first, then store them all (nothing half-saved on a bad file)."""
    checked = [(f, validate_upload(f)) for f in files or ()]
    saved = []
    for upload, kind in checked:
        upload.seek(0)
        attachment = Attachment(
            original_name=_clean_name(upload.name),
            content_type=CONTENT_TYPES[kind],
            size=upload.size,
            uploaded_by=user,
            **owner,
        )
        attachment.file.save(f"x.{kind}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved
