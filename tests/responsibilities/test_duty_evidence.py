"""Duty-log evidence under the shared policy (liangge_zeren/uploads.py): a zip bomb is refused
(issue 20, item 4), downloads are named by the detected type (item 5), markup is refused."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.liangge_zeren import evidence_files as files
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(duty, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_log(duty, submit=False)


@pytest.fixture
def member(duty, client_for):
    return client_for(duty.cast.user("county1_member"))


def upload(client, log, name, content):
    url = reverse("duty_attachment_upload", args=[log.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_it_a_docx_shaped_zip_bomb_is_refused_as_evidence(draft, member):
    page = upload(member, draft, "述责述廉.docx", files.docx_bomb()).content.decode()
    assert "压缩炸弹" in page
    assert not draft.attachments.exists()
    upload(member, draft, "述责述廉.docx", files.docx())
    assert draft.attachments.get().content_type.endswith("wordprocessingml.document")


def test_it_downloads_are_named_by_the_detected_type(draft, member):
    cases = [
        ("report.pdf", files.PDF, "report.pdf", "application/pdf"),
        ("evil.html", files.PDF, "evil.pdf", "application/pdf"),
        ("evil.htm", files.PNG, "evil.png", "image/png"),
    ]
    for name, content, served, content_type in cases:
        upload(member, draft, name, content)
        attachment = draft.attachments.get(original_name=name)
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        response = member.get(reverse("duty_attachment", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{served}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == content


def test_it_content_that_is_neither_the_declared_nor_an_allowed_type_is_refused(draft, member):
    for name, content in [
        ("evil.html", b"<!doctype html><script>alert(1)</script>"),
        ("notes.txt", b"<svg onload=alert(1)></svg>"),
    ]:
        assert "类型不允许" in upload(member, draft, name, content).content.decode()
    assert not draft.attachments.exists()
