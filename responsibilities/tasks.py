"""Celery tasks of the responsibilities app: thin wrappers around services.

Job logic stays in plain service functions so a management command (or a test) can run it
without a broker; the task only adds delivery semantics (late ack, retry on a lost database).
"""

from celery import shared_task

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs
from responsibilities import services


@shared_task(**TASK_OPTIONS)
def resync_org_tree() -> dict[str, int]:
    """Nightly maintenance: copied org paths and supervising bodies back in line with the tree."""
    return services.resync_org_tree()


# --- Reminder jobs (issue 6): thin wrappers over notifications.jobs / responsibilities.reminders.
# The same functions run by hand: `manage.py run_job responsibilities.items --date …`.


@shared_task(**TASK_OPTIONS)
def remind_duty_items(day: str | None = None) -> dict:
    return jobs.run_on("responsibilities.items", day)


@shared_task(**TASK_OPTIONS)
def remind_unsigned_letters(day: str | None = None) -> dict:
    return jobs.run_on("responsibilities.letters", day)


@shared_task(**TASK_OPTIONS)
def remind_annual_reports(day: str | None = None) -> dict:
    return jobs.run_on("responsibilities.annual_reports", day)


@shared_task(**TASK_OPTIONS)
def escalate_overdue_items(day: str | None = None) -> dict:
    return jobs.run_on("responsibilities.escalate_items", day)
