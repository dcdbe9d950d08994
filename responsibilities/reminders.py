"""Reminder rules of the responsibilities app (pure selection) and their jobs.

Each rule selects due objects with one query (plus one for the recipients) and yields
`Reminder`s; `notifications.services.deliver` claims each key once. Thresholds carry the due
date, so a moved deadline gets a fresh reminder while a re-run of the same day sends nothing.

Also the shared helpers for recipients (post holders of an organisation on a day) and for
escalation (层层督办: overdue past each threshold → one level further up), which the
inspections rules use too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.jobs import job, limit
from notifications.models import Level
from notifications.services import Notice, Reminder, deliver
from responsibilities.models import (
    DutyLog,
    DutyReport,
    ItemAssignment,
    Organization,
    ResponsibilityItem,
    ResponsibilityLetter,
    ResponsibilityList,
    Tenure,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

R = Tenure.Role


def reminder_setting(name: str, default):
    return getattr(settings, "REMINDERS", {}).get(name, default)


def _user(tenure: Tenure | None) -> User | None:
    if tenure is None or tenure.person.user_id is None:
        return None
    user = tenure.person.user
    return user if user is not None and user.is_active else None


def holders_by_org(
    org_ids: Iterable[int], day: datetime.date, roles: Iterable[str]
) -> dict[int, list[Tenure]]:
    """Current holders of `roles` per organisation id, in one query."""
    found: dict[int, list[Tenure]] = defaultdict(list)
    org_ids = set(org_ids)
    if not org_ids:
        return found
    tenures = (
        Tenure.objects.held_on(day)
        .filter(org_id__in=org_ids, role__in=list(roles), person__user__isnull=False)
        .select_related("person__user", "org")
        .order_by("org_id", "role", "pk")
    )
    for tenure in tenures:
        found[tenure.org_id].append(tenure)
    return found


# --- Escalation (层层督办) -------------------------------------------------------------------

ESCALATION_ROLES = (R.SECRETARY, R.DISCIPLINE_SECRETARY)


def escalation_thresholds() -> list[int]:
    return sorted(int(d) for d in reminder_setting("ESCALATION_DAYS", [7, 30]))


def crossed_levels(overdue_days: int) -> list[tuple[int, int]]:
    """(level, threshold) pairs crossed: level 1 = parent unit, 2 = grandparent, …"""
    return [(i, t) for i, t in enumerate(escalation_thresholds(), 1) if overdue_days >= t]


def _ancestor_path(path: str, levels_up: int) -> str | None:
    return Organization.ancestor_path(path, levels_up)


def escalations(
    rows: list[tuple[models.Model, Organization, int, str, str, str]], day: datetime.date, kind: str
) -> Iterator[Reminder]:
    """rows: (object, its organisation, overdue days, title, body, link).

    Each crossed threshold escalates to the secretary and the discipline secretary of the
    unit that many levels up, once (key threshold "L<level>:<days>d"), with a 督办单.
    """
    wanted: set[str] = set()
    plans = []
    for obj, org, overdue, title, body, link in rows:
        for level, threshold in crossed_levels(overdue):
            superior = _ancestor_path(org.path, level)
            if superior:
                wanted.add(superior)
                plans.append((obj, org, overdue, title, body, link, level, threshold, superior))
    if not plans:
        return
    superiors = Organization.objects.in_bulk(list(wanted), field_name="path")
    holders = holders_by_org([o.pk for o in superiors.values()], day, ESCALATION_ROLES)
    notices = reminder_setting("SUPERVISION_NOTICES", True)
    for obj, org, overdue, title, body, link, level, threshold, superior in plans:
        sup_org = superiors[superior]
        for tenure in holders.get(sup_org.pk, []):
            text = _("%(org)s 的事项已逾期 %(days)d 天, 请 %(sup)s 督促办理: %(title)s") % {
                "org": org.name,
                "days": overdue,
                "sup": sup_org.name,
                "title": title,
            }
            yield Reminder(
                recipient=_user(tenure),
                obj=obj,
                kind=kind,
                threshold=f"L{level}:{threshold}d",
                # The unit in the title tells one unit's escalation from another's; the
                # group folds them into one inbox line per item (issue 17 item 7).
                title=_("【督办】%(org)s · %(title)s") % {"org": org.name, "title": title},
                group=_("【督办】%(title)s") % {"title": title},
                body=f"{text}\n{body}",
                link=link,
                org_path=org.path,
                level=Level.ESCALATION,
                notice=Notice(
                    org_path=org.path,
                    superior_path=sup_org.path,
                    overdue_days=overdue,
                    body=text,
                )
                if notices
                else None,
            )


# --- List items due soon / overdue without a log ------------------------------------------

ACTIVE_LISTS = (ResponsibilityList.Status.ACKNOWLEDGED, ResponsibilityList.Status.IN_FORCE)


def _items_due(day: datetime.date, lead: int):
    """Active items of active lists, due by day+lead, with fewer counted logs than required.

    Every counted log linked to the item counts (items with a due date are one-off duties).
    One query (+ the prefetch of the lead owners).
    """
    logs = Count("duty_logs", filter=Q(duty_logs__status__in=DutyLog.COUNTED), distinct=True)
    leads = ItemAssignment.objects.filter(role=ItemAssignment.Role.LEAD).select_related(
        "tenure__person__user"
    )
    return limit(
        ResponsibilityItem.objects.filter(
            is_active=True,
            list__is_template=False,
            list__status__in=ACTIVE_LISTS,
            due_date__isnull=False,
            due_date__lte=day + datetime.timedelta(days=lead),
        )
        .annotate(logged=logs)
        .filter(logged__lt=F("min_count"))
        .select_related("list__subject_tenure__person__user", "org")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="lead_assignments"))
        .order_by("due_date", "pk")
    )


def _users(tenures) -> list:
    found = []
    for user in (_user(t) for t in tenures):
        if user is not None and user not in found:
            found.append(user)
    return found


def _item_recipients(item, day, unit_heads) -> list:
    """The lead owners; else the list's subject; else the unit's secretary and clerk.

    Owners without a login account fall through to the next level (the unit head and the
    liaison clerk are reminded, as 太仓 does), so an item is never silently unreminded.
    """
    leads = [
        a.tenure
        for a in item.lead_assignments
        if a.tenure.start_date <= day and (a.tenure.end_date is None or a.tenure.end_date >= day)
    ]
    subject = [item.list.subject_tenure] if item.list.subject_tenure_id else []
    return _users(leads) or _users(subject) or _users(unit_heads.get(item.org_id, []))


UNIT_HEAD_ROLES = (R.SECRETARY, R.CLERK)


def item_reminders(day: datetime.date) -> Iterator[Reminder]:
    lead = int(reminder_setting("ITEM_LEAD_DAYS", getattr(settings, "DUE_SOON_DAYS", 10)))
    items = list(_items_due(day, lead))
    unit_heads = holders_by_org({i.org_id for i in items}, day, UNIT_HEAD_ROLES)
    for item in items:
        overdue = item.due_date < day
        link = reverse("duty_item_detail", args=[item.pk])
        if overdue:
            title = _("责任条目已逾期: %(item)s") % {"item": str(item)}
        else:
            title = _("责任条目即将到期(%(due)s)尚无履责纪实: %(item)s") % {
                "due": item.due_date.isoformat(),
                "item": str(item),
            }
        body = _("%(org)s · 完成时限 %(due)s · 已记录 %(n)d / 需 %(m)d 次") % {
            "org": item.org.name,
            "due": item.due_date.isoformat(),
            "n": item.logged,
            "m": item.min_count,
        }
        for user in _item_recipients(item, day, unit_heads):
            yield Reminder(
                recipient=user,
                obj=item,
                kind="duty_item_overdue" if overdue else "duty_item_due_soon",
                threshold=f"{'red' if overdue else 'yellow'}:{item.due_date.isoformat()}",
                title=title,
                body=body,
                link=link,
                org_path=item.org_path,
                level=Level.RED if overdue else Level.YELLOW,
            )


def item_escalations(day: datetime.date) -> Iterator[Reminder]:
    first = min(escalation_thresholds(), default=None)
    if first is None:
        return iter(())
    items = _items_due(day, -first)  # due at least `first` days ago
    rows = [
        (
            item,
            item.org,
            (day - item.due_date).days,
            str(item),
            _("责任条目 %(item)s 的完成时限为 %(due)s。")
            % {"item": str(item), "due": item.due_date},
            reverse("duty_item_detail", args=[item.pk]),
        )
        for item in items
    ]
    return escalations(rows, day, "duty_item_escalation")


# --- Letters waiting for a signature ----------------------------------------------------------


def letter_reminders(day: datetime.date) -> Iterator[Reminder]:
    after = int(reminder_setting("LETTER_UNSIGNED_DAYS", 7))
    repeat = max(1, int(reminder_setting("LETTER_REPEAT_DAYS", 30)))
    LS = ResponsibilityLetter.Status
    cutoff = day - datetime.timedelta(days=after)
    letters = limit(
        ResponsibilityLetter.objects.filter(
            status__in=[LS.DRAFTED, LS.SENT], created_at__date__lte=cutoff
        )
    ).select_related("issuer_tenure__person__user", "signee_tenure__person__user")
    for letter in letters:
        waiting = (day - letter.created_at.date()).days
        bucket = (waiting - after) // repeat  # 0 at `after` days, then one per `repeat` days
        if letter.status == LS.DRAFTED:
            tenure, role = letter.issuer_tenure, _("交责方")
        else:
            tenure, role = letter.signee_tenure, _("承诺方")
        yield Reminder(
            recipient=_user(tenure),
            obj=letter,
            kind="letter_unsigned",
            threshold=f"{letter.status}:{bucket}",
            title=_("责任书待签署(%(role)s): %(title)s") % {"role": role, "title": letter.title},
            body=_("已等待 %(n)d 天。") % {"n": waiting},
            link=reverse("duty_letter_detail", args=[letter.pk]),
            org_path=letter.org_path,
            level=Level.YELLOW,
        )


# --- Annual report (R5) -----------------------------------------------------------------------


def annual_report_reminders(day: datetime.date) -> Iterator[Reminder]:
    """Committees with an active collective list last year and no submitted report for it."""
    month, dom = reminder_setting("ANNUAL_REPORT_DUE", (1, 31))
    due = datetime.date(day.year, int(month), int(dom))
    lead = int(reminder_setting("ANNUAL_REPORT_LEAD_DAYS", 15))
    if not (due - datetime.timedelta(days=lead) <= day <= due + datetime.timedelta(days=90)):
        return
    year = day.year - 1
    submitted = DutyReport.objects.filter(
        org=OuterRef("pk"),
        year=year,
        tenure__isnull=True,
        status__in=[DutyReport.Status.SUBMITTED, DutyReport.Status.ACKNOWLEDGED],
    )
    had_list = ResponsibilityList.objects.filter(
        org=OuterRef("pk"),
        year=year,
        is_template=False,
        subject_type=ResponsibilityList.SubjectType.COMMITTEE_COLLECTIVE,
    ).exclude(status=ResponsibilityList.Status.DRAFT)
    orgs = list(
        limit(
            Organization.objects.filter(Exists(had_list), ~Exists(submitted), is_active=True),
            "path",
        )
    )
    holders = holders_by_org([o.pk for o in orgs], day, (R.SECRETARY,))
    overdue = day > due
    for org in orgs:
        for tenure in holders.get(org.pk, []):
            yield Reminder(
                recipient=_user(tenure),
                obj=org,
                kind="annual_report",
                threshold=f"{year}:{'overdue' if overdue else 'due'}",
                title=(
                    _("%(year)d 年度落实主体责任情况报告已逾期未报送")
                    if overdue
                    else _("请于 %(due)s 前报送 %(year)d 年度落实主体责任情况报告")
                )
                % {"year": year, "due": due.isoformat()},
                link=reverse("duty_report_index"),
                org_path=org.path,
                level=Level.RED if overdue else Level.YELLOW,
            )


# --- Jobs -------------------------------------------------------------------------------------


@job(
    "responsibilities.items",
    description="责任条目临期(黄)与逾期(红)提醒",
    kinds=("duty_item_overdue", "duty_item_due_soon"),
)
def items_job(day: datetime.date) -> dict:
    return deliver(item_reminders(day), job="responsibilities.items", day=day).as_dict()


@job("responsibilities.letters", description="责任书待签署提醒", kinds=("letter_unsigned",))
def letters_job(day: datetime.date) -> dict:
    return deliver(letter_reminders(day), job="responsibilities.letters", day=day).as_dict()


@job("responsibilities.annual_reports", description="年度报告报送提醒", kinds=("annual_report",))
def annual_reports_job(day: datetime.date) -> dict:
    return deliver(
        annual_report_reminders(day), job="responsibilities.annual_reports", day=day
    ).as_dict()


@job(
    "responsibilities.escalate_items",
    description="逾期责任条目层层督办",
    kinds=("duty_item_escalation",),
)
def escalate_items_job(day: datetime.date) -> dict:
    return deliver(item_escalations(day), job="responsibilities.escalate_items", day=day).as_dict()
