"""Quarters: the period every count, roll-up, reminder and assessment is reported by.

One `Quarter` for the whole project (it replaces four private versions). Immutable and
hashable, ordered in time, parsed from "2026Q3" and printed the same way.

Lives in the project package so every app may import it (apps import one way only).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import total_ordering

from django.utils import timezone

_TEXT = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")


@total_ordering
@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter out of range: {self.quarter}")

    # --- construction -----------------------------------------------------------------

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.of(timezone.localdate())

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q3" (also "2026-Q3"; case and spaces ignored); ValueError on anything else."""
        match = _TEXT.match(str(text or ""))
        if not match:
            raise ValueError(f"not a quarter (expected e.g. 2026Q3): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def parse_or(
        cls, text: str | None, default: Quarter, *, years: tuple[int, int] = (2000, 2100)
    ) -> Quarter:
        """Parse, or `default` when the text is missing, malformed or out of `years`."""
        try:
            quarter = cls.parse(text or "")
        except ValueError:
            return default
        return quarter if years[0] <= quarter.year <= years[1] else default

    @classmethod
    def in_year(cls, year: int) -> list[Quarter]:
        """The four quarters of `year`, in order."""
        return [cls(year, quarter) for quarter in range(1, 5)]

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        return cls(index // 4, index % 4 + 1)

    # --- arithmetic -------------------------------------------------------------------

    @property
    def index(self) -> int:
        """Quarters since year 0: consecutive quarters differ by one."""
        return self.year * 4 + self.quarter - 1

    def __lt__(self, other: Quarter) -> bool:
        return self.index < other.index

    def __add__(self, count: int) -> Quarter:
        return Quarter.from_index(self.index + count)

    def __sub__(self, count: int) -> Quarter:
        return Quarter.from_index(self.index - count)

    def previous(self, count: int = 1) -> Quarter:
        return self - count

    def next(self, count: int = 1) -> Quarter:
        return self + count

    def last(self, count: int = 8) -> list[Quarter]:
        """The `count` quarters ending with this one, oldest first."""
        return [self - n for n in range(count - 1, -1, -1)]

    # --- dates ------------------------------------------------------------------------

    @property
    def first_month(self) -> int:
        return 3 * (self.quarter - 1) + 1

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.first_month, 1)

    @property
    def end(self) -> datetime.date:
        last = self.first_month + 2
        return datetime.date(self.year, last, calendar.monthrange(self.year, last)[1])

    def window(self) -> tuple[datetime.date, datetime.date]:
        """First and last day (both inclusive)."""
        return self.start, self.end

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


def quarter_window(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a quarter (shorthand for `Quarter(year, quarter).window()`)."""
    return Quarter(year, quarter).window()
