"""Issue 17, "quicker than one form": 记一笔 opens the log form pre-filled (last method, this
quarter's open items, today), the phone camera takes the evidence, and a photo may follow a
submitted log until its review locks it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from responsibilities import duty_logs, selectors
from responsibilities.models import ActionType, Attachment
from tests.liangge_zeren import evidence_files as files
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(duty, client_for):
    return client_for(duty.cast.user("county1_member"))


def _form(client) -> str:
    return client.get(reverse("duty_log_create")).content.decode()


def _checked_items(html: str) -> set[str]:
    return set(re.findall(r'<input[^>]*name="items"[^>]*value="(\d+)"[^>]*checked', html)) | set(
        re.findall(r'<input[^>]*checked[^>]*name="items"[^>]*value="(\d+)"', html)
    )


def test_it_the_home_page_offers_ji_yi_bi_opening_the_log_form(duty, member):
    html = member.get(reverse("home")).content.decode()
    assert f'href="{reverse("duty_log_create")}" id="quick-log"' in html
    assert "记一笔" in html


def test_it_the_form_starts_with_the_last_method_and_the_quarters_open_items(duty, member):
    # A draft without items: the method is remembered, no item progresses.
    make_log(duty, items=(), submit=False)
    html = _form(member)
    assert re.search(r'<option value="talk" selected>', html)
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    ticked = _checked_items(html)
    assert str(duty.items["talk"].pk) in ticked  # quarterly talk, not yet done
    # An item that names another method is left for the member to tick (no mismatch warning).
    assert str(duty.items["visit"].pk) not in ticked


def test_it_a_done_item_is_not_ticked_and_a_first_log_has_no_method(duty, member):
    initial = selectors.quick_log_initial(duty.tenure("county1_member"))
    assert "action_type" not in initial and initial["occurred_on"] == timezone.localdate()
    make_log(duty, items=("talk",))
    initial = selectors.quick_log_initial(duty.tenure("county1_member"))
    assert initial["action_type"] == ActionType.TALK
    assert duty.items["talk"].pk not in initial["items"]  # 1/1 this quarter: done


def test_it_the_evidence_input_opens_the_phone_camera(duty, member):
    html = _form(member)
    evidence = re.search(r'<input[^>]*name="evidence"[^>]*>', html).group(0)
    assert 'accept="image/*"' in evidence and 'capture="environment"' in evidence


def test_it_a_photo_may_follow_a_submitted_log_until_it_is_accepted(duty, member, client_for):
    log = make_log(duty)  # submitted
    page = member.get(reverse("duty_log_detail", args=[log.pk])).content.decode()
    camera = re.search(r'<input[^>]*id="id_camera_file"[^>]*>', page).group(0)
    assert 'accept="image/*"' in camera and 'capture="environment"' in camera
    url = reverse("duty_attachment_upload", args=[log.pk])
    member.post(url, {"file": SimpleUploadedFile("现场.png", files.PNG)})
    assert Attachment.objects.filter(log=log, is_removed=False).count() == 1

    secretary = duty.cast.user("county1_secretary")
    duty_logs.review_log(
        log, actor=secretary, reviewer=duty.tenure("county1_secretary"), accept=True
    )
    member = client_for(duty.cast.user("county1_member"))
    page = member.get(reverse("duty_log_detail", args=[log.pk])).content.decode()
    assert 'id="id_camera_file"' not in page
    response = member.post(url, {"file": SimpleUploadedFile("晚了.png", files.PNG)})
    assert response.status_code in (403, 404)
    assert Attachment.objects.filter(log=log).count() == 1
