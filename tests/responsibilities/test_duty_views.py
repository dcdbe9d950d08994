"""Views of lists, items, the matrix, duty logs, attachments, letters and reports."""

import datetime
import io
import re

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from responsibilities import duty_logs, evidence, letters, lists
from responsibilities.models import (
    Attachment,
    DutyLog,
    DutyReport,
    ResponsibilityItem,
    ResponsibilityLetter,
)
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db
PASSWORD = "cast-password-2026"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def log(duty, media):
    log = make_log(duty, submit=False)
    evidence.add_attachment(
        log,
        SimpleUploadedFile("纪要.txt", "谈话纪要".encode()),
        actor=duty.cast.user("county1_member"),
    )
    duty_logs.submit_log(log, actor=duty.cast.user("county1_member"))
    return log


@pytest.fixture
def letter(duty):
    return letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=duty.cast.user("county1_secretary"),
    )


@pytest.fixture
def report(duty):
    return letters.draft_report(
        org=duty.cast.county1,
        year=duty.year,
        tenure=duty.tenure("county1_member"),
        actor=duty.cast.user("county1_member"),
    )


def object_urls(duty, log, letter, report):
    attachment = log.attachments.get()
    return [
        reverse("duty_list_detail", args=[duty.county1_list.pk]),
        reverse("duty_item_detail", args=[duty.items["talk"].pk]),
        reverse("duty_log_detail", args=[log.pk]),
        reverse("duty_attachment", args=[attachment.pk]),
        reverse("duty_letter_detail", args=[letter.pk]),
        reverse("duty_letter_docx", args=[letter.pk]),
        reverse("duty_report_detail", args=[report.pk]),
        reverse("duty_report_docx", args=[report.pk]),
        reverse("duty_gap_matrix", args=[duty.cast.county1.pk]),
        reverse("duty_method_mix", args=[duty.cast.county1.pk]),
    ]


# --- Scope: siblings and outsiders get 404 ------------------------------------------------


def test_it_hides_sibling_units(duty, log, letter, report, client_for):
    client = client_for(duty.cast.user("county2_secretary"))
    for url in object_urls(duty, log, letter, report):
        assert client.get(url).status_code == 404, url


def test_it_requires_scope(duty, log, letter, report, client_for):
    client = client_for(duty.cast.user("outsider"))
    for url in object_urls(duty, log, letter, report):
        assert client.get(url).status_code == 404, url


def test_it_redirects_anonymous_users_to_login(duty, client):
    response = client.get(reverse("duty_list_index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "username", ["county1_secretary", "county1_member", "county1_jw", "city1_secretary", "prov_jw"]
)
def test_it_in_scope_users_see_the_pages(duty, log, letter, report, client_for, username):
    client = client_for(duty.cast.user(username))
    for url in object_urls(duty, log, letter, report):
        if "matrix" in url or "method-mix" in url:
            continue  # oversight pages: see test below
        assert client.get(url).status_code == 200, url


def test_it_oversight_pages_are_for_secretaries_superiors_and_discipline(duty, client_for):
    matrix = reverse("duty_gap_matrix", args=[duty.cast.county1.pk])
    mix = reverse("duty_method_mix", args=[duty.cast.county1.pk])
    for username in ("county1_secretary", "county1_jw", "city1_secretary", "prov_jw"):
        client = client_for(duty.cast.user(username))
        assert client.get(matrix).status_code == 200
        assert client.get(mix).status_code == 200
    client = client_for(duty.cast.user("county1_member"))
    assert client.get(matrix).status_code == 403


# --- Lists ----------------------------------------------------------------------------


def test_it_the_list_index_shows_scoped_lists_and_copy_flags(duty, client_for):
    client = client_for(duty.cast.user("city1_secretary"))
    page = client.get(reverse("duty_list_index")).content.decode()
    assert "二号县" in page and "照搬照抄" in page
    assert "测试省党委主体责任清单模板" not in page  # the province is above the city
    county2 = client_for(duty.cast.user("county2_secretary"))
    page = county2.get(reverse("duty_list_index")).content.decode()
    assert "陈晓梅一岗双责清单" not in page


def test_it_the_list_index_query_count_does_not_grow(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("prov_secretary"))
    url = reverse("duty_list_index")
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)
    for n in range(15):
        lists.create_list(
            org=duty.cast.county1,
            year=duty.year,
            subject_type="committee_collective",
            title=f"附加清单{n}",
            actor=duty.cast.user("county1_secretary"),
        )
    with django_assert_max_num_queries(12):
        assert "附加清单14" in client.get(url).content.decode()


def test_it_the_list_detail_query_count_does_not_grow(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("county1_secretary"))
    url = reverse("duty_list_detail", args=[duty.county1_list.pk])
    with django_assert_max_num_queries(24):
        client.get(url)
    for n in range(20):
        item = lists.add_item(
            duty.county1_list,
            content=f"新增条目{n}",
            reason="补充",
            actor=duty.cast.user("county1_secretary"),
        )
        lists.assign_owner(
            item, duty.tenure("county1_member"), "co", actor=duty.cast.user("county1_secretary")
        )
        make_log(duty, tenure_key="county1_member", items=("c1_localised",))
    with django_assert_max_num_queries(24):
        assert "新增条目19" in client.get(url).content.decode()


def test_it_secretaries_edit_their_own_lists_superiors_only_read(duty, client_for):
    item = duty.items["c1_own"]
    url = reverse("duty_item_edit", args=[item.pk])
    data = {
        "category": "supervision",
        "content": "改写后的条目",
        "frequency": "annual",
        "min_count": 1,
        "weight": "1",
        "is_mandatory": "",
        "reason": "",
    }
    secretary = client_for(duty.cast.user("county1_secretary"))
    assert secretary.post(url, data).status_code == 400  # in force: reason required
    data["reason"] = "结合审计发现调整"
    assert secretary.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.content, item.version) == ("改写后的条目", 2)
    for username in ("city1_secretary", "county1_member", "county1_jw"):
        client = client_for(duty.cast.user(username))
        assert client.post(url, data).status_code == 403, username


def test_it_the_secretary_assigns_owners(duty, client_for):
    client = client_for(duty.cast.user("county1_secretary"))
    item = duty.items["c1_gap"]
    url = reverse("duty_item_owners", args=[item.pk])
    response = client.post(
        url,
        {
            "leads": [duty.tenure("county1_member").pk],
            "co_owners": [duty.tenure("county1_secretary").pk],
        },
    )
    assert response.status_code == 302
    assert dict(item.assignments.values_list("tenure__person__name", "role")) == {
        "陈晓梅": "lead",
        "刘海涛": "co",
    }


def test_it_the_unit_acknowledges_and_puts_a_list_in_force(duty, client_for):
    adopted = lists.adopt_template(
        duty.template, duty.cast.township1, actor=duty.cast.user("prov_secretary")
    )
    client = client_for(duty.cast.user("county1_secretary"))
    url = reverse("duty_list_transition", args=[adopted.pk])
    assert client.post(url, {"action": "acknowledge"}).status_code == 403  # not its own unit
    adopted.refresh_from_db()
    assert adopted.status == "issued"


def test_it_the_template_is_issued_down_the_tree_from_the_browser(duty, client_for):
    template = lists.create_list(
        org=duty.cast.city1,
        year=duty.year,
        subject_type="committee_collective",
        title="市委模板",
        is_template=True,
        actor=duty.cast.user("city1_secretary"),
    )
    lists.add_item(template, content="市级条目", actor=duty.cast.user("city1_secretary"))
    client = client_for(duty.cast.user("city1_secretary"))
    url = reverse("duty_template_issue", args=[template.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"orgs": [duty.cast.county1.pk, duty.cast.county2.pk]})
    assert response.status_code == 302
    assert template.adoptions.count() == 2


def test_it_the_matrix_page_flags_gaps_and_overlaps_with_bounded_queries(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("county1_secretary"))
    url = reverse("duty_gap_matrix", args=[duty.cast.county1.pk])
    with django_assert_max_num_queries(22):
        page = client.get(url).content.decode()
    assert "无牵头人" in page and "多头牵头" in page and "卫生健康" in page
    for n in range(20):
        item = lists.add_item(
            duty.county1_list,
            content=f"矩阵条目{n}",
            reason="补充",
            actor=duty.cast.user("county1_secretary"),
        )
        lists.assign_owner(
            item, duty.tenure("county1_member"), "lead", actor=duty.cast.user("county1_secretary")
        )
    with django_assert_max_num_queries(22):
        assert "矩阵条目19" in client.get(url).content.decode()


# --- Duty logs ------------------------------------------------------------------------


def log_form_data(duty, **extra):
    data = {
        "action_type": "talk",
        "occurred_on": timezone.localdate().isoformat(),
        "title": "谈心谈话",
        "items": [duty.items["talk"].pk, duty.items["visit"].pk],
        "talk_type": "daily",
        "talk_target": "县教育局局长",
        "summary": "了解思想动态",
    }
    data.update(extra)
    return data


def test_it_a_member_logs_a_talk_against_two_items_with_htmx(duty, client_for, media):
    client = client_for(duty.cast.user("county1_member"))
    url = reverse("duty_log_create")
    assert client.get(url).status_code == 200
    response = client.post(url, log_form_data(duty), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="cited-progress"' in page and "已完成 1/1" in page and "1/2" in page
    log = DutyLog.objects.get()
    assert log.status == "submitted" and log.items.count() == 2


def test_it_the_log_form_shows_chinese_errors_and_rejects_bad_evidence(duty, client_for, media):
    client = client_for(duty.cast.user("county1_member"))
    bad = SimpleUploadedFile("a.pdf", b"MZ\x90\x00binary")
    response = client.post(
        reverse("duty_log_create"),
        log_form_data(duty, talk_target="", evidence=bad),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "谈话必须填写谈话对象" in page or "类型不允许" in page
    assert not DutyLog.objects.exists()
    bad = SimpleUploadedFile("b.pdf", b"MZ\x90\x00binary")
    response = client.post(reverse("duty_log_create"), log_form_data(duty, evidence=bad))
    assert response.status_code == 400
    assert "类型不允许" in response.content.decode()
    assert not DutyLog.objects.exists() and not Attachment.objects.exists()


def test_it_evidence_sent_with_the_form_is_attached(duty, client_for, media):
    client = client_for(duty.cast.user("county1_member"))
    response = client.post(
        reverse("duty_log_create"),
        log_form_data(duty, evidence=SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n0000")),
    )
    assert response.status_code == 302
    log = DutyLog.objects.get()
    assert log.status == "submitted" and log.attachments.get().original_name == "照片.png"


def test_it_attachments_are_served_only_through_the_checked_view(duty, log, client_for):
    attachment = log.attachments.get()
    client = client_for(duty.cast.user("county1_jw"))
    response = client.get(reverse("duty_attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).decode() == "谈话纪要"


def test_it_an_oversized_upload_is_refused_with_a_message(duty, client_for, media, settings):
    settings.UPLOAD_MAX_BYTES = 100
    log = make_log(duty, submit=False)
    client = client_for(duty.cast.user("county1_member"))
    response = client.post(
        reverse("duty_attachment_upload", args=[log.pk]),
        {"file": SimpleUploadedFile("big.txt", b"a" * 500)},
        follow=True,
    )
    assert "过大" in response.content.decode()
    assert not log.attachments.exists()


def test_it_review_locks_the_log_and_nobody_can_edit_it(duty, log, client_for):
    member = client_for(duty.cast.user("county1_member"))
    # Submitted: the actor cannot review or edit.
    assert (
        member.post(reverse("duty_log_review", args=[log.pk]), {"decision": "accept"}).status_code
        == 403
    )
    reviewer = client_for(duty.cast.user("county1_jw"))
    response = reviewer.post(
        reverse("duty_log_review", args=[log.pk]), {"decision": "accept", "comment": "属实"}
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == "accepted"
    told = Notification.objects.get(kind="duty_log_accepted")  # issue 17.3
    assert told.recipient == duty.cast.user("county1_member") and log.title in told.title
    for username in ("county1_member", "county1_secretary", "city1_secretary", "county1_jw"):
        client = client_for(duty.cast.user(username))
        assert client.get(reverse("duty_log_edit", args=[log.pk])).status_code == 403
        assert (
            client.post(reverse("duty_log_edit", args=[log.pk]), log_form_data(duty)).status_code
            == 403
        )
    member = client_for(duty.cast.user("county1_member"))  # the fixture shares one client
    assert (
        member.post(reverse("duty_log_amend", args=[log.pk]), {"text": "补充参加人员"}).status_code
        == 302
    )
    assert log.amendments.count() == 1
    city = client_for(duty.cast.user("city1_secretary"))
    assert (
        city.post(reverse("duty_log_amend", args=[log.pk]), {"text": "上级改"}).status_code == 403
    )


def test_it_superiors_return_a_log_with_a_comment(duty, log, client_for):
    city = client_for(duty.cast.user("city1_secretary"))
    city.post(reverse("duty_log_review", args=[log.pk]), {"decision": "return", "comment": ""})
    log.refresh_from_db()
    assert log.status == "submitted"
    city.post(
        reverse("duty_log_review", args=[log.pk]), {"decision": "return", "comment": "请补充成效"}
    )
    log.refresh_from_db()
    assert log.status == "returned" and log.reviewer == duty.tenure("city1_secretary")
    # Issue 17.3: the member is told, with the reason and a link.
    told = Notification.objects.get(kind="duty_log_returned")
    assert told.recipient == duty.cast.user("county1_member")
    assert "请补充成效" in told.body and told.link == reverse("duty_log_detail", args=[log.pk])


def test_it_the_review_queue_lists_only_others_logs_in_oversight(duty, log, client_for):
    jw = client_for(duty.cast.user("county1_jw"))
    assert log.title in jw.get(reverse("duty_log_index") + "?tab=review").content.decode()
    member = client_for(duty.cast.user("county1_member"))
    assert log.title not in member.get(reverse("duty_log_index") + "?tab=review").content.decode()
    county2 = client_for(duty.cast.user("county2_secretary"))
    assert log.title not in county2.get(reverse("duty_log_index") + "?tab=scope").content.decode()


def test_it_the_log_index_query_count_does_not_grow(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("county1_jw"))
    url = reverse("duty_log_index") + "?tab=scope"
    make_log(duty)
    with django_assert_max_num_queries(17):  # +1: the navbar's 任免 check (admin role)
        client.get(url)
    for _n in range(30):
        make_log(duty)
    with django_assert_max_num_queries(17):
        client.get(url)


def test_it_late_entries_show_a_flag(duty, client_for, settings):
    settings.LATE_ENTRY_DAYS = 10
    log = make_log(duty, occurred_on=timezone.localdate() - datetime.timedelta(days=40))
    client = client_for(duty.cast.user("county1_member"))
    assert "补录" in client.get(reverse("duty_log_detail", args=[log.pk])).content.decode()


# --- Home, progress and method mix ------------------------------------------------------


def test_it_the_home_page_shows_item_progress_with_bounded_queries(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("county1_secretary"))
    with django_assert_max_num_queries(25):
        page = client.get(reverse("home")).content.decode()
    assert "我的责任条目进度" in page and "本单位全部条目" in page
    for _n in range(20):
        make_log(
            duty, tenure_key="county1_secretary", items=("c1_own",), action_type="committee_meeting"
        )
    with django_assert_max_num_queries(25):
        page = client.get(reverse("home")).content.decode()
    assert "以会议贯彻会议预警" in page


def test_it_the_member_sees_progress_change_after_logging(duty, client_for):
    client = client_for(duty.cast.user("county1_member"))
    before = client.get(reverse("duty_my_progress")).content.decode()
    assert "0/1" in before and "0/2" in before
    make_log(duty)
    after = client.get(reverse("duty_my_progress")).content.decode()
    assert "已完成 1/1" in after and "1/2" in after


def test_it_the_method_mix_page_shows_the_breakdown(duty, client_for, settings):
    for _n in range(4):
        make_log(
            duty, tenure_key="county1_secretary", items=("c1_own",), action_type="document_relay"
        )
    client = client_for(duty.cast.user("city1_secretary"))
    page = client.get(reverse("duty_method_mix", args=[duty.cast.county1.pk])).content.decode()
    assert "以会议贯彻会议预警" in page and "传达文件或会议精神 4" in page


# --- Letters and reports ----------------------------------------------------------------


def test_it_both_parties_sign_in_the_browser(duty, letter, client_for):
    url = reverse("duty_letter_sign", args=[letter.pk])
    member = client_for(duty.cast.user("county1_member"))
    assert member.post(url, {"password": PASSWORD}).status_code == 403  # not yet their turn
    secretary = client_for(duty.cast.user("county1_secretary"))
    secretary.post(url, {"password": "wrong"})
    letter.refresh_from_db()
    assert letter.status == "drafted"
    secretary.post(url, {"password": PASSWORD}, REMOTE_ADDR="192.0.2.7")
    member = client_for(duty.cast.user("county1_member"))
    member.post(url, {"password": PASSWORD})
    letter.refresh_from_db()
    assert letter.status == "signed"
    assert letter.signatures.get(role="issuer").ip == "192.0.2.7"


def test_it_the_letter_docx_downloads(duty, letter, client_for):
    client = client_for(duty.cast.user("county1_member"))
    response = client.get(reverse("duty_letter_docx", args=[letter.pk]))
    assert response["Content-Type"].endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text == "党风廉政建设责任书"


def test_it_letters_pages_vanish_when_disabled(duty, letter, client_for, settings):
    settings.RESPONSIBILITY_LETTERS_ENABLED = False
    client = client_for(duty.cast.user("county1_secretary"))
    assert client.get(reverse("duty_letter_detail", args=[letter.pk])).status_code == 404
    assert (
        "责任书"
        not in client.get(reverse("duty_log_index"))
        .content.decode()
        .split("</nav>")[1]
        .split("履责纪实")[0]
    )


def test_it_the_secretary_generates_a_letter(duty, client_for):
    client = client_for(duty.cast.user("county1_secretary"))
    response = client.post(
        reverse("duty_letter_create"),
        {"signee": duty.tenure("county1_member").pk, "year": duty.year},
    )
    assert response.status_code == 302
    assert ResponsibilityLetter.objects.get().issuer_tenure == duty.tenure("county1_secretary")


def test_it_reports_flow_from_draft_to_acknowledged(duty, client_for):
    member = client_for(duty.cast.user("county1_member"))
    response = member.post(reverse("duty_report_create"), {"kind": "personal", "year": duty.year})
    report = DutyReport.objects.get()
    assert response["Location"] == reverse("duty_report_detail", args=[report.pk])
    assert (
        member.post(
            reverse("duty_report_create"), {"kind": "committee", "year": duty.year}
        ).status_code
        == 403
    )
    member.post(
        reverse("duty_report_detail", args=[report.pk]),
        {"title": report.title, "content": "修改后的正文"},
    )
    member.post(reverse("duty_report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert (report.content, report.status) == ("修改后的正文", "submitted")
    assert (
        member.post(
            reverse("duty_report_acknowledge", args=[report.pk]), {"comment": "自己审"}
        ).status_code
        == 403
    )
    secretary = client_for(duty.cast.user("county1_secretary"))
    secretary.post(reverse("duty_report_acknowledge", args=[report.pk]), {"comment": "已阅"})
    report.refresh_from_db()
    assert report.status == "acknowledged"
    response = member.get(reverse("duty_report_docx", args=[report.pk]))
    assert docx.Document(io.BytesIO(response.content)).paragraphs[0].text == report.title


def test_it_a_committee_report_is_acknowledged_only_by_the_unit_above(duty, client_for):
    report = letters.draft_report(
        org=duty.cast.county1, year=duty.year, actor=duty.cast.user("county1_secretary")
    )
    letters.submit_report(report, actor=duty.cast.user("county1_secretary"))
    url = reverse("duty_report_acknowledge", args=[report.pk])
    own = client_for(duty.cast.user("county1_secretary"))
    assert own.post(url, {"comment": ""}).status_code == 403
    city = client_for(duty.cast.user("city1_secretary"))
    assert city.post(url, {"comment": "好"}).status_code == 302


def test_it_history_is_shown_on_item_pages(duty, client_for):
    item = duty.items["talk"]
    lists.update_item(
        item, min_count=3, reason="加密频次", actor=duty.cast.user("county1_secretary")
    )
    client = client_for(duty.cast.user("county1_member"))
    page = client.get(reverse("duty_item_detail", args=[item.pk])).content.decode()
    assert "加密频次" in page
    assert ResponsibilityItem.history.filter(id=item.pk).count() >= 2


def test_it_the_progress_page_query_count_does_not_grow(
    duty, client_for, django_assert_max_num_queries
):
    client = client_for(duty.cast.user("county1_member"))
    url = reverse("duty_my_progress")
    with django_assert_max_num_queries(16):
        client.get(url)
    member_list = duty.member_list
    for n in range(15):
        lists.add_item(
            member_list,
            content=f"进度条目{n}",
            reason="补充",
            actor=duty.cast.user("county1_secretary"),
        )
        make_log(duty)
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert "进度条目14" in page


def test_it_pagination_keeps_the_filters(duty, client_for):
    for n in range(55):
        lists.create_list(
            org=duty.cast.county1,
            year=duty.year,
            subject_type="committee_collective",
            title=f"分页清单{n}",
            actor=duty.cast.user("county1_secretary"),
        )
    client = client_for(duty.cast.user("county1_secretary"))
    page = client.get(reverse("duty_list_index") + f"?year={duty.year}").content.decode()
    assert f"?year={duty.year}&amp;page=2" in page


def test_it_reviewing_goes_from_log_to_log_without_navigating(duty, client_for):
    """Issue 17.4: after a decision the next waiting log opens; at the end, the queue."""
    day = timezone.localdate()
    logs = [
        make_log(duty, title=f"待审纪实{n}", occurred_on=day - datetime.timedelta(days=n))
        for n in range(3)
    ]
    jw = client_for(duty.cast.user("county1_jw"))
    page = jw.get(reverse("duty_log_detail", args=[logs[0].pk]))
    assert page.context["next_to_review"] == logs[1]
    assert 'id="review-queue"' in page.content.decode()
    visited = []
    current = logs[0]
    for _ in logs:
        visited.append(current.pk)
        response = jw.post(
            reverse("duty_log_review", args=[current.pk]), {"decision": "accept", "comment": "属实"}
        )
        assert response.status_code == 302
        if response.url.endswith("?tab=review"):
            break
        current = DutyLog.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert visited == [log.pk for log in logs]
    assert response.url == reverse("duty_log_index") + "?tab=review"
    assert DutyLog.objects.filter(pk__in=visited, status="accepted").count() == 3


def test_it_a_return_without_a_reason_keeps_the_chosen_decision(duty, log, client_for):
    """Issue 17.4: a failed return cleared the decision; now the form comes back as filled."""
    jw = client_for(duty.cast.user("county1_jw"))
    response = jw.post(reverse("duty_log_review", args=[log.pk]), {"decision": "return"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<input[^>]*value="return"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="accept"[^>]*checked', html)
    assert "退回时必须填写审核意见" in html
    log.refresh_from_db()
    assert log.status == "submitted"


def test_it_each_unit_summary_figure_opens_exactly_its_items(duty, client_for):
    """Issue 17.6: "2 逾期或滞后" on the secretary's home was plain text."""
    make_log(duty)  # some items move, so the states differ
    client = client_for(duty.cast.user("county1_secretary"))
    home = client.get(reverse("home"))
    summary = home.context["duty_unit_summary"]
    html = home.content.decode()
    assert sum(summary[s] for s in ("green", "yellow", "red")) > 0
    url = reverse("duty_unit_items", args=[duty.cast.county1.pk])
    for state in ("green", "yellow", "red"):
        assert f'href="{url}?state={state}"' in html
        page = client.get(f"{url}?state={state}")
        assert page.status_code == 200
        assert page.context["total"] == summary[state]
        assert all(item.progress.state == state for item in page.context["page"].object_list)
    assert client.get(f"{url}?state=purple").status_code == 404
    member = client_for(duty.cast.user("county1_member"))
    assert member.get(f"{url}?state=red").status_code == 403


def test_it_an_item_page_shows_its_progress_and_the_logs_counted(duty, client_for):
    """Issue 17.6: an item's page showed no progress and no logs."""
    counted = make_log(duty, title="计入本期的谈话")
    make_log(duty, title="草稿不计", submit=False)
    item = duty.items["talk"]
    page = client_for(duty.cast.user("county1_member")).get(
        reverse("duty_item_detail", args=[item.pk])
    )
    progress = page.context["progress"]
    assert (progress.count, progress.required) == (1, item.min_count)
    logs = {log.title: log.counts for log in page.context["item_logs"]}
    assert logs == {"计入本期的谈话": True, "草稿不计": False}
    html = page.content.decode()
    assert f"已计 1 / 应有 {item.min_count} 次" in html
    assert reverse("duty_log_detail", args=[counted.pk]) in html
    outsider = client_for(duty.cast.user("county2_secretary"))
    assert outsider.get(reverse("duty_item_detail", args=[item.pk])).status_code == 404


def test_it_a_log_of_another_method_is_flagged_and_refused_where_the_method_binds(duty, client_for):
    """Issue 17.8: a 谈心谈话 counted toward a 督导检查 item with no hint."""
    client = client_for(duty.cast.user("county1_member"))
    visit = duty.items["visit"]  # its list names 督导检查; a talk may cite it, flagged
    form = client.get(reverse("duty_log_create")).context["form"]
    labels = dict((str(v), str(lbl)) for v, lbl in form.fields["items"].choices)
    assert "方式:督导检查" in labels[str(visit.pk)]
    response = client.post(reverse("duty_log_create"), log_form_data(duty), follow=True)
    html = response.content.decode()
    assert 'id="method-mismatch"' in html and visit.content[:10] in html
    assert "履责方式与所关联条目规定的方式不同" in html
    assert DutyLog.objects.filter(items=visit).count() == 1

    visit.method_required = True
    visit.save()
    response = client.post(reverse("duty_log_create"), log_form_data(duty, title="第二次"))
    assert response.status_code == 400
    assert f"条目 {visit.number} 须以“督导检查”方式履责" in response.content.decode()
    assert not DutyLog.objects.filter(title="第二次").exists()
    with pytest.raises(ValidationError):
        make_log(duty, title="服务也拒绝")


def test_it_the_method_mix_page_says_what_triggers_its_warning(duty, client_for, settings):
    settings.METHOD_MIX_THRESHOLD = 65
    settings.METHOD_MIX_MIN_LOGS = 4
    client = client_for(duty.cast.user("city1_secretary"))
    page = client.get(reverse("duty_method_mix", args=[duty.cast.county1.pk])).content.decode()
    assert "不少于 4 条" in page and "超过 65%" in page and "传达文件或会议精神" in page
