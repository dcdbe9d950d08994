"""Evidence attached to duty logs: upload checks, storage and removal, under the shared
evidence policy (liangge_zeren/uploads.py: kinds by content, size and zip-bomb bounds, sha256,
file mode). Files live in MEDIA_ROOT/evidence under random names and are served only by
`log_views.attachment_download` after its access check."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from liangge_zeren import uploads
from liangge_zeren.actors import Actor, actor_user, write_service
from responsibilities.models import (
    Attachment,
    DutyLog,
)
from responsibilities.workflows import LOG_FLOW

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


@write_service
def add_attachment(log: DutyLog, upload: UploadedFile, *, actor: Actor) -> Attachment:
    LOG_FLOW.check(log, "upload", actor)
    uploader = actor_user(actor)
    if uploader is None:  # `uploaded_by` is required: a job or command cannot upload evidence
        raise ValueError("evidence is uploaded by a signed-in user, not a system actor")
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
        uploaded_by=uploader,
    )


@write_service
def remove_attachment(attachment: Attachment, *, actor: Actor) -> Attachment:
    LOG_FLOW.check(attachment.log, "remove_attachment", actor)
    attachment.is_removed = True
    attachment.save()
    return attachment
