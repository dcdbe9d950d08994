"""The registry of scheduled jobs: name → plain function of a date.

Apps register their jobs in `<app>/reminders.py` (or `<app>/jobs.py`) with `@job("name")`;
`discover()` imports those modules. `manage.py run_job NAME --date …` and the Celery tasks
(`<app>/tasks.py`) call `run(name, day)`, so a job behaves the same by hand and on the beat.
A job function takes the day and returns a dict of counts.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from liangge_zeren import request_cache

log = logging.getLogger(__name__)

JobFunc = Callable[[datetime.date], dict]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    description: str
    reminder: bool  # part of the daily reminder sweep ("reminders" runs them all)
    # The notification kinds the job may create (tests/notifications/test_channel_coverage.py
    # runs each over demo data and needs a fixture for every job and every kind).
    kinds: tuple[str, ...] = ()


JOBS: dict[str, Job] = {}

# Optional subtree a run is limited to (`run(..., under=path)`, `run_job --under CODE`): the
# rules pass their querysets through `limit()`. None = the whole tree (what the beat does).
_UNDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("lz_job_under", default=None)


def limit(queryset, field: str = "org_path"):
    """Restrict a rule's queryset to the subtree of the current run, if any."""
    under = _UNDER.get()
    return queryset.filter(**{f"{field}__startswith": under}) if under else queryset


def job(name: str, *, description: str = "", reminder: bool = True, kinds: tuple[str, ...] = ()):
    def register(func: JobFunc) -> JobFunc:
        doc = description or (func.__doc__ or name).strip().splitlines()[0]
        JOBS[name] = Job(name=name, func=func, description=doc, reminder=reminder, kinds=kinds)
        return func

    return register


_discovered = False


def discover() -> dict[str, Job]:
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders")
        autodiscover_modules("jobs")
        _discovered = True
    return JOBS


def run(name: str, day: datetime.date | None = None, *, under: str | None = None) -> dict:
    """Run one job (or "reminders": every reminder job in registration order).

    `under`: an org path; only records in that subtree are considered (demo seeding, trials).
    """
    discover()
    day = day or timezone.localdate()
    if name == "reminders":
        results = {}
        for entry in list(JOBS.values()):
            if entry.reminder:
                results[entry.name] = run(entry.name, day, under=under)
        return results
    if name not in JOBS:
        raise KeyError(name)
    token = _UNDER.set(under)
    started = time.perf_counter()
    try:
        with request_cache.scope():  # one cache per job run (Celery task or command alike)
            result = JOBS[name].func(day)
    finally:
        _UNDER.reset(token)
    log.info("job %s for %s: %s (%.2f s)", name, day, result, time.perf_counter() - started)
    return result


@job("notifications.digest", description="每日提醒汇总邮件 / daily digest e-mails", reminder=False)
def digest_job(day: datetime.date) -> dict:
    from notifications import services

    return services.send_digests(day)


@job(
    "notifications.pending",
    description="外部渠道补发: 免打扰结束、丢失的任务、中断的发送 / outbox sweep",
)
def pending_job(day: datetime.date) -> dict:
    from notifications import outbox

    return outbox.sweep()


def run_on(name: str, day: str | None = None) -> dict:
    """`run` for Celery tasks, whose arguments travel as ISO date strings."""
    return run(name, datetime.date.fromisoformat(day) if day else None)
