"""Appeals (申诉) against a decision: filed within the window, decided on the case file's
side; the decision stays in force while an appeal is pending (R14, R20)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    Appeal,
    Channel,
    accountability_setting,
)
from accountability.workflows import APPEAL_FLOW, CASE_FLOW, MEASURE_FLOW
from inspections.deadlines import add_months
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from notifications.services import notify

MS = AccountabilityMeasure.Status
# What an appeal's outcome does to the measures it concerns (upheld: nothing).
MEASURE_ACTIONS: dict[str, str] = {
    Appeal.Outcome.CHANGED: "change",
    Appeal.Outcome.REVOKED: "revoke",
}


def appeal_deadline(channel: str, received_on: datetime.date) -> datetime.date:
    months = accountability_setting("APPEAL_WINDOW_MONTHS", {}).get(channel, 1)
    return add_months(received_on, int(months))


def appeal_decision_due(channel: str, filed_on: datetime.date) -> datetime.date:
    months = accountability_setting("APPEAL_DECISION_MONTHS", {}).get(channel, 1)
    return add_months(filed_on, int(months))


def _check_appeal(
    case: AccountabilityCase,
    target: AccountabilityTarget,
    measure: AccountabilityMeasure | None,
    grounds: str,
    received_on: datetime.date,
    filed_on: datetime.date,
) -> None:
    if target.case_id != case.pk:
        refuse(_("问责对象不属于本案。"))
    if measure is not None and measure.target_id != target.pk:
        refuse(_("只能对本人的问责方式提出申诉。"))
    if not (grounds or "").strip():
        refuse(_("须写明申诉理由。"))
    if received_on > filed_on:
        refuse(_("收到决定日期不能晚于申诉日期。"))


@write_service
def file_appeal(
    case: AccountabilityCase,
    *,
    actor: Actor,
    target: AccountabilityTarget,
    grounds: str,
    received_on: datetime.date,
    filed_on: datetime.date | None = None,
    measure: AccountabilityMeasure | None = None,
) -> Appeal:
    """申诉 within the window; the decision stays in force while it is pending."""
    filed_on = filed_on or timezone.localdate()
    CASE_FLOW.check(case, "appeal", actor)
    _check_appeal(case, target, measure, grounds, received_on, filed_on)
    channel = measure.channel if measure is not None else Channel.PARTY_ACCOUNTABILITY
    deadline = appeal_deadline(channel, received_on)
    if filed_on > deadline:
        refuse(_("已超过申诉期限(%(deadline)s),不能受理。") % {"deadline": deadline.isoformat()})
    # Lock the target so that a double submit finds the first appeal pending.
    lock_current(target, "case")
    if Appeal.objects.filter(
        target=target, measure=measure, outcome=Appeal.Outcome.PENDING
    ).exists():
        refuse(_("已有未决定的申诉。"))
    appeal = Appeal(
        case=case,
        target=target,
        measure=measure,
        org=case.org,
        org_path=case.org.path,
        channel=channel,
        received_on=received_on,
        filed_on=filed_on,
        deadline=deadline,
        decision_due=appeal_decision_due(channel, filed_on),
        grounds=grounds.strip(),
        filed_by=actor_user(actor),
    )
    appeal.save()
    return appeal


@write_service
def decide_appeal(
    appeal: Appeal,
    *,
    actor: Actor,
    outcome: str,
    reasoning: str,
    decided_on: datetime.date | None = None,
) -> Appeal:
    lock_current(appeal, "outcome")
    if outcome not in APPEAL_FLOW.actions:
        refuse(_("请选择复查结果。"))
    APPEAL_FLOW.check(appeal, outcome, actor)
    if not (reasoning or "").strip():
        refuse(_("须写明复查意见。"))
    APPEAL_FLOW.move(appeal, outcome, actor)
    appeal.outcome_reasoning = reasoning.strip()
    appeal.decided_on = decided_on or timezone.localdate()
    appeal.decided_by = actor_user(actor)
    appeal.save()
    action = MEASURE_ACTIONS.get(outcome)
    if action is not None:
        _apply_to_measures(appeal, action, actor)
    _tell_appellant(appeal)
    return appeal


def _tell_appellant(appeal: Appeal) -> None:
    """The decision on an appeal is announced to the appellant and to whoever registered it:
    the outcome and a link, nothing of the case (the page decides who may read it) (17.3)."""
    person = appeal.target.person
    recipients = {u.pk: u for u in (person.user if person else None, appeal.filed_by) if u}
    for user in recipients.values():
        notify(
            user,
            _("申诉已作出复查决定:{outcome}").format(outcome=appeal.get_outcome_display()),
            link=reverse("accountability:case_detail", args=[appeal.case_id]),
            kind="appeal_decided",
            org_path=appeal.org_path,
            obj=appeal,
        )


def _apply_to_measures(appeal: Appeal, action: str, actor: Actor) -> None:
    """The appealed measure, or every measure in force on the target, changes or ends."""
    affected = (
        [appeal.measure]
        if appeal.measure is not None
        else list(appeal.target.measures.filter(status=MS.IN_FORCE))
    )
    for measure in affected:
        lock_current(measure, "status")
        if MEASURE_FLOW.can(measure, action, actor):
            MEASURE_FLOW.move(measure, action, actor)
            measure.save(update_fields=["status"])
