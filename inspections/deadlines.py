"""Due dates of inspections (R22) and the month arithmetic other apps' deadlines share."""

from __future__ import annotations

import calendar
import datetime

from inspections.models import InspectionRound, inspections_setting


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's end (31 Dec + 2 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def report_due_months(kind: str) -> int:
    """R22: rectification report within 2 months of feedback for 巡视/巡察 (configurable)."""
    per_kind = inspections_setting("REPORT_DUE_MONTHS", {})
    return int(per_kind.get(kind, 2))


def report_due_for(round_: InspectionRound, feedback_date: datetime.date) -> datetime.date:
    return add_months(feedback_date, report_due_months(round_.kind))
