"""Per-person assessment pages (issue 18): who sees a result, the superior's forms, the
廉政档案 section and the 班子考察 .docx."""

import datetime
import io

import docx
import pytest
from django.urls import reverse

from accountability.integrity import integrity_record
from assessments.models import PersonInterview, ReportReview
from assessments.services import people
from tests.assessments.person_fixtures import compute, result, submit_personal_report

pytestmark = pytest.mark.django_db


def test_it_shows_a_result_to_the_superior_and_the_person_only(cast, client_for):
    compute(cast)
    member = result(cast, "county1_member")
    url = reverse("assessments:person_detail", args=[member.pk])
    assert client_for(cast.user("county1_member")).get(url).status_code == 200  # themself
    assert client_for(cast.user("city1_secretary")).get(url).status_code == 200  # superior
    for peer in ("county1_secretary", "county1_jw", "county2_secretary", "outsider"):
        assert client_for(cast.user(peer)).get(url).status_code == 404, peer
    secretary = result(cast, "county1_secretary")
    other = reverse("assessments:person_detail", args=[secretary.pk])
    assert client_for(cast.user("county1_member")).get(other).status_code == 404


def test_it_lists_the_team_for_the_superior_without_ranking(cast, client_for):
    compute(cast)
    url = reverse("assessments:person_team", args=[cast.county1.pk]) + "?year=2026&period=1"
    page = client_for(cast.user("city1_secretary")).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "刘海涛" in text and "陈晓梅" in text and "排名" not in text.replace("不排名", "")
    assert client_for(cast.user("county1_secretary")).get(url).status_code == 404


def test_it_records_an_interview_and_a_review_through_the_forms(cast, client_for):
    people.compute_people(cast.county1, 2026, 1, actor=cast.user("city1_secretary"))
    people.compute_people(cast.county1, 2026, 0, actor=cast.user("city1_secretary"))
    client = client_for(cast.user("city1_secretary"))
    quarter = result(cast, "county1_member")
    bad = client.post(
        reverse("assessments:person_interview", args=[quarter.pk]),
        {
            "interviewed_on": "2026-02-10",
            "rubric_political": "12",
            "rubric_duty": "8",
            "rubric_integrity": "8",
            "rubric_style": "8",
            "rubric_discipline": "8",
        },
        follow=True,
    )
    assert bad.status_code == 200 and not PersonInterview.objects.exists()
    ok = client.post(
        reverse("assessments:person_interview", args=[quarter.pk]),
        {
            "interviewed_on": "2026-02-10",
            "rubric_political": "10",
            "rubric_duty": "8",
            "rubric_integrity": "8",
            "rubric_style": "8",
            "rubric_discipline": "8",
            "note": "了解",
        },
        follow=True,
    )
    assert ok.status_code == 200 and PersonInterview.objects.get().total == 84
    assert result(cast, "county1_member").inputs["interview"]["score"] == "84.00"
    submit_personal_report(cast, "county1_member")
    year = result(cast, "county1_member", period=0)
    client.post(
        reverse("assessments:person_review", args=[year.pk]),
        {"reviewed_on": "2026-01-20", "rating": "good", "comments": "认真履责"},
    )
    assert ReportReview.objects.get().rating == "good"
    # The person sees the review but not the interview records.
    own = client_for(cast.user("county1_member")).get(
        reverse("assessments:person_detail", args=[year.pk])
    )
    assert "认真履责" in own.content.decode()
    own_quarter = (
        client_for(cast.user("county1_member"))
        .get(reverse("assessments:person_detail", args=[quarter.pk]))
        .content.decode()
    )
    # Who talked to the superior about them, when and what was said stays with the superior.
    assert reverse("assessments:person_interview", args=[quarter.pk]) not in own_quarter
    assert "2026-02-10" not in own_quarter


def test_it_puts_published_results_in_the_integrity_record(cast):
    compute(cast)
    member = result(cast, "county1_member")
    person = cast.people["county1_member"]
    viewer = cast.user("city1_jw")
    record = integrity_record(person, viewer=viewer, why="test")
    section = next(s for s in record.extra_sections if s.title == "考核评价结果")
    assert section.rows == []  # drafts stay out
    people.publish_person_snapshot(member, actor=cast.user("city1_secretary"))
    record = integrity_record(person, viewer=viewer, why="test")
    section = next(s for s in record.extra_sections if s.title == "考核评价结果")
    assert section.rows == [["2026年第1季度", "一号县", str(member.total), member.grade]]


def test_it_exports_the_team_for_the_inspection_as_an_official_docx(cast, client_for):
    compute(cast)
    url = reverse("assessments:person_team_docx", args=[cast.county1.pk]) + "?year=2026&period=1"
    response = client_for(cast.user("city1_secretary")).get(url)
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "一号县领导班子和领导干部考核结果" in text and "2026年第1季度" in text
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert {"刘海涛", "陈晓梅", str(result(cast, "county1_member").total)} <= cells
    assert client_for(cast.user("county1_member")).get(url).status_code == 404
    assert datetime.date.today()  # generated date is printed by the template


def test_it_lists_a_persons_own_results_and_nothing_for_an_account_without_a_post(
    cast, client_for, django_assert_max_num_queries
):
    compute(cast)
    compute(cast, period=0)
    client = client_for(cast.user("county1_member"))
    with django_assert_max_num_queries(15):
        page = client.get(reverse("assessments:person_mine"))
    text = page.content.decode()
    assert "2026年第1季度" in text and "2026年度" in text
    admin_less = client_for(cast.user("outsider")).get(reverse("assessments:person_mine"))
    assert admin_less.status_code == 200 and "暂无考核结果" in admin_less.content.decode()


def test_it_reads_the_team_page_in_bounded_queries(cast, client_for, django_assert_max_num_queries):
    compute(cast)
    client = client_for(cast.user("city1_secretary"))
    url = reverse("assessments:person_team", args=[cast.county1.pk]) + "?year=2026&period=1"
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_it_the_predicate_and_the_filter_agree_on_person_results(cast):
    from assessments.models import PersonAssessmentSnapshot

    compute(cast)
    rows = list(PersonAssessmentSnapshot.objects.all())
    for username in cast.users:
        user = cast.user(username)
        visible = set(
            PersonAssessmentSnapshot.objects.visible_to(user).values_list("pk", flat=True)
        )
        for row in rows:
            allowed = user.has_perm("assessments.view_personassessmentsnapshot", row)
            assert allowed == (row.pk in visible), (username, row)
