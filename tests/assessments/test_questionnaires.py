"""Public questionnaires (群众参与): codes, the open link's anti-stuffing, anonymity, comments
as leads for the discipline side, and the quarter's figure (issue 18)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.collect import collect
from assessments.models import (
    Questionnaire,
    QuestionnaireCode,
    QuestionnaireComment,
    QuestionnaireResponse,
)
from assessments.questionnaires import default_questions, likert_keys
from assessments.services import questionnaires as services
from notifications.models import Notification
from security import captcha
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db

ALL_FOURS = {key: 4 for key in likert_keys(default_questions())}


@pytest.fixture
def survey(cast):
    return services.open_questionnaire(
        actor=cast.user("city1_secretary"),
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        title="一号县作风建设群众满意度调查",
        closes_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def answer_form(value: int = 4, **extra) -> dict:
    return {**{key: str(value) for key in ALL_FOURS}, **extra}


def solve_captcha(client) -> str:
    """The test reads the hashed answer from the session and finds the sum that matches."""
    stored = client.session[captcha.SESSION_KEY]
    for candidate in range(2, 19):
        if captcha._hash(str(candidate), stored["s"]) == stored["h"]:
            return str(candidate)
    raise AssertionError("no sum matches")


def load_captcha(client, q) -> str:
    response = client.get(reverse("assessments:public_captcha", args=[q.open_key]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "<text" not in svg  # strokes only, no text to read off the markup
    return solve_captcha(client)


# --- Organising ------------------------------------------------------------------------------


def test_it_the_superior_opens_a_questionnaire_with_the_default_template(cast, survey):
    kinds = [q["kind"] for q in survey.questions]
    assert kinds.count("likert") == 6 and kinds.count("text") == 1
    assert {q["area"] for q in survey.questions if q["kind"] == "likert"} == {
        "conduct",
        "integrity",
        "service",
    }
    assert survey.open_key and survey.status == Questionnaire.Status.OPEN


def test_it_the_unit_itself_may_not_organise_its_questionnaire(cast):
    with pytest.raises(PermissionDenied):
        services.open_questionnaire(
            actor=cast.user("county1_secretary"),
            org=cast.county1,
            year=YEAR,
            quarter=QUARTER,
            title="自己调查自己",
            closes_on=timezone.localdate(),
        )


def test_it_the_organiser_edits_the_wording_until_the_close(cast, survey):
    organiser = cast.user("city1_secretary")
    services.edit_questions(survey, actor=organiser, texts={"q1": "窗口工作人员服务态度"})
    survey.refresh_from_db()
    assert survey.questions[0]["text"] == "窗口工作人员服务态度"
    with pytest.raises(ValidationError):
        services.edit_questions(survey, actor=organiser, texts={"q1": "  "})
    services.close_questionnaire(survey, actor=organiser)
    from liangge_zeren.workflow import TransitionRefused

    with pytest.raises(TransitionRefused):
        services.edit_questions(survey, actor=organiser, texts={"q1": "再改"})


def test_it_the_organiser_pages_work_and_the_unit_sees_no_organiser_forms(
    client_for, cast, survey, django_assert_max_num_queries
):
    organiser = client_for(cast.user("city1_secretary"))
    with django_assert_max_num_queries(25):
        page = organiser.get(reverse("assessments:questionnaire_list"))
    assert page.status_code == 200 and survey.title in page.content.decode()
    detail = organiser.get(reverse("assessments:questionnaire_detail", args=[survey.pk]))
    assert "生成一次性答题码" in detail.content.decode()
    unit = client_for(cast.user("county1_secretary"))
    detail = unit.get(reverse("assessments:questionnaire_detail", args=[survey.pk]))
    assert detail.status_code == 200
    assert "生成一次性答题码" not in detail.content.decode()
    assert (
        unit.post(reverse("assessments:questionnaire_close", args=[survey.pk])).status_code == 403
    )
    sibling = client_for(cast.user("county2_secretary"))
    url = reverse("assessments:questionnaire_detail", args=[survey.pk])
    assert sibling.get(url).status_code == 404


# --- One-time codes ----------------------------------------------------------------------------


def test_it_keeps_only_hashes_of_codes_and_prints_them_once(client_for, cast, survey):
    organiser = client_for(cast.user("city1_secretary"))
    page = organiser.post(
        reverse("assessments:questionnaire_codes", args=[survey.pk]), {"count": "3"}
    )
    assert page.status_code == 200
    codes = [c for c in QuestionnaireCode.objects.filter(questionnaire=survey)]
    assert len(codes) == 3
    body = page.content.decode()
    for row in codes:
        assert row.code_hash not in body and len(row.code_hash) == 64
    printed = [c for c in body.split('data-testid="code">')[1:]]
    assert len(printed) == 3 and "<svg" in body  # with a QR code each


def test_it_a_code_answers_once(client, cast, survey):
    (code,) = services.issue_codes(survey, actor=cast.user("city1_secretary"), count=1)
    url = reverse("assessments:public_code", args=[code])
    assert client.get(url).status_code == 200
    first = client.post(url, answer_form())
    assert first.status_code == 200 and "提交成功" in first.content.decode()
    second = client.post(url, answer_form(1))
    assert "已使用过" in second.content.decode()
    assert QuestionnaireResponse.objects.filter(questionnaire=survey).count() == 1
    with pytest.raises(ValidationError):
        services.submit_response(survey, actor=services.PUBLIC, answers=ALL_FOURS, code=code)
    assert QuestionnaireResponse.objects.filter(questionnaire=survey).count() == 1


def test_it_a_wrong_code_is_a_clear_error_and_unknown_links_404(client, cast, survey):
    page = client.post(reverse("assessments:public_code_entry"), {"code": "ABCDEFGHJK"})
    assert page.status_code == 400 and "答题码不正确" in page.content.decode()
    assert client.get(reverse("assessments:public_code", args=["ABCDEFGHJK"])).status_code == 404


def test_it_code_guessing_is_rate_limited(client, cast, survey, settings):
    settings.QUESTIONNAIRE_CODE_TRIES_PER_ADDRESS_HOUR = 3
    url = reverse("assessments:public_code_entry")
    statuses = [client.post(url, {"code": f"ABCDEFGHJ{n}"}).status_code for n in range(2, 6)]
    assert statuses == [400, 400, 400, 429]


def test_it_an_incomplete_sheet_is_refused_in_chinese(client, cast, survey):
    (code,) = services.issue_codes(survey, actor=cast.user("city1_secretary"), count=1)
    page = client.post(reverse("assessments:public_code", args=[code]), {"q1": "5"})
    assert page.status_code == 400 and "请回答此题" in page.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    assert QuestionnaireCode.objects.get(questionnaire=survey).used_on is None


# --- The open link --------------------------------------------------------------------------


def test_it_the_open_link_needs_the_captcha_which_is_single_use(client, cast, survey):
    url = reverse("assessments:public_open", args=[survey.open_key])
    assert client.get(url).status_code == 200
    answer = load_captcha(client, survey)
    wrong = str(int(answer) + 1)
    refused = client.post(url, answer_form(captcha=wrong))
    assert refused.status_code == 400 and "验证码不正确" in refused.content.decode()
    # The challenge was consumed by the wrong attempt: the right answer no longer passes.
    reused = client.post(url, answer_form(captcha=answer))
    assert reused.status_code == 400
    assert not QuestionnaireResponse.objects.exists()
    answer = load_captcha(client, survey)
    ok = client.post(url, answer_form(captcha=answer))
    assert ok.status_code == 200 and "提交成功" in ok.content.decode()
    assert QuestionnaireResponse.objects.count() == 1


def test_it_a_correct_captcha_is_not_accepted_twice(client, cast, survey):
    url = reverse("assessments:public_open", args=[survey.open_key])
    answer = load_captcha(client, survey)
    assert client.post(url, answer_form(captcha=answer)).status_code == 200
    client.cookies.pop(f"lzq{survey.pk}")  # a script throwing the cookie away
    again = client.post(url, answer_form(captcha=answer))
    assert again.status_code == 400 and "验证码不正确" in again.content.decode()
    assert QuestionnaireResponse.objects.count() == 1


def test_it_an_expired_captcha_is_refused(client, cast, survey, monkeypatch):
    url = reverse("assessments:public_open", args=[survey.open_key])
    answer = load_captcha(client, survey)
    import time as time_module

    later = time_module.time() + captcha.LIFETIME_SECONDS + 5
    monkeypatch.setattr(captcha.time, "time", lambda: later)
    assert client.post(url, answer_form(captcha=answer)).status_code == 400


def test_it_one_answer_per_browser(client, cast, survey):
    url = reverse("assessments:public_open", args=[survey.open_key])
    client.post(url, answer_form(captcha=load_captcha(client, survey)))
    page = client.get(url)
    assert "已在此浏览器上提交过" in page.content.decode()
    client.post(url, answer_form(captcha=load_captcha(client, survey)))
    assert QuestionnaireResponse.objects.count() == 1


def test_it_rate_limits_answers_per_address(client, cast, survey, settings):
    settings.QUESTIONNAIRE_ANSWERS_PER_ADDRESS_HOUR = 2
    url = reverse("assessments:public_open", args=[survey.open_key])
    statuses = []
    for _ in range(3):
        client.cookies.pop(f"lzq{survey.pk}", None)
        statuses.append(
            client.post(url, answer_form(captcha=load_captcha(client, survey))).status_code
        )
    assert statuses == [200, 200, 429]
    assert QuestionnaireResponse.objects.count() == 2


def test_it_stores_no_address_and_the_day_only(client, cast, survey):
    url = reverse("assessments:public_open", args=[survey.open_key])
    client.post(
        url,
        answer_form(captcha=load_captcha(client, survey), comment="办事窗口有人吃拿卡要"),
        REMOTE_ADDR="203.0.113.7",
    )
    sheet = QuestionnaireResponse.objects.get()
    names = {f.name for f in QuestionnaireResponse._meta.get_fields()}
    assert names == {"id", "questionnaire", "answers", "score", "submitted_on"}
    assert isinstance(sheet.submitted_on, datetime.date)
    assert not isinstance(sheet.submitted_on, datetime.datetime)
    for model in (QuestionnaireResponse, QuestionnaireComment):
        for row in model.objects.values():
            assert "203.0.113.7" not in str(row)


def test_it_a_closed_or_expired_questionnaire_takes_no_answers(client, cast, survey):
    (code,) = services.issue_codes(survey, actor=cast.user("city1_secretary"), count=1)
    Questionnaire.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = client.get(reverse("assessments:public_code", args=[code]))
    assert "截止日期" in page.content.decode()
    survey.refresh_from_db()
    from liangge_zeren.workflow import TransitionRefused

    with pytest.raises(TransitionRefused):
        services.submit_response(survey, actor=services.PUBLIC, answers=ALL_FOURS, code=code)


# --- Comments go to the discipline side ----------------------------------------------------


@pytest.fixture
def commented(cast, survey):
    services.submit_response(
        survey, actor=services.PUBLIC, answers=ALL_FOURS, comment="某科室办事推诿,请纪委关注"
    )
    return QuestionnaireComment.objects.get()


def test_it_comments_are_hidden_from_the_unit_and_shown_to_its_discipline_side(
    client_for, cast, commented, django_assert_max_num_queries
):
    secretary = cast.user("county1_secretary")
    assert not QuestionnaireComment.objects.visible_to(secretary).exists()
    assert not secretary.has_perm("assessments.view_questionnairecomment", commented)
    unit = client_for(secretary)
    assert unit.get(reverse("assessments:comment_list")).status_code == 403
    detail = unit.get(
        reverse("assessments:questionnaire_detail", args=[commented.questionnaire_id])
    )
    assert "某科室办事推诿" not in detail.content.decode()

    jw = client_for(cast.user("county1_jw"))
    with django_assert_max_num_queries(20):
        page = jw.get(reverse("assessments:comment_list"))
    assert page.status_code == 200 and "某科室办事推诿" in page.content.decode()
    # The higher commission supervises the subtree as well; the sibling county's does not.
    assert QuestionnaireComment.objects.visible_to(cast.user("city1_jw")).exists()
    assert not QuestionnaireComment.objects.visible_to(cast.user("county2_secretary")).exists()


def test_it_tells_the_units_discipline_side_title_and_link_only(cast, commented):
    to_jw = Notification.objects.filter(recipient=cast.user("county1_jw"))
    assert to_jw.count() == 1
    message = to_jw.get()
    assert message.body == "" and "某科室" not in message.title
    assert message.link.startswith(reverse("assessments:comment_list"))
    assert not Notification.objects.filter(
        recipient__in=[cast.user("county1_secretary"), cast.user("county1_member")]
    ).exists()


def test_it_the_discipline_side_marks_a_comment_handled_or_a_lead(client_for, cast, commented):
    jw = client_for(cast.user("county1_jw"))
    url = reverse("assessments:comment_handle", args=[commented.pk])
    jw.post(url, {"status": "lead", "note": ""})
    commented.refresh_from_db()
    assert commented.status == QuestionnaireComment.Status.NEW  # a lead needs its note
    jw.post(url, {"status": "lead", "note": "已转信访室, 线索编号 XS-2026-001"})
    commented.refresh_from_db()
    assert commented.status == QuestionnaireComment.Status.LEAD
    assert commented.handled_by == cast.user("county1_jw")
    assert commented.history.count() == 2
    from accountability.models import AccountabilityCase

    assert not AccountabilityCase.objects.exists()  # recorded only, no case opened
    unit = client_for(cast.user("county1_secretary"))
    assert unit.post(url, {"status": "handled"}).status_code == 404


# --- The quarter's figure ------------------------------------------------------------------


def _answer(survey, n, value=4):
    for _ in range(n):
        services.submit_response(
            survey, actor=services.PUBLIC, answers={k: value for k in ALL_FOURS}
        )


def test_it_scores_a_closed_questionnaire_only_from_five_answers(client_for, cast, survey):
    organiser = cast.user("city1_secretary")
    _answer(survey, 4)
    services.close_questionnaire(survey, actor=organiser)
    assert collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["questionnaire"] == {}
    page = client_for(organiser).get(reverse("assessments:questionnaire_detail", args=[survey.pk]))
    assert 'data-testid="score"><span' in page.content.decode()  # "—", not 0

    Questionnaire.objects.filter(pk=survey.pk).update(status=Questionnaire.Status.OPEN)
    survey.refresh_from_db()
    _answer(survey, 1, value=5)
    services.close_questionnaire(survey, actor=organiser)
    figure = collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["questionnaire"]
    # Four sheets at 4 (75) and one at 5 (100): mean 80.
    assert figure == {"score": "80.00", "entries": 1}


def test_it_an_open_questionnaire_does_not_count_yet(cast, survey):
    _answer(survey, 6)
    assert collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["questionnaire"] == {}


def test_it_averages_with_imported_questionnaire_scores(cast, survey):
    from assessments.services import evaluations

    _answer(survey, 5, value=5)
    services.close_questionnaire(survey, actor=cast.user("city1_secretary"))
    evaluations.record_input(
        actor=cast.user("city1_secretary"),
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        kind="questionnaire",
        values={"score": 60},
    )
    figure = collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["questionnaire"]
    assert figure == {"score": "80.00", "entries": 2}


def test_it_the_audit_log_keeps_no_address_and_no_comment_text(client, cast, survey):
    import json

    from security.models import AuditEntry

    (code,) = services.issue_codes(survey, actor=cast.user("city1_secretary"), count=1)
    mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client.post(
        reverse("assessments:public_code", args=[code]),
        answer_form(comment="某股长收受红包"),
        REMOTE_ADDR="203.0.113.9",
    )
    entries = list(AuditEntry.objects.filter(pk__gt=mark))
    assert entries and QuestionnaireResponse.objects.count() == 1
    text = json.dumps(
        [(e.ip, e.request_id, e.actor_name, e.object_id, e.details) for e in entries],
        ensure_ascii=False,
    )
    assert "203.0.113.9" not in text and "某股长收受红包" not in text
    sheet = QuestionnaireResponse.objects.get()
    assert str(sheet.pk) not in text
    assert {e.actor_name for e in entries} == {"匿名"}
