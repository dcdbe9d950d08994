"""Reminder rules of the accountability app and the influence-period job.

* step deadlines: each procedure step has a configured number of days (ACCOUNTABILITY
  ["STEP_DAYS"]); the handling body's officers are reminded before and after the deadline;
* formalities of organisational handling due (R12, 1 month) → the deciding body;
* appeal windows: a person held to account is told, once, until when they may appeal
  (R14/R20); appeal decisions due → the deciding body;
* influence periods: `mark_expired_influence_periods` (a conditional UPDATE) marks what ran
  out, and the person is told once that the period has ended.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from accountability import selectors
from accountability.models import (
    DECIDED_STATUSES,
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    IntegrityReply,
    IntegrityRequest,
    accountability_setting,
)
from accountability.services.measures import mark_expired_influence_periods
from inspections.deadlines import add_months
from liangge_zeren.actors import JOBS
from notifications.jobs import job, limit
from notifications.models import Level
from notifications.services import Reminder, deliver
from responsibilities.models import Tenure
from responsibilities.reminders import _user, reminder_setting

R = Tenure.Role
BODY_ROLES = (
    R.SECRETARY,
    R.DEPUTY_SECRETARY,
    R.DISCIPLINE_SECRETARY,
    R.DISCIPLINE_OFFICER,
    R.STATIONED_TEAM_LEADER,
)


def _lead() -> int:
    return int(reminder_setting("ACCOUNTABILITY_LEAD_DAYS", 3))


def holders_by_body(body_ids, day: datetime.date) -> dict[int, list]:
    """Users holding a post in each body on `day` (one query)."""
    found: dict[int, list] = defaultdict(list)
    body_ids = set(body_ids)
    if not body_ids:
        return found
    for tenure in (
        Tenure.objects.held_on(day)
        .filter(body_id__in=body_ids, role__in=BODY_ROLES, person__user__isnull=False)
        .select_related("person__user")
        .order_by("body_id", "pk")
    ):
        user = _user(tenure)
        if user is not None and user not in found[tenure.body_id]:
            found[tenure.body_id].append(user)
    return found


def _case_link(case_id: int) -> str:
    return reverse("accountability:case_detail", args=[case_id])


def step_reminders(day: datetime.date) -> Iterator[Reminder]:
    steps = accountability_setting("STEP_DAYS", {})
    if not steps:
        return
    cases = list(
        limit(AccountabilityCase.objects.filter(status__in=list(steps))).select_related("org")
    )
    due_cases = []
    for case in cases:
        due = case.step_due()
        if due is not None and (due - day).days <= _lead():
            due_cases.append((case, due))
    holders = holders_by_body({c.handling_body_id for c, _due in due_cases}, day)
    for case, due in due_cases:
        overdue = due < day
        title = (
            _("问责案件“%(step)s”环节已超期: %(case)s")
            if overdue
            else _("问责案件“%(step)s”环节须于 %(due)s 前完成: %(case)s")
        ) % {"step": case.get_status_display(), "due": due.isoformat(), "case": str(case)}
        for user in holders.get(case.handling_body_id, []):
            yield Reminder(
                recipient=user,
                obj=case,
                kind="accountability_step",
                threshold=f"{case.status}:{'overdue' if overdue else 'due'}:{due.isoformat()}",
                title=title,
                link=_case_link(case.pk),
                org_path=case.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


def formalities_reminders(day: datetime.date) -> Iterator[Reminder]:
    measures = list(
        limit(selectors.formalities_due_by(day + datetime.timedelta(days=_lead()))).select_related(
            "case", "target"
        )
    )
    holders = holders_by_body({m.deciding_body_id for m in measures}, day)
    for m in measures:
        overdue = m.formalities_due < day
        for user in holders.get(m.deciding_body_id, []):
            yield Reminder(
                recipient=user,
                obj=m,
                kind="accountability_formalities",
                threshold=f"{'overdue' if overdue else 'due'}:{m.formalities_due.isoformat()}",
                title=(
                    _("组织处理手续已超过办理时限: %(target)s(%(measure)s)")
                    if overdue
                    else _("组织处理手续须于 %(due)s 前办结: %(target)s(%(measure)s)")
                )
                % {
                    "target": m.target.name_snapshot,
                    "measure": m.label,
                    "due": m.formalities_due.isoformat(),
                },
                link=_case_link(m.case_id),
                org_path=m.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


def appeal_reminders(day: datetime.date) -> Iterator[Reminder]:
    # Appeal decisions due (the deciding body of the case).
    appeals = list(
        limit(selectors.appeals_due_by(day + datetime.timedelta(days=_lead()))).select_related(
            "case", "target"
        )
    )
    holders = holders_by_body({a.case.deciding_body_id for a in appeals}, day)
    for a in appeals:
        overdue = a.decision_due < day
        for user in holders.get(a.case.deciding_body_id, []):
            yield Reminder(
                recipient=user,
                obj=a,
                kind="accountability_appeal_decision",
                threshold=f"{'overdue' if overdue else 'due'}:{a.decision_due.isoformat()}",
                title=_("申诉复查决定须于 %(due)s 前作出: %(case)s · %(target)s")
                % {
                    "due": a.decision_due.isoformat(),
                    "case": a.case.number,
                    "target": a.target.name_snapshot,
                },
                link=_case_link(a.case_id),
                org_path=a.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )
    # Appeal windows: each person held to account in a decided case is told once until when
    # they may appeal (counted from the decision date; the window per channel is configured).
    months = accountability_setting("APPEAL_WINDOW_MONTHS", {})
    targets = (
        limit(AccountabilityTarget.objects)
        .filter(
            case__status__in=list(DECIDED_STATUSES),
            case__decided_on__isnull=False,
            target_type=AccountabilityTarget.TargetType.PERSON,
            person__user__isnull=False,
            appeals__isnull=True,
        )
        .select_related("case", "person__user")
        .prefetch_related("measures")
    )
    for t in targets:
        channels = {
            m.channel for m in t.measures.all() if m.status == AccountabilityMeasure.Status.IN_FORCE
        }
        if not channels:
            continue
        deadline = max(add_months(t.case.decided_on, int(months.get(c, 1))) for c in channels)
        if day > deadline or not t.person.user.is_active:
            continue
        yield Reminder(
            recipient=t.person.user,
            obj=t,
            kind="accountability_appeal_window",
            threshold=f"window:{deadline.isoformat()}",
            title=_("对问责决定(%(case)s)如有异议, 可于 %(deadline)s 前提出申诉")
            % {"case": t.case.number, "deadline": deadline.isoformat()},
            body=_("申诉期间不停止原决定的执行。"),
            link="",
            org_path=t.org_path,
        )


def influence_reminders(day: datetime.date) -> Iterator[Reminder]:
    measures = (
        limit(AccountabilityMeasure.objects)
        .filter(
            expired_at__isnull=False,
            influence_ends__lte=day,
            influence_ends__gte=day - datetime.timedelta(days=90),
            target__person__user__isnull=False,
        )
        .select_related("target__person__user", "case")
    )
    for m in measures:
        if not m.target.person.user.is_active:
            continue
        yield Reminder(
            recipient=m.target.person.user,
            obj=m,
            kind="accountability_influence_expired",
            threshold=m.influence_ends.isoformat(),
            title=_("%(measure)s 的影响期已于 %(day)s 届满")
            % {"measure": m.label, "day": m.influence_ends.isoformat()},
            link="",
            org_path=m.org_path,
        )


@job("accountability.steps", description="问责程序各环节时限提醒", kinds=("accountability_step",))
def steps_job(day: datetime.date) -> dict:
    return deliver(step_reminders(day), job="accountability.steps", day=day).as_dict()


@job(
    "accountability.formalities",
    description="组织处理手续办理时限提醒(1 个月)",
    kinds=("accountability_formalities",),
)
def formalities_job(day: datetime.date) -> dict:
    return deliver(formalities_reminders(day), job="accountability.formalities", day=day).as_dict()


@job(
    "accountability.appeals",
    description="申诉期限与复查决定时限提醒",
    kinds=("accountability_appeal_decision", "accountability_appeal_window"),
)
def appeals_job(day: datetime.date) -> dict:
    return deliver(appeal_reminders(day), job="accountability.appeals", day=day).as_dict()


@job(
    "accountability.influence_periods",
    description="影响期届满标记与提醒",
    kinds=("accountability_influence_expired",),
)
def influence_job(day: datetime.date) -> dict:
    marked = mark_expired_influence_periods(day, actor=JOBS)
    result = deliver(influence_reminders(day), job="accountability.influence_periods", day=day)
    return {"marked": marked, **result.as_dict()}


def integrity_reply_reminders(day: datetime.date) -> Iterator[Reminder]:
    """党风廉政意见回复 due (or overdue): the answering commission's officers, once per
    threshold (the Delivery key)."""
    replies = list(
        limit(IntegrityReply.objects, "handling_path")
        .filter(
            request__status=IntegrityRequest.Status.SUBMITTED,
            request__due_date__lte=day + datetime.timedelta(days=_lead()),
        )
        .exclude(status=IntegrityReply.Status.RETURNED)
        .select_related("request", "person")
    )
    holders = holders_by_body({r.commission_id for r in replies}, day)
    for reply in replies:
        due = reply.request.due_date
        overdue = due < day
        for user in holders.get(reply.commission_id, []):
            yield Reminder(
                recipient=user,
                obj=reply,
                kind="accountability_integrity_reply",
                threshold=f"{'overdue' if overdue else 'due'}:{due.isoformat()}",
                title=(
                    _("党风廉政意见回复已超期: %(name)s(%(purpose)s)")
                    if overdue
                    else _("党风廉政意见须于 %(due)s 前回复: %(name)s(%(purpose)s)")
                )
                % {
                    "name": reply.person.name,
                    "purpose": reply.request.get_purpose_display(),
                    "due": due.isoformat(),
                },
                link=reverse("accountability:integrity_reply", args=[reply.pk]),
                org_path=reply.handling_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


@job(
    "accountability.integrity_replies",
    description="党风廉政意见回复时限提醒",
    kinds=("accountability_integrity_reply",),
)
def integrity_replies_job(day: datetime.date) -> dict:
    return deliver(
        integrity_reply_reminders(day), job="accountability.integrity_replies", day=day
    ).as_dict()
