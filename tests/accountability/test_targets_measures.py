"""Targets as tenures at the time (前任/现任), measures, influence periods and appeals."""

import datetime

import pytest
from django.urls import reverse

from accountability import proposals, selectors
from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    Appeal,
    InfluencePeriodRule,
    ResponsibilityKind,
)
from accountability.services import appeals, targets
from accountability.services import measures as acc_measures
from inspections import deadlines
from liangge_zeren.actors import COMMAND, JOBS
from liangge_zeren.workflow import TransitionRefused
from notifications.models import Notification
from responsibilities import services as rs
from tests.accountability.fixtures import EVENT, TODAY, advance, open_county1_case

S = AccountabilityCase.Status
D = datetime.date


def _names(candidates):
    return [c.tenure.person.name for c in candidates]


def test_it_proposes_the_predecessor_secretary_for_an_event_before_the_handover(cast):
    slots = {s.key: s for s in proposals.propose_targets(cast.county1, EVENT)}
    secretary = slots["secretary"]
    assert _names(secretary.at_event) == ["孙立民"]
    assert secretary.at_event[0].is_predecessor
    assert _names(secretary.incumbents) == ["刘海涛"]
    assert not secretary.incumbents[0].held_at_event


def test_it_proposes_the_incumbent_when_the_event_is_after_the_handover(cast):
    slots = {s.key: s for s in proposals.propose_targets(cast.county1, D(2024, 6, 1))}
    assert _names(slots["secretary"].at_event) == ["刘海涛"]
    assert not slots["secretary"].at_event[0].is_predecessor


def test_it_proposes_the_member_in_charge_of_the_portfolio_and_the_discipline_secretary(cast):
    education = cast.tenures["county1_member"].portfolios.get(name="教育")
    head = rs.appoint(
        person=rs.create_person(code="T-k1-jwsj", name="钱正风", actor=COMMAND),
        body=cast.bodies["T-K1:discipline"],
        role="discipline_secretary",
        start_date=D(2022, 1, 1),
        actor=COMMAND,
    )
    slots = {s.key: s for s in proposals.propose_targets(cast.county1, EVENT, portfolio=education)}
    assert _names(slots["portfolio"].at_event) == ["陈晓梅"]
    assert [c.tenure for c in slots["discipline"].at_event] == [head]
    # 问责 knows leadership roles only (R9): the member in charge of the portfolio bears
    # 重要领导责任, the commission's head 主要领导责任 for its supervisory responsibility.
    assert slots["portfolio"].suggested_kind == ResponsibilityKind.IMPORTANT
    assert slots["discipline"].suggested_kind == ResponsibilityKind.PRIMARY


def test_it_keeps_a_target_reachable_after_they_moved_or_retired(cast):
    # The former secretary now holds nothing: lifelong accountability still finds him.
    slots = {s.key: s for s in proposals.propose_targets(cast.county1, EVENT)}
    former = slots["secretary"].at_event[0]
    assert former.current_posts == []
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)
    target = case.targets.get()
    assert target.tenure == cast.tenures["county1_former"]
    assert target.is_predecessor
    assert target.unit_snapshot == "一号县" and "书记" in target.post_snapshot
    assert "现无任职" in target.current_posts_snapshot
    # He is appointed elsewhere before the decision: the snapshot follows at decision time.
    # (A post still managed by the city committee, which decides: 下管一级, issue 13.)
    rs.appoint(
        person=cast.people["county1_former"],
        body=cast.bodies["T-K2:committee"],
        role="team_member",
        title="二号县委常委、副县长",
        start_date=TODAY - datetime.timedelta(days=1),
        actor=COMMAND,
    )
    advance(cast, case, S.DECIDED)
    target.refresh_from_db()
    assert "二号县委常委、副县长" in target.current_posts_snapshot


def test_it_refuses_a_tenure_that_did_not_cover_the_event_date(cast):
    case = open_county1_case(cast)
    with pytest.raises(TransitionRefused, match="不覆盖问题发生日期"):
        targets.add_person_target(
            case,
            actor=cast.user("county1_jw"),
            tenure=cast.tenures["county1_secretary"],  # took office after the event
            responsibility_kind=ResponsibilityKind.PRIMARY,
        )


def test_it_refuses_a_tenure_from_an_unrelated_unit(cast):
    case = open_county1_case(cast)
    with pytest.raises(TransitionRefused, match="失职失责单位"):
        targets.add_person_target(
            case,
            actor=cast.user("county1_jw"),
            tenure=cast.tenures["county2_secretary"],
            responsibility_kind=ResponsibilityKind.PRIMARY,
        )


def _decided(cast):
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    return case, case.targets.get()


def _measure(case, target, kind, subtype="", effective=TODAY, actor=COMMAND):
    return acc_measures.add_measure(
        case,
        actor=actor,
        target=target,
        kind=kind,
        subtype=subtype,
        effective_date=effective,
        decision_no="文号",
        deciding_body=case.deciding_body,
    )


def test_it_validates_the_measure_against_the_target_type(cast):
    case, person = _decided(cast)
    with pytest.raises(TransitionRefused, match="对领导干部不能采取检查或改组"):
        _measure(case, person, "reorganization")
    with pytest.raises(TransitionRefused, match="具体的问责方式"):
        _measure(case, person, "party_sanction", "")
    with pytest.raises(TransitionRefused, match="具体的问责方式"):
        _measure(case, person, "admonition", "probation_1y")


def test_it_refuses_measures_on_an_organisation_other_than_inspection_criticism_reorganisation(
    cast,
):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)
    org = targets.add_org_target(case, actor=cast.user("county1_jw"), org=cast.county1)
    advance(cast, case, S.DECIDED)
    with pytest.raises(TransitionRefused, match="对党组织只能采取检查、通报、改组"):
        _measure(case, org, "admonition", "talk")
    assert _measure(case, org, "reorganization").formalities_due is not None


def test_it_combines_measures_across_channels_and_lists_them_apart(cast):
    case, person = _decided(cast)
    measures = [
        _measure(case, person, "circulated_criticism"),
        _measure(case, person, "organizational_handling", "removal"),
        _measure(case, person, "party_sanction", "serious_warning"),
        _measure(case, person, "public_office_sanction", "major_demerit"),
    ]
    assert [m.channel for m in measures] == [
        "party_accountability",
        "party_accountability",
        "party_discipline",
        "public_office_sanction",
    ]
    with pytest.raises(TransitionRefused, match="组合规则「一案一对象每一渠道至多一项处分」"):
        _measure(case, person, "party_sanction", "warning")


@pytest.mark.parametrize(
    ("kind", "subtype", "effective", "ends"),
    [
        ("party_sanction", "warning", D(2024, 3, 10), D(2025, 3, 10)),
        ("party_sanction", "serious_warning", D(2024, 3, 10), D(2025, 9, 10)),
        ("party_sanction", "removal_from_party_posts", D(2024, 3, 10), D(2026, 3, 10)),
        ("party_sanction", "probation_2y", D(2024, 3, 10), D(2028, 3, 10)),
        ("public_office_sanction", "warning", D(2024, 8, 31), D(2025, 2, 28)),  # month end
        ("public_office_sanction", "demerit", D(2024, 2, 29), D(2025, 2, 28)),  # leap day
        ("public_office_sanction", "dismissal_from_post", D(2024, 1, 1), D(2026, 1, 1)),
        ("public_office_sanction", "expulsion", D(2024, 1, 1), None),  # 开除: no period
        ("admonition", "written", D(2024, 1, 31), D(2024, 7, 31)),
        ("circulated_criticism", "", D(2024, 1, 31), None),
    ],
)
def test_it_computes_the_influence_period_end(cast, kind, subtype, effective, ends):
    months = acc_measures.influence_months_for(kind, subtype)
    assert acc_measures.influence_end(effective, months) == ends


def test_it_reads_influence_periods_from_the_configurable_table(cast):
    InfluencePeriodRule.objects.filter(kind="admonition", subtype="talk").update(months=9)
    case, person = _decided(cast)
    measure = _measure(case, person, "admonition", "talk", effective=TODAY)
    assert measure.influence_months == 9
    assert measure.influence_ends == deadlines.add_months(TODAY, 9)


def test_it_sets_the_one_month_formalities_deadline_for_organisational_handling(cast):
    case, person = _decided(cast)
    handling = _measure(case, person, "organizational_handling", "reassignment")
    sanction = _measure(case, person, "party_sanction", "warning")
    assert handling.formalities_due == deadlines.add_months(TODAY, 1)
    assert sanction.formalities_due is None
    assert list(selectors.formalities_due_by(TODAY + datetime.timedelta(days=40))) == [handling]


def test_it_marks_expired_influence_periods_once(cast):
    case, person = _decided(cast)
    old = _measure(case, person, "party_sanction", "warning", effective=TODAY)
    AccountabilityMeasure.objects.filter(pk=old.pk).update(influence_ends=TODAY)
    fresh = _measure(case, person, "public_office_sanction", "warning", effective=TODAY)
    assert acc_measures.mark_expired_influence_periods(TODAY, actor=JOBS) == 1
    assert acc_measures.mark_expired_influence_periods(TODAY, actor=JOBS) == 0  # idempotent
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.expired_at is not None and not old.in_influence_period
    assert fresh.expired_at is None and fresh.in_influence_period


def test_it_accepts_an_appeal_within_the_window_and_keeps_the_decision_in_force(cast):
    case, person = _decided(cast)
    measure = _measure(case, person, "admonition", "written")
    received = TODAY - datetime.timedelta(days=10)
    appeal = appeals.file_appeal(
        case,
        actor=cast.user("county1_former"),
        target=person,
        measure=measure,
        grounds="对责任认定有异议。",
        received_on=received,
        filed_on=TODAY,
    )
    assert appeal.deadline == deadlines.add_months(received, 1)
    assert appeal.decision_due == deadlines.add_months(TODAY, 1)
    measure.refresh_from_db()
    assert measure.status == AccountabilityMeasure.Status.IN_FORCE
    appeals.decide_appeal(
        appeal, actor=cast.user("city1_jw"), outcome="revoked", reasoning="证据不足。"
    )
    measure.refresh_from_db()
    assert measure.status == AccountabilityMeasure.Status.REVOKED
    assert appeal.outcome == Appeal.Outcome.REVOKED
    # Issue 17.3: the registering officer is told the outcome, with a link and no case content.
    told = Notification.objects.get(kind="appeal_decided", recipient=cast.user("county1_former"))
    assert "撤销" in told.title and told.body == ""
    assert told.link == reverse("accountability:case_detail", args=[case.pk])
    with pytest.raises(TransitionRefused, match="已作出复查决定"):
        appeals.decide_appeal(appeal, actor=cast.user("city1_jw"), outcome="upheld", reasoning="x")


def test_it_refuses_a_late_appeal(cast):
    case, person = _decided(cast)
    with pytest.raises(TransitionRefused, match="已超过申诉期限"):
        appeals.file_appeal(
            case,
            actor=cast.user("county1_jw"),
            target=person,
            grounds="异议",
            received_on=TODAY - datetime.timedelta(days=40),
            filed_on=TODAY,
        )


def test_it_refuses_an_appeal_before_the_decision(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)
    with pytest.raises(TransitionRefused, match="已作出的问责决定"):
        appeals.file_appeal(
            case,
            actor=cast.user("county1_jw"),
            target=case.targets.get(),
            grounds="异议",
            received_on=TODAY,
        )
