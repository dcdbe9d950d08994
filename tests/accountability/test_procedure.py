"""The accountability procedure: every transition, its refusals, and what it records."""

import datetime

import pytest

from accountability.models import (
    AccountabilityCase,
    AccountabilityGround,
    AccountabilityMeasure,
    CaseCorrection,
)
from accountability.services import cases, measures, targets
from liangge_zeren.workflow import TransitionRefused
from tests.accountability.fixtures import TODAY, advance, county1_head, open_county1_case

S = AccountabilityCase.Status


def test_it_walks_every_state_from_lead_to_archive_and_records_each_step(cast):
    case = open_county1_case(cast)
    assert case.status == S.LEAD_RECEIVED
    assert case.number.startswith(f"WZ{TODAY:%Y}-")
    advance(cast, case, S.EXECUTING)
    cases.archive_case(case, actor=cast.user("county1_jw"))
    steps = list(case.transitions.values_list("from_status", "to_status", "actor__username"))
    assert [s[1] for s in steps] == [
        S.LEAD_RECEIVED,
        S.PRELIMINARY_REVIEW,
        S.START_APPROVED,
        S.INVESTIGATING,
        S.HEARING,
        S.REPORT_DISCUSSED,
        S.DECIDED,
        S.EXECUTING,
        S.ARCHIVED,
    ]
    assert {s[2] for s in steps} == {"county1_jw"}
    assert case.history.count() >= 9
    assert case.start_approved_by == cast.tenures["city1_secretary"]
    assert case.investigation_team.count() == 2


def test_it_refuses_a_decision_before_the_collective_discussion(cast):
    case = open_county1_case(cast)
    with pytest.raises(TransitionRefused, match="集体讨论"):
        cases.decide_case(case, actor=cast.user("county1_jw"), decision_no="x", decided_on=TODAY)
    with pytest.raises(TransitionRefused, match="当前状态“受理线索”下不能执行"):
        cases.record_hearing(case, actor=cast.user("county1_jw"), record="r", heard_on=TODAY)


def test_it_lets_only_the_deciding_bodys_principal_leader_approve_the_start(cast):
    case = open_county1_case(cast)
    jw = cast.user("county1_jw")
    cases.start_preliminary_review(case, actor=jw)
    for wrong in ("county1_jw", "county1_secretary", "prov_secretary"):
        with pytest.raises(TransitionRefused, match="主要负责人批准"):
            cases.approve_start(case, actor=jw, approver=cast.tenures[wrong], approved_on=TODAY)
    # The city secretary was not yet in office before the cast's start date.
    with pytest.raises(TransitionRefused):
        cases.approve_start(
            case,
            actor=jw,
            approver=cast.tenures["city1_secretary"],
            approved_on=datetime.date(2020, 1, 1),
        )
    cases.approve_start(case, actor=jw, approver=cast.tenures["city1_secretary"], approved_on=TODAY)
    assert case.status == S.START_APPROVED
    assert "张志远" in case.transitions.last().note


def test_it_requires_an_investigation_team_of_at_least_two(cast):
    case = advance(cast, open_county1_case(cast), S.START_APPROVED)
    with pytest.raises(TransitionRefused, match="不得少于2人"):
        cases.start_investigation(
            case, actor=cast.user("county1_jw"), team=[cast.people["county1_jw"]] * 2
        )
    assert case.status == S.START_APPROVED


def test_it_hears_statement_and_defence_only_with_targets_and_a_record(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused, match="陈述申辩"):
        cases.record_hearing(case, actor=jw, record="  ", heard_on=TODAY)
    with pytest.raises(TransitionRefused, match="尚未确定问责对象"):
        cases.record_hearing(case, actor=jw, record="申辩", heard_on=TODAY)


def test_it_requires_a_ground_and_facts_for_the_catch_all_clause(cast):
    case = open_county1_case(
        cast, grounds=[AccountabilityGround.objects.get(number=11)], facts="短"
    )
    advance(cast, case, S.REPORT_DISCUSSED)
    with pytest.raises(TransitionRefused, match="兜底条款"):
        cases.decide_case(case, actor=cast.user("county1_jw"), decision_no="文号", decided_on=TODAY)
    case.grounds.clear()
    with pytest.raises(TransitionRefused, match="至少选择一项问责情形"):
        cases.decide_case(case, actor=cast.user("county1_jw"), decision_no="文号", decided_on=TODAY)


def test_it_records_not_pursued_with_a_reason_code(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused):
        cases.not_pursue(case, actor=jw, reason="three_distinctions", note="短")
    cases.not_pursue(  # signed by the handling commission's secretary (R27)
        case,
        actor=county1_head(cast).user,
        reason="recorded_dissent",
        note="该同志在集体决策时明确表示反对并记录在案。",
    )
    assert case.status == S.NOT_PURSUED
    assert case.transitions.last().action == "not_pursue"
    cases.archive_case(case, actor=jw)
    assert case.status == S.ARCHIVED
    with pytest.raises(TransitionRefused):
        targets.add_person_target(
            case,
            actor=jw,
            tenure=cast.tenures["county1_member"],
            responsibility_kind="important_leadership",
        )


def test_it_requires_a_leader_alongside_an_organisation_target_or_a_reason(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    jw = cast.user("county1_jw")
    # Only the organisation (a person target in 问责 always bears a leadership role, R9).
    org_target = targets.add_org_target(case, actor=jw, org=cast.county1)
    advance(cast, case, S.REPORT_DISCUSSED)
    with pytest.raises(TransitionRefused, match="同时对负有领导责任的班子成员问责"):
        cases.decide_case(case, actor=jw, decision_no="文号", decided_on=TODAY)
    org_target.no_person_reason = "领导班子已全部调整,相关人员另案处理。"
    org_target.save()
    cases.decide_case(case, actor=jw, decision_no="文号", decided_on=TODAY)
    assert case.status == S.DECIDED


def test_it_starts_execution_only_with_a_measure_and_archives_after_formalities(cast):
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    jw = cast.user("county1_jw")
    with pytest.raises(TransitionRefused, match="尚未登记问责方式"):
        cases.start_execution(case, actor=jw)
    measure = measures.add_measure(
        case,
        actor=jw,
        target=case.targets.get(),
        kind="organizational_handling",
        subtype="removal",
        effective_date=TODAY,
        decision_no="文号",
        deciding_body=case.deciding_body,
    )
    cases.start_execution(case, actor=jw)
    with pytest.raises(TransitionRefused, match="手续尚未办结"):
        cases.archive_case(case, actor=jw)
    measures.record_formalities_done(measure, actor=jw, done_on=TODAY)
    cases.archive_case(case, actor=jw)
    assert case.status == S.ARCHIVED and case.archived_at is not None


def test_it_corrects_a_wrong_decision_and_revokes_its_measures(cast):
    case = advance(cast, open_county1_case(cast), S.EXECUTING)
    jw = cast.user("city1_jw")
    measure = case.measures.get()
    with pytest.raises(TransitionRefused):
        cases.correct_case(case, actor=jw, reason="nonsense", note="x", revoke=[measure])
    correction = cases.correct_case(
        case,
        actor=jw,
        reason="weak_evidence",
        note="证据不足以认定责任。",
        revoke=[measure],
        by_higher_body=True,
    )
    measure.refresh_from_db()
    assert measure.status == AccountabilityMeasure.Status.REVOKED
    assert correction.reason == CaseCorrection.Reason.WEAK_EVIDENCE
    assert case.transitions.last().action == "correct"
    assert case.status == S.EXECUTING  # the case stays where it was; the record shows the fix


def test_it_refuses_a_correction_before_any_decision(cast):
    case = open_county1_case(cast)
    with pytest.raises(TransitionRefused, match="已作出问责决定"):
        cases.correct_case(case, actor=cast.user("county1_jw"), reason="wrong_facts", note="错")


def test_it_exposes_step_deadlines(cast, settings):
    case = open_county1_case(cast)
    assert case.step_due() == TODAY + datetime.timedelta(days=15)
    settings.ACCOUNTABILITY = {**settings.ACCOUNTABILITY, "STEP_DAYS": {}}
    assert case.step_due() is None


def test_it_opens_a_case_from_a_transferred_finding(cast, daily_finding):
    from inspections.services import findings

    findings.transfer_case_lead(
        daily_finding, actor=cast.user("county1_jw"), to_body=cast.bodies["T-K1:discipline"]
    )
    case = cases.open_case_from_finding(
        daily_finding, actor=cast.user("county1_jw"), event_date=datetime.date(2024, 1, 10)
    )
    assert case.source == AccountabilityCase.Source.CASE_LEAD
    assert list(case.findings.all()) == [daily_finding]
    assert case.handling_body == cast.bodies["T-K1:discipline"]
    assert case.deciding_body == cast.bodies["T-C1:committee"]  # cadre authority one level up
    assert case.area == "conduct"
