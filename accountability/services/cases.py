"""Accountability cases (问责): from the lead to the archive, and corrections (纠错).

Every move asks CASE_FLOW (accountability/workflows.py) on the locked row and writes a
CaseTransition (who, when, from, to, note) besides the history row.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.bodies import (
    check_case_deciding_body,
    check_case_handler,
    check_org_decider,
    check_person_decider,
    deciding_path_for,
    default_deciding_body,
    default_handling_body,
    handling_path_for,
    principal_leaders,
)
from accountability.models import (
    LEADERSHIP_KINDS,
    AccountabilityCase,
    AccountabilityGround,
    AccountabilityMeasure,
    AccountabilityTarget,
    CaseCorrection,
    CaseTransition,
    DisciplinaryCase,
    FailedArea,
)
from accountability.recusal import refuse_recused, refuse_recused_actor, refuse_self_decision
from accountability.services.targets import refresh_target_snapshots
from accountability.signoff import signer_for
from accountability.workflows import CASE_FLOW, MEASURE_FLOW
from inspections.models import Finding
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure
from security.business_audit import note_bulk

S = AccountabilityCase.Status


def _log(
    case: AccountabilityCase, action: str, previous: str, actor: Actor, note: str = ""
) -> None:
    CaseTransition.objects.create(
        case=case,
        action=action,
        from_status=previous,
        to_status=case.status,
        actor=actor_user(actor),
        note=note,
    )


@write_service
def open_case(
    *,
    actor: Actor,
    title: str,
    org: Organization,
    event_date: datetime.date,
    source: str,
    handling_body: Body,
    deciding_body: Body,
    area: str = FailedArea.OTHER,
    portfolio: Portfolio | None = None,
    facts: str = "",
    grounds: Iterable[AccountabilityGround] = (),
    findings: Iterable[Finding] = (),
    disciplinary_cases: Iterable[DisciplinaryCase] = (),
    lead_received_on: datetime.date | None = None,
) -> AccountabilityCase:
    """受理: register a lead as an accountability case (state lead_received)."""
    if not handling_body.is_discipline:
        refuse(_("问责案件的承办机关必须是纪检监察机关。"))
    check_case_handler(org, handling_body)
    check_case_deciding_body(org, deciding_body)
    if event_date > timezone.localdate():
        refuse(_("问题发生日期不能晚于今天。"))
    if portfolio is not None and portfolio.org_id != org.pk:
        refuse(_("分管领域必须属于失职失责单位。"))
    case = AccountabilityCase(
        number=uuid.uuid4().hex[:32],
        title=title,
        org=org,
        org_path=org.path,
        event_date=event_date,
        area=area,
        portfolio=portfolio,
        source=source,
        facts=facts,
        handling_body=handling_body,
        handling_path=handling_path_for(handling_body, org),
        deciding_body=deciding_body,
        deciding_path=deciding_path_for(deciding_body),
        lead_received_on=lead_received_on or timezone.localdate(),
        created_by=actor_user(actor),
    )
    case.save()
    case.number = f"WZ{case.lead_received_on:%Y}-{case.pk:05d}"
    AccountabilityCase.objects.filter(pk=case.pk).update(number=case.number)
    note_bulk(AccountabilityCase, [case.pk], {"number": case.number})
    case.grounds.set(list(grounds))
    case.findings.set(list(findings))
    case.disciplinary_cases.set(list(disciplinary_cases))
    _log(case, "open", "", actor)
    return case


@write_service
def open_case_from_finding(
    finding: Finding,
    *,
    actor: Actor,
    event_date: datetime.date | None = None,
    title: str = "",
    deciding_body: Body | None = None,
    handling_body: Body | None = None,
    portfolio: Portfolio | None = None,
    grounds: Iterable[AccountabilityGround] = (),
) -> AccountabilityCase:
    """A case from an inspection finding (or from a case lead transferred with it)."""
    source = (
        AccountabilityCase.Source.CASE_LEAD
        if finding.is_case_lead_transferred
        else AccountabilityCase.Source.INSPECTION_FINDING
    )
    handling = handling_body or finding.transferred_to or default_handling_body(finding.org)
    area = finding.category if finding.category in FailedArea.values else FailedArea.OTHER
    return open_case(
        actor=actor,
        title=title or finding.title,
        org=finding.org,
        event_date=event_date or timezone.localdate(finding.created_at),
        source=source,
        handling_body=handling,
        deciding_body=deciding_body or default_deciding_body(finding.org),
        area=area,
        portfolio=portfolio,
        facts=finding.description,
        grounds=grounds,
        findings=[finding],
    )


def _check(case: AccountabilityCase, action: str, actor: Actor) -> None:
    """Lock the row (a double submit sees the state the first one left) and ask the table,
    before the inputs are looked at."""
    lock_current(case, "status")
    CASE_FLOW.check(case, action, actor)
    refuse_recused_actor(case, actor, _("办理本案"))


def _move(case: AccountabilityCase, action: str, actor: Actor, note: str = "") -> None:
    """Take the move (the row is locked by `_check`), save the case and record the step."""
    previous = CASE_FLOW.move(case, action, actor)
    case.status_since = timezone.now()
    case.save()
    _log(case, action, previous, actor, note)


@write_service
def start_preliminary_review(
    case: AccountabilityCase, *, actor: Actor, note: str = ""
) -> AccountabilityCase:
    _check(case, "preliminary_review", actor)
    _move(case, "preliminary_review", actor, note)
    return case


@write_service
def approve_start(
    case: AccountabilityCase, *, actor: Actor, approver: Tenure, approved_on: datetime.date
) -> AccountabilityCase:
    """Art.9: starting the investigation is approved by the deciding body's principal leader."""
    _check(case, "approve_start", actor)
    if approved_on > timezone.localdate():
        refuse(_("批准日期不能晚于今天。"))
    if not principal_leaders(case.deciding_body, approved_on).filter(pk=approver.pk).exists():
        refuse(
            _("启动问责调查须经%(body)s主要负责人批准;%(person)s在批准日不是其主要负责人。")
            % {"body": case.deciding_body.name, "person": approver.person.name}
        )
    refuse_recused(case, [approver.person], _("批准启动本案调查"))
    case.start_approved_by = approver
    case.start_approved_on = approved_on
    note = _("批准人:%(name)s(%(post)s)") % {
        "name": approver.person.name,
        "post": approver.get_role_display(),
    }
    _move(case, "approve_start", actor, note)
    return case


@write_service
def start_investigation(
    case: AccountabilityCase,
    *,
    actor: Actor,
    team: Sequence[Person],
    execution_finding: str = "",
) -> AccountabilityCase:
    """Art.10: an investigation team of at least two people."""
    members = {p.pk: p for p in team}
    if len(members) < 2:
        refuse(_("问责调查组成员不得少于2人。"))
    _check(case, "start_investigation", actor)
    refuse_recused(case, members.values(), _("担任本案调查组成员"))
    case.execution_finding = execution_finding
    _move(case, "start_investigation", actor)
    case.investigation_team.set(list(members.values()))
    return case


@write_service
def record_hearing(
    case: AccountabilityCase,
    *,
    actor: Actor,
    record: str,
    heard_on: datetime.date,
    hearers: Sequence[Person] = (),
) -> AccountabilityCase:
    """陈述申辩: the targets are heard before any decision (by `hearers`; by default the
    investigation team)."""
    _check(case, "hearing", actor)
    if not (record or "").strip():
        refuse(_("须记录问责对象的陈述申辩。"))
    people = list(hearers) or list(case.investigation_team.all())
    refuse_recused(case, people, _("听取本案陈述申辩"))
    case.hearing_record = record.strip()
    case.hearing_on = heard_on
    _move(case, "hearing", actor)
    case.hearers.set(people)
    return case


@write_service
def discuss_report(
    case: AccountabilityCase,
    *,
    actor: Actor,
    report: str,
    discussion_record: str,
    discussed_on: datetime.date,
) -> AccountabilityCase:
    """The investigation report is discussed collectively (集体讨论)."""
    _check(case, "discuss_report", actor)
    if not (report or "").strip() or not (discussion_record or "").strip():
        refuse(_("须填写调查报告和集体讨论情况。"))
    case.report = report.strip()
    case.discussion_record = discussion_record.strip()
    case.discussed_on = discussed_on
    _move(case, "discuss_report", actor)
    return case


def validate_org_targets(case: AccountabilityCase) -> None:
    """Art.6: an organisation held to account ⇒ ≥1 leader held to account, or a reason."""
    targets = list(case.targets.all())
    has_leader = any(
        t.target_type == AccountabilityTarget.TargetType.PERSON
        and t.responsibility_kind in LEADERSHIP_KINDS
        for t in targets
    )
    for target in targets:
        if (
            target.target_type == AccountabilityTarget.TargetType.ORG
            and not has_leader
            and not target.no_person_reason.strip()
        ):
            refuse(
                _(
                    "对党组织问责的,应当同时对负有领导责任的班子成员问责;"
                    "“%(org)s”未同时问责领导干部,须记录理由。"
                )
                % {"org": target.name_snapshot}
            )


def _check_decision_inputs(case: AccountabilityCase, decision_no: str) -> None:
    if not (decision_no or "").strip():
        refuse(_("须填写问责决定文号。"))
    grounds = list(case.grounds.all())
    if not grounds:
        refuse(_("须至少选择一项问责情形。"))
    if all(g.is_catch_all for g in grounds) and len(case.facts.strip()) < 20:
        refuse(_("仅适用兜底条款的,须写明具体失职失责事实(不少于20个字)。"))
    if not case.targets.exists():
        refuse(_("尚未确定问责对象。"))
    validate_org_targets(case)


def check_deciding_authority(case: AccountabilityCase, day: datetime.date) -> None:
    """The deciding body has authority over every target on the day of the decision (a
    person may have moved up since the failure: 下管一级 follows their posts that day)."""
    for target in case.targets.select_related("person", "tenure", "org"):
        if target.target_type == AccountabilityTarget.TargetType.ORG:
            check_org_decider(case.deciding_body, target.org)
        elif target.person is not None:
            check_person_decider(case.deciding_body, target.person, target.tenure, day)


@write_service
def decide_case(
    case: AccountabilityCase,
    *,
    actor: Actor,
    decision_no: str,
    decided_on: datetime.date,
    publication_scope: str = AccountabilityCase.Publication.INTERNAL,
) -> AccountabilityCase:
    _check(case, "decide", actor)
    _check_decision_inputs(case, decision_no)
    check_deciding_authority(case, decided_on)
    refuse_self_decision(case, case.deciding_body)
    case.decision_no = decision_no.strip()
    case.decided_on = decided_on
    case.publication_scope = publication_scope
    refresh_target_snapshots(case)
    _move(case, "decide", actor, case.decision_no)
    return case


@write_service
def not_pursue(
    case: AccountabilityCase, *, actor: Actor, reason: str, note: str
) -> AccountabilityCase:
    """不予 / 免予问责 with a reason code (art.17) and an explanation, signed by the
    handling commission's secretary (签字背书, R27)."""
    _check(case, "not_pursue", actor)
    if reason not in AccountabilityCase.NotPursuedReason.values:
        refuse(_("请选择不予(免予)问责的理由。"))
    if len((note or "").strip()) < 10:
        refuse(_("不予(免予)问责须写明具体情况(不少于10个字)。"))
    case.signed_by = signer_for(actor, case.handling_body, timezone.localdate())
    case.signed_at = timezone.now()
    case.not_pursued_reason = reason
    case.not_pursued_note = note.strip()
    _move(case, "not_pursue", actor, note.strip())
    return case


@write_service
def start_execution(case: AccountabilityCase, *, actor: Actor) -> AccountabilityCase:
    _check(case, "start_execution", actor)
    _move(case, "start_execution", actor)
    return case


@write_service
def archive_case(case: AccountabilityCase, *, actor: Actor) -> AccountabilityCase:
    _check(case, "archive", actor)
    case.archived_at = timezone.now()
    _move(case, "archive", actor)
    return case


def _check_correction(
    case: AccountabilityCase, reason: str, note: str, revoke: list[AccountabilityMeasure]
) -> None:
    if reason not in CaseCorrection.Reason.values:
        refuse(_("请选择纠错原因。"))
    if not (note or "").strip():
        refuse(_("须写明纠错说明。"))
    if any(m.case_id != case.pk for m in revoke):
        refuse(_("只能撤销本案的问责方式。"))


@write_service
def correct_case(
    case: AccountabilityCase,
    *,
    actor: Actor,
    reason: str,
    note: str,
    revoke: Iterable[AccountabilityMeasure] = (),
    by_higher_body: bool = False,
) -> CaseCorrection:
    """纠错 (art.21): a wrong or imprecise decision is corrected; revoked measures end."""
    _check(case, "correct", actor)
    revoke = list(revoke)
    _check_correction(case, reason, note, revoke)
    correction = CaseCorrection.objects.create(
        case=case,
        reason=reason,
        note=note.strip(),
        by_higher_body=by_higher_body,
        recorded_by=actor_user(actor),
    )
    for measure in revoke:
        lock_current(measure, "status")
        MEASURE_FLOW.move(measure, "revoke", actor)
        measure.save(update_fields=["status"])
    correction.revoked.set(revoke)
    _log(case, "correct", case.status, actor, f"{correction}: {note.strip()}")
    return correction
