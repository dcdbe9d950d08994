"""Celery tasks: thin wrappers over notifications.jobs (the same functions `run_job` calls)."""

import datetime

from celery import shared_task
from django.db import OperationalError

from notifications import jobs

RETRY = dict(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)


def _day(day: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(day) if day else None


@shared_task(**RETRY)
def run_job(name: str, day: str | None = None) -> dict:
    """Any registered job by name (beat entries and run_job use the same registry)."""
    return jobs.run(name, _day(day))


@shared_task(**RETRY)
def send_daily_digest(day: str | None = None) -> dict:
    return jobs.run("notifications.digest", _day(day))


@shared_task(**RETRY)
def resend_pending_external(day: str | None = None) -> dict:
    return jobs.run("notifications.pending", _day(day))
