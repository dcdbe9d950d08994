"""Evaluation inputs and democratic evaluations entered by the superior on the snapshot page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import AssessmentSnapshot, EvaluationInput, EvaluationRound
from assessments.services import evaluations, snapshots
from liangge_zeren.actors import JOBS
from liangge_zeren.workflow import TransitionRefused
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db
K = EvaluationInput.Kind


@pytest.fixture
def draft(quarter):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    return AssessmentSnapshot.objects.get(org=quarter.cast.county1, year=YEAR, quarter=QUARTER)


def url(name, obj):
    return reverse(f"assessments:{name}", args=[obj.pk])


def test_it_the_superior_enters_a_questionnaire_score_and_the_draft_is_recomputed(
    cast, draft, client_for
):
    client = client_for(cast.user("city1_secretary"))
    page = client.get(url("snapshot_detail", draft)).content.decode()
    assert url("snapshot_input", draft) in page and url("snapshot_open_round", draft) in page

    response = client.post(
        url("snapshot_input", draft), {"kind": K.QUESTIONNAIRE, "score": "88", "note": "群众问卷"}
    )
    assert response.status_code == 302
    row = EvaluationInput.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    assert row.values == {"score": 88} and row.entered_by == cast.user("city1_secretary")
    draft.refresh_from_db()
    assert draft.inputs["questionnaire"] == {"score": "88.00", "entries": 1}
    assert draft.scores["P2"]["score"] == "4.50"  # band [80, 0.9] of 5 points

    client.post(url("snapshot_input", draft), {"kind": K.INTERVIEW, "score": "75.5", "people": 12})
    client.post(
        url("snapshot_input", draft),
        {"kind": K.DEMOCRATIC_TALLY, "excellent": 20, "competent": 8, "basic": 2},
    )
    draft.refresh_from_db()
    assert draft.inputs["interview"] == {"score": "75.50", "entries": 1, "people": 12}
    assert draft.inputs["democratic"] == {"basic": 2, "competent": 8, "excellent": 20}
    assert "群众问卷" in client.get(url("snapshot_detail", draft)).content.decode()


def test_it_incomplete_inputs_are_refused_with_a_message(cast, draft, client_for):
    client = client_for(cast.user("city1_secretary"))
    response = client.post(url("snapshot_input", draft), {"kind": K.THIRD_PARTY}, follow=True)
    assert "请填写得分" in response.content.decode()
    response = client.post(
        url("snapshot_input", draft), {"kind": K.CONCEALED_PROBLEMS, "count": 0}, follow=True
    )
    assert response.status_code == 200
    response = client.post(url("snapshot_input", draft), {"kind": K.DEMOCRATIC_TALLY}, follow=True)
    assert "至少应有一票" in response.content.decode()
    assert not EvaluationInput.objects.exists()


def test_it_the_unit_itself_may_not_enter_its_own_inputs(cast, draft, client_for):
    client = client_for(cast.user("county1_secretary"))
    page = client.get(url("snapshot_detail", draft)).content.decode()
    assert url("snapshot_input", draft) not in page
    data = {"kind": K.QUESTIONNAIRE, "score": "100"}
    assert client.post(url("snapshot_input", draft), data).status_code == 403
    assert client.post(url("snapshot_open_round", draft), {"title": "x"}).status_code == 403
    assert not EvaluationInput.objects.exists() and not EvaluationRound.objects.exists()


def test_it_nothing_is_entered_for_a_published_quarter(cast, draft, client_for):
    snapshots.publish_snapshot(draft, actor=cast.user("city1_secretary"))
    client = client_for(cast.user("city1_secretary"))
    response = client.post(
        url("snapshot_input", draft), {"kind": K.QUESTIONNAIRE, "score": "60"}, follow=True
    )
    assert "已发布" in response.content.decode()
    assert not EvaluationInput.objects.exists()


def test_it_a_democratic_evaluation_is_opened_voted_and_closed(cast, draft, client_for):
    from assessments.models import RollEntry
    from tests.assessments.conftest import marks_for

    client = client_for(cast.user("city1_secretary"))
    response = client.post(url("snapshot_open_round", draft), {"title": "一号县班子季度测评"})
    round_ = EvaluationRound.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    assert response["Location"] == url("round_detail", round_)  # the roll comes next
    assert round_.status == EvaluationRound.Status.OPEN and round_.created_by is not None
    organiser = cast.user("city1_secretary")
    people = [cast.tenures[k].person for k in ("county1_secretary", "county1_member", "county1_jw")]
    evaluations.add_to_roll(round_, people=people, actor=organiser)
    for name in ("代表甲", "代表乙", "代表丙"):
        evaluations.add_representative(round_, name=name, actor=organiser)
    codes = evaluations.issue_codes(
        round_, entries=RollEntry.objects.filter(person__isnull=True), actor=organiser
    )
    for code in codes:
        evaluations.cast_code_ballot(
            code=code,
            grade="excellent",
            marks=marks_for(round_, "excellent"),
            actor=evaluations.CODE_VOTER,
        )
    for name, grade in (("county1_member", "excellent"), ("county1_jw", "competent")):
        user = cast.user(name)
        evaluations.cast_ballot(
            round_, actor=user, grade=grade, marks=marks_for(round_, grade, user)
        )

    # The unit may not close its own evaluation; the superior does.
    other = client_for(cast.user("county1_secretary"))
    assert other.post(url("round_close", round_)).status_code == 403
    client = client_for(organiser)
    response = client.post(url("round_close", round_))
    assert response["Location"] == url("round_detail", round_)
    round_.refresh_from_db()
    assert round_.status == EvaluationRound.Status.CLOSED
    draft.refresh_from_db()
    assert draft.inputs["democratic"] == {"competent": 1, "excellent": 4}  # 5 of 6 voted
    assert "已投 5 票" in client.get(url("snapshot_detail", draft)).content.decode()
    with pytest.raises(TransitionRefused):
        evaluations.close_round(round_, actor=organiser)


@pytest.mark.parametrize(
    "kind, values",
    [
        (K.QUESTIONNAIRE, {"score": 120}),
        (K.QUESTIONNAIRE, {"score": "88"}),
        (K.THIRD_PARTY, {"points": 80}),
        (K.INTERVIEW, {"score": 80, "people": -1}),
        (K.DEMOCRATIC_TALLY, {"excellent": 0}),
        (K.DEMOCRATIC_TALLY, {"excellent": 1.5}),
        (K.CONCEALED_PROBLEMS, {"count": 0}),
        (K.CONCEALED_PROBLEMS, {}),
    ],
)
def test_it_input_values_are_checked_per_kind(cast, kind, values):
    with pytest.raises(ValidationError):
        evaluations.record_input(
            org=cast.county1,
            year=YEAR,
            quarter=QUARTER,
            kind=kind,
            values=values,
            actor=cast.user("city1_secretary"),
        )
