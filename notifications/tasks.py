"""Celery tasks: thin wrappers over notifications.jobs (the same functions `run_job` calls)."""

from celery import shared_task

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs


@shared_task(**TASK_OPTIONS)
def run_job(name: str, day: str | None = None) -> dict:
    """Any registered job by name (beat entries and run_job use the same registry)."""
    return jobs.run_on(name, day)


@shared_task(**TASK_OPTIONS)
def send_daily_digest(day: str | None = None) -> dict:
    return jobs.run_on("notifications.digest", day)


@shared_task(**TASK_OPTIONS)
def resend_pending_external(day: str | None = None) -> dict:
    return jobs.run_on("notifications.pending", day)
