"""Inspection evidence under the shared policy: a zip bomb is refused (issue 20, item 4),
downloads are named by the detected type (item 5), every file has its sha256."""

import hashlib
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections.models import Attachment
from inspections.uploads import save_attachments
from tests.liangge_zeren import evidence_files as files

from .fixtures import make_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(cast):
    jw = cast.user("county1_jw")
    return make_finding(jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="佐证")


def post_evidence(client, finding, name, content):
    url = reverse("inspections:finding_add_evidence", args=[finding.pk])
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(url, {"evidence-files": [upload]})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_a_docx_shaped_zip_bomb_is_refused_as_evidence(cast, client_for, finding):
    client = client_for(cast.user("county1_jw"))
    shown = post_evidence(client, finding, "整改报告.docx", files.docx_bomb())
    assert not finding.attachments.exists()
    assert any("压缩炸弹" in message for message in shown), shown
    # An ordinary Word document is still accepted.
    post_evidence(client, finding, "整改报告.docx", files.docx())
    assert finding.attachments.get().content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    "name, content, served, content_type",
    [
        ("report.pdf", files.PDF, "report.pdf", "application/pdf"),
        ("evil.html", files.PDF, "evil.pdf", "application/pdf"),
        ("evil.htm", files.PNG, "evil.png", "image/png"),
        ("photo.jpeg", files.JPEG, "photo.jpeg", "image/jpeg"),
    ],
)
def test_it_downloads_are_named_by_the_detected_type(
    cast, client_for, finding, name, content, served, content_type
):
    client = client_for(cast.user("county1_jw"))
    post_evidence(client, finding, name, content)
    attachment = finding.attachments.get()
    assert attachment.original_name == name  # the record keeps what was uploaded
    response = client.get(reverse("inspections:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{served}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_it_content_that_is_neither_the_declared_nor_an_allowed_type_is_refused(
    cast, client_for, finding
):
    client = client_for(cast.user("county1_jw"))
    for name, content in [
        ("evil.html", b"<html><script>alert(1)</script></html>"),
        ("readme.txt", b"<svg onload=alert(1)></svg>"),
        ("report.pdf", b"MZ\x90\x00 executable"),
    ]:
        shown = post_evidence(client, finding, name, content)
        assert any("类型不允许" in message for message in shown), (name, shown)
    assert not finding.attachments.exists()


def test_it_every_evidence_file_gets_its_digest_and_a_private_mode(cast, finding):
    upload = SimpleUploadedFile("纪要.pdf", files.PDF)
    attachment = save_attachments([upload], user=cast.user("county1_jw"), finding=finding)[0]
    assert attachment.sha256 == hashlib.sha256(files.PDF).hexdigest()
    path = settings.MEDIA_ROOT / attachment.file.name
    assert path.read_bytes() == files.PDF
    assert path.stat().st_mode & 0o777 == 0o640
    assert attachment.file.name.startswith("inspections/") and path.suffix == ".pdf"


def test_it_the_migration_computes_digests_of_existing_files_and_skips_missing_ones(cast, finding):
    kept, lost = save_attachments(
        [SimpleUploadedFile("a.pdf", files.PDF), SimpleUploadedFile("b.png", files.PNG)],
        user=cast.user("county1_jw"),
        finding=finding,
    )
    Attachment.objects.update(sha256="")
    (settings.MEDIA_ROOT / lost.file.name).unlink()
    migration = importlib.import_module("inspections.migrations.0006_attachment_sha256")
    migration.fill_digests(apps, None)
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert kept.sha256 == hashlib.sha256(files.PDF).hexdigest()
    assert lost.sha256 == ""
