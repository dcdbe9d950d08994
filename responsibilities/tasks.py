"""Celery tasks of the responsibilities app: thin wrappers around services.

Job logic stays in plain service functions so a management command (or a test) can run it
without a broker; the task only adds delivery semantics (late ack, retry on a lost database).
"""

from celery import shared_task
from django.db import OperationalError

from responsibilities import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def resync_org_tree() -> dict[str, int]:
    """Nightly maintenance: copied org paths and supervising bodies back in line with the tree."""
    return services.resync_org_tree()


# --- Reminder jobs (issue 6): thin wrappers over notifications.jobs / responsibilities.reminders.
# The same functions run by hand: `manage.py run_job responsibilities.items --date …`.

_REMINDER_TASK = dict(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)


def _run(name: str, day: str | None) -> dict:
    import datetime

    from notifications import jobs

    return jobs.run(name, datetime.date.fromisoformat(day) if day else None)


@shared_task(**_REMINDER_TASK)
def remind_duty_items(day: str | None = None) -> dict:
    return _run("responsibilities.items", day)


@shared_task(**_REMINDER_TASK)
def remind_unsigned_letters(day: str | None = None) -> dict:
    return _run("responsibilities.letters", day)


@shared_task(**_REMINDER_TASK)
def remind_annual_reports(day: str | None = None) -> dict:
    return _run("responsibilities.annual_reports", day)


@shared_task(**_REMINDER_TASK)
def escalate_overdue_items(day: str | None = None) -> dict:
    return _run("responsibilities.escalate_items", day)
