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
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models.functions import Mod
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
    # Each reminder comes from one row of the querysets the job passes through `limit()`, so
    # the job can run as shards (rows by pk modulo the count) in several processes at once.
    shardable: bool = False


@dataclass(frozen=True)
class Shard:
    index: int
    count: int


JOBS: dict[str, Job] = {}

# Optional subtree a run is limited to (`run(..., under=path)`, `run_job --under CODE`): the
# rules pass their querysets through `limit()`. None = the whole tree (what the beat does).
_UNDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("lz_job_under", default=None)
# The shard of a sharded run (`run(..., shard=Shard(i, n))`): rows whose pk % n == i.
_SHARD: contextvars.ContextVar[Shard | None] = contextvars.ContextVar("lz_job_shard", default=None)


def limit(queryset, field: str = "org_path"):
    """Restrict a rule's queryset to the subtree and the shard of the current run, if any."""
    under = _UNDER.get()
    if under:
        queryset = queryset.filter(**{f"{field}__startswith": under})
    shard = _SHARD.get()
    if shard:
        queryset = queryset.alias(lz_shard=Mod("pk", shard.count)).filter(lz_shard=shard.index)
    return queryset


def job(
    name: str,
    *,
    description: str = "",
    reminder: bool = True,
    kinds: tuple[str, ...] = (),
    shardable: bool = False,
):
    def register(func: JobFunc) -> JobFunc:
        doc = description or (func.__doc__ or name).strip().splitlines()[0]
        JOBS[name] = Job(
            name=name,
            func=func,
            description=doc,
            reminder=reminder,
            kinds=kinds,
            shardable=shardable,
        )
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


def run(
    name: str,
    day: datetime.date | None = None,
    *,
    under: str | None = None,
    shard: Shard | None = None,
) -> dict:
    """Run one job (or "reminders": every reminder job in registration order).

    `under`: an org path; only records in that subtree are considered (demo seeding, trials).
    `shard`: only that shard's rows (a shardable job; `run_sharded` runs every shard).
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
    if shard is not None and not (JOBS[name].shardable and 0 <= shard.index < shard.count):
        raise ValueError(f"job {name} cannot run as shard {shard}")
    token, shard_token = _UNDER.set(under), _SHARD.set(shard)
    started = time.perf_counter()
    try:
        with request_cache.scope():  # one cache per job run (Celery task or command alike)
            result = JOBS[name].func(day)
    finally:
        _UNDER.reset(token)
        _SHARD.reset(shard_token)
    log.info(
        "job %s for %s%s: %s (%.2f s)",
        name,
        day,
        f" shard {shard.index}/{shard.count}" if shard else "",
        result,
        time.perf_counter() - started,
    )
    return result


def shard_count(name: str) -> int:
    """How many shards a job runs as: JOB_SHARDS for a shardable job (one per core the
    workers have; 1 on SQLite, which takes one writer at a time), else 1."""
    discover()
    entry = JOBS.get(name)
    if entry is None or not entry.shardable:
        return 1
    return max(1, int(getattr(settings, "JOB_SHARDS", 1)))


def run_sharded(
    name: str, day: datetime.date | None = None, *, processes: int | None = None
) -> dict:
    """Run a job's shards at once in as many processes (`manage.py run_job --processes`, the
    bench; Celery workers run the shards as separate tasks instead, notifications.tasks).
    The counts of the shards are summed. Each reminder's key is claimed once whichever
    process meets it, so the shards may even overlap.

    The processes are forked: call it from a process of its own (a command), not from one
    whose other threads hold database connections (a server), whose sockets they would share."""
    discover()
    count = shard_count(name) if processes is None else processes
    day = day or timezone.localdate()
    if count <= 1:
        return run(name, day)
    if name not in JOBS or not JOBS[name].shardable:
        raise ValueError(f"job {name} cannot run as shards")
    connections.close_all()  # each process opens its own connections
    # fork: the children start with the parent's settings and registry, no re-import.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        results = list(pool.map(_run_shard, [(name, day, Shard(i, count)) for i in range(count)]))
    return summed(results)


def summed(results: list[dict]) -> dict:
    """The shards' counts added up (zeros kept: "sent 0" is an answer)."""
    total: Counter[str] = Counter()
    for result in results:
        total.update(result)
    return dict(total)


def _run_shard(args: tuple[str, datetime.date, Shard]) -> dict:
    name, day, shard = args
    try:
        return run(name, day, shard=shard)
    finally:
        connections.close_all()


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


def run_on(name: str, day: str | None = None, *, shard: Shard | None = None) -> dict:
    """`run` for Celery tasks, whose arguments travel as ISO date strings."""
    return run(name, datetime.date.fromisoformat(day) if day else None, shard=shard)
