"""Celery tasks of the inspections app: thin wrappers over the jobs in inspections/reminders.py."""

import datetime

from celery import shared_task
from django.db import OperationalError

RETRY = dict(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)


def _run(name: str, day: str | None) -> dict:
    from notifications import jobs

    return jobs.run(name, datetime.date.fromisoformat(day) if day else None)


@shared_task(**RETRY)
def remind_rectification_tasks(day: str | None = None) -> dict:
    return _run("inspections.tasks", day)


@shared_task(**RETRY)
def remind_rectification_reports(day: str | None = None) -> dict:
    return _run("inspections.reports", day)


@shared_task(**RETRY)
def escalate_overdue_tasks(day: str | None = None) -> dict:
    return _run("inspections.escalate_tasks", day)
