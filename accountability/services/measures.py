"""Measures of a decision (R10), their influence periods (R17, R20, R21) and the formalities
of organisational handling (R12)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.bodies import check_org_decider, check_person_decider
from accountability.combinations import in_force_measures, refusal_for
from accountability.defaults import DEFAULT_MONTHS
from accountability.models import (
    MEASURE_SUBTYPES,
    ORG_MEASURES,
    PERSON_MEASURES,
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    InfluencePeriodRule,
    MeasureKind,
    accountability_setting,
    channel_of,
)
from accountability.recusal import refuse_self_decision
from accountability.workflows import CASE_FLOW, MEASURE_FLOW
from inspections.deadlines import add_months
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body
from security.business_audit import note_bulk

MS = AccountabilityMeasure.Status


def influence_months_for(kind: str, subtype: str = "") -> int | None:
    """From the configurable table; the seeded default where a deployment deleted the row."""
    rule = InfluencePeriodRule.objects.filter(kind=kind, subtype=subtype).first()
    if rule is not None:
        return rule.months
    return DEFAULT_MONTHS.get((kind, subtype))


def influence_end(effective: datetime.date, months: int | None) -> datetime.date | None:
    return add_months(effective, months) if months else None


FORMALITIES_SUBTYPES: dict[str, set[str] | None] = {
    MeasureKind.ORGANIZATIONAL_HANDLING: None,  # all of them (R12)
    MeasureKind.PUBLIC_OFFICE_SANCTION: {"demotion", "dismissal_from_post", "expulsion"},  # R20
    MeasureKind.REORGANIZATION: None,
}


def formalities_due_for(kind: str, subtype: str, effective: datetime.date) -> datetime.date | None:
    if kind not in FORMALITIES_SUBTYPES:
        return None
    wanted = FORMALITIES_SUBTYPES[kind]
    if wanted is not None and subtype not in wanted:
        return None
    return add_months(effective, int(accountability_setting("FORMALITIES_MONTHS", 1)))


def _checked_subtype(target: AccountabilityTarget, kind: str, subtype: str) -> str:
    """The measure fits the target (R10: organisations and leaders differ); its subtype."""
    is_org = target.target_type == AccountabilityTarget.TargetType.ORG
    if kind not in (ORG_MEASURES if is_org else PERSON_MEASURES):
        refuse(
            _("对党组织只能采取检查、通报、改组。")
            if is_org
            else _("对领导干部不能采取检查或改组(这些是对党组织的问责方式)。")
        )
    subtypes = [code for code, _label in MEASURE_SUBTYPES[kind]]
    if subtypes and subtype not in subtypes:
        refuse(_("请选择具体的问责方式。"))
    return subtype if subtypes else ""


def _check_measure(
    case: AccountabilityCase,
    target: AccountabilityTarget,
    kind: str,
    effective_date: datetime.date,
    decision_no: str,
) -> None:
    if not (decision_no or "").strip():
        refuse(_("须填写决定文号。"))
    if case.decided_on and effective_date < case.decided_on:
        refuse(_("生效日期不能早于问责决定日期。"))
    # R10: the whole set of the target's measures in force, against the combination rules.
    refusal = refusal_for(kind, in_force_measures(target))
    if refusal is not None:
        refuse(refusal)


def _check_decider(
    case: AccountabilityCase, target: AccountabilityTarget, kind: str, deciding_body: Body
) -> None:
    """The measure's deciding body has authority over the target (R11, R18)."""
    if target.target_type == AccountabilityTarget.TargetType.ORG:
        check_org_decider(deciding_body, target.org, kind)
    elif target.person is not None:
        day = case.decided_on or timezone.localdate()
        check_person_decider(deciding_body, target.person, target.tenure, day, kind)


@write_service
def add_measure(
    case: AccountabilityCase,
    *,
    actor: Actor,
    target: AccountabilityTarget,
    kind: str,
    subtype: str = "",
    effective_date: datetime.date,
    decision_no: str,
    deciding_body: Body,
    note: str = "",
) -> AccountabilityMeasure:
    """Record a measure of the decision; kinds combine within the rule table (R10), and a
    refused combination names the rule (accountability/combinations.py)."""
    lock_current(case, "status")
    CASE_FLOW.check(case, "add_measure", actor)
    if target.case_id != case.pk:
        refuse(_("问责对象不属于本案。"))
    refuse_self_decision(case, deciding_body)
    subtype = _checked_subtype(target, kind, subtype)
    _check_measure(case, target, kind, effective_date, decision_no)
    _check_decider(case, target, kind, deciding_body)
    months = influence_months_for(kind, subtype)
    measure = AccountabilityMeasure(
        case=case,
        target=target,
        org=target.org,
        org_path=target.org.path,
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
        recorded_by=actor_user(actor),
    )
    measure.save()
    return measure


@write_service
def record_formalities_done(
    measure: AccountabilityMeasure, *, actor: Actor, done_on: datetime.date
) -> AccountabilityMeasure:
    lock_current(measure, "formalities_done_on")
    MEASURE_FLOW.check(measure, "record_formalities", actor)
    measure.formalities_done_on = done_on
    measure.save(update_fields=["formalities_done_on"])
    return measure


@write_service
def mark_expired_influence_periods(today: datetime.date | None = None, *, actor: Actor) -> int:
    """Daily job: measures whose influence period has run out (cadre usable again).

    A conditional UPDATE (… WHERE expired_at IS NULL), so a retried job never marks twice.
    Returns how many measures were marked.
    """
    today = today or timezone.localdate()
    due = AccountabilityMeasure.objects.filter(
        expired_at__isnull=True,
        influence_ends__isnull=False,
        influence_ends__lte=today,
        status=MS.IN_FORCE,
    )
    rows = dict(due.values_list("pk", "org_path"))
    now = timezone.now()
    marked = due.filter(pk__in=list(rows)).update(expired_at=now)
    for pk, org_path in rows.items():
        note_bulk(AccountabilityMeasure, [pk], {"expired_at": now}, org_path=org_path)
    return marked
