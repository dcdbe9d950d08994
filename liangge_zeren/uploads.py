"""Evidence files: one policy for every app that accepts or serves them.

Accepting (`check_upload`): a file is identified by its bytes (magic numbers, the parts of a
zip archive), never by the name or the Content-Type the browser sent; the kind must be one of
settings.ALLOWED_UPLOAD_TYPES and the size at most settings.UPLOAD_MAX_BYTES. Text that is
markup (HTML, SVG, XML) is not plain text. A zip-based file (.docx, .xlsx) is bounded by what
it expands to: its directory is checked by the spreadsheet kit's `check_archive` (total
uncompressed size, each part's compression ratio) before anything is inflated, and then every
part is inflated as a stream (constant memory, never past the limit) so that a directory
that lies about the sizes fails the check too. Every refusal is a ValidationError in Chinese.

Storing (`store`): under MEDIA_ROOT, in the caller's folder, under a random name, written
once (`xb`), with the sha256 digest computed on the way and the mode
settings.FILE_UPLOAD_PERMISSIONS (0o640 by default).

Serving (`serve_evidence`): only from a view that has already checked access to the owner.
The response is an attachment with the detected type's Content-Type, nosniff, no caching,
and a file name whose extension is the detected type's (`evil.html` holding a PDF is
downloaded as `evil.pdf`; `report.pdf` stays).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.spreadsheets import Limits, SpreadsheetRefused, check_archive

MB = 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_MB = 100  # a 10 MB document of real content expands to ~50 MB
DEFAULT_MAX_COMPRESSION_RATIO = 100  # real documents compress 4-20 times; bombs ~1,000
DEFAULT_FILE_MODE = 0o640
_CHUNK = MB
_HEAD = 16
_MARKUP_PROBE = 1024  # bytes of a text file looked at for markup


@dataclass(frozen=True)
class Kind:
    """A kind of evidence file: its key (as in ALLOWED_UPLOAD_TYPES), the extensions a
    download of it may keep (the first is the one it gets) and its Content-Type."""

    key: str
    extensions: tuple[str, ...]
    content_type: str


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("pdf", (".pdf",), "application/pdf"),
        Kind("png", (".png",), "image/png"),
        Kind("jpeg", (".jpg", ".jpeg"), "image/jpeg"),
        Kind(
            "docx",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Kind(
            "xlsx",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Kind("txt", (".txt",), "text/plain; charset=utf-8"),
    )
}
CONTENT_TYPES: dict[str, str] = {key: kind.content_type for key, kind in KINDS.items()}
ZIP_KINDS = frozenset({"docx", "xlsx"})
# Markup at the start of a text file: a browser or a local viewer would render it.
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype|\?xml|html|head|body|script|svg|iframe|object|embed|meta|link"
    rb"|style|img|a|div|form|xsl|math)[\s>/:]",
    re.IGNORECASE,
)


class EvidenceFile(Protocol):
    """What serving needs from a stored evidence row (both apps' Attachment models)."""

    original_name: str
    content_type: str


@dataclass(frozen=True)
class Stored:
    """A stored file: its name relative to MEDIA_ROOT, digest and size in bytes."""

    name: str
    sha256: str
    size: int

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]


# --- Identifying -----------------------------------------------------------------------------


def _zip_kind(fileobj: IO[bytes]) -> str | None:
    """docx or xlsx from the archive's directory (nothing is inflated), else None."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_plain_text(fileobj: IO[bytes]) -> bool:
    """UTF-8 text without NUL bytes that does not start as markup."""
    fileobj.seek(0)
    data = fileobj.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _MARKUP.match(data[:_MARKUP_PROBE].lstrip(b"\xef\xbb\xbf"))


def sniff_kind(head: bytes, fileobj: IO[bytes]) -> str | None:
    """The kind of a file from its content (magic bytes, zip structure), never its name;
    None for anything else (plain text is recognised by `detect_kind`)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(fileobj)
    return None


def detect_kind(fileobj: IO[bytes]) -> str | None:
    """The kind of the whole file `fileobj` (read from the start), or None."""
    fileobj.seek(0)
    kind = sniff_kind(fileobj.read(_HEAD), fileobj)
    if kind is None and _is_plain_text(fileobj):
        kind = "txt"
    fileobj.seek(0)
    return kind


# --- Zip-based files: bounded by what they expand to -----------------------------------------


def archive_limits() -> Limits:
    """The evidence limits for zip-based files (settings UPLOAD_MAX_UNCOMPRESSED_MB and
    UPLOAD_MAX_COMPRESSION_RATIO); rows and cells are the spreadsheet kit's business."""
    base = Limits.from_settings()
    uncompressed = getattr(settings, "UPLOAD_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB)
    ratio = getattr(settings, "UPLOAD_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO)
    return Limits(
        uncompressed_bytes=int(uncompressed) * MB,
        compression_ratio=int(ratio),
        rows=base.rows,
        cells=base.cells,
    )


def _inflate_bounded(data: bytes, limit: int) -> None:
    """Inflate every part as a stream, a chunk at a time, and stop past `limit` bytes in all;
    zipfile checks each part's CRC at its end (a directory that lies fails here)."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise SpreadsheetRefused(
                            _("文件解压后超过 %(limit)s MB 的上限(可能是压缩炸弹),已拒绝。")
                            % {"limit": f"{limit // MB:,}"}
                        )


def check_archive_bounds(upload: IO[bytes], name: str) -> None:
    """Refuse a zip-based upload that expands past the evidence limits (before it is
    accepted), with the file's name in the Chinese message."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    limits = archive_limits()
    try:
        check_archive(data, limits)
        _inflate_bounded(data, limits.uncompressed_bytes)
    except SpreadsheetRefused as refused:
        raise ValidationError(
            _("文件“%(name)s”未被接受:%(reason)s") % {"name": name, "reason": refused}
        ) from refused
    except Exception as exc:  # zipfile and zlib raise many kinds of errors for damaged data
        raise ValidationError(_("文件“%(name)s”已损坏,无法读取。") % {"name": name}) from exc


# --- Accepting -------------------------------------------------------------------------------


def _refuse_size(upload: UploadedFile) -> None:
    limit = int(settings.UPLOAD_MAX_BYTES)
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": upload.name})
    if size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大(%(size).1f MB),上限为 %(limit).1f MB。")
            % {"name": upload.name, "size": size / MB, "limit": limit / MB}
        )


def check_upload(upload: UploadedFile) -> str:
    """The detected kind of an acceptable evidence file; otherwise a ValidationError with a
    clear Chinese message (empty, too large, a kind not allowed, or a zip bomb)."""
    _refuse_size(upload)
    kind = detect_kind(upload)
    allowed = list(settings.ALLOWED_UPLOAD_TYPES)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传。允许的类型:%(allowed)s(按文件内容识别)。")
            % {"name": upload.name, "allowed": "、".join(a.upper() for a in allowed)}
        )
    if kind in ZIP_KINDS:
        check_archive_bounds(upload, str(upload.name))
    upload.seek(0)
    return kind


def check_uploads(uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Every upload with its kind; all are checked before any is stored."""
    return [(upload, check_upload(upload)) for upload in uploads]


# --- Storing ---------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The file name the user gave, without folders or control characters (≤ 200)."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (name or "file")[:200]


def file_mode() -> int:
    mode = getattr(settings, "FILE_UPLOAD_PERMISSIONS", None)
    return int(mode) if mode is not None else DEFAULT_FILE_MODE


def store(upload: UploadedFile, folder: str, *, suffix: str = "") -> Stored:
    """Write a checked upload under MEDIA_ROOT/`folder` with a random name (+ `suffix`),
    computing its sha256 on the way; the file is created, never overwritten."""
    directory = Path(settings.MEDIA_ROOT) / folder
    directory.mkdir(parents=True, exist_ok=True)
    basename = uuid.uuid4().hex + suffix
    target = directory / basename
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.chmod(target, file_mode())
    return Stored(name=f"{folder.strip('/')}/{basename}", sha256=digest.hexdigest(), size=size)


def file_digest(path: Path) -> str | None:
    """The sha256 of a stored file (None when it is missing), read a chunk at a time."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


# --- Serving ---------------------------------------------------------------------------------


def kind_of(content_type: str) -> Kind | None:
    """The kind a stored Content-Type stands for (stored types come from detection)."""
    wanted = content_type.split(";", 1)[0].strip().lower()
    for kind in KINDS.values():
        if kind.content_type.split(";", 1)[0] == wanted:
            return kind
    return None


def download_name(original_name: str, kind: Kind | None) -> str:
    """The name a download gets: the original one when its extension fits the detected
    kind, otherwise the same stem with the kind's extension (`evil.htm` → `evil.png`)."""
    name = clean_name(original_name)
    stem, extension = os.path.splitext(name)
    if kind is None:
        return name if extension.lower() == ".bin" else (stem or "file") + ".bin"
    if extension.lower() in kind.extensions:
        return name
    return (stem or "file") + kind.extensions[0]


def serve_evidence(request: HttpRequest, obj: EvidenceFile, path: Path) -> FileResponse:
    """The stored file at `path` of evidence row `obj` as a download. The calling view has
    already checked that `request.user` may see `obj`'s owner. A missing file is a 404."""
    kind = kind_of(obj.content_type)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (FileNotFoundError, IsADirectoryError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(obj.original_name, kind),
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- One-sheet Excel imports (risk factors, the 知责 question bank) ---------------------------


class XlsxFileForm(forms.Form):
    """One Excel file (only .xlsx passes the content check); `label` names what it holds."""

    file = forms.FileField(help_text=gettext_lazy("Excel(.xlsx)文件。"))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["file"].label = label

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if check_upload(upload) != "xlsx":
            raise forms.ValidationError(_("只支持 Excel(.xlsx)文件。"))
        return upload


def run_file_import(request: Any, form: Any, run: Any) -> tuple[Any, int]:
    """POST: the valid form's file through `run(data, filename)` → (its result, 200 or 400
    when the result or the form is not ok); GET: (None, 200)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    upload = form.cleaned_data["file"]
    upload.seek(0)
    result = run(upload.read(), upload.name)
    return result, 200 if result.ok else 400
