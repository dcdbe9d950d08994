"""`ListCount`: responsibility lists (not templates) per subtree, year, status and copy flag
(issue 19).

A list counts on every prefix of its org path for its `year` (stored as quarter 1 of that
year: lists are yearly documents). `responsibilities.view_responsibilitylist` is plain VIEW
over the list's path, so a row (a whole subtree) may be counted when its prefix lies in the
viewer's VIEW subtrees — as DutyLogRollup. Kept by triggers on the list table
(dashboards/countset.py).
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from dashboards.countset import CountSet
from responsibilities.models import ResponsibilityList

LIST = "responsibilities_responsibilitylist"


def _first_day(vendor: str) -> str:
    year = f'"{LIST}"."year"'
    if vendor == "postgresql":
        return f"make_date({year}, 1, 1)"
    return f"printf('%%04d-01-01', {year})"  # %% : a literal % in RawSQL


def source(vendor: str) -> QuerySet:
    return (
        ResponsibilityList.objects.order_by()
        .filter(is_template=False)
        .annotate(
            c_path=F("org_path"),
            c_day=RawSQL(_first_day(vendor), []),
            d0=F("status"),
            d1=F("copy_flagged"),
            k_id=F("id"),
        )
        .values_list("c_path", "c_day", "d0", "d1", "k_id")
    )


COUNTS = CountSet(
    name="list",
    table="dashboards_listcount",
    dims=("status", "copy_flagged"),
    source=source,
    watched={
        LIST: (("org_path", "year", "status", "copy_flagged", "is_template"), "r.k_id = ROW.id"),
    },
)
