"""Evidence attached to duty logs: upload checks, storage and removal, under the shared
evidence policy (liangge_zeren/uploads.py: kinds by content, size and zip-bomb bounds, sha256,
file mode). Files live in MEDIA_ROOT/evidence under random names and are served only by
`log_views.attachment_download` after its access check."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from liangge_zeren import uploads
from responsibilities.models import (
    Attachment,
    DutyLog,
)

EVIDENCE_FOLDER = "evidence"
CONTENT_TYPES = uploads.CONTENT_TYPES
sniff_kind = uploads.sniff_kind


def validate_upload(upload: UploadedFile) -> str:
    """Return the detected kind or raise ValidationError with a clear Chinese message."""
    return uploads.check_upload(upload)


def evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / EVIDENCE_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_path(attachment: Attachment) -> Path:
    return evidence_dir() / attachment.stored_name


@transaction.atomic
def add_attachment(log: DutyLog, upload: UploadedFile, *, user) -> Attachment:
    if log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能再上传材料。"))
    kind = uploads.check_upload(upload)
    stored = uploads.store(upload, EVIDENCE_FOLDER)
    return Attachment.objects.create(
        log=log,
        org=log.org,
        org_path=log.org.path,
        original_name=uploads.clean_name(str(upload.name)),
        stored_name=stored.basename,
        content_type=CONTENT_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=user,
    )


@transaction.atomic
def remove_attachment(attachment: Attachment) -> Attachment:
    if attachment.log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能移除材料。"))
    attachment.is_removed = True
    attachment.save()
    return attachment
