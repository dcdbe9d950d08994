"""Scheduled jobs of the assessments app (registry: notifications.jobs)."""

import datetime

from liangge_zeren.actors import JOBS
from notifications.jobs import job


@job(
    "assessments.rollup",
    description="上一季度考核汇总 / roll up the last complete quarter",
    reminder=False,
)
def rollup_job(day: datetime.date) -> dict:
    from assessments.services import snapshots

    year, quarter = snapshots.previous_quarter(day)
    result = snapshots.compute_quarter(year, quarter, actor=JOBS)
    return {"period": f"{year}Q{quarter}", **result.as_dict()}
