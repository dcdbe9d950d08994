"""Scheduled jobs of the assessments app (registry: notifications.jobs)."""

import datetime

from notifications.jobs import job


@job(
    "assessments.rollup",
    description="上一季度考核汇总 / roll up the last complete quarter",
    reminder=False,
)
def rollup_job(day: datetime.date) -> dict:
    from assessments import services

    year, quarter = services.previous_quarter(day)
    result = services.compute_quarter(year, quarter)
    return {"period": f"{year}Q{quarter}", **result.as_dict()}
