"""Reminder rules of the inspections app: rectification tasks (7/3/1 days, overdue),
rectification reports due, and escalation of overdue tasks (层层督办).

Keys are our own (notifications.Delivery), per threshold, so the tasks' single `reminded_at`
column is not used: a task gets one reminder per threshold it crosses, never two for one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from inspections.models import Finding, InspectionRound, RectificationReport, RectificationTask
from liangge_zeren.lookups import ids_in
from liangge_zeren.rows import instances
from notifications.jobs import job, limit
from notifications.models import Level
from notifications.services import Reminder, deliver
from responsibilities.models import Organization, Tenure
from responsibilities.reminders import (
    UNIT_HEAD_ROLES,
    _user,
    _users,
    escalation_thresholds,
    escalations,
    holders_by_org,
    reminder_setting,
)


def task_thresholds() -> list[int]:
    return sorted((int(d) for d in reminder_setting("TASK_THRESHOLDS", [7, 3, 1])), reverse=True)


def task_threshold(days_left: int) -> str | None:
    """The latest threshold crossed: 'overdue', or the smallest N in 7/3/1 with days_left ≤ N."""
    return _threshold(days_left, task_thresholds())


def _threshold(days_left: int, thresholds: list[int]) -> str | None:
    if days_left < 0:
        return "overdue"
    crossed = [n for n in thresholds if days_left <= n]
    return f"d{min(crossed)}" if crossed else None


def _open_tasks_due_by(day: datetime.date):
    return (
        limit(RectificationTask.objects.open())
        .filter(due_date__lte=day)
        .select_related("owner_tenure__person__user", "org", "finding__round")
        .order_by("due_date", "pk")
    )


# What the reminder rules read of a task and its finding (a province has 100,000 open tasks:
# one row per task with its finding; the unit, the round and the owner's post are shared by
# many tasks and loaded once each, see `_attach`).
REMINDER_FIELDS = (
    "measure",
    "due_date",
    "status",
    "org_id",
    "org_path",
    "finding_id",
    "owner_tenure_id",
    "finding__number",
    "finding__round_id",
    # What the gate reads to decide whether the recipient may open the task (TASK_VIEW).
    "finding__upward_channel",
    "finding__delivered_at",
    "finding__side",
    "finding__org_path",
    "finding__inspecting_path",
)


def _attach(tasks: list[RectificationTask]) -> None:
    """Give the tasks their unit, round and owner's post (with person and login): one query
    each for the distinct ones, instead of one model instance per task and relation."""
    orgs = _by_pk(Organization, {t.org_id for t in tasks}, ["name", "path"])
    rounds = InspectionRound.objects.only("kind", "disclosed_at").in_bulk(
        {t.finding.round_id for t in tasks if t.finding.round_id}
    )
    tenures = _by_pk(
        Tenure,
        {t.owner_tenure_id for t in tasks if t.owner_tenure_id},
        [
            "person_id",
            "person__user_id",
            "person__user__username",
            "person__user__email",
            "person__user__is_active",
            # has_perm reads it (the gate): deferred, it was one query per recipient.
            "person__user__is_superuser",
        ],
    )
    # Cached as select_related caches them (the keys are already set): the descriptors'
    # assignment asks the database router about every pair (200,000 of them).
    org_field = RectificationTask._meta.get_field("org")
    owner_field = RectificationTask._meta.get_field("owner_tenure")
    round_field = Finding._meta.get_field("round")
    for task in tasks:
        org_field.set_cached_value(task, orgs[task.org_id])
        finding = task.finding
        round_field.set_cached_value(finding, rounds.get(finding.round_id))
        owner_field.set_cached_value(task, tenures.get(task.owner_tenure_id))


def _by_pk(model, ids, fields) -> dict:
    return {obj.pk: obj for obj in instances(model.objects.filter(ids_in("pk", ids)), fields)}


def _task_link():
    """The task page's URL for any pk: reverse() once per run, not once per task."""
    marker = 987654321987
    template = reverse("inspections:task_detail", args=[marker])
    return lambda pk: template.replace(str(marker), str(pk))


def task_reminders(day: datetime.date) -> Iterator[Reminder]:
    """To the task's owner; an owner without a login account → the unit's secretary/clerk."""
    horizon = day + datetime.timedelta(days=max(task_thresholds(), default=0))
    tasks = instances(
        limit(RectificationTask.objects.open())
        .filter(due_date__lte=horizon)
        .order_by("due_date", "pk"),
        REMINDER_FIELDS,
    )
    _attach(tasks)
    # Each task with its owner's login (None: the unit's heads are reminded instead).
    owned = [
        (task, _user(task.owner_tenure))
        for task in tasks
        if not task.finding.is_hidden_by_covert_round
    ]
    link = _task_link()
    heads = holders_by_org(
        {task.org_id for task, owner in owned if owner is None}, day, UNIT_HEAD_ROLES
    )
    # Translated once per run, not once per task.
    overdue_title = _("整改任务已逾期 %(n)d 天: %(task)s")
    today_title = _("整改任务今日到期: %(task)s")
    soon_title = _("整改任务 %(n)d 天后到期: %(task)s")
    body = _("%(org)s · 问题 %(finding)s · 整改时限 %(due)s")
    thresholds = task_thresholds()
    for task, owner in owned:
        days_left = (task.due_date - day).days
        threshold = _threshold(days_left, thresholds)
        if threshold is None:
            continue
        overdue = threshold == "overdue"
        if overdue:
            title = overdue_title % {"n": -days_left, "task": str(task)}
        elif days_left == 0:
            title = today_title % {"task": str(task)}
        else:
            title = soon_title % {"n": days_left, "task": str(task)}
        recipients = [owner] if owner else _users(heads.get(task.org_id, []))
        due = task.due_date.isoformat()
        for recipient in recipients:
            yield Reminder(
                recipient=recipient,
                obj=task,
                kind="rectification_task",
                threshold=f"{threshold}:{due}",
                title=title,
                body=body % {"org": task.org.name, "finding": task.finding.number, "due": due},
                link=link(task.pk),
                org_path=task.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


def task_escalations(day: datetime.date) -> Iterator[Reminder]:
    first = min(escalation_thresholds(), default=None)
    if first is None:
        return iter(())
    tasks = _open_tasks_due_by(day - datetime.timedelta(days=first))
    rows = [
        (
            task,
            task.org,
            (day - task.due_date).days,
            _("整改任务: %(task)s") % {"task": str(task)},
            _("问题 %(finding)s 的整改时限为 %(due)s。")
            % {
                "finding": task.finding.number,
                "due": task.due_date.isoformat(),
            },
            reverse("inspections:task_detail", args=[task.pk]),
        )
        for task in tasks
    ]
    return escalations(rows, day, "rectification_task_escalation")


COMMISSION_HEAD_ROLES = (Tenure.Role.DISCIPLINE_SECRETARY, Tenure.Role.STATIONED_TEAM_LEADER)


def commission_holders(body_ids: Iterable[int], day: datetime.date) -> dict[int, list[Tenure]]:
    """Per discipline body: its head(s) with a login, else its officers with one (one query).

    Re-supervision (监督再监督) reports are the duty of the commission under re-supervision,
    not of the same-level committee's secretary (domain.md "Authority in practice")."""
    found: dict[int, list[Tenure]] = defaultdict(list)
    body_ids = set(body_ids)
    if not body_ids:
        return found
    tenures = (
        Tenure.objects.held_on(day)
        .filter(body_id__in=body_ids, role__in=Tenure.DISCIPLINE_ROLES, person__user__isnull=False)
        .select_related("person__user", "org")
        .order_by("body_id", "role", "pk")
    )
    for tenure in tenures:
        found[tenure.body_id].append(tenure)
    for body_id, rows in found.items():
        heads = [t for t in rows if t.role in COMMISSION_HEAD_ROLES]
        found[body_id] = heads or rows
    return found


def _report_recipients(
    reports: list[RectificationReport], day: datetime.date
) -> Callable[[RectificationReport], list[Tenure]]:
    """Who answers for each report: the target committee's secretary, or for a re-supervised
    commission that commission."""
    commissions = {r.target.target_body_id for r in reports if r.target.target_body_id}
    by_body = commission_holders(commissions, day)
    orgs = {r.org_id for r in reports if not r.target.target_body_id}
    by_org = holders_by_org(orgs, day, (Tenure.Role.SECRETARY,))
    return lambda r: (
        by_body.get(r.target.target_body_id, [])
        if r.target.target_body_id
        else by_org.get(r.org_id, [])
    )


def report_reminders(day: datetime.date) -> Iterator[Reminder]:
    lead = int(reminder_setting("REPORT_LEAD_DAYS", 10))
    reports = list(
        limit(
            RectificationReport.objects.filter(
                submitted_at__isnull=True, due_date__lte=day + datetime.timedelta(days=lead)
            )
        )
        .select_related("round", "org", "target")
        # The gate asks whether each secretary may open the round (its targets: one query).
        .prefetch_related("round__round_targets")
    )
    recipients = _report_recipients(reports, day)
    for report in reports:
        overdue = report.due_date < day
        for tenure in recipients(report):
            yield Reminder(
                recipient=_user(tenure),
                obj=report,
                kind="rectification_report",
                threshold=f"{'overdue' if overdue else 'due'}:{report.due_date.isoformat()}",
                # The kind in the title: a target owes two reports (the team's and the
                # principal leader's), which must not read as one message sent twice.
                title=(
                    _("%(kind)s已逾期未报送: %(round)s")
                    if overdue
                    else _("%(kind)s须于 %(due)s 前报送: %(round)s")
                )
                % {
                    "kind": report.get_kind_display(),
                    "round": report.round.title,
                    "due": report.due_date.isoformat(),
                },
                body=_("%(org)s · %(kind)s")
                % {"org": report.org.name, "kind": report.get_kind_display()},
                link=reverse("inspections:round_detail", args=[report.round_id]),
                org_path=report.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


@job(
    "inspections.tasks",
    description="整改任务到期前 7/3/1 天及逾期提醒",
    kinds=("rectification_task",),
    shardable=True,  # one task → its reminders; the unit heads are looked up per shard
)
def tasks_job(day: datetime.date) -> dict:
    return deliver(task_reminders(day), job="inspections.tasks", day=day).as_dict()


@job("inspections.reports", description="整改报告报送提醒", kinds=("rectification_report",))
def reports_job(day: datetime.date) -> dict:
    return deliver(report_reminders(day), job="inspections.reports", day=day).as_dict()


@job(
    "inspections.escalate_tasks",
    description="逾期整改任务层层督办",
    kinds=("rectification_task_escalation",),
)
def escalate_tasks_job(day: datetime.date) -> dict:
    return deliver(task_escalations(day), job="inspections.escalate_tasks", day=day).as_dict()


# A successor whose post starts later than the 换届 that handed them tasks is told on the
# first days of the post (services.tasks._tell_new_owner leaves it to this job). The window
# lets a missed run (a holiday, a stopped beat) catch up; the Delivery key sends it once.
HANDED_OVER_CATCH_UP_DAYS = 7


def handed_over_reminders(day: datetime.date) -> Iterator[Reminder]:
    since = day - datetime.timedelta(days=HANDED_OVER_CATCH_UP_DAYS - 1)
    tasks = (
        limit(RectificationTask.objects.open())
        .filter(
            owner_tenure__start_date__range=(since, day),
            transitions__action="reassign",
            transitions__at__date__lt=F("owner_tenure__start_date"),
        )
        .select_related("owner_tenure__person__user")
        .distinct()
        .order_by("pk")
    )
    link = _task_link()
    for task in tasks:
        owner = _user(task.owner_tenure)
        if owner is None:
            continue
        yield Reminder(
            recipient=owner,
            obj=task,
            kind="rectification_handed_over",
            threshold=f"start:{task.owner_tenure.start_date.isoformat()}",
            title=_("整改任务已移交给您:{measure}").format(measure=task.measure[:60]),
            link=link(task.pk),
            org_path=task.org_path,
            level=Level.INFO,
        )


@job(
    "inspections.handed_over",
    description="换届移交的整改任务:新任职务开始之日告知继任者",
    kinds=("rectification_handed_over",),
)
def handed_over_job(day: datetime.date) -> dict:
    return deliver(handed_over_reminders(day), job="inspections.handed_over", day=day).as_dict()
