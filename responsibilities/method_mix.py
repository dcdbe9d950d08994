"""Method mix (以会议贯彻会议): the share of meeting-only duty logs per person or unit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from responsibilities.models import (
    MEETING_ONLY_ACTIONS,
    ActionType,
    DutyLog,
)
from responsibilities.progress import month_end

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def quarter_window(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first = 3 * (quarter - 1) + 1
    return datetime.date(year, first, 1), month_end(year, first + 2)


def current_quarter(day: datetime.date | None = None) -> tuple[int, int]:
    day = day or timezone.localdate()
    return day.year, (day.month - 1) // 3 + 1


@dataclass
class MixRow:
    key: int
    label: str
    total: int
    meetings: int
    breakdown: list[tuple[StrOrPromise, int]]  # action labels are lazy translations

    @property
    def share(self) -> int:
        return round(self.meetings * 100 / self.total) if self.total else 0

    @property
    def warning(self) -> bool:
        return (
            self.total >= settings.METHOD_MIX_MIN_LOGS
            and self.share > settings.METHOD_MIX_THRESHOLD
        )


def method_mix(
    logs: QuerySet[DutyLog], year: int, quarter: int, *, by: str = "tenure"
) -> list[MixRow]:
    """Share of meeting-only logs per person (`by="tenure"`) or per unit (`by="org"`).

    One grouped query with a conditional count per action type.
    """
    window = quarter_window(year, quarter)
    group = "tenure" if by == "tenure" else "org"
    label_field = "tenure__person__name" if by == "tenure" else "org__name"
    counts = {f"n_{value}": Count("id", filter=Q(action_type=value)) for value in ActionType.values}
    rows = (
        logs.filter(occurred_on__range=window)
        .exclude(status=DutyLog.Status.DRAFT)
        .values(group, label_field)
        .annotate(
            total=Count("id"),
            meetings=Count("id", filter=Q(action_type__in=MEETING_ONLY_ACTIONS)),
            **counts,
        )
        .order_by(label_field)
    )
    labels = dict(ActionType.choices)
    result: list[MixRow] = []
    for row in rows:
        breakdown: list[tuple[StrOrPromise, int]] = [
            (labels[value], row[f"n_{value}"]) for value in ActionType.values if row[f"n_{value}"]
        ]
        result.append(
            MixRow(
                key=row[group],
                label=row[label_field],
                total=row["total"],
                meetings=row["meetings"],
                breakdown=breakdown,
            )
        )
    return result


def warning_rule() -> dict[str, Any]:
    """What triggers the "以会议贯彻会议" warning, for the page to say (issue 17.8)."""
    return {
        "threshold": settings.METHOD_MIX_THRESHOLD,
        "min_logs": settings.METHOD_MIX_MIN_LOGS,
        "meeting_actions": [ActionType(a).label for a in sorted(MEETING_ONLY_ACTIONS)],
    }
