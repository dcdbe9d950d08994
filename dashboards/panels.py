"""Per-role home panels: a secretary's and a discipline officer's (a few bounded queries)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accountability.models import DECIDED_STATUSES, AccountabilityCase
from inspections.models import RectificationTask
from liangge_zeren.periods import Quarter
from responsibilities.context_processors import current_posts
from responsibilities.models import DutyLog, ResponsibilityList, Tenure
from responsibilities.scoping import Capability, paths_q, scope_paths

PANEL_ROWS = 20
COMMITTEE_ROLES = (Tenure.Role.SECRETARY, Tenure.Role.DEPUTY_SECRETARY, Tenure.Role.CLERK)


def _post(request, roles) -> Tenure | None:
    posts, current = current_posts(request)
    if current is not None and current.role in roles:
        return current
    return next((p for p in posts if p.role in roles), None)


def secretary_panel(request) -> dict | None:
    """My unit's lists, my team members' duty logs this quarter, what falls due soon."""
    post = _post(request, COMMITTEE_ROLES)
    if post is None:
        return None
    user, org = request.user, post.org
    today = timezone.localdate()
    period = Quarter.of(today)
    start, end = period.window()
    lists = (
        ResponsibilityList.objects.visible_to(user)
        .filter(
            org=org,
            year=today.year,
            is_template=False,
        )
        .select_related("subject_tenure__person")
        .annotate(item_count=Count("items", filter=Q(items__is_active=True)))
        .order_by("subject_type", "pk")
    )
    members = (
        Tenure.objects.current()
        .visible_to(user)
        .filter(org=org)
        .select_related("person")
        .annotate(
            logs=Count(
                "duty_logs",
                filter=Q(
                    duty_logs__occurred_on__range=(start, min(end, today)),
                    duty_logs__status__in=sorted(DutyLog.COUNTED),
                ),
            )
        )
        .order_by("role", "person__name")
    )
    horizon = today + datetime.timedelta(days=30)
    due = (
        RectificationTask.objects.open()
        .visible_to(user)
        .filter(
            org_path=org.path,
            due_date__lte=horizon,
        )
        .select_related("finding", "owner_tenure__person")
        .order_by("due_date", "pk")[:PANEL_ROWS]
    )
    return {
        "post": post,
        "org": org,
        "period": period,
        "lists": list(lists),
        "members": list(members),
        "due": list(due),
        "today": today,
        # The members' figures open the log list over the same window and statuses.
        "period_start": start,
        "period_end": min(end, today),
    }


def discipline_panel(request) -> dict | None:
    """Closures to verify, overdue rectification in my jurisdiction, case step deadlines."""
    post = _post(request, Tenure.DISCIPLINE_ROLES)
    if post is None:
        return None
    user = request.user
    today = timezone.localdate()
    roots = scope_paths(user, Capability.SUPERVISE)
    to_verify = (
        RectificationTask.objects.visible_to(user, "verify")
        .filter(status=RectificationTask.Status.SUBMITTED)
        .select_related("finding", "org")
        .order_by("due_date", "pk")[:PANEL_ROWS]
    )
    overdue = (
        RectificationTask.objects.red(today)
        .visible_to(user)
        .filter(paths_q(roots))
        .select_related("finding", "org")
        .order_by("due_date", "pk")[:PANEL_ROWS]
    )
    cases = (
        AccountabilityCase.objects.visible_to(user)
        .exclude(status__in=sorted(DECIDED_STATUSES) + [AccountabilityCase.Status.NOT_PURSUED])
        .select_related("org")
        .order_by("status_since", "pk")[:PANEL_ROWS]
    )
    return {
        "post": post,
        "to_verify": list(to_verify),
        "overdue": list(overdue),
        "cases": [(case, case.step_due()) for case in cases],
        "today": today,
    }


def offered_panels(request) -> dict[str, bool]:
    """Which panel pages the person's current posts open (the others would answer 404)."""
    return {
        "secretary": _post(request, COMMITTEE_ROLES) is not None,
        "discipline": _post(request, Tenure.DISCIPLINE_ROLES) is not None,
    }


def home_panel(request) -> tuple[str, dict] | None:
    """The panel of the post the user is working in, for the home page: (template, context)."""
    _posts, current = current_posts(request)
    if current is None:
        return None
    if current.role in COMMITTEE_ROLES:
        data = secretary_panel(request)
        return ("dashboards/_secretary_sections.html", data) if data else None
    if current.role in Tenure.DISCIPLINE_ROLES:
        data = discipline_panel(request)
        return ("dashboards/_discipline_sections.html", data) if data else None
    return None
