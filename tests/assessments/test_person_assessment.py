"""Per-person assessment (issue 18): the team's quarterly and yearly results, reproducible and
locked like the unit's, their inputs from each source, the 谈话了解 rubric, the 述责述廉 and
its 面对面 review, who sees a result, the 廉政档案 section and the 班子考察 .docx."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.collect import collect_people
from assessments.models import PersonAssessmentSnapshot, PersonInterview, SubjectType
from assessments.services import people
from inspections.models import Finding
from liangge_zeren.actors import JOBS
from liangge_zeren.workflow import TransitionRefused
from responsibilities.models import ActionType, Portfolio
from tests.assessments.conftest import log
from tests.assessments.person_fixtures import (
    RUBRIC_FULL,
    compute,
    interview,
    result,
    submit_personal_report,
)
from tests.inspections.fixtures import make_finding, make_task

pytestmark = pytest.mark.django_db


def test_it_assesses_each_team_member_against_the_set_of_their_post(quarter):
    cast = quarter.cast
    outcome = compute(cast)
    assert outcome.created == 2  # the secretary and the member; the 纪检干部 is not the team
    secretary = result(cast, "county1_secretary")
    member = result(cast, "county1_member")
    assert secretary.subject_type == SubjectType.FIRST_RESPONSIBLE_PERSON
    assert member.subject_type == SubjectType.TEAM_MEMBER
    assert secretary.inputs["logs"]["study_session"] == 3
    assert secretary.inputs["method"] == {"kinds": 2, "meeting_only": 1, "practical": 3}
    assert member.inputs["logs"]["talk"] == 3
    assert member.scores["L2"]["score"] == "10.00"  # 3 talks, 1 a quarter needed
    assert member.scores["L1"]["score"] == "0.00"  # no supervision visit
    assert member.total == sum(Decimal(v["score"]) for v in member.scores.values())
    assert secretary.status == "draft" and secretary.org_id == cast.county1.pk


def test_it_recomputing_gives_the_same_sha_and_no_new_rows(quarter):
    cast = quarter.cast
    compute(cast)
    before = {
        s.pk: (s.inputs_sha256, s.scores, s.total) for s in PersonAssessmentSnapshot.objects.all()
    }
    history = PersonAssessmentSnapshot.history.count()
    again = compute(cast)
    assert again.unchanged == 2 and again.created == again.updated == 0
    after = {
        s.pk: (s.inputs_sha256, s.scores, s.total) for s in PersonAssessmentSnapshot.objects.all()
    }
    assert after == before and PersonAssessmentSnapshot.history.count() == history


def test_it_scales_per_quarter_thresholds_for_the_year(quarter):
    cast = quarter.cast
    compute(cast, period=0)
    member = result(cast, "county1_member", period=0)
    assert member.inputs["quarters"] == 4
    assert member.scores["L2"]["detail"] == {"count": 3, "threshold": 4}
    assert member.scores["L2"]["score"] == "7.50"


def test_it_locks_a_result_once_the_superior_publishes_it(quarter):
    cast = quarter.cast
    compute(cast)
    snap = result(cast, "county1_member")
    with pytest.raises(PermissionDenied):  # the unit's own secretary is not the superior
        people.publish_person_snapshot(snap, actor=cast.user("county1_secretary"))
    people.publish_person_snapshot(snap, actor=cast.user("city1_secretary"))
    snap.refresh_from_db()
    assert snap.is_published and snap.published_by == cast.user("city1_secretary")
    log(cast, "county1_member", ActionType.SUPERVISION_VISIT)
    assert compute(cast).locked == 1
    snap = result(cast, "county1_member")
    assert snap.inputs["logs"]["supervision_visit"] == 0  # unchanged
    snap.total = Decimal(100)
    with pytest.raises(ValidationError):
        snap.save()
    with pytest.raises(TransitionRefused):
        people.publish_person_snapshot(snap, actor=cast.user("city1_secretary"))
    with pytest.raises(TransitionRefused):  # no interview into a published quarter
        interview(cast, "county1_member")


# --- Inputs from each source ------------------------------------------------------------


def test_it_counts_findings_and_rectification_in_the_members_portfolio(cast):
    education = Portfolio.objects.get(org=cast.county1, name="教育")
    item = cast.county1.duty_items.first()
    jw = cast.user("county1_jw")
    body = cast.bodies["T-K1:discipline"]
    # One finding answerable by the member, one only named to the secretary.
    named = make_finding(
        jw,
        cast.county1,
        body=body,
        title="教育收费问题",
        responsibilities=[(cast.tenures["county1_member"], "leadership")],
    )
    make_finding(
        jw,
        cast.county1,
        body=body,
        title="别的问题",
        source=Finding.Source.SELF_IDENTIFIED,
        sub_source="self_other",
        responsibilities=[(cast.tenures["county1_secretary"], "principal")],
    )
    make_task(jw, named, cast.tenures["county1_member"], due=datetime.date.today())
    pairs = [(cast.tenures[k].pk, cast.tenures[k].person_id) for k in ("county1_member",)]
    today = datetime.date.today()
    data = collect_people(pairs, today.year, 0)[pairs[0][0]]
    assert data["portfolio"]["findings"] == {
        "self_found": 0,
        "found_by_others": 1,
        "concealed": 0,
    }
    assert data["portfolio"]["rectification"] == {"due": 1, "on_time": 0}
    assert education.pk and item is None or item is not None  # portfolio fixture exists


def test_it_counts_accountability_measures_on_the_person(cast):
    from accountability.models import AccountabilityCase, ResponsibilityKind
    from accountability.services import measures, targets
    from tests.accountability.fixtures import TODAY, advance, open_county1_case

    S = AccountabilityCase.Status
    jw = cast.user("county1_jw")
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    targets.add_person_target(
        case,
        actor=jw,
        tenure=cast.tenures["county1_member"],
        responsibility_kind=ResponsibilityKind.PRIMARY,
    )
    case = advance(cast, case, S.DECIDED)
    measures.add_measure(
        case,
        actor=jw,
        target=case.targets.get(),
        kind="admonition",
        subtype="talk",
        effective_date=TODAY,
        decision_no="一市委问决〔2026〕9号",
        deciding_body=case.deciding_body,
    )
    people.compute_people(cast.county1, TODAY.year, 0, actor=JOBS)
    member = result(cast, "county1_member", year=TODAY.year, period=0)
    assert member.inputs["accountability"] == {"measures": 1}
    assert member.scores["Z1"]["score"] == "5.00"


def test_it_scores_the_report_only_after_the_face_to_face_review(cast):
    year = 2026
    compute(cast, year, 0)
    assert result(cast, "county1_member", year, 0).inputs["report"] == {
        "submitted": 0,
        "score": 0,
    }
    with pytest.raises(ValidationError):  # nothing submitted to review
        people.record_report_review(
            actor=cast.user("city1_secretary"),
            tenure=cast.tenures["county1_member"],
            year=year,
            reviewed_on=datetime.date(year, 1, 20),
            comments="意见",
            rating="good",
        )
    submit_personal_report(cast, "county1_member", year)
    compute(cast, year, 0)
    assert result(cast, "county1_member", year, 0).inputs["report"] == {}  # pending review
    review = people.record_report_review(
        actor=cast.user("city1_secretary"),
        tenure=cast.tenures["county1_member"],
        year=year,
        reviewed_on=datetime.date(year, 1, 20),
        comments="主动抓分管领域, 需加强督导",
        rating="fair_good",
    )
    assert review.report is not None and review.reviewer == cast.user("city1_secretary")
    compute(cast, year, 0)
    snap = result(cast, "county1_member", year, 0)
    assert snap.inputs["report"] == {"submitted": 1, "rating": "fair_good", "score": 85}
    assert snap.scores["P3"]["score"] == "9.00"


def test_it_averages_the_interview_rubric_totals(cast):
    interview(cast, "county1_member")  # 46 / 50 → 92
    interview(cast, "county1_member", {**RUBRIC_FULL, "style": 3, "duty": 4})  # 36 → 72
    compute(cast)
    snap = result(cast, "county1_member")
    assert snap.inputs["interview"] == {"score": "82.00", "entries": 2}
    assert snap.scores["P2"]["score"] == "9.00"


def test_it_validates_the_interview_rubric(cast):
    for bad in (
        {**RUBRIC_FULL, "style": 11},
        {**RUBRIC_FULL, "style": -1},
        {k: v for k, v in RUBRIC_FULL.items() if k != "style"},
        {**RUBRIC_FULL, "style": "很好"},
    ):
        with pytest.raises(ValidationError):
            interview(cast, "county1_member", bad)
    assert not PersonInterview.objects.exists()
    row = interview(cast, "county1_member")
    assert row.total == Decimal("92.00")
    with pytest.raises(PermissionDenied):  # a peer does not interview for the superior
        interview(cast, "county1_member", by="county1_secretary")


def test_it_reads_inputs_with_a_bounded_number_of_queries(quarter, django_assert_max_num_queries):
    cast = quarter.cast
    tenures = [
        cast.tenures[k] for k in ("county1_secretary", "county1_member", "county2_secretary")
    ]
    pairs = [(t.pk, t.person_id) for t in tenures]
    with django_assert_max_num_queries(13):
        collect_people(pairs, 2026, 0)


# --- The unit set's 谈话了解 indicator ------------------------------------------------------


def test_it_scores_interviews_in_new_unit_sets_and_upgrades_old_ones(cast):
    from assessments.defaults import ensure_default_set
    from assessments.importer import add_default_interview_indicator
    from assessments.models import Indicator

    fresh = ensure_default_set(2027)
    p4 = fresh.indicators.get(code="P4")
    assert p4.params["input"] == "interview" and p4.evidence_source == "interview"
    assert sum(i.max_score for i in fresh.indicators.all()) == 100
    assert add_default_interview_indicator(2027, actor=JOBS) is None  # already there
    # A set made before issue 18: no interview indicator, Z1 worth 10.
    old = ensure_default_set(2025)
    old.indicators.filter(code="P4").delete()
    old.indicators.filter(code="Z1").update(max_score=10)
    upgraded = add_default_interview_indicator(2025, actor=JOBS)
    assert upgraded.version == 2 and upgraded.is_active
    assert upgraded.indicators.get(code="P4").rule_type == Indicator.RuleType.SURVEY_BAND
    assert sum(i.max_score for i in upgraded.indicators.all()) == 100
    old.refresh_from_db()
    assert not old.is_active and not old.indicators.filter(code="P4").exists()
