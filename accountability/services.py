"""State changes of accountability: one function per change, atomic, with who and when.

Views check access (access.py), then call one of these. Every refused change raises
`TransitionRefused` with a Chinese message; every case transition writes a CaseTransition
row (who, when, from, to, note) besides the simple_history row.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.defaults import DEFAULT_MONTHS
from accountability.models import (
    DECIDED_STATUSES,
    LEADERSHIP_KINDS,
    MEASURE_SUBTYPES,
    ORG_MEASURES,
    PARTY_GRADE_RANK,
    PERSON_MEASURES,
    PUBLIC_GRADE_RANK,
    AccountabilityCase,
    AccountabilityGround,
    AccountabilityMeasure,
    AccountabilityTarget,
    Appeal,
    CaseCorrection,
    CaseTransition,
    Channel,
    DisciplinaryCase,
    DualInvestigation,
    FailedArea,
    InfluencePeriodRule,
    MeasureKind,
    ResponsibilityKind,
    accountability_setting,
    channel_of,
)
from inspections.models import Finding
from inspections.services import add_months
from liangge_zeren.concurrency import lock_current
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure

S = AccountabilityCase.Status
R = Tenure.Role
MS = AccountabilityMeasure.Status


class TransitionRefused(Exception):
    """A change that is not allowed from the current state (or lacks its inputs)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refuse(message: str):
    raise TransitionRefused(message)


def _scope(org: Organization) -> dict:
    return {"org": org, "org_path": org.path}


def _history_user(obj, user):
    obj._history_user = user
    return obj


# --- Bodies and principal leaders ---------------------------------------------------------

PRINCIPAL_ROLES = {
    "committee": (R.SECRETARY,),
    "discipline": (R.DISCIPLINE_SECRETARY, R.STATIONED_TEAM_LEADER),
}


def principal_roles(body: Body) -> tuple[str, ...]:
    return PRINCIPAL_ROLES["discipline" if body.is_discipline else "committee"]


def principal_leaders(body: Body, day: datetime.date) -> QuerySet:
    """Who led `body` on `day` (书记 of a committee, 纪委书记 / 组长 of a discipline body)."""
    return (
        Tenure.objects.held_on(day)
        .filter(body=body, role__in=principal_roles(body))
        .select_related("person", "org")
    )


def committee_of(org: Organization) -> Body | None:
    return (
        Body.objects.filter(org=org, kind__in=Body.COMMITTEE_KINDS, is_active=True)
        .order_by("kind", "pk")
        .first()
    )


def handling_path_for(body: Body, org: Organization) -> str:
    """Where the handling side's jurisdiction lies (a stationed team: the unit it sits in)."""
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        stationed = list(body.stationed_in.all())
        for unit in stationed:
            if org.path.startswith(unit.path):
                return unit.path
        return stationed[0].path if stationed else body.org_path
    return body.org.path


def deciding_path_for(body: Body) -> str:
    return body.org.path


# --- Disciplinary cases and 一案双查 -------------------------------------------------------


def _snapshot_of(tenure: Tenure | None) -> str:
    if tenure is None:
        return ""
    return f"{tenure.org.name} {tenure.title or tenure.get_role_display()}"[:200]


@transaction.atomic
def register_disciplinary_case(
    *,
    user,
    case_no: str,
    org: Organization,
    handling_body: Body,
    subject_person: Person,
    violation_type: str,
    summary: str,
    registered_on: datetime.date,
    subject_tenure: Tenure | None = None,
    amount_involved: Decimal | None = None,
    source_finding: Finding | None = None,
) -> DisciplinaryCase:
    if not handling_body.is_discipline:
        _refuse(_("纪律审查案件只能由纪检监察机关立案。"))
    if DisciplinaryCase.objects.filter(case_no=case_no).exists():
        _refuse(_("案件编号已存在。"))
    if subject_tenure is not None and subject_tenure.person_id != subject_person.pk:
        _refuse(_("违纪时任职必须是被审查人本人的任职。"))
    case = DisciplinaryCase(
        case_no=case_no,
        **_scope(org),
        handling_body=handling_body,
        handling_path=handling_path_for(handling_body, org),
        subject_person=subject_person,
        subject_tenure=subject_tenure,
        subject_snapshot=_snapshot_of(subject_tenure),
        violation_type=violation_type,
        summary=summary,
        registered_on=registered_on,
        amount_involved=amount_involved,
        source_finding=source_finding,
        created_by=user,
    )
    _history_user(case, user).save()
    return case


def dual_triggers(case: DisciplinaryCase) -> list[str]:
    """Which configured 一案双查 triggers this case meets (Chinese reasons, may be empty)."""
    reasons = []
    party_min = accountability_setting("DUAL_TRIGGER_PARTY_SANCTION", "removal_from_party_posts")
    if case.party_sanction and PARTY_GRADE_RANK[case.party_sanction] >= PARTY_GRADE_RANK.get(
        party_min, 99
    ):
        reasons.append(
            _("党纪处分达到触发等级:%(grade)s") % {"grade": case.get_party_sanction_display()}
        )
    public_min = accountability_setting("DUAL_TRIGGER_PUBLIC_SANCTION", "dismissal_from_post")
    if case.public_office_sanction and PUBLIC_GRADE_RANK[
        case.public_office_sanction
    ] >= PUBLIC_GRADE_RANK.get(public_min, 99):
        reasons.append(
            _("政务处分达到触发等级:%(grade)s")
            % {"grade": case.get_public_office_sanction_display()}
        )
    form_min = accountability_setting("DUAL_TRIGGER_FOUR_FORM", 4)
    if case.four_form and case.four_form >= form_min:
        reasons.append(_("运用第%(form)s种形态") % {"form": case.four_form})
    amount_min = accountability_setting("DUAL_TRIGGER_AMOUNT", 100_000)
    if case.amount_involved is not None and case.amount_involved >= Decimal(amount_min):
        reasons.append(_("涉案金额达到 %(amount)s 元") % {"amount": amount_min})
    repeat = int(accountability_setting("DUAL_TRIGGER_REPEAT_CASES", 3))
    years = int(accountability_setting("DUAL_TRIGGER_REPEAT_YEARS", 3))
    if repeat:
        since = add_months(case.registered_on, -12 * years)
        count = DisciplinaryCase.objects.filter(
            org_path__startswith=case.org_path,
            registered_on__gte=since,
            registered_on__lte=case.registered_on,
        ).count()
        if count >= repeat:
            reasons.append(
                _("%(years)s 年内同一单位发生 %(count)s 起案件") % {"years": years, "count": count}
            )
    return reasons


@transaction.atomic
def decide_disciplinary_case(
    case: DisciplinaryCase,
    user,
    *,
    decided_on: datetime.date,
    four_form: int,
    party_sanction: str = "",
    public_office_sanction: str = "",
    amount_involved: Decimal | None = None,
) -> DisciplinaryCase:
    """Record the sanction; opens both 一案双查 probes when a configured trigger is met."""
    lock_current(case, "status")
    if case.status != DisciplinaryCase.Status.REGISTERED:
        _refuse(_("只有已立案的案件才能作出处分决定。"))
    if decided_on < case.registered_on:
        _refuse(_("处分决定日期不能早于立案日期。"))
    case.decided_on = decided_on
    case.four_form = four_form
    case.party_sanction = party_sanction
    case.public_office_sanction = public_office_sanction
    if amount_involved is not None:
        case.amount_involved = amount_involved
    case.status = DisciplinaryCase.Status.DECIDED
    _history_user(case, user).save()
    reasons = dual_triggers(case)
    if reasons:
        open_dual_investigation(case, user, reason=_("自动触发:") + ";".join(reasons))
    return case


@transaction.atomic
def open_dual_investigation(
    case: DisciplinaryCase, user, *, reason: str
) -> list[DualInvestigation]:
    """Open the principal and supervisory probes (missing ones only); the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("启动一案双查须写明理由。"))
    if case.status == DisciplinaryCase.Status.ARCHIVED:
        _refuse(_("案件已归档,不能再启动一案双查。"))
    org = case.org
    existing = {p.kind: p for p in case.probes.all()}
    created = []
    targets = {
        DualInvestigation.Kind.PRINCIPAL: committee_of(org),
        DualInvestigation.Kind.SUPERVISORY: org.supervising_body,
    }
    for kind, body in targets.items():
        if kind in existing:
            continue
        probe = DualInvestigation(
            disciplinary_case=case,
            kind=kind,
            **_scope(org),
            target_body=body,
            opened_reason=reason,
            opened_by=user,
        )
        _history_user(probe, user).save()
        created.append(probe)
    case.dual_required = True
    case.dual_reasons = [*case.dual_reasons, reason]
    _history_user(case, user).save(update_fields=["dual_required", "dual_reasons"])
    return created


@transaction.atomic
def conclude_probe(
    probe: DualInvestigation,
    user,
    *,
    conclusion: str,
    reasoning: str = "",
    accountability_case: AccountabilityCase | None = None,
) -> DualInvestigation:
    lock_current(probe, "status")
    if probe.status == DualInvestigation.Status.CONCLUDED:
        _refuse(_("该核查已得出结论。"))
    reasoning = (reasoning or "").strip()
    if conclusion == DualInvestigation.Conclusion.RESPONSIBLE:
        if accountability_case is None:
            _refuse(_("认定应当问责的,须关联问责案件。"))
    elif conclusion == DualInvestigation.Conclusion.NOT_RESPONSIBLE:
        if len(reasoning) < 10:
            _refuse(_("认定不应问责的,须写明理由(不少于10个字)。"))
        accountability_case = None
    else:
        _refuse(_("请选择核查结论。"))
    probe.conclusion = conclusion
    probe.reasoning = reasoning
    probe.accountability_case = accountability_case
    probe.status = DualInvestigation.Status.CONCLUDED
    probe.concluded_by = user
    probe.concluded_at = timezone.now()
    _history_user(probe, user).save()
    if accountability_case is not None:
        accountability_case.disciplinary_cases.add(probe.disciplinary_case)
    return probe


@transaction.atomic
def open_case_for_probe(probe: DualInvestigation, user, *, deciding_body: Body | None = None):
    """Start the accountability case a probe found necessary, and conclude the probe."""
    # Checked before opening the case: a double submit must not open two cases.
    lock_current(probe, "status")
    if probe.status == DualInvestigation.Status.CONCLUDED:
        _refuse(_("该核查已得出结论。"))
    dcase = probe.disciplinary_case
    org = probe.org
    if probe.kind == DualInvestigation.Kind.PRINCIPAL:
        area, title = FailedArea.ANTI_CORRUPTION, _("%(org)s党委落实主体责任不力") % {"org": org}
    else:
        area, title = (
            FailedArea.SUPERVISION,
            _("%(org)s纪检监察机构落实监督责任不力") % {"org": org},
        )
    case = open_case(
        user=user,
        title=title,
        org=org,
        event_date=dcase.registered_on,
        source=AccountabilityCase.Source.DUAL_INVESTIGATION,
        handling_body=dcase.handling_body,
        deciding_body=deciding_body or default_deciding_body(org),
        area=area,
        facts=_("由纪律审查案件 %(no)s 一案双查启动。") % {"no": dcase.case_no},
        disciplinary_cases=[dcase],
    )
    conclude_probe(
        probe,
        user,
        conclusion=DualInvestigation.Conclusion.RESPONSIBLE,
        reasoning=_("已启动问责案件 %(no)s。") % {"no": case.number},
        accountability_case=case,
    )
    return case


def probes_complete(case: DisciplinaryCase) -> bool:
    concluded = {
        p.kind for p in case.probes.all() if p.status == DualInvestigation.Status.CONCLUDED
    }
    return concluded >= set(DualInvestigation.Kind.values)


@transaction.atomic
def archive_disciplinary_case(
    case: DisciplinaryCase, user, *, waiver_reason: str = "", may_waive: bool = False
) -> DisciplinaryCase:
    """Refused until both probes are concluded, unless an authorised officer records why."""
    lock_current(case, "status")
    if case.status != DisciplinaryCase.Status.DECIDED:
        _refuse(_("只有已作出处分决定的案件才能归档。"))
    waiver_reason = (waiver_reason or "").strip()
    qualifies = case.dual_required or bool(dual_triggers(case))
    if qualifies and not probes_complete(case):
        if not waiver_reason:
            _refuse(
                _(
                    "该案件须一案双查:主体责任和监督责任两项核查均得出结论后才能归档;"
                    "确需先行归档的,须由纪委书记(组长)记录理由。"
                )
            )
        if not may_waive:
            _refuse(_("只有纪委书记(派驻组组长)可以在双查未完成时批准归档。"))
        case.dual_waiver_reason = waiver_reason
        case.dual_waived_by = user
    if qualifies and not case.dual_required:
        case.dual_required = True
    case.status = DisciplinaryCase.Status.ARCHIVED
    case.archived_at = timezone.now()
    _history_user(case, user).save()
    return case


def dual_coverage(cases: QuerySet) -> dict:
    """一案双查 coverage: qualifying cases where both probes are concluded (one query)."""
    concluded = DualInvestigation.objects.filter(
        disciplinary_case=OuterRef("pk"), status=DualInvestigation.Status.CONCLUDED
    )
    row = (
        cases.filter(dual_required=True)
        .annotate(
            p=Exists(concluded.filter(kind=DualInvestigation.Kind.PRINCIPAL)),
            s=Exists(concluded.filter(kind=DualInvestigation.Kind.SUPERVISORY)),
        )
        .aggregate(
            qualifying=Count("pk"),
            covered=Count("pk", filter=Q(p=True, s=True)),
            waived=Count("pk", filter=~Q(dual_waiver_reason="")),
        )
    )
    qualifying, covered = row["qualifying"], row["covered"]
    row["share"] = round(100 * covered / qualifying, 1) if qualifying else None
    return row


# --- Accountability cases ----------------------------------------------------------------


def default_deciding_body(org: Organization) -> Body:
    """The committee with cadre authority: the one above the unit (else the unit's own)."""
    body = committee_of(org.parent) if org.parent_id else None
    return body or committee_of(org) or _refuse(_("找不到有权作出问责决定的党组织。"))


def default_handling_body(org: Organization) -> Body:
    return org.supervising_body or _refuse(_("该单位没有监督它的纪检监察机构。"))


def _transition(case, action, from_status, to_status, user, note=""):
    CaseTransition.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        note=note,
    )


@transaction.atomic
def open_case(
    *,
    user,
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
        _refuse(_("问责案件的承办机关必须是纪检监察机关。"))
    if event_date > timezone.localdate():
        _refuse(_("问题发生日期不能晚于今天。"))
    if portfolio is not None and portfolio.org_id != org.pk:
        _refuse(_("分管领域必须属于失职失责单位。"))
    case = AccountabilityCase(
        number=uuid.uuid4().hex[:32],
        title=title,
        **_scope(org),
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
        created_by=user,
    )
    _history_user(case, user).save()
    case.number = f"WZ{case.lead_received_on:%Y}-{case.pk:05d}"
    AccountabilityCase.objects.filter(pk=case.pk).update(number=case.number)
    case.grounds.set(list(grounds))
    case.findings.set(list(findings))
    case.disciplinary_cases.set(list(disciplinary_cases))
    _transition(case, "open", "", S.LEAD_RECEIVED, user)
    return case


@transaction.atomic
def open_case_from_finding(
    finding: Finding,
    user,
    *,
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
        user=user,
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


def _move(case: AccountabilityCase, action: str, allowed: Iterable[str], to: str, user, note=""):
    lock_current(case, "status")  # a double submit sees the state the first one left
    if case.status not in set(allowed):
        _refuse(
            _("当前状态为“%(status)s”,不能执行该操作。") % {"status": case.get_status_display()}
        )
    from_status = case.status
    case.status = to
    case.status_since = timezone.now()
    _history_user(case, user).save()
    _transition(case, action, from_status, to, user, note)
    return case


@transaction.atomic
def start_preliminary_review(case: AccountabilityCase, user, *, note: str = ""):
    return _move(case, "preliminary_review", [S.LEAD_RECEIVED], S.PRELIMINARY_REVIEW, user, note)


@transaction.atomic
def approve_start(
    case: AccountabilityCase, user, *, approver: Tenure, approved_on: datetime.date
) -> AccountabilityCase:
    """Art.9: starting the investigation is approved by the deciding body's principal leader."""
    if case.status != S.PRELIMINARY_REVIEW:
        _refuse(_("只有初步核实阶段的案件才能批准启动问责调查。"))
    if approved_on > timezone.localdate():
        _refuse(_("批准日期不能晚于今天。"))
    leaders = principal_leaders(case.deciding_body, approved_on)
    if not leaders.filter(pk=approver.pk).exists():
        _refuse(
            _("启动问责调查须经%(body)s主要负责人批准;%(person)s在批准日不是其主要负责人。")
            % {"body": case.deciding_body.name, "person": approver.person.name}
        )
    case.start_approved_by = approver
    case.start_approved_on = approved_on
    note = _("批准人:%(name)s(%(post)s)") % {
        "name": approver.person.name,
        "post": approver.get_role_display(),
    }
    return _move(case, "approve_start", [S.PRELIMINARY_REVIEW], S.START_APPROVED, user, note)


@transaction.atomic
def start_investigation(
    case: AccountabilityCase,
    user,
    *,
    team: Sequence[Person],
    execution_finding: str = "",
) -> AccountabilityCase:
    """Art.10: an investigation team of at least two people."""
    members = {p.pk: p for p in team}
    if len(members) < 2:
        _refuse(_("问责调查组成员不得少于2人。"))
    if case.status != S.START_APPROVED:
        _refuse(_("须先经批准启动问责调查。"))
    case.execution_finding = execution_finding
    _move(case, "start_investigation", [S.START_APPROVED], S.INVESTIGATING, user)
    case.investigation_team.set(list(members.values()))
    return case


@transaction.atomic
def record_hearing(
    case: AccountabilityCase, user, *, record: str, heard_on: datetime.date
) -> AccountabilityCase:
    """陈述申辩: the targets are heard before any decision."""
    if not (record or "").strip():
        _refuse(_("须记录问责对象的陈述申辩。"))
    if case.status == S.INVESTIGATING and not case.targets.exists():
        _refuse(_("尚未确定问责对象,不能听取陈述申辩。"))
    case.hearing_record = record.strip()
    case.hearing_on = heard_on
    return _move(case, "hearing", [S.INVESTIGATING], S.HEARING, user)


@transaction.atomic
def discuss_report(
    case: AccountabilityCase,
    user,
    *,
    report: str,
    discussion_record: str,
    discussed_on: datetime.date,
) -> AccountabilityCase:
    """The investigation report is discussed collectively (集体讨论)."""
    if not (report or "").strip() or not (discussion_record or "").strip():
        _refuse(_("须填写调查报告和集体讨论情况。"))
    case.report = report.strip()
    case.discussion_record = discussion_record.strip()
    case.discussed_on = discussed_on
    return _move(case, "discuss_report", [S.HEARING], S.REPORT_DISCUSSED, user)


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
            _refuse(
                _(
                    "对党组织问责的,应当同时对负有领导责任的班子成员问责;"
                    "“%(org)s”未同时问责领导干部,须记录理由。"
                )
                % {"org": target.name_snapshot}
            )


@transaction.atomic
def decide_case(
    case: AccountabilityCase,
    user,
    *,
    decision_no: str,
    decided_on: datetime.date,
    publication_scope: str = AccountabilityCase.Publication.INTERNAL,
) -> AccountabilityCase:
    if case.status != S.REPORT_DISCUSSED:
        _refuse(_("调查报告经集体讨论后才能作出问责决定。"))
    if not (decision_no or "").strip():
        _refuse(_("须填写问责决定文号。"))
    grounds = list(case.grounds.all())
    if not grounds:
        _refuse(_("须至少选择一项问责情形。"))
    if all(g.is_catch_all for g in grounds) and len(case.facts.strip()) < 20:
        _refuse(_("仅适用兜底条款的,须写明具体失职失责事实(不少于20个字)。"))
    if not case.targets.exists():
        _refuse(_("尚未确定问责对象。"))
    validate_org_targets(case)
    case.decision_no = decision_no.strip()
    case.decided_on = decided_on
    case.publication_scope = publication_scope
    refresh_target_snapshots(case)
    return _move(case, "decide", [S.REPORT_DISCUSSED], S.DECIDED, user, case.decision_no)


NOT_PURSUABLE_FROM = (
    S.LEAD_RECEIVED,
    S.PRELIMINARY_REVIEW,
    S.START_APPROVED,
    S.INVESTIGATING,
    S.HEARING,
    S.REPORT_DISCUSSED,
)


@transaction.atomic
def not_pursue(case: AccountabilityCase, user, *, reason: str, note: str) -> AccountabilityCase:
    """不予 / 免予问责 with a reason code (art.17) and an explanation."""
    if reason not in AccountabilityCase.NotPursuedReason.values:
        _refuse(_("请选择不予(免予)问责的理由。"))
    if len((note or "").strip()) < 10:
        _refuse(_("不予(免予)问责须写明具体情况(不少于10个字)。"))
    case.not_pursued_reason = reason
    case.not_pursued_note = note.strip()
    return _move(case, "not_pursue", NOT_PURSUABLE_FROM, S.NOT_PURSUED, user, note.strip())


@transaction.atomic
def start_execution(case: AccountabilityCase, user) -> AccountabilityCase:
    if case.status == S.DECIDED and not case.measures.filter(status=MS.IN_FORCE).exists():
        _refuse(_("尚未登记问责方式,不能进入执行。"))
    return _move(case, "start_execution", [S.DECIDED], S.EXECUTING, user)


@transaction.atomic
def archive_case(case: AccountabilityCase, user) -> AccountabilityCase:
    if case.status == S.EXECUTING:
        if case.measures.filter(
            status=MS.IN_FORCE, formalities_due__isnull=False, formalities_done_on__isnull=True
        ).exists():
            _refuse(_("组织处理等相关手续尚未办结,不能归档。"))
        if case.appeals.filter(outcome="").exists():
            _refuse(_("尚有申诉未作出复查决定,不能归档。"))
    case.archived_at = timezone.now()
    return _move(case, "archive", [S.EXECUTING, S.NOT_PURSUED], S.ARCHIVED, user)


@transaction.atomic
def correct_case(
    case: AccountabilityCase,
    user,
    *,
    reason: str,
    note: str,
    revoke: Iterable[AccountabilityMeasure] = (),
    by_higher_body: bool = False,
) -> CaseCorrection:
    """纠错 (art.21): a wrong or imprecise decision is corrected; revoked measures end."""
    if case.status not in DECIDED_STATUSES:
        _refuse(_("只有已作出问责决定的案件才能纠错。"))
    if reason not in CaseCorrection.Reason.values:
        _refuse(_("请选择纠错原因。"))
    if not (note or "").strip():
        _refuse(_("须写明纠错说明。"))
    revoke = list(revoke)
    if any(m.case_id != case.pk for m in revoke):
        _refuse(_("只能撤销本案的问责方式。"))
    correction = CaseCorrection.objects.create(
        case=case, reason=reason, note=note.strip(), by_higher_body=by_higher_body, recorded_by=user
    )
    for measure in revoke:
        measure.status = MS.REVOKED
        _history_user(measure, user).save(update_fields=["status"])
    correction.revoked.set(revoke)
    _transition(case, "correct", case.status, case.status, user, f"{correction}: {note.strip()}")
    return correction


# --- Targets: who held the post at the time (前任) and now (现任) -------------------------


@dataclass
class Candidate:
    tenure: Tenure
    is_incumbent: bool  # holds the post today
    held_at_event: bool  # held the post on the event date
    current_posts: list[Tenure] = field(default_factory=list)

    @property
    def is_predecessor(self) -> bool:
        return self.held_at_event and not self.is_incumbent


@dataclass
class Slot:
    key: str
    label: str
    suggested_kind: str
    at_event: list[Candidate]
    incumbents: list[Candidate]


def _slot_roles(org: Organization) -> list[tuple[str, str, str, Q]]:
    committee = Q(org=org, body__kind__in=Body.COMMITTEE_KINDS)
    discipline = Q(body=org.supervising_body) if org.supervising_body_id else Q(pk__in=[])
    return [
        (
            "secretary",
            _("书记(第一责任人)"),
            ResponsibilityKind.PRIMARY,
            committee & Q(role=R.SECRETARY),
        ),
        (
            "portfolio",
            _("分管该领域的班子成员"),
            ResponsibilityKind.PRIMARY,
            committee & Q(role__in=[R.DEPUTY_SECRETARY, R.TEAM_MEMBER]),
        ),
        (
            "discipline",
            _("纪委书记(派驻组组长)"),
            ResponsibilityKind.SUPERVISORY,
            discipline & Q(role__in=[R.DISCIPLINE_SECRETARY, R.STATIONED_TEAM_LEADER]),
        ),
    ]


def propose_targets(
    org: Organization,
    event_date: datetime.date,
    portfolio: Portfolio | None = None,
    today: datetime.date | None = None,
) -> list[Slot]:
    """Who held the secretary, portfolio-member and discipline-secretary posts on the event
    date, and who holds them today; the officer picks. Three queries, whatever the size.

    Lifelong accountability: a holder at the time who has since moved or retired is listed
    with their current posts (possibly none).
    """
    today = today or timezone.localdate()
    slots = _slot_roles(org)
    if portfolio is None:
        slots = [s for s in slots if s[0] != "portfolio"]
    any_slot = Q(pk__in=[])
    for _key, _label, _kind, q in slots:
        any_slot |= q
    window = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=event_date))
    tenures = list(
        Tenure.objects.filter(any_slot, window, start_date__lte=max(today, event_date))
        .select_related("person", "org", "body")
        .prefetch_related("portfolios")
        .order_by("start_date", "pk")
    )
    person_ids = {t.person_id for t in tenures}
    current_posts: dict[int, list[Tenure]] = {}
    for post in (
        Tenure.objects.held_on(today)
        .filter(person_id__in=person_ids)
        .select_related("org")
        .order_by("org__path", "pk")
    ):
        current_posts.setdefault(post.person_id, []).append(post)

    def held(t: Tenure, day: datetime.date) -> bool:
        return t.start_date <= day and (t.end_date is None or t.end_date >= day)

    result = []
    for key, label, kind, _q in slots:
        matching = [t for t in tenures if _matches_slot(t, key, org, portfolio)]
        at_event, incumbents = [], []
        for t in matching:
            candidate = Candidate(
                tenure=t,
                is_incumbent=held(t, today),
                held_at_event=held(t, event_date),
                current_posts=current_posts.get(t.person_id, []),
            )
            if candidate.held_at_event:
                at_event.append(candidate)
            if candidate.is_incumbent:
                incumbents.append(candidate)
        result.append(Slot(key, label, kind, at_event, incumbents))
    return result


def _matches_slot(t: Tenure, key: str, org: Organization, portfolio: Portfolio | None) -> bool:
    if key == "secretary":
        return t.org_id == org.pk and t.role == R.SECRETARY and t.body.is_committee
    if key == "portfolio":
        return (
            t.org_id == org.pk
            and t.role in (R.DEPUTY_SECRETARY, R.TEAM_MEMBER)
            and t.body.is_committee
            and portfolio is not None
            and any(p.pk == portfolio.pk for p in t.portfolios.all())
        )
    return t.body_id == org.supervising_body_id and t.role in (
        R.DISCIPLINE_SECRETARY,
        R.STATIONED_TEAM_LEADER,
    )


def _current_posts_text(person: Person, today: datetime.date | None = None) -> str:
    posts = (
        Tenure.objects.held_on(today or timezone.localdate())
        .filter(person=person)
        .select_related("org")
    )
    text = "; ".join(f"{p.org.name} {p.title or p.get_role_display()}" for p in posts)
    return text[:300] or _("现无任职(已离任或退休)")


TARGETS_EDITABLE = (
    S.LEAD_RECEIVED,
    S.PRELIMINARY_REVIEW,
    S.START_APPROVED,
    S.INVESTIGATING,
    S.HEARING,
    S.REPORT_DISCUSSED,
)


def _check_targets_editable(case: AccountabilityCase) -> None:
    if case.status not in TARGETS_EDITABLE:
        _refuse(_("已作出决定(或不予问责)的案件不能再增加问责对象。"))


@transaction.atomic
def add_person_target(
    case: AccountabilityCase,
    user,
    *,
    tenure: Tenure,
    responsibility_kind: str,
    is_collective: bool = False,
    dissent_recorded: bool = False,
    mitigating: str = "",
    aggravating: str = "",
) -> AccountabilityTarget:
    """A leader, as the tenure they held when the failure happened."""
    _check_targets_editable(case)
    if responsibility_kind not in ResponsibilityKind.values:
        _refuse(_("请选择责任类型。"))
    event = case.event_date
    if tenure.start_date > event or (tenure.end_date is not None and tenure.end_date < event):
        _refuse(
            _("%(name)s的该项任职(%(start)s 至 %(end)s)不覆盖问题发生日期 %(event)s。")
            % {
                "name": tenure.person.name,
                "start": tenure.start_date,
                "end": tenure.end_date or _("今"),
                "event": event,
            }
        )
    related = tenure.org.path.startswith(case.org_path) or case.org_path.startswith(tenure.org.path)
    supervising = bool(case.org.supervising_body_id) and (
        tenure.body_id == case.org.supervising_body_id
    )
    if not related and not supervising:
        _refuse(_("问责对象的任职须在失职失责单位或其上级、监督机构。"))
    if case.targets.filter(tenure=tenure).exists():
        _refuse(_("该任职已是本案问责对象。"))
    target = AccountabilityTarget(
        case=case,
        **_scope(tenure.org),
        target_type=AccountabilityTarget.TargetType.PERSON,
        tenure=tenure,
        person=tenure.person,
        name_snapshot=tenure.person.name,
        unit_snapshot=tenure.org.name,
        post_snapshot=(tenure.title or tenure.get_role_display())[:100],
        current_posts_snapshot=_current_posts_text(tenure.person),
        is_predecessor=not tenure.is_current,
        responsibility_kind=responsibility_kind,
        is_collective=is_collective,
        dissent_recorded=dissent_recorded,
        mitigating=mitigating,
        aggravating=aggravating,
        added_by=user,
    )
    _history_user(target, user).save()
    return target


@transaction.atomic
def add_org_target(
    case: AccountabilityCase,
    user,
    *,
    org: Organization,
    body: Body | None = None,
    responsibility_kind: str = ResponsibilityKind.OVERALL,
    no_person_reason: str = "",
) -> AccountabilityTarget:
    """A Party organisation (collective responsibility: 检查 / 通报 / 改组)."""
    _check_targets_editable(case)
    body = body or committee_of(org)
    if body is None:
        _refuse(_("该单位没有可问责的党组织。"))
    if body.org_id != org.pk:
        _refuse(_("党组织须属于该单位。"))
    if not org.path.startswith(case.org_path) and not case.org_path.startswith(org.path):
        _refuse(_("被问责党组织须为失职失责单位或其上级。"))
    target = AccountabilityTarget(
        case=case,
        **_scope(org),
        target_type=AccountabilityTarget.TargetType.ORG,
        target_body=body,
        name_snapshot=body.name[:100],
        unit_snapshot=org.name,
        responsibility_kind=responsibility_kind,
        is_collective=True,
        no_person_reason=no_person_reason.strip(),
        added_by=user,
    )
    _history_user(target, user).save()
    return target


def refresh_target_snapshots(case: AccountabilityCase) -> None:
    """At decision time: each person target's current posts (they may have moved on)."""
    for target in case.targets.filter(target_type="person").select_related("person"):
        text = _current_posts_text(target.person)
        if text != target.current_posts_snapshot:
            target.current_posts_snapshot = text
            target.save(update_fields=["current_posts_snapshot"])


# --- Measures and influence periods ------------------------------------------------------


def influence_months_for(kind: str, subtype: str = "") -> int | None:
    """From the configurable table; the seeded default where a deployment deleted the row."""
    rule = InfluencePeriodRule.objects.filter(kind=kind, subtype=subtype).first()
    if rule is not None:
        return rule.months
    return DEFAULT_MONTHS.get((kind, subtype))


def influence_end(effective: datetime.date, months: int | None) -> datetime.date | None:
    return add_months(effective, months) if months else None


FORMALITIES_SUBTYPES = {
    MeasureKind.ORGANIZATIONAL_HANDLING: None,  # all of them (R12)
    MeasureKind.PUBLIC_OFFICE_SANCTION: {"demotion", "dismissal_from_post", "expulsion"},  # R20
    MeasureKind.REORGANIZATION: None,
}


def formalities_due_for(kind: str, subtype: str, effective: datetime.date):
    if kind not in FORMALITIES_SUBTYPES:
        return None
    wanted = FORMALITIES_SUBTYPES[kind]
    if wanted is not None and subtype not in wanted:
        return None
    return add_months(effective, int(accountability_setting("FORMALITIES_MONTHS", 1)))


@transaction.atomic
def add_measure(
    case: AccountabilityCase,
    user,
    *,
    target: AccountabilityTarget,
    kind: str,
    subtype: str = "",
    effective_date: datetime.date,
    decision_no: str,
    deciding_body: Body,
    note: str = "",
) -> AccountabilityMeasure:
    """Record a measure of the decision; kinds combine freely within the rules (R10)."""
    if case.status not in (S.DECIDED, S.EXECUTING):
        _refuse(_("作出问责决定后才能登记问责方式。"))
    if target.case_id != case.pk:
        _refuse(_("问责对象不属于本案。"))
    is_org = target.target_type == AccountabilityTarget.TargetType.ORG
    allowed = ORG_MEASURES if is_org else PERSON_MEASURES
    if kind not in allowed:
        _refuse(
            _("对党组织只能采取检查、通报、改组。")
            if is_org
            else _("对领导干部不能采取检查或改组(这些是对党组织的问责方式)。")
        )
    subtypes = [code for code, _label in MEASURE_SUBTYPES[kind]]
    if subtypes and subtype not in subtypes:
        _refuse(_("请选择具体的问责方式。"))
    if not subtypes:
        subtype = ""
    if not (decision_no or "").strip():
        _refuse(_("须填写决定文号。"))
    if case.decided_on and effective_date < case.decided_on:
        _refuse(_("生效日期不能早于问责决定日期。"))
    if (
        kind in (MeasureKind.PARTY_SANCTION, MeasureKind.PUBLIC_OFFICE_SANCTION)
        and case.measures.filter(target=target, kind=kind, status=MS.IN_FORCE).exists()
    ):
        _refuse(_("同一对象在同一渠道只能有一项有效处分;如需变更请先纠错或经申诉变更。"))
    months = influence_months_for(kind, subtype)
    measure = AccountabilityMeasure(
        case=case,
        target=target,
        **_scope(target.org),
        kind=kind,
        subtype=subtype,
        channel=channel_of(kind),
        effective_date=effective_date,
        decision_no=decision_no.strip(),
        deciding_body=deciding_body,
        influence_months=months,
        influence_ends=influence_end(effective_date, months),
        formalities_due=formalities_due_for(kind, subtype, effective_date),
        note=note,
        recorded_by=user,
    )
    _history_user(measure, user).save()
    return measure


@transaction.atomic
def record_formalities_done(measure: AccountabilityMeasure, user, *, done_on: datetime.date):
    lock_current(measure, "formalities_done_on")
    if measure.formalities_due is None:
        _refuse(_("该问责方式无须办理组织手续。"))
    if measure.formalities_done_on is not None:
        _refuse(_("手续已办结。"))
    measure.formalities_done_on = done_on
    _history_user(measure, user).save(update_fields=["formalities_done_on"])
    return measure


def mark_expired_influence_periods(today: datetime.date | None = None) -> int:
    """Daily job: measures whose influence period has run out (cadre usable again).

    A conditional UPDATE (… WHERE expired_at IS NULL), so a retried job never marks twice.
    Returns how many measures were marked.
    """
    today = today or timezone.localdate()
    return AccountabilityMeasure.objects.filter(
        expired_at__isnull=True,
        influence_ends__isnull=False,
        influence_ends__lte=today,
        status=MS.IN_FORCE,
    ).update(expired_at=timezone.now())


def formalities_due_by(day: datetime.date) -> QuerySet:
    """Reminders: organisational-handling formalities still open and due by `day`."""
    return AccountabilityMeasure.objects.filter(
        status=MS.IN_FORCE,
        formalities_due__isnull=False,
        formalities_due__lte=day,
        formalities_done_on__isnull=True,
    )


def appeals_due_by(day: datetime.date) -> QuerySet:
    """Reminders: appeals without a decision whose decision is due by `day`."""
    return Appeal.objects.filter(outcome="", decision_due__lte=day)


# --- Appeals ---------------------------------------------------------------------------


def appeal_deadline(channel: str, received_on: datetime.date) -> datetime.date:
    months = accountability_setting("APPEAL_WINDOW_MONTHS", {}).get(channel, 1)
    return add_months(received_on, int(months))


def appeal_decision_due(channel: str, filed_on: datetime.date) -> datetime.date:
    months = accountability_setting("APPEAL_DECISION_MONTHS", {}).get(channel, 1)
    return add_months(filed_on, int(months))


@transaction.atomic
def file_appeal(
    case: AccountabilityCase,
    user,
    *,
    target: AccountabilityTarget,
    grounds: str,
    received_on: datetime.date,
    filed_on: datetime.date | None = None,
    measure: AccountabilityMeasure | None = None,
) -> Appeal:
    """申诉 within the window; the decision stays in force while it is pending."""
    filed_on = filed_on or timezone.localdate()
    if case.status not in DECIDED_STATUSES:
        _refuse(_("只能对已作出的问责决定提出申诉。"))
    if target.case_id != case.pk:
        _refuse(_("问责对象不属于本案。"))
    if measure is not None and measure.target_id != target.pk:
        _refuse(_("只能对本人的问责方式提出申诉。"))
    if not (grounds or "").strip():
        _refuse(_("须写明申诉理由。"))
    if received_on > filed_on:
        _refuse(_("收到决定日期不能晚于申诉日期。"))
    channel = measure.channel if measure is not None else Channel.PARTY_ACCOUNTABILITY
    deadline = appeal_deadline(channel, received_on)
    if filed_on > deadline:
        _refuse(_("已超过申诉期限(%(deadline)s),不能受理。") % {"deadline": deadline.isoformat()})
    # Lock the target so that a double submit finds the first appeal pending.
    lock_current(target, "case")
    if Appeal.objects.filter(target=target, measure=measure, outcome="").exists():
        _refuse(_("已有未决定的申诉。"))
    appeal = Appeal(
        case=case,
        target=target,
        measure=measure,
        **_scope(case.org),
        channel=channel,
        received_on=received_on,
        filed_on=filed_on,
        deadline=deadline,
        decision_due=appeal_decision_due(channel, filed_on),
        grounds=grounds.strip(),
        filed_by=user,
    )
    _history_user(appeal, user).save()
    return appeal


@transaction.atomic
def decide_appeal(
    appeal: Appeal,
    user,
    *,
    outcome: str,
    reasoning: str,
    decided_on: datetime.date | None = None,
) -> Appeal:
    lock_current(appeal, "outcome")
    if not appeal.is_pending:
        _refuse(_("该申诉已作出复查决定。"))
    if outcome not in (Appeal.Outcome.UPHELD, Appeal.Outcome.CHANGED, Appeal.Outcome.REVOKED):
        _refuse(_("请选择复查结果。"))
    if not (reasoning or "").strip():
        _refuse(_("须写明复查意见。"))
    appeal.outcome = outcome
    appeal.outcome_reasoning = reasoning.strip()
    appeal.decided_on = decided_on or timezone.localdate()
    appeal.decided_by = user
    _history_user(appeal, user).save()
    affected = (
        [appeal.measure]
        if appeal.measure_id
        else list(appeal.target.measures.filter(status=MS.IN_FORCE))
    )
    new_status = {Appeal.Outcome.CHANGED: MS.CHANGED, Appeal.Outcome.REVOKED: MS.REVOKED}.get(
        outcome
    )
    if new_status:
        for measure in affected:
            if measure.status == MS.IN_FORCE:
                measure.status = new_status
                _history_user(measure, user).save(update_fields=["status"])
    return appeal
