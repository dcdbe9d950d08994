"""Disciplinary cases (纪律审查) and their 一案双查 probes (R29).

A qualifying decision opens the principal and the supervisory probe; the case cannot be
archived until both are concluded, unless an officer who may waive records why.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.bodies import (
    check_disciplinary_handler,
    committee_of,
    default_deciding_body,
    handler_level,
    handling_path_for,
    has_jurisdiction,
)
from accountability.dual import (
    conductor_of,
    default_conductor,
    dual_triggers,
    probes_complete,
    refuse_self_judgement,
)
from accountability.models import (
    AccountabilityCase,
    Channel,
    DisciplinaryCase,
    DisciplinaryCaseShare,
    DualInvestigation,
    FailedArea,
    ResponsibilityKind,
)
from accountability.recusal import actor_people, refuse_recused_actor
from accountability.roles import PERSON, check_role
from accountability.services.cases import open_case
from accountability.signoff import signer_for
from accountability.workflows import CHANGE_DISCIPLINARY, DISCIPLINARY_FLOW, PROBE_FLOW
from inspections.models import Finding
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, Person, Tenure

WAIVE_DUAL = "accountability.waive_dual_investigation"


def _snapshot_of(tenure: Tenure | None) -> str:
    if tenure is None:
        return ""
    return f"{tenure.org.name} {tenure.title or tenure.get_role_display()}"[:200]


@write_service
def register_disciplinary_case(
    *,
    actor: Actor,
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
    subject_role: str = ResponsibilityKind.DIRECT,
) -> DisciplinaryCase:
    """The subject is the 直接责任者 unless registered as a leadership-responsible person
    (R19a, R19b: art.74 cases); accountability/roles.py says which roles a case knows."""
    check_role(Channel.PARTY_DISCIPLINE, PERSON, subject_role)
    if not handling_body.is_discipline:
        refuse(_("纪律审查案件只能由纪检监察机关立案。"))
    if DisciplinaryCase.objects.filter(case_no=case_no).exists():
        refuse(_("案件编号已存在。"))
    if subject_tenure is not None and subject_tenure.person_id != subject_person.pk:
        refuse(_("违纪时任职必须是被审查人本人的任职。"))
    check_disciplinary_handler(handling_body, org, subject_person, subject_tenure, registered_on)
    if subject_person in actor_people(actor):
        refuse(_("回避:被审查人本人不得办理对自己的纪律审查案件。"))
    case = DisciplinaryCase(
        case_no=case_no,
        org=org,
        org_path=org.path,
        handling_body=handling_body,
        handling_path=handling_path_for(handling_body, org),
        subject_person=subject_person,
        subject_tenure=subject_tenure,
        subject_snapshot=_snapshot_of(subject_tenure),
        subject_role=subject_role,
        violation_type=violation_type,
        summary=summary,
        registered_on=registered_on,
        amount_involved=amount_involved,
        source_finding=source_finding,
        created_by=actor_user(actor),
    )
    case.save()
    return case


@write_service
def decide_disciplinary_case(
    case: DisciplinaryCase,
    *,
    actor: Actor,
    decided_on: datetime.date,
    four_form: int,
    party_sanction: str = "",
    public_office_sanction: str = "",
    amount_involved: Decimal | None = None,
) -> DisciplinaryCase:
    """Record the sanction; opens both 一案双查 probes when a configured trigger is met."""
    lock_current(case, "status")
    DISCIPLINARY_FLOW.check(case, "decide", actor)
    refuse_recused_actor(case, actor, _("办理本案"))
    if decided_on < case.registered_on:
        refuse(_("处分决定日期不能早于立案日期。"))
    DISCIPLINARY_FLOW.move(case, "decide", actor)
    case.decided_on = decided_on
    case.four_form = four_form
    case.party_sanction = party_sanction
    case.public_office_sanction = public_office_sanction
    if amount_involved is not None:
        case.amount_involved = amount_involved
    case.save()
    reasons = dual_triggers(case)
    if reasons:
        open_dual_investigation(case, actor=actor, reason=_("自动触发:") + ";".join(reasons))
    return case


@write_service
def open_dual_investigation(
    case: DisciplinaryCase, *, actor: Actor, reason: str
) -> list[DualInvestigation]:
    """Open the principal and supervisory probes (missing ones only); the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        refuse(_("启动一案双查须写明理由。"))
    lock_current(case, "status")
    DISCIPLINARY_FLOW.check(case, "open_dual", actor)
    refuse_recused_actor(case, actor, _("办理本案"))
    org = case.org
    existing = {p.kind for p in case.probes.all()}
    targets = {
        DualInvestigation.Kind.PRINCIPAL: committee_of(org),
        DualInvestigation.Kind.SUPERVISORY: org.supervising_body,
    }
    created = []
    for kind, body in targets.items():
        if kind in existing:
            continue
        probe = DualInvestigation(
            disciplinary_case=case,
            kind=kind,
            org=org,
            org_path=org.path,
            target_body=body,
            conducting_body=default_conductor(kind, body, case.handling_body),
            opened_reason=reason,
            opened_by=actor_user(actor),
        )
        probe.save()
        created.append(probe)
    case.dual_required = True
    case.dual_reasons = [*case.dual_reasons, reason]
    case.save(update_fields=["dual_required", "dual_reasons"])
    return created


def _conclusion_inputs(
    conclusion: str, reasoning: str, accountability_case: AccountabilityCase | None
) -> AccountabilityCase | None:
    """The accountability case a conclusion links (None for "not responsible")."""
    if conclusion == DualInvestigation.Conclusion.RESPONSIBLE:
        if accountability_case is None:
            refuse(_("认定应当问责的,须关联问责案件。"))
        return accountability_case
    if conclusion == DualInvestigation.Conclusion.NOT_RESPONSIBLE:
        if len(reasoning) < 10:
            refuse(_("认定不应问责的,须写明理由(不少于10个字)。"))
        return None
    refuse(_("请选择核查结论。"))


def _check_concluder(probe: DualInvestigation, actor: Actor) -> None:
    """Lock, ask the table, then the rules on who concludes: nobody who must stand aside
    from the disciplinary case, never the commission examined (R29), and signed by the
    conducting commission's secretary (R27)."""
    lock_current(probe, "status")
    PROBE_FLOW.check(probe, "conclude", actor)
    refuse_recused_actor(probe.disciplinary_case, actor, _("核查本案"))
    day = timezone.localdate()
    refuse_self_judgement(probe, {p.pk for p in actor_people(actor)}, day)
    probe.signed_by = signer_for(actor, conductor_of(probe), day)


@write_service
def conclude_probe(
    probe: DualInvestigation,
    *,
    actor: Actor,
    conclusion: str,
    reasoning: str = "",
    accountability_case: AccountabilityCase | None = None,
) -> DualInvestigation:
    _check_concluder(probe, actor)
    reasoning = (reasoning or "").strip()
    accountability_case = _conclusion_inputs(conclusion, reasoning, accountability_case)
    PROBE_FLOW.move(probe, "conclude", actor)
    probe.conducting_body = conductor_of(probe)
    probe.signed_at = timezone.now()
    probe.conclusion = conclusion
    probe.reasoning = reasoning
    probe.accountability_case = accountability_case
    probe.concluded_by = actor_user(actor)
    probe.concluded_at = timezone.now()
    probe.save()
    if accountability_case is not None:
        accountability_case.disciplinary_cases.add(probe.disciplinary_case)
    return probe


@write_service
def open_case_for_probe(
    probe: DualInvestigation, *, actor: Actor, deciding_body: Body | None = None
) -> AccountabilityCase:
    """Start the accountability case a probe found necessary, and conclude the probe."""
    # Checked before opening the case: a double submit must not open two cases.
    _check_concluder(probe, actor)
    dcase = probe.disciplinary_case
    org = probe.org
    if probe.kind == DualInvestigation.Kind.PRINCIPAL:
        area, title = FailedArea.ANTI_CORRUPTION, _("%(org)s党委落实主体责任不力") % {"org": org}
        handling = dcase.handling_body
        deciding_body = deciding_body or default_deciding_body(org)
    else:
        area, title = (
            FailedArea.SUPERVISION,
            _("%(org)s纪检监察机构落实监督责任不力") % {"org": org},
        )
        # The commission one level up (a stationed team's sender) handles and decides.
        handling = conductor_of(probe)
        deciding_body = deciding_body or handling
    if probe.target_body is not None and deciding_body.pk == probe.target_body_id:
        refuse(
            _("回避:%(body)s不得对自身落实责任的情况作出问责决定。") % {"body": deciding_body.name}
        )
    case = open_case(
        actor=actor,
        title=title,
        org=org,
        event_date=dcase.registered_on,
        source=AccountabilityCase.Source.DUAL_INVESTIGATION,
        handling_body=handling,
        deciding_body=deciding_body,
        area=area,
        facts=_("由纪律审查案件 %(no)s 一案双查启动。") % {"no": dcase.case_no},
        disciplinary_cases=[dcase],
    )
    conclude_probe(
        probe,
        actor=actor,
        conclusion=DualInvestigation.Conclusion.RESPONSIBLE,
        reasoning=_("已启动问责案件 %(no)s。") % {"no": case.number},
        accountability_case=case,
    )
    return case


@write_service
def archive_disciplinary_case(
    case: DisciplinaryCase, *, actor: Actor, waiver_reason: str = ""
) -> DisciplinaryCase:
    """Refused until both probes are concluded, unless an officer who may waive (纪委书记,
    派驻组组长: `accountability.waive_dual_investigation`) records why."""
    lock_current(case, "status")
    DISCIPLINARY_FLOW.check(case, "archive", actor)
    refuse_recused_actor(case, actor, _("办理本案"))
    waiver_reason = (waiver_reason or "").strip()
    qualifies = case.dual_required or bool(dual_triggers(case))
    if qualifies and not probes_complete(case):
        if not waiver_reason:
            refuse(
                _(
                    "该案件须一案双查:主体责任和监督责任两项核查均得出结论后才能归档;"
                    "确需先行归档的,须由纪委书记(组长)记录理由。"
                )
            )
        if not actor.has_perm(WAIVE_DUAL, case):
            refuse(_("只有纪委书记(派驻组组长)可以在双查未完成时批准归档。"))
        case.dual_waiver_reason = waiver_reason
        case.dual_waived_by = actor_user(actor)
    if qualifies and not case.dual_required:
        case.dual_required = True
    DISCIPLINARY_FLOW.move(case, "archive", actor)
    case.archived_at = timezone.now()
    case.save()
    return case


@write_service
def share_disciplinary_case(
    case: DisciplinaryCase, *, actor: Actor, body: Body, note: str = ""
) -> DisciplinaryCaseShare:
    """R26: the higher 纪委 leading a case shares it (read only) with a lower discipline body
    whose jurisdiction covers the unit; the lower one sees nothing it was not given."""
    lock_current(case, "status")
    if not actor.has_perm(CHANGE_DISCIPLINARY, case):
        refuse(_("只有承办该案件的纪检监察机关可以向下级共享案件。"))
    if not _lower_with_jurisdiction(body, case):
        refuse(_("只能向对%(org)s有管辖权的下级纪检监察机构共享案件。") % {"org": case.org.name})
    if case.shares.filter(shared_with=body).exists():
        refuse(_("该案件已共享给%(body)s。") % {"body": body.name})
    return DisciplinaryCaseShare.objects.create(
        case=case,
        shared_with=body,
        shared_path=handling_path_for(body, case.org),
        note=(note or "").strip()[:200],
        shared_by=actor_user(actor),
    )


def share_candidates(case: DisciplinaryCase) -> list[Body]:
    """The lower discipline bodies the case may be shared with (not yet shared)."""
    shared = set(case.shares.values_list("shared_with_id", flat=True))
    bodies = (
        Body.objects.filter(kind__in=Body.DISCIPLINE_KINDS, is_active=True)
        .filter(org__path__in=Organization.path_prefixes(str(case.org.path)))
        .exclude(pk__in=shared)
        .select_related("org", "sent_by__org")
        .prefetch_related("stationed_in")
    )
    return [b for b in bodies if _lower_with_jurisdiction(b, case)]


def _lower_with_jurisdiction(body: Body, case: DisciplinaryCase) -> bool:
    level, own = handler_level(body), handler_level(case.handling_body)
    return has_jurisdiction(body, case.org) and level != own and level.startswith(own)
