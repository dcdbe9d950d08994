"""The pages: access (404 out of scope, 403 read-only), the chain through closure, exports."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from inspections import deadlines
from inspections.models import Attachment, Finding, RectificationTask
from inspections.services import rounds
from inspections.workflows import TASK_FLOW
from tests.html_ids import id_problems

from .fixtures import TODAY, make_finding, make_task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def object_urls(insp):
    return [
        reverse("inspections:round_detail", args=[insp.xuncha.pk]),
        reverse("inspections:finding_detail", args=[insp.daily.pk]),
        reverse("inspections:task_detail", args=[insp.daily_task.pk]),
    ]


def test_it_shows_each_page_to_the_inspecting_side(cast, insp, client_for):
    client = client_for(cast.user("county1_jw"))
    for url in [
        reverse("inspections:round_list"),
        reverse("inspections:ledger"),
        reverse("inspections:risk_ranking"),
        reverse("inspections:round_create"),
        reverse("inspections:finding_create"),
        reverse("inspections:round_detail", args=[insp.covert.pk]),
        reverse("inspections:round_detail", args=[insp.resup.pk]),
        reverse("inspections:finding_detail", args=[insp.upward.pk]),
        *object_urls(insp),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_it_hides_sibling_units(cast, insp, client_for):
    client = client_for(cast.user("county2_secretary"))
    for url in object_urls(insp):
        assert client.get(url).status_code == 404, url
    # …and county 1 never sees county 2's.
    client = client_for(cast.user("county1_secretary"))
    assert (
        client.get(reverse("inspections:finding_detail", args=[insp.sibling.pk])).status_code == 404
    )
    assert (
        client.get(reverse("inspections:task_detail", args=[insp.sibling_task.pk])).status_code
        == 404
    )


def test_it_requires_scope(cast, insp, client_for):
    client = client_for(cast.user("outsider"))
    for url in object_urls(insp):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("inspections:risk_ranking")).status_code == 404
    assert client.get(reverse("inspections:round_create")).status_code == 403


def test_it_hides_secret_rows_behind_404(cast, insp, client_for):
    client = client_for(cast.user("county1_secretary"))
    assert (
        client.get(reverse("inspections:finding_detail", args=[insp.upward.pk])).status_code == 404
    )
    assert (
        client.get(reverse("inspections:task_detail", args=[insp.upward_task.pk])).status_code
        == 404
    )
    assert client.get(reverse("inspections:round_detail", args=[insp.covert.pk])).status_code == 404
    ledger = client.get(reverse("inspections:ledger")).content.decode()
    assert insp.daily.title in ledger
    assert insp.upward.title not in ledger


def test_it_targets_cannot_verify_and_inspectors_cannot_rectify(cast, insp, client_for):
    task = insp.daily_task
    secretary = client_for(cast.user("county1_secretary"))
    url = reverse("inspections:task_action", args=[task.pk, "close"])
    assert secretary.post(url, {"close-note": "自己销号"}).status_code == 403
    jw = client_for(cast.user("county1_jw"))
    url = reverse("inspections:task_action", args=[task.pk, "start"])
    assert jw.post(url).status_code == 403
    task.refresh_from_db()
    assert task.status == RectificationTask.Status.ASSIGNED


def test_it_the_chain_from_finding_to_closure_through_the_pages(cast, insp, client_for):
    jw = client_for(cast.user("county1_jw"))
    response = jw.post(
        reverse("inspections:finding_create"),
        {
            "org": cast.county1.pk,
            "inspecting_body": cast.bodies["T-K1:discipline"].pk,
            "source": "this_level",
            "sub_source": "level_discipline",
            "category": "conduct",
            "severity": "serious",
            "title": "违规发放津贴补贴",
            "description": "2025年违规发放津贴补贴3次。",
            "files": [pdf()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    finding = Finding.objects.get(title="违规发放津贴补贴")
    assert finding.attachments.count() == 1 and finding.delivered_at is not None
    response = jw.post(
        reverse("inspections:finding_add_task", args=[finding.pk]),
        {
            "measure": "清退违规发放的津贴补贴",
            "owner_tenure": cast.tenures["county1_secretary"].pk,
            "org": cast.county1.pk,
            "start_date": TODAY.isoformat(),
            "due_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
    )
    task = finding.tasks.get()
    assert response.status_code == 302

    secretary = client_for(cast.user("county1_secretary"))
    assert secretary.get(reverse("inspections:task_detail", args=[task.pk])).status_code == 200
    secretary.post(reverse("inspections:task_action", args=[task.pk, "start"]))
    response = secretary.post(
        reverse("inspections:task_action", args=[task.pk, "submit"]),
        {"closure-statement": "已全部清退", "closure-files": [pdf("清退凭证.pdf")]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == RectificationTask.Status.SUBMITTED
    evidence = Attachment.objects.get(update__task=task)
    assert evidence.original_name == "清退凭证.pdf"

    jw = client_for(cast.user("county1_jw"))
    jw.post(reverse("inspections:task_action", args=[task.pk, "close"]), {"close-note": "核实无误"})
    task.refresh_from_db()
    assert task.status == RectificationTask.Status.CLOSED
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.CLOSED
    # Issue 17.10: a closed task shows "已销号", not a green light, and who closed it by name.
    page = jw.get(reverse("inspections:task_detail", args=[task.pk])).content.decode()
    assert "已销号" in page and "绿灯" not in page
    closer = cast.user("county1_jw")
    assert f"{closer.person.name}:核实无误" in page and "county1_jw:" not in page

    # The evidence file is served to those who may see the task, and to nobody else.
    url = reverse("inspections:attachment_download", args=[evidence.pk])
    response = jw.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404


def test_it_refuses_files_whose_bytes_do_not_match(cast, insp, client_for):
    jw = client_for(cast.user("county1_jw"))
    fake = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    response = jw.post(
        reverse("inspections:finding_create"),
        {
            "org": cast.county1.pk,
            "inspecting_body": cast.bodies["T-K1:discipline"].pk,
            "source": "this_level",
            "sub_source": "level_discipline",
            "category": "conduct",
            "severity": "minor",
            "title": "带伪造附件的问题",
            "description": "x",
            "files": [fake],
        },
    )
    assert response.status_code == 200
    assert "类型不允许上传" in response.content.decode()
    assert not Finding.objects.filter(title="带伪造附件的问题").exists()


def test_it_refused_transitions_show_a_clear_message(cast, insp, client_for):
    jw = client_for(cast.user("county1_jw"))
    url = reverse("inspections:round_transition", args=[insp.xuncha.pk])
    response = jw.post(url, {"action": "close"}, follow=True)
    assert "不能执行" in response.content.decode()


def test_it_ledger_export_has_exactly_the_filtered_rows(cast, insp, client_for):
    client = client_for(cast.user("city1_jw"))
    response = client.get(reverse("inspections:ledger_export"), {"org": cast.county1.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = {  # county 1 and its township, as city 1's commission sees them
        insp.xuncha_finding.number,
        insp.covert_finding.number,
        insp.daily.number,
        insp.upward.number,
        insp.resup_finding.number,
    }
    assert {row[0] for row in rows} == expected
    assert sheet.cell(row=1, column=1).value == "问题编号"
    daily = next(row for row in rows if row[0] == insp.daily.number)
    assert daily[7] == insp.daily.title and "刘海涛" in daily[9]
    response = client.get(
        reverse("inspections:ledger_export"), {"org": cast.county1.pk, "q": "礼金"}
    )
    rows = list(
        load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    )
    assert [row[0] for row in rows] == [insp.upward.number]


def test_it_ledger_filters_by_traffic_light(cast, insp, client_for):
    jw = cast.user("county1_jw")
    make_task(
        jw, insp.upward, cast.tenures["county1_member"], due=TODAY - datetime.timedelta(days=3)
    )
    client = client_for(jw)
    body = client.get(reverse("inspections:ledger"), {"light": "red"}).content.decode()
    assert insp.upward.number in body and insp.daily.number not in body


def test_it_ledger_filters_by_the_year_registered(cast, insp, client_for):
    client = client_for(cast.user("county1_jw"))
    last_year = TODAY.replace(year=TODAY.year - 1, day=1)
    Finding.objects.filter(pk=insp.daily.pk).update(
        created_at=datetime.datetime.combine(last_year, datetime.time(12), datetime.UTC)
    )
    this_year = client.get(reverse("inspections:ledger"), {"year": TODAY.year})
    numbers = {f.number for f in this_year.context["page"]}
    assert insp.upward.number in numbers and insp.daily.number not in numbers
    before = client.get(reverse("inspections:ledger"), {"year": last_year.year})
    assert [f.number for f in before.context["page"]] == [insp.daily.number]
    bad = client.get(reverse("inspections:ledger"), {"year": "1066"})
    # A filter that cannot apply says so and lists nothing (issue 17.1), never all rows.
    assert bad.status_code == 400 and "year" in bad.context["form"].errors
    assert bad.context["page"].paginator.count == 0


def test_it_ledger_query_count_does_not_grow_with_rows(
    cast, insp, client_for, django_assert_max_num_queries
):
    jw = cast.user("county1_jw")
    client = client_for(jw)
    url = reverse("inspections:ledger")
    client.get(url)  # warm caches (sessions, content types)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for n in range(30):
        finding = make_finding(
            jw,
            cast.township1,
            body=cast.bodies["T-K1:discipline"],
            title=f"批量问题{n}",
            responsibilities=[(cast.tenures["township1_secretary"], "principal")],
        )
        make_task(jw, finding, cast.tenures["township1_secretary"])
        make_task(jw, finding, cast.tenures["township1_secretary"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("批量问题") == 90  # title + two task measures each
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert client.get(reverse("inspections:ledger_export")).status_code == 200


def test_it_round_list_query_count_is_bounded(
    cast, insp, client_for, django_assert_max_num_queries
):
    client = client_for(cast.user("prov_jw"))
    url = reverse("inspections:round_list")
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    for n in range(20):
        rounds.create_round(
            actor=cast.user("prov_jw"),
            kind="special",
            title=f"专项{n}",
            issuing_body=cast.bodies["T-P:discipline"],
            year=TODAY.year,
            targets=[cast.city2],
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).content.decode().count("专项") >= 20


def test_it_rectification_report_draft_is_a_docx_with_the_findings(cast, insp, client_for):
    client = client_for(cast.user("city1_secretary"))
    target = insp.xunshi.round_targets.get()
    url = reverse("inspections:report_docx", args=[insp.xunshi.pk, target.pk])
    response = client.get(url)
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert insp.xunshi.title in text
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert insp.xunshi_finding.number in cells[1]
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404


def test_it_feedback_review_and_reports_through_the_round_page(cast, insp, client_for):
    prov = client_for(cast.user("prov_jw"))
    round_ = insp.xunshi
    target = round_.round_targets.get()
    url = reverse("inspections:feedback_add", args=[round_.pk])
    for audience in ("leadership_team", "principal_leader"):
        response = prov.post(
            url,
            {
                "target": target.pk,
                "audience": audience,
                "date": TODAY.isoformat(),
                "content": "反馈意见",
                "files": [pdf()],
            },
        )
        assert response.status_code == 302
    assert round_.feedbacks.count() == 2
    prov.post(
        reverse("inspections:review_add", args=[round_.pk]),
        {"target": target.pk, "date": TODAY.isoformat(), "attendees": "市委班子", "points": "要点"},
    )
    review = round_.reviews.get()
    city = client_for(cast.user("city1_secretary"))
    city.post(
        reverse("inspections:review_acknowledge", args=[round_.pk, review.pk]),
        {"comment": "诚恳接受"},
    )
    assert review.acknowledgements.get().tenure == cast.tenures["city1_secretary"]
    # Only the target's leaders acknowledge.
    response = client_for(cast.user("prov_jw")).post(
        reverse("inspections:review_acknowledge", args=[round_.pk, review.pk]), follow=True
    )
    assert "只有被检查单位的领导班子成员" in response.content.decode()
    report = round_.reports.get(kind="team")
    assert report.due_date == deadlines.report_due_for(round_, TODAY)
    response = client_for(cast.user("prov_jw")).post(
        reverse("inspections:report_submit", args=[round_.pk, report.pk]),
        {f"report{report.pk}-content": "x"},
    )
    assert response.status_code == 403
    city = client_for(cast.user("city1_secretary"))  # one test client: log in again
    city.post(
        reverse("inspections:report_submit", args=[round_.pk, report.pk]),
        {f"report{report.pk}-content": "整改报告正文"},
    )
    report.refresh_from_db()
    assert report.submitted_at is not None


def test_it_only_the_inspecting_side_edits_rounds_and_findings(cast, insp, client_for):
    finding_url = reverse("inspections:finding_edit", args=[insp.daily.pk])
    round_url = reverse("inspections:round_edit", args=[insp.xuncha.pk])
    assert client_for(cast.user("county1_secretary")).get(finding_url).status_code == 403
    assert client_for(cast.user("county1_secretary")).get(round_url).status_code == 403
    assert client_for(cast.user("county2_secretary")).get(finding_url).status_code == 404
    jw = client_for(cast.user("county1_jw"))
    response = jw.post(
        finding_url,
        {
            "category": "conduct",
            "severity": "grave",
            "title": "落实主体责任严重不力",
            "description": "补充了事实。",
        },
    )
    assert response.status_code == 302
    insp.daily.refresh_from_db()
    assert (insp.daily.severity, insp.daily.title) == ("grave", "落实主体责任严重不力")
    assert insp.daily.history.first().history_user == cast.user("county1_jw")
    response = jw.post(round_url, {"title": "县委2026年第一轮巡察", "round_no": 1, "notes": "x"})
    assert response.status_code == 302
    insp.xuncha.refresh_from_db()
    assert insp.xuncha.title == "县委2026年第一轮巡察"


def test_it_ledger_per_round_and_per_organisation(cast, insp, client_for):
    client = client_for(cast.user("prov_jw"))
    body = client.get(reverse("inspections:ledger"), {"round": insp.resup.pk}).content.decode()
    assert insp.resup_finding.number in body and insp.daily.number not in body
    body = client.get(reverse("inspections:ledger"), {"org": cast.county2.pk}).content.decode()
    assert insp.sibling.number in body and insp.daily.number not in body
    # A round the user cannot see is not a valid filter (no hint that it exists).
    other = client_for(cast.user("county2_secretary"))
    page = other.get(reverse("inspections:ledger"), {"round": insp.covert.pk})
    body = page.content.decode()
    # It says the filter cannot apply and lists nothing (issue 17.1), naming no round.
    assert page.status_code == 400 and 'id="ledger-filter-errors"' in body
    assert insp.covert_finding.number not in body and insp.covert.title not in body


def test_it_extension_return_and_reopen_through_the_pages(cast, insp, client_for):
    task = insp.daily_task
    old_due = task.due_date
    action = lambda name: reverse("inspections:task_action", args=[task.pk, name])  # noqa: E731
    secretary = client_for(cast.user("county1_secretary"))
    new_due = (old_due + datetime.timedelta(days=15)).isoformat()
    secretary.post(
        action("request_extension"),
        {"extension-new_due_date": new_due, "extension-reason": "需要走招标程序"},
    )
    body = (
        client_for(cast.user("county1_jw"))
        .get(reverse("inspections:task_detail", args=[task.pk]))
        .content.decode()
    )
    assert "审批延期申请" in body and "需要走招标程序" in body
    jw = client_for(cast.user("county1_jw"))
    jw.post(action("decide_extension"), {"decision-approve": "1", "decision-note": "同意"})
    task.refresh_from_db()
    assert task.due_date.isoformat() == new_due and task.original_due_date == old_due

    secretary = client_for(cast.user("county1_secretary"))
    secretary.post(action("progress"), {"progress-text": "已召开专题会"})
    secretary.post(action("submit"), {"closure-statement": "完成"})
    jw = client_for(cast.user("county1_jw"))
    response = jw.post(action("return"), {"return-reason": ""}, follow=True)
    assert "理由" in response.content.decode()  # a return needs a reason
    jw.post(action("return"), {"return-reason": "缺少会议纪要"})
    task.refresh_from_db()
    assert task.status == RectificationTask.Status.RETURNED
    body = (
        client_for(cast.user("county1_secretary"))
        .get(reverse("inspections:task_detail", args=[task.pk]))
        .content.decode()
    )
    assert "缺少会议纪要" in body
    secretary = client_for(cast.user("county1_secretary"))
    secretary.post(action("submit"), {"closure-statement": "已补充会议纪要"})
    jw = client_for(cast.user("county1_jw"))
    jw.post(action("close"), {"close-note": ""})
    jw.post(action("reopen"), {"reopen-reason": "回访发现反弹"})
    task.refresh_from_db()
    assert (task.status, task.reopen_count) == (RectificationTask.Status.IN_PROGRESS, 1)


def test_it_evidence_can_be_added_to_a_finding_by_the_inspecting_side(cast, insp, client_for):
    url = reverse("inspections:finding_add_evidence", args=[insp.daily.pk])
    assert (
        client_for(cast.user("county1_secretary"))
        .post(url, {"evidence-files": [pdf()]})
        .status_code
        == 403
    )
    client_for(cast.user("county1_jw")).post(url, {"evidence-files": [pdf("谈话记录.pdf")]})
    assert list(insp.daily.attachments.values_list("original_name", flat=True)) == ["谈话记录.pdf"]


def test_it_the_ledger_answers_htmx_with_just_the_results(cast, insp, client_for):
    client = client_for(cast.user("county1_jw"))
    response = client.get(
        reverse("inspections:ledger"), {"q": "礼金"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and insp.upward.number in body
    assert insp.daily.number not in body
    assert "q=%E7%A4%BC%E9%87%91" in body  # the export link carries the filter


@pytest.mark.parametrize("status", [s.value for s in RectificationTask.Status])
def test_it_offers_on_the_task_page_exactly_what_the_table_allows(cast, insp, client_for, status):
    task = make_task(
        cast.user("county1_jw"), insp.daily, cast.tenures["county1_secretary"], long_term=True
    )
    RectificationTask.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    prefix = reverse("inspections:task_detail", args=[task.pk])
    offered = {}
    for username in ("county1_secretary", "county1_jw"):
        user = cast.user(username)
        page = client_for(user).get(prefix).content.decode()
        offered[username] = {a for a in TASK_FLOW.actions if f'action="{prefix}{a}/"' in page}
        assert offered[username] == TASK_FLOW.allowed_actions(task, user), (username, status)
    # The target side works on an open task, the inspecting side decides on a submitted one.
    expected = {"assigned": "start", "returned": "submit", "submitted_for_closure": "return"}
    if status in expected:
        assert expected[status] in offered["county1_secretary"] | offered["county1_jw"]


def test_it_the_round_page_gives_each_forms_fields_their_own_ids(cast, insp, client_for):
    """Issue 17.9: the feedback and review forms shared id_target and id_date."""
    page = client_for(cast.user("prov_jw")).get(
        reverse("inspections:round_detail", args=[insp.xunshi.pk])
    )
    html = page.content.decode()
    assert page.context["feedback_form"] is not None and page.context["review_form"] is not None
    assert 'id="feedback_target"' in html and 'id="review_target"' in html
    assert id_problems(html) == []


def test_it_the_finding_page_says_evidence_once(cast, insp, client_for):
    """Issue 17.10: "佐证材料" read twice (the row's heading and the upload button)."""
    client = client_for(cast.user("county1_jw"))
    html = client.get(reverse("inspections:finding_detail", args=[insp.daily.pk])).content.decode()
    assert reverse("inspections:finding_add_evidence", args=[insp.daily.pk]) in html
    assert html.count("佐证材料") == 1
