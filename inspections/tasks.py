"""Celery tasks of the inspections app: thin wrappers over the jobs in inspections/reminders.py."""

from celery import shared_task

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs
from notifications.tasks import start


@shared_task(**TASK_OPTIONS)
def remind_rectification_tasks(day: str | None = None) -> dict:
    return start("inspections.tasks", day)


@shared_task(**TASK_OPTIONS)
def remind_rectification_reports(day: str | None = None) -> dict:
    return jobs.run_on("inspections.reports", day)


@shared_task(**TASK_OPTIONS)
def escalate_overdue_tasks(day: str | None = None) -> dict:
    return jobs.run_on("inspections.escalate_tasks", day)


@shared_task(**TASK_OPTIONS)
def tell_handed_over_successors(day: str | None = None) -> dict:
    return jobs.run_on("inspections.handed_over", day)
