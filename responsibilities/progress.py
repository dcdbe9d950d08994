"""Progress per item (green / yellow / red) in the item's current period."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from responsibilities.models import (
    DutyLog,
    ResponsibilityItem,
)

F_ = ResponsibilityItem.Frequency


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_window(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of `frequency` containing `day`."""
    y, m = day.year, day.month
    if frequency == F_.MONTHLY:
        return datetime.date(y, m, 1), month_end(y, m)
    if frequency == F_.QUARTERLY:
        first = 3 * ((m - 1) // 3) + 1
        return datetime.date(y, first, 1), month_end(y, first + 2)
    if frequency == F_.SEMIANNUAL:
        first = 1 if m <= 6 else 7
        return datetime.date(y, first, 1), month_end(y, first + 5)
    return datetime.date(y, 1, 1), datetime.date(y, 12, 31)


def previous_window(
    frequency: str, day: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The period before the one containing `day`, if it lies in the same year."""
    if frequency not in (F_.MONTHLY, F_.QUARTERLY, F_.SEMIANNUAL):
        return None
    start, _end = period_window(frequency, day)
    if start.month == 1:
        return None
    return period_window(frequency, start - datetime.timedelta(days=1))


def reference_day(year: int, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    if year < today.year:
        return datetime.date(year, 12, 31)
    if year > today.year:
        return datetime.date(year, 1, 1)
    return today


def _window_q(year: int, ref: datetime.date, previous: bool) -> Q:
    q = Q(pk__in=[])
    for frequency in F_.values:
        window = previous_window(frequency, ref) if previous else period_window(frequency, ref)
        if window is None:
            continue
        q |= Q(frequency=frequency, duty_logs__occurred_on__range=window)
    return Q(list__year=year) & q & Q(duty_logs__status__in=DutyLog.COUNTED)


def with_progress(
    items: QuerySet[ResponsibilityItem], year: int, today: datetime.date | None = None
) -> QuerySet[ResponsibilityItem]:
    """Annotate items with logged actions in their current and previous period (one query)."""
    ref = reference_day(year, today)
    return items.annotate(
        period_count=Count("duty_logs", filter=_window_q(year, ref, False), distinct=True),
        previous_count=Count("duty_logs", filter=_window_q(year, ref, True), distinct=True),
    )


@dataclass(frozen=True)
class Progress:
    state: str  # green / yellow / red / grey
    label: str
    count: int
    required: int
    window: tuple[datetime.date, datetime.date]

    @property
    def css(self) -> str:
        return {
            "green": "success",
            "yellow": "warning",
            "red": "danger",
        }.get(self.state, "secondary")


def progress_of(item: ResponsibilityItem, today: datetime.date | None = None) -> Progress:
    """State of one annotated item (see with_progress); no queries."""
    ref = reference_day(item.list.year, today)
    window = period_window(item.frequency, ref)
    count = getattr(item, "period_count", 0)
    required = item.min_count
    if required == 0:
        return Progress("grey", _("不计次数"), count, required, window)
    if count >= required:
        return Progress("green", _("已完成"), count, required, window)
    if item.due_date and item.due_date < ref:
        return Progress("red", _("已逾期"), count, required, window)
    prev = previous_window(item.frequency, ref)
    if (
        prev is not None
        and timezone.localdate(item.created_at) <= prev[0]
        and getattr(item, "previous_count", 0) < required
    ):
        return Progress("red", _("上期未完成"), count, required, window)
    end = min(window[1], item.due_date) if item.due_date else window[1]
    if (end - ref).days <= settings.DUE_SOON_DAYS:
        return Progress("yellow", _("即将到期"), count, required, window)
    total = (window[1] - window[0]).days + 1
    elapsed = (ref - window[0]).days + 1
    if count < (required * elapsed) // total:
        return Progress("red", _("进度滞后"), count, required, window)
    return Progress("green", _("正常推进"), count, required, window)


def progress_summary(progresses: Iterable[Progress]) -> dict[str, int]:
    summary = {"green": 0, "yellow": 0, "red": 0, "grey": 0}
    for p in progresses:
        summary[p.state] += 1
    return summary
