"""Celery task: the quarterly roll-up (beat runs it after each quarter end)."""

from celery import shared_task

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs


@shared_task(**TASK_OPTIONS)
def rollup_last_quarter(day: str | None = None) -> dict:
    return jobs.run_on("assessments.rollup", day)
