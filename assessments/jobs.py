"""Scheduled jobs of the assessments app (registry: notifications.jobs)."""

import datetime

from liangge_zeren.actors import JOBS
from liangge_zeren.periods import Quarter
from notifications.jobs import job


@job(
    "assessments.rollup",
    description="上一季度考核汇总 / roll up the last complete quarter",
    reminder=False,
)
def rollup_job(day: datetime.date) -> dict:
    from assessments.services import snapshots

    last = Quarter.of(day).previous()
    result = snapshots.compute_quarter(last.year, last.quarter, actor=JOBS)
    return {"period": str(last), **result.as_dict()}
