"""Celery tasks of the accountability app: thin wrappers over accountability/reminders.py."""

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
def remind_case_steps(day: str | None = None) -> dict:
    return _run("accountability.steps", day)


@shared_task(**RETRY)
def remind_formalities(day: str | None = None) -> dict:
    return _run("accountability.formalities", day)


@shared_task(**RETRY)
def remind_appeals(day: str | None = None) -> dict:
    return _run("accountability.appeals", day)


@shared_task(**RETRY)
def expire_influence_periods(day: str | None = None) -> dict:
    return _run("accountability.influence_periods", day)
