"""Celery tasks: thin wrappers over notifications.jobs and notifications.outbox."""

from celery import group, shared_task
from django.utils import timezone

from liangge_zeren.celery import TASK_OPTIONS
from notifications import jobs, outbox


def start(name: str, day: str | None = None) -> dict:
    """A job from the beat: a shardable one as one task per shard, which the worker's
    processes run at once (JOB_SHARDS); the others in this task. Run eagerly (tests, no
    broker) the shards run here and their counts are summed."""
    count = jobs.shard_count(name)
    if count <= 1:
        return jobs.run_on(name, day)
    day = day or timezone.localdate().isoformat()  # every shard runs for the same day
    shards = group(run_job_shard.s(name, day, index, count) for index in range(count))
    if run_job_shard.app.conf.task_always_eager:
        return jobs.summed(shards.apply().get())
    shards.apply_async()
    return {"shards": count}


@shared_task(**TASK_OPTIONS)
def run_job_shard(name: str, day: str, index: int, count: int) -> dict:
    """One shard of a shardable job (its rows by pk modulo `count`)."""
    return jobs.run_on(name, day, shard=jobs.Shard(index, count))


@shared_task(**TASK_OPTIONS)
def run_job(name: str, day: str | None = None) -> dict:
    """Any registered job by name (beat entries and run_job use the same registry)."""
    return start(name, day)


@shared_task(**TASK_OPTIONS)
def send_daily_digest(day: str | None = None) -> dict:
    return jobs.run_on("notifications.digest", day)


@shared_task(**TASK_OPTIONS)
def sweep_outbox() -> dict:
    """Held messages whose quiet hours ended, lost tasks, abandoned sends (every few minutes)."""
    return outbox.sweep()


@shared_task(bind=True, **TASK_OPTIONS)
def send_dispatch(self, dispatch_id: int) -> dict:
    """One external message. The row records every attempt; a retry is a new Celery message
    after the backoff the outbox chose (the row's attempt count, not Celery's, bounds it).
    Run eagerly there is no later: the row waits for the sweep."""
    result = outbox.attempt(dispatch_id)
    if result.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in + 1, max_retries=None)
    return {"dispatch": dispatch_id, "state": result.state}
