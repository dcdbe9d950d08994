"""Reads of responsibility lists and duty logs for pages: what views render, built here.

Views check, call a selector or a service, render; they import no other view module. The
progress arithmetic itself is in progress.py, the method mix in method_mix.py.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from responsibilities.context_processors import current_posts
from responsibilities.duty_logs import items_for_tenure
from responsibilities.method_mix import MixRow, current_quarter, method_mix
from responsibilities.models import DutyLog, ResponsibilityItem, ResponsibilityList, Tenure
from responsibilities.progress import (
    Progress,
    period_window,
    progress_of,
    progress_summary,
    with_progress,
)
from responsibilities.rules import dutylog_review_q
from responsibilities.scoping import Capability, user_grants

RL = ResponsibilityList


def post_for(request: HttpRequest, path: str, *capabilities: Capability) -> Tenure | None:
    """The user's current post whose grant covers `path` most closely (for 'issued by' etc.)."""
    grants = [
        g
        for g in user_grants(request.user)
        if g.capability in capabilities and path.startswith(g.path)
    ]
    if not grants:
        return None
    best = max(grants, key=lambda g: len(g.path))
    posts, _current = current_posts(request)
    return next((t for t in posts if t.pk == best.tenure_id), None)


def _with_progress_list(items: QuerySet[ResponsibilityItem], year: int) -> list[Any]:
    """The items annotated with their progress (`item.progress`): one query."""
    annotated = list(with_progress(items, year))
    for item in annotated:
        # A display attribute for the templates; django-stubs knows only model fields.
        item.progress = progress_of(item)  # type: ignore[attr-defined]
    return annotated


def my_items_with_progress(tenure: Tenure, year: int | None = None) -> list[Any]:
    """The tenure's items of `year` (default: this year) with their progress: one query."""
    year = year or timezone.localdate().year
    return _with_progress_list(items_for_tenure(tenure).filter(list__year=year), year)


def list_items_with_progress(duty_list: ResponsibilityList) -> list[Any]:
    """A list's active items with owners and progress, in clause order: two queries."""
    items = (
        duty_list.items.filter(is_active=True)
        .select_related("list", "portfolio", "source_item")
        .prefetch_related("assignments__tenure__person")
        .order_by("number", "pk")
    )
    return _with_progress_list(items, duty_list.year)


def _unit_items(org_id: int, year: int) -> QuerySet[ResponsibilityItem]:
    """The active items of the unit's issued lists of `year`."""
    return (
        ResponsibilityItem.objects.filter(
            org=org_id, list__year=year, is_active=True, list__is_template=False
        )
        .exclude(list__status__in=[RL.Status.DRAFT, RL.Status.ARCHIVED])
        .select_related("list")
    )


def unit_progress(org_id: int, year: int) -> list[Progress]:
    """Progress of every active item of the unit's issued lists of `year` (one query)."""
    return [progress_of(item) for item in with_progress(_unit_items(org_id, year), year)]


def unit_items_in_state(org_id: int, year: int, state: str) -> list[Any]:
    """The rows behind a figure of the unit summary (`unit_progress`): the same items, those
    whose progress is in `state` (green/yellow/red/grey), in list and clause order."""
    items = _unit_items(org_id, year).prefetch_related("assignments__tenure__person")
    rows = _with_progress_list(items.order_by("list_id", "number", "pk"), year)
    return [item for item in rows if item.progress.state == state]


def _unit_block(current: Tenure, year: int, quarter: int) -> tuple[dict[str, Any], list[MixRow]]:
    """The overseer's part of the home block: the unit's summary, copy flags, mix warnings."""
    units = method_mix(
        DutyLog.objects.filter(org_path__startswith=current.org.path), year, quarter, by="org"
    )
    context: dict[str, Any] = {
        "duty_unit_summary": progress_summary(unit_progress(current.org_id, year)),
        "duty_flagged_lists": list(
            ResponsibilityList.objects.filter(
                org_path__startswith=current.org.path, year=year, copy_flagged=True
            ).select_related("org")[:20]
        ),
    }
    return context, [row for row in units if row.warning]


def duty_home_context(user: Any, current: Tenure | None) -> dict[str, Any]:
    """Home-page block: my items' progress, the unit's summary and warnings (≤ 6 queries)."""
    if current is None:
        return {}
    year, quarter = current_quarter()
    items = my_items_with_progress(current, year)
    context: dict[str, Any] = {
        "duty_items": items,
        "duty_summary": progress_summary(i.progress for i in items),
        "duty_review_count": DutyLog.objects.filter(dutylog_review_q(user)).count(),
    }
    mine = method_mix(DutyLog.objects.filter(tenure=current), year, quarter)
    warnings = [row for row in mine if row.warning]
    if user.has_perm("responsibilities.oversee_organization", current.org):
        unit, unit_warnings = _unit_block(current, year, quarter)
        context.update(unit)
        warnings += unit_warnings
    context["duty_mix_warnings"] = warnings
    return context


PROGRESS_FILTERS = ("green", "yellow", "red")


def my_progress_context(current: Tenure | None, state: str = "") -> dict[str, Any]:
    """The 'my progress' page: my items (those in `state`, when given: the rows behind a
    figure of the summary), the summary of all of them and my method mix this quarter."""
    items = my_items_with_progress(current) if current else []
    summary = progress_summary(i.progress for i in items)
    if state in PROGRESS_FILTERS:
        items = [i for i in items if i.progress.state == state]
    mix: list[MixRow] = []
    if current:
        year, quarter = current_quarter()
        mix = method_mix(DutyLog.objects.filter(tenure=current), year, quarter)
    return {
        "current": current,
        "items": items,
        "summary": summary,
        "state": state if state in PROGRESS_FILTERS else "",
        "mix": mix[0] if mix else None,
    }


def cited_items(tenure: Tenure, cited_ids: set[int]) -> list[Any]:
    """The tenure's items a just-saved log cites, with their progress after the save."""
    return [i for i in my_items_with_progress(tenure) if i.pk in cited_ids]


def review_queue(user: Any) -> QuerySet[DutyLog]:
    """Logs waiting for this user's review, in the order the review tab lists them."""
    return DutyLog.objects.filter(dutylog_review_q(user)).order_by("-occurred_on", "-pk")


def next_to_review(user: Any, after: DutyLog) -> DutyLog | None:
    """The next log of the review queue after `after` (wrapping to its start), or None."""
    queue = review_queue(user).exclude(pk=after.pk)
    later = queue.filter(occurred_on__lt=after.occurred_on) | queue.filter(
        occurred_on=after.occurred_on, pk__lt=after.pk
    )
    return later.first() or queue.first()


def item_progress_and_logs(item: ResponsibilityItem, user: Any) -> dict[str, Any]:
    """An item's x/y in its current period and the logs cited for it that `user` may see,
    each marked whether it counts toward the period (issue 17.6): two queries."""
    annotated = with_progress(ResponsibilityItem.objects.filter(pk=item.pk), item.list.year)
    progress = progress_of(annotated.select_related("list").get())
    logs = list(
        DutyLog.objects.visible_to(user)
        .filter(items=item)
        .select_related("tenure__person")
        .order_by("-occurred_on", "-pk")
    )
    start, end = progress.window
    for log in logs:
        # A display attribute for the template; django-stubs knows only model fields.
        log.counts = log.status in DutyLog.COUNTED and start <= log.occurred_on <= end  # type: ignore[attr-defined]
    return {"progress": progress, "item_logs": logs}


def quick_log_initial(tenure: Tenure, today: datetime.date | None = None) -> dict[str, Any]:
    """What 记一笔 pre-fills (two queries): today's date, the method of the person's last log
    under this post, and the items still open this quarter — their current period ends, or
    their deadline falls, by the quarter's end — that this method may count toward (an item
    that names another method is left for the person to tick, so the form never starts with
    a mismatch warning)."""
    today = today or timezone.localdate()
    last = (
        DutyLog.objects.filter(tenure=tenure)
        .order_by("-entered_at", "-pk")
        .values_list("action_type", flat=True)
        .first()
    )
    quarter_end = period_window(ResponsibilityItem.Frequency.QUARTERLY, today)[1]
    due: list[int] = []
    for item in my_items_with_progress(tenure, today.year):
        progress = item.progress
        if progress.state == "grey" or progress.count >= progress.required:
            continue
        ends = min(progress.window[1], item.due_date) if item.due_date else progress.window[1]
        if ends > quarter_end:
            continue
        if item.required_action_type and last and item.required_action_type != last:
            continue
        due.append(item.pk)
    initial: dict[str, Any] = {"occurred_on": today, "items": due}
    if last:
        initial["action_type"] = last
    return initial


def filter_logs(logs: QuerySet[DutyLog], params: Any) -> tuple[QuerySet[DutyLog], list[str]]:
    """The log list's filters behind a figure (a person's post, a date range, only the logs
    that count toward progress); returns the rows and the Chinese problems of bad values
    (the list then shows nothing rather than more than the figure)."""
    problems: list[str] = []
    tenure = params.get("tenure", "")
    if tenure:
        if tenure.isdigit():
            logs = logs.filter(tenure_id=int(tenure))
        else:
            problems.append(_("职务参数无效。"))
    for name, lookup in (("from", "occurred_on__gte"), ("to", "occurred_on__lte")):
        value = params.get(name, "")
        if value:
            try:
                logs = logs.filter(**{lookup: datetime.date.fromisoformat(value)})
            except ValueError:
                problems.append(_("日期格式应为 YYYY-MM-DD:%(value)s") % {"value": value})
    if params.get("counted") == "1":
        logs = logs.filter(status__in=sorted(DutyLog.COUNTED))
    if problems:
        logs = logs.none()
    return logs, problems
