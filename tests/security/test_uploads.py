"""Uploads: allowed types by content, size limit, sanitised names, outside the web root,
served only through a permission-checked view as an attachment."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liangge_zeren import settings as configured
from responsibilities.evidence import validate_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00 executable", "a Windows executable named .pdf"),
        ("photo.png", b"<svg onload=alert(1)></svg>\x00", "markup with a NUL named .png"),
        ("a.docx", _zip(["evil.sh"]), "a zip that is not an Office document"),
        ("macro.docm", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "an OLE (macro) file"),
        ("empty.pdf", b"", "an empty file"),
        ("page.html", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "UTF-16 text (not UTF-8)"),
    ],
)
def test_it_rejects_files_by_content_not_by_name(name, content, why):
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(name, content))


def test_it_rejects_files_over_the_size_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))
    assert "过大" in caught.value.messages[0]


def test_it_rejects_a_kind_the_deployment_did_not_allow(settings):
    settings.ALLOWED_UPLOAD_TYPES = ["pdf"]
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32))


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("whatever.bin", PDF, "pdf"),
        ("x.docx", _zip(["[Content_Types].xml", "word/document.xml"]), "docx"),
        ("说明.txt", "纯文本说明".encode(), "txt"),
    ],
)
def test_it_identifies_allowed_files_by_their_bytes(name, content, kind):
    assert validate_upload(SimpleUploadedFile(name, content)) == kind


def test_it_uploads_live_outside_the_web_root():
    # The configured directory, not the per-test one that tests/conftest.py puts in its place.
    media = Path(configured.MEDIA_ROOT).resolve()
    for served in [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]:
        served = served.resolve()
        assert not media.is_relative_to(served) and not served.is_relative_to(media)
    # MEDIA_URL, if set, is never routed.
    from django.urls import Resolver404, resolve

    if settings.MEDIA_URL:
        with pytest.raises(Resolver404):
            resolve(f"/{settings.MEDIA_URL.strip('/')}/evidence/x.pdf")


def test_it_stored_files_get_random_names_and_are_served_only_as_checked_attachments(
    cast, client_for, settings, tmp_path
):
    from inspections.uploads import save_attachments
    from tests.inspections.fixtures import make_finding

    settings.MEDIA_ROOT = tmp_path / "media"
    jw = cast.user("county1_jw")
    finding = make_finding(jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="附件")
    upload = SimpleUploadedFile("../../etc/passwd\x07.pdf", PDF)
    attachment = save_attachments([upload], user=jw, finding=finding)[0]
    assert attachment.original_name == "passwd.pdf"
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to((tmp_path / "media").resolve())
    assert "passwd" not in stored.name
    # No URL maps the storage folder.
    relative = stored.relative_to((tmp_path / "media").resolve()).as_posix()
    assert client_for(jw).get(f"/media/{relative}").status_code == 404
    assert client_for(jw).get(f"/uploads/{relative}").status_code == 404
    media_url = "/" + (settings.MEDIA_URL or "media").strip("/")
    assert client_for(jw).get(f"{media_url}/{relative}").status_code == 404

    url = reverse("inspections:attachment_download", args=[attachment.pk])
    response = client_for(jw).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404
