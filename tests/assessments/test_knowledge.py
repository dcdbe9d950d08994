"""知责 (issue 18): the question bank and its import, tests assigned by post, one attempt,
scoring, who sees which score (R31: no ranking), query counts and the assessment inputs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import knowledge, knowledge_import, scoring
from assessments.collect import collect
from assessments.models import KnowledgeAssignment, KnowledgeQuestion, KnowledgeTest
from assessments.services import knowledge as services
from liangge_zeren.actors import DEMO
from liangge_zeren.spreadsheets import WorkbookWriter
from notifications.models import Notification
from responsibilities.models import Tenure

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
YEAR, QUARTER = 2026, 4
R = Tenure.Role


def bank(cast, n=6, org=None):
    """n single-choice questions (answer A) in the province's bank, tagged 问责."""
    return [
        services.save_question(
            actor=DEMO,
            org=org or cast.province,
            kind=KnowledgeQuestion.Kind.SINGLE,
            stem=f"第{i}题:问责条例规定的问责对象是?",
            options=["党组织和党的领导干部", "普通群众"],
            answer="A",
            source_article="《中国共产党问责条例》第六条",
            source_kind=KnowledgeQuestion.SourceKind.REGULATION,
            tags=["问责"],
        )
        for i in range(n)
    ]


def assign(cast, count=4, roles=(R.SECRETARY, R.TEAM_MEMBER), by="county1_secretary"):
    return services.assign_test(
        actor=cast.user(by),
        org=cast.county1,
        title="四季度知责测试",
        year=YEAR,
        quarter=QUARTER,
        roles=list(roles),
        question_count=count,
        opens_on=TODAY - datetime.timedelta(days=1),
        closes_on=TODAY + datetime.timedelta(days=10),
        seed=7,
    )


def sheet_of(cast, test, key):
    return KnowledgeAssignment.objects.get(test=test, person=cast.tenures[key].person)


def right_answers(sheet, wrong=0):
    questions = knowledge.sheet_questions(sheet)
    return {str(q.pk): ("B" if i < wrong else q.answer) for i, q in enumerate(questions)}


def xlsx(rows):
    book = WorkbookWriter()
    sheet = book.sheet(knowledge_import.SHEET.name)
    sheet.header(knowledge_import.SHEET.headers)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


GOOD_ROWS = [
    (
        "问责对象包括哪些?",
        "A. 党组织\nB. 党的领导干部\nC. 普通群众",
        "AB",
        "《中国共产党问责条例》第六条",
        "",
        "",
        "问责",
    ),
    ("廉洁自律准则适用于全体党员。", "", "对", "《中国共产党廉洁自律准则》", "", "", ""),
    (
        "纪律处分条例的处分种类有几种?",
        "三种;四种;五种;六种",
        "C",
        "《中国共产党纪律处分条例》第八条",
        "",
        "",
        "处分",
    ),
]


# --- Import ------------------------------------------------------------------------------


def test_it_imports_a_file_and_a_second_import_changes_nothing(cast):
    data = xlsx(GOOD_ROWS)
    first = knowledge_import.import_file(data, "q.xlsx", org=cast.county1, actor=DEMO)
    assert first.ok and (first.created, first.updated, first.unchanged) == (3, 0, 0)
    multiple = KnowledgeQuestion.objects.get(stem="问责对象包括哪些?")
    assert multiple.kind == KnowledgeQuestion.Kind.MULTIPLE
    assert multiple.options == ["党组织", "党的领导干部", "普通群众"]
    assert multiple.answer == "AB" and multiple.source_kind == "regulation"
    judge = KnowledgeQuestion.objects.get(stem__startswith="廉洁自律准则")
    assert (judge.kind, judge.answer, judge.source_kind) == ("judge", "T", "code")
    second = knowledge_import.import_file(data, "q.xlsx", org=cast.county1, actor=DEMO)
    assert second.ok and (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert KnowledgeQuestion.objects.count() == 3
    assert multiple.history.count() == 1


def test_it_reports_every_bad_row_and_writes_nothing(cast):
    rows = [
        *GOOD_ROWS,
        ("", "A;B", "A", "《问责条例》第六条", "", "", ""),  # row 5: no stem
        ("单选题只有一个选项", "只有一个", "A", "《问责条例》第六条", "", "", ""),  # row 6
        ("答案超出选项", "甲;乙", "D", "《问责条例》第六条", "", "", ""),  # row 7
        ("没有出处", "甲;乙", "A", "", "", "", ""),  # row 8
        ("问责对象包括哪些?", "甲;乙", "A", "《问责条例》第六条", "", "", ""),  # row 9: repeat
        ("判断题不应有选项", "甲;乙", "错", "《问责条例》第六条", "", "", ""),  # row 10
    ]
    result = knowledge_import.import_file(xlsx(rows), "q.xlsx", org=cast.county1, actor=DEMO)
    assert not result.ok
    where = {(e.row, e.column) for e in result.errors}
    assert {
        (5, "题干"),
        (6, "选项"),
        (7, "答案"),
        (8, "出处条款"),
        (9, "题干"),
        (10, "选项"),
    } <= where
    assert all(e.message for e in result.errors)
    assert "第 2 行" in next(e.message for e in result.errors if e.row == 9)
    assert KnowledgeQuestion.objects.count() == 0


def test_it_imports_its_own_template_and_skips_questions_of_a_bank_above(cast):
    template = knowledge_import.build_template()
    result = knowledge_import.import_file(template, "t.xlsx", org=cast.province, actor=DEMO)
    assert result.ok and result.created == 1
    below = knowledge_import.import_file(template, "t.xlsx", org=cast.county1, actor=DEMO)
    assert below.ok and below.created == 0 and below.unchanged == 1 and below.notices
    assert KnowledgeQuestion.objects.count() == 1


def test_it_offers_the_import_page_and_template_to_managers_only(cast, client_for):
    client = client_for(cast.user("county1_secretary"))
    url = reverse("assessments:knowledge_question_import")
    assert client.get(url).status_code == 200
    assert client.get(reverse("assessments:knowledge_question_template")).status_code == 200
    upload = knowledge_import.build_template()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("t.xlsx", upload)})
    assert response.status_code == 200
    assert KnowledgeQuestion.objects.filter(org=cast.county1).count() == 1
    member = client_for(cast.user("county1_member"))
    assert member.get(url).status_code == 403


# --- Tests by post, one attempt, scoring ---------------------------------------------------


def test_it_assigns_by_post_in_the_subtree_and_notifies_each_person(cast):
    bank(cast)
    test = assign(cast)
    people = set(test.assignments.values_list("person__user__username", flat=True))
    # County 1's secretary and member; the township's secretary has no login; the former
    # secretary's post has ended; the discipline officer holds another post.
    assert people == {"county1_secretary", "county1_member"}
    sheet = sheet_of(cast, test, "county1_member")
    assert len(sheet.questions) == 4 and len(set(sheet.questions)) == 4
    note = Notification.objects.get(recipient=cast.user("county1_member"), kind="knowledge_test")
    assert note.link == reverse("assessments:knowledge_sheet", args=[sheet.pk])
    assert test.title in note.title


def test_it_refuses_a_test_larger_than_the_bank_or_outside_the_organisers_units(cast):
    bank(cast, n=3)
    with pytest.raises(ValidationError) as refused:
        assign(cast, count=5)
    assert "不足" in str(refused.value)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        assign(cast, by="county1_member")
    assert not KnowledgeTest.objects.exists()


def test_it_scores_once_and_refuses_a_second_attempt(cast):
    bank(cast)
    test = assign(cast)
    sheet = sheet_of(cast, test, "county1_member")
    user = cast.user("county1_member")
    services.submit_sheet(sheet, right_answers(sheet, wrong=1), actor=user)
    sheet.refresh_from_db()
    assert (sheet.correct, sheet.score) == (3, Decimal("75.00"))
    with pytest.raises(ValidationError, match="只能作答一次"):
        services.submit_sheet(sheet, right_answers(sheet), actor=user)
    sheet.refresh_from_db()
    assert sheet.score == Decimal("75.00")


def test_it_takes_the_test_in_the_browser_and_shows_answers_with_sources(cast, client_for):
    bank(cast)
    test = assign(cast)
    sheet = sheet_of(cast, test, "county1_member")
    client = client_for(cast.user("county1_member"))
    url = reverse("assessments:knowledge_sheet", args=[sheet.pk])
    page = client.get(url).content.decode()
    assert "提交答卷" in page and "《中国共产党问责条例》第六条" not in page  # no answers yet
    posted = {f"q{pk}": "A" for pk in sheet.questions}
    assert client.post(url, posted).status_code == 302
    sheet.refresh_from_db()
    assert sheet.score == Decimal("100.00")
    page = client.get(url).content.decode()
    assert "100.00" in page and "《中国共产党问责条例》第六条" in page and "提交答卷" not in page
    client.post(url, {f"q{pk}": "B" for pk in sheet.questions})
    sheet.refresh_from_db()
    assert sheet.score == Decimal("100.00")


# --- Who sees what (R31) -------------------------------------------------------------------


def test_it_shows_a_score_only_to_the_person_and_the_organiser(cast, client_for):
    bank(cast)
    test = assign(cast)
    secretary_sheet = sheet_of(cast, test, "county1_secretary")
    services.submit_sheet(
        secretary_sheet, right_answers(secretary_sheet), actor=cast.user("county1_secretary")
    )
    url = reverse("assessments:knowledge_sheet", args=[secretary_sheet.pk])
    for peer in ("county1_member", "city1_secretary", "county2_secretary", "county1_jw"):
        assert client_for(cast.user(peer)).get(url).status_code == 404, peer
    assert client_for(cast.user("county1_secretary")).get(url).status_code == 200
    # The member sees the test page with only their own sheet; the superior only aggregates.
    test_url = reverse("assessments:knowledge_test", args=[test.pk])
    member_page = client_for(cast.user("county1_member")).get(test_url).content.decode()
    assert "刘海涛" not in member_page and "陈晓梅" in member_page
    superior = client_for(cast.user("city1_secretary")).get(test_url)
    assert superior.status_code == 200
    body = superior.content.decode()
    assert "刘海涛" not in body and "陈晓梅" not in body
    assert "lz-figure-hidden" in body  # one taker: the average would be their score
    readable = knowledge.readable_sheets(cast.user("city1_secretary"), test)
    assert not readable.exists()
    assert "名次" not in body and "排名" not in body.replace("不排名", "")


def test_it_shows_the_organiser_every_sheet(cast, client_for):
    bank(cast)
    test = assign(cast)
    client = client_for(cast.user("county1_secretary"))
    body = client.get(reverse("assessments:knowledge_test", args=[test.pk])).content.decode()
    assert "刘海涛" in body and "陈晓梅" in body


def test_it_bounds_the_queries_of_the_list_pages(cast, client_for, django_assert_max_num_queries):
    bank(cast, n=12)
    for _ in range(3):
        assign(cast)
    client = client_for(cast.user("county1_secretary"))
    test = KnowledgeTest.objects.first()
    for url in (
        reverse("assessments:knowledge_home"),
        reverse("assessments:knowledge_questions"),
        reverse("assessments:knowledge_test", args=[test.pk]),
    ):
        client.get(url)  # warm caches
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_it_counts_a_persons_tests_in_their_own_assessment_inputs(cast):
    from assessments.collect import collect_people

    bank(cast)
    test = assign(cast)
    sheet = sheet_of(cast, test, "county1_member")
    services.submit_sheet(sheet, right_answers(sheet, wrong=1), actor=cast.user("county1_member"))
    member, secretary = (cast.tenures[k] for k in ("county1_member", "county1_secretary"))
    pairs = [(member.pk, member.person_id), (secretary.pk, secretary.person_id)]
    quarter = collect_people(pairs, YEAR, QUARTER)
    assert quarter[member.pk]["knowledge"] == {"assigned": 1, "taken": 1, "average": "75.00"}
    assert quarter[secretary.pk]["knowledge"] == {"assigned": 1, "taken": 0, "average": None}
    year = collect_people(pairs, YEAR, 0)  # the year: every quarter's tests
    assert year[member.pk]["knowledge"]["taken"] == 1
    assert collect_people(pairs, YEAR, 1)[member.pk]["knowledge"]["assigned"] == 0


def test_it_lets_a_county_see_the_provinces_bank_but_not_a_siblings(cast):
    bank(cast, n=2)
    bank(cast, n=1, org=cast.county2)
    seen = knowledge.visible_questions(cast.user("county1_member"))
    assert {q.org_id for q in seen} == {cast.province.pk}
    assert knowledge.bank_for(cast.county1).count() == 2


# --- Results as an indicator ---------------------------------------------------------------


def test_it_gives_the_quarter_inputs_and_per_person_results(cast):
    bank(cast)
    test = assign(cast)
    sheet = sheet_of(cast, test, "county1_member")
    services.submit_sheet(sheet, right_answers(sheet, wrong=2), actor=cast.user("county1_member"))
    inputs = collect([cast.county1.pk, cast.county2.pk], YEAR, QUARTER)
    assert inputs[cast.county1.pk]["knowledge"] == {"assigned": 2, "taken": 1, "average": "50.00"}
    assert inputs[cast.county2.pk]["knowledge"] == {"assigned": 0, "taken": 0, "average": None}
    member, secretary = (cast.tenures[k].person.pk for k in ("county1_member", "county1_secretary"))
    results = knowledge.knowledge_results([member, secretary], YEAR, QUARTER)
    assert results[member] == {"assigned": 1, "taken": 1, "score": Decimal("50.00")}
    assert results[secretary] == {"assigned": 1, "taken": 0, "score": None}
    points, detail = scoring.score("knowledge", 10, {"input": "knowledge"}, inputs[cast.county1.pk])
    # half participation (0.5 × 0.5) + half of the average 50 (0.5 × 0.5) → 5 of 10
    assert points == Decimal("5.00") and detail["participation"] == "50.00"
    none, _detail = scoring.score(
        "knowledge", 10, {"input": "knowledge", "missing": "zero"}, inputs[cast.county2.pk]
    )
    assert none == Decimal("0.00")
