"""Reminders through real Celery processes on Redis + PostgreSQL (marker ``redis_worker``).

* test_beat_and_worker_send_todays_reminder_once — `celery beat` (reminder jobs every 2 s via
  REMINDER_BEAT_SECONDS) and a worker on a private queue: the job runs again and again, the
  reminder arrives exactly once.
* test_a_worker_killed_mid_job_is_redelivered_without_duplicates — a slow gateway makes the
  job take seconds; the worker is SIGKILLed mid-job; the unacknowledged task (acks_late) comes
  back after the visibility timeout to a second worker, which completes it: every reminder
  exactly once in the inbox, no external message sent twice.

Both reuse the harness of tests/test_celery_worker.py and skip unless DATABASE_URL is
PostgreSQL and CELERY_BROKER_URL is Redis (.ci/run sets REQUIRE_REDIS_WORKER: never skipped).
"""

import datetime
import os
import signal
import subprocess
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import Delivery, Notification, NotificationPreference
from tests.inspections.fixtures import make_task
from tests.notifications.conftest import build_due_world
from tests.test_celery_worker import (
    BASE_DIR,
    _database_url,
    _forget_queue,
    _redis_and_postgres,
    _stop,
    _worker_command,
)

TODAY = datetime.date.today()
TIMEOUT = 90


def _require_services():
    if not _redis_and_postgres():
        reason = "needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…"
        if os.environ.get("REQUIRE_REDIS_WORKER"):
            pytest.fail(reason)
        pytest.skip(reason)


def _env(queue: str, tmp_path, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),  # the *test* database
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "liangge_zeren.settings",
        "PYTHONUNBUFFERED": "1",
        "VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return env


def _spawn(cmd, env, log):
    with log.open("a") as out:
        return subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(predicate, procs, logs, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if predicate():
            return
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                pytest.fail(f"{log.name} exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        time.sleep(0.1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"timed out waiting for {what}:\n{tails}")


def _task_reminders() -> int:
    return Notification.objects.filter(kind="rectification_task").count()


@pytest.mark.redis_worker
def test_beat_and_worker_send_todays_reminder_once(transactional_db, cast, tmp_path):
    from liangge_zeren.celery import app

    _require_services()
    world = build_due_world(cast)
    type(world.task).objects.filter(pk=world.task.pk).update(
        due_date=TODAY + datetime.timedelta(days=2)
    )

    queue = f"test-remind-{uuid.uuid4().hex[:12]}"
    env = _env(queue, tmp_path, REMINDER_BEAT_SECONDS="2")
    (tmp_path / "var").mkdir()
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = _spawn(_worker_command(queue), env, worker_log)
    beat = _spawn(
        [
            *_worker_command(queue)[:5],  # python -m celery -A liangge_zeren
            "beat",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--max-interval",
            "1",
            "--loglevel",
            "INFO",
        ],
        env,
        beat_log,
    )
    try:
        _wait(
            lambda: _task_reminders() >= 1, [worker, beat], [worker_log, beat_log], "the reminder"
        )

        # Let beat fire the job several more times: nothing new may arrive.
        _wait(
            lambda: (
                worker_log.read_text().count("inspections.tasks.remind_rectification_tasks") >= 6
            ),
            [worker, beat],
            [worker_log, beat_log],
            "three runs of the job",
        )
    finally:
        app.conf.task_always_eager = was_eager
        _stop(beat)
        _stop(worker)
        _forget_queue(settings.CELERY_BROKER_URL, queue)

    assert _task_reminders() == 1
    note = Notification.objects.get(kind="rectification_task")
    assert note.recipient == cast.user("county1_secretary")
    assert Delivery.objects.get(kind="rectification_task").threshold == (
        f"d3:{(TODAY + datetime.timedelta(days=2)).isoformat()}"
    )
    assert "succeeded" in worker_log.read_text()
    assert "Sending due task remind-rectification-tasks" in beat_log.read_text()


@pytest.mark.redis_worker
def test_a_worker_killed_mid_job_is_redelivered_without_duplicates(
    transactional_db, cast, tmp_path
):
    from inspections.tasks import remind_rectification_tasks
    from liangge_zeren.celery import app

    _require_services()
    world = build_due_world(cast)
    total = 16
    owners = [cast.tenures["county1_secretary"], cast.tenures["county1_member"]]
    for i in range(total - 1):
        make_task(cast.user("county1_jw"), world.finding, owners[i % 2], due=world.due)
    for name in ("county1_secretary", "county1_member"):
        NotificationPreference.objects.create(
            user=cast.user(name), email_enabled=False, channels=["slow"]
        )
    day = (world.due - datetime.timedelta(days=2)).isoformat()

    queue = f"test-sigkill-{uuid.uuid4().hex[:12]}"
    sent_log = tmp_path / "slow-channel.log"
    sent_log.touch()
    env = _env(
        queue,
        tmp_path,
        NOTIFICATION_CHANNELS_EXTRA="slow=tests.notifications.gateways.SlowChannel",
        SLOW_CHANNEL_LOG=str(sent_log),
        SLOW_CHANNEL_SECONDS="0.4",
        CELERY_VISIBILITY_TIMEOUT="4",
        # Small claim batches, so the kill lands after some reminders are stored, not all.
        NOTIFICATION_CLAIM_BATCH="4",
    )
    (tmp_path / "var").mkdir()
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    first = _spawn(_worker_command(queue), env, first_log)
    second = None
    try:
        remind_rectification_tasks.apply_async(args=[day], queue=queue)
        _wait(lambda: _task_reminders() >= 3, [first], [first_log], "the job to start")
        first.send_signal(signal.SIGKILL)  # mid-job: no warm shutdown, no ack
        first.wait(timeout=15)
        killed_at = _task_reminders()
        assert 3 <= killed_at < total, "the worker must die mid-job for this test to mean anything"

        second = _spawn(_worker_command(queue), env, second_log)
        _wait(lambda: "succeeded" in second_log.read_text(), [second], [second_log], "redelivery")
    finally:
        app.conf.task_always_eager = was_eager
        if second is not None:
            _stop(second)
        _stop(first)
        _forget_queue(settings.CELERY_BROKER_URL, queue)

    # Every reminder exactly once in the inbox…
    assert _task_reminders() == total
    assert Delivery.objects.filter(kind="rectification_task").count() == total
    keys = list(
        Notification.objects.values_list("recipient_id", "object_id", "delivery__threshold")
    )
    assert len(keys) == len(set(keys)) == total
    # …and no external message twice (one may be lost if the kill hit during its send:
    # external channels are at most once).
    sent = sent_log.read_text().split()
    assert len(sent) == len(set(sent)) >= total - 1
    states = Delivery.objects.filter(kind="rectification_task").values_list(
        "external_state", flat=True
    )
    assert sum(1 for s in states if s == Delivery.External.SENDING) <= 1
    assert "remind_rectification_tasks" in second_log.read_text()
