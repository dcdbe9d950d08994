"""Celery task: the quarterly roll-up (beat runs it after each quarter end)."""

import datetime

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def rollup_last_quarter(day: str | None = None) -> dict:
    from notifications import jobs

    return jobs.run("assessments.rollup", datetime.date.fromisoformat(day) if day else None)
