"""Reads of the notifications app: the inbox as lines, a group's messages, the send record."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from notifications.channels import Channel, configured_channels
from notifications.models import Dispatch, Notification, NotificationPreference

RECENT_DISPATCHES = 20


def inbox_lines(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The inbox, one line per message — except that messages with the same group are one
    line: the group's newest message, annotated `group_size` and `group_unread`.

    Bounded in queries: the grouping is two correlated subqueries over the (recipient, group)
    index, evaluated for the page's lines only."""
    mine = Notification.objects.filter(recipient=user)
    if unread_only:
        mine = mine.filter(read_at__isnull=True)
    newer = mine.filter(group=OuterRef("group"), pk__gt=OuterRef("pk"))
    members = mine.filter(group=OuterRef("group")).order_by().values("group")
    size = members.annotate(n=Count("pk")).values("n")
    unread = members.filter(read_at__isnull=True).annotate(n=Count("pk")).values("n")
    lines: QuerySet[Notification] = (
        mine.filter(Q(group="") | ~Exists(newer))
        .annotate(
            group_size=Case(
                When(group="", then=Value(1)),
                default=Coalesce(Subquery(size, output_field=IntegerField()), Value(1)),
            ),
            group_unread=Case(
                When(group="", then=Value(0)),
                default=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            ),
        )
        .select_related("delivery__supervision_notice")
    )
    return lines


def group_members(notification: Notification) -> QuerySet[Notification]:
    """Every message of the notification's group in its recipient's inbox (itself if none)."""
    return Notification.objects.in_group_of(notification).select_related(
        "delivery__supervision_notice"
    )


def preference_for(user: Any) -> NotificationPreference:
    """The stored preference, or an unsaved one (the deployment's defaults)."""
    stored = NotificationPreference.objects.filter(user=user).first()
    return stored if stored is not None else NotificationPreference(user=user)


def extra_channels() -> list[Channel]:
    """The switched-on channels a person chooses among (e-mail has its own switch)."""
    return [c for c in configured_channels() if c.name != "email"]


def recent_dispatches(user: Any) -> list[Dispatch]:
    """The person's latest external messages and how they went (their own record), each with
    `channel_label` (the channel's name if the deployment switched it off since)."""
    labels = {c.name: str(c.label) for c in configured_channels()}
    rows = list(
        Dispatch.objects.filter(recipient=user)
        .select_related("notification")
        .order_by("-created_at", "-pk")[:RECENT_DISPATCHES]
    )
    for row in rows:
        row.channel_label = labels.get(row.channel, row.channel)  # type: ignore[attr-defined]
    return rows
