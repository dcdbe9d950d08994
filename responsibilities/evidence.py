"""Evidence attached to duty logs: upload checks (by content), storage and removal."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from responsibilities.models import (
    Attachment,
    DutyLog,
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
}


def sniff_kind(head: bytes, fileobj) -> str | None:
    """File kind from its content (magic bytes / zip structure), never from its name."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            fileobj.seek(0)
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    return None


def _looks_like_text(fileobj) -> bool:
    fileobj.seek(0)
    data = fileobj.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def validate_upload(upload) -> str:
    """Return the detected kind or raise ValidationError with a clear Chinese message."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": upload.name})
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大(%(size).1f MB),上限为 %(limit).1f MB。")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": limit / 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    kind = sniff_kind(head, upload)
    if kind is None and _looks_like_text(upload):
        kind = "txt"
    upload.seek(0)
    allowed = settings.ALLOWED_UPLOAD_TYPES
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传。允许的类型:%(allowed)s(按文件内容识别)。")
            % {"name": upload.name, "allowed": "、".join(a.upper() for a in allowed)}
        )
    return kind


def evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_path(attachment: Attachment) -> Path:
    return evidence_dir() / attachment.stored_name


def _clean_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (name or "file")[:200]


@transaction.atomic
def add_attachment(log: DutyLog, upload, *, user) -> Attachment:
    if log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能再上传材料。"))
    kind = validate_upload(upload)
    stored_name = uuid.uuid4().hex
    digest = hashlib.sha256()
    target = evidence_dir() / stored_name
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    os.chmod(target, 0o600)
    return Attachment.objects.create(
        log=log,
        org=log.org,
        org_path=log.org.path,
        original_name=_clean_name(upload.name),
        stored_name=stored_name,
        content_type=CONTENT_TYPES[kind],
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )


@transaction.atomic
def remove_attachment(attachment: Attachment) -> Attachment:
    if attachment.log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能移除材料。"))
    attachment.is_removed = True
    attachment.save()
    return attachment
