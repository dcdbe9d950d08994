"""Celery tasks of the accountability app: thin wrappers over accountability/reminders.py."""

from celery import shared_task

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs


@shared_task(**TASK_OPTIONS)
def remind_case_steps(day: str | None = None) -> dict:
    return jobs.run_on("accountability.steps", day)


@shared_task(**TASK_OPTIONS)
def remind_formalities(day: str | None = None) -> dict:
    return jobs.run_on("accountability.formalities", day)


@shared_task(**TASK_OPTIONS)
def remind_appeals(day: str | None = None) -> dict:
    return jobs.run_on("accountability.appeals", day)


@shared_task(**TASK_OPTIONS)
def expire_influence_periods(day: str | None = None) -> dict:
    return jobs.run_on("accountability.influence_periods", day)


@shared_task(**TASK_OPTIONS)
def remind_integrity_replies(day: str | None = None) -> dict:
    return jobs.run_on("accountability.integrity_replies", day)
