"""Reminders through real Celery processes on Redis + PostgreSQL (marker ``redis_worker``).

* test_beat_and_worker_send_todays_reminder_once — `celery beat` (reminder jobs every 2 s via
  REMINDER_BEAT_SECONDS) and a worker on a private queue: the job runs again and again, the
  reminder arrives exactly once.
* test_a_worker_killed_mid_send_never_sends_twice — one Celery task per external message
  through a slow gateway; the worker is SIGKILLed mid-send; a second worker settles the rest:
  every reminder once in the inbox, no external message twice.
* test_a_real_worker_delivers_through_wecom_exactly_once_across_a_kill — the 企业微信 stub
  (tests/notifications/stubs.py) takes the message, the worker is killed before the answer;
  the redelivered task repeats it inside the vendor's duplicate-check window: once.

Both reuse the harness of tests/test_celery_worker.py and skip unless DATABASE_URL is
PostgreSQL and CELERY_BROKER_URL is Redis (.ci/run sets REQUIRE_REDIS_WORKER: never skipped).
"""

import datetime
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import Delivery, Dispatch, Notification, NotificationPreference
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
TIMEOUT = 180  # a loaded CI machine may take a minute to start a worker


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
def test_it_beat_and_worker_send_todays_reminder_once(transactional_db, cast, tmp_path):
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
    # The job ran as shards (JOB_SHARDS is 2 on PostgreSQL), each a task of its own.
    assert "notifications.tasks.run_job_shard" in worker_log.read_text()
    assert "Sending due task remind-rectification-tasks" in beat_log.read_text()


def _settled() -> bool:
    return not Dispatch.objects.filter(state__in=Dispatch.OPEN).exists()


def _kill_mid_send_and_finish(queue, env, tmp_path, day, started, after_kill):
    """Run the rectification reminder job on a worker, SIGKILL it as soon as `started()` holds
    (no warm shutdown, no ack), check `after_kill()`, then let a second worker settle every
    message. Returns the second worker's log."""
    from inspections.tasks import remind_rectification_tasks
    from liangge_zeren.celery import app

    (tmp_path / "var").mkdir()
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    first = _spawn(_worker_command(queue), env, first_log)
    second = None
    try:
        remind_rectification_tasks.apply_async(args=[day], queue=queue)
        _wait(started, [first], [first_log], "the sends to start")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
        after_kill()
        second = _spawn(_worker_command(queue), env, second_log)
        _wait(_settled, [second], [second_log], "every message to be settled")
    finally:
        app.conf.task_always_eager = was_eager
        if second is not None:
            _stop(second)
        _stop(first)
        _forget_queue(settings.CELERY_BROKER_URL, queue)
    return second_log


@pytest.mark.redis_worker
def test_it_a_worker_killed_mid_send_never_sends_twice(transactional_db, cast, tmp_path):
    """16 reminders, one external message each through a slow gateway without an idempotency
    key; the worker is SIGKILLed while sending. A second worker finishes the rest: every
    reminder once in the inbox, no message sent twice, the interrupted one (if the kill hit
    a send) recorded as "unknown" — at most once, never twice."""

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
        NOTIFY_HTTP_TIMEOUT="1",
        NOTIFY_SEND_LEASE_SECONDS="4",
        CELERY_VISIBILITY_TIMEOUT="6",
    )

    def killed_mid_way():
        assert len(sent_log.read_text().split()) < total, "the kill must land mid-way"

    _kill_mid_send_and_finish(
        queue, env, tmp_path, day, lambda: len(sent_log.read_text().split()) >= 3, killed_mid_way
    )

    # Every reminder exactly once in the inbox…
    assert _task_reminders() == total
    keys = list(
        Notification.objects.values_list("recipient_id", "object_id", "delivery__threshold")
    )
    assert len(keys) == len(set(keys)) == total
    # …and no external message twice.
    sent = sent_log.read_text().split()
    assert len(sent) == len(set(sent))
    states = dict(Dispatch.objects.values_list("pk", "state"))
    assert len(states) == total
    assert sum(1 for s in states.values() if s == "unknown") <= 1
    assert {f"lz-{pk}" for pk, s in states.items() if s == "sent"} <= set(sent)
    assert sum(1 for s in states.values() if s == "sent") >= total - 1


@pytest.mark.redis_worker
def test_it_a_real_worker_delivers_through_wecom_exactly_once_across_a_kill(
    transactional_db, cast, tmp_path
):
    """A worker sends a reminder to the 企业微信 stub and is SIGKILLed while waiting for the
    answer (the vendor has the message). The redelivered task finds the send's lease run out
    and repeats the identical request inside the duplicate-check window: the vendor drops the
    repeat, the person has the message once, and the row says sent after two attempts."""
    from tests.notifications.stubs import WeComStub

    _require_services()
    world = build_due_world(cast)
    NotificationPreference.objects.create(
        user=cast.user("county1_secretary"),
        email_enabled=False,
        channels=["wecom"],
        wecom_userid="zhangsan",
    )
    day = (world.due - datetime.timedelta(days=2)).isoformat()
    stub = WeComStub().start()
    arrived = threading.Event()
    answer = stub.answer

    def watched(request):
        if request.path.endswith("/message/send"):
            arrived.set()
        return answer(request)

    stub.answer = watched
    stub.hang = 60  # the vendor takes the message and answers late

    queue = f"test-wecom-{uuid.uuid4().hex[:12]}"
    env = _env(
        queue,
        tmp_path,
        SITE_URL="https://zeren.example.gov.cn",
        NOTIFY_WECOM="1",
        WECOM_API_BASE=stub.url,
        WECOM_CORP_ID=stub.config.corp_id,
        WECOM_AGENT_ID=str(stub.config.agent_id),
        WECOM_SECRET=stub.config.secret,
        NOTIFY_HTTP_TIMEOUT="3",
        NOTIFY_SEND_LEASE_SECONDS="10",
        NOTIFY_RETRY_BASE_SECONDS="1",
        NOTIFY_RETRY_MAX_SECONDS="2",
        CELERY_VISIBILITY_TIMEOUT="12",
    )

    def claimed_and_in_flight():
        assert Dispatch.objects.get().state == "sending"

    try:
        second_log = _kill_mid_send_and_finish(
            queue, env, tmp_path, day, arrived.is_set, claimed_and_in_flight
        )
    finally:
        stub.stop()

    dispatch = Dispatch.objects.get()
    assert (dispatch.channel, dispatch.state, dispatch.attempts) == ("wecom", "sent", 2)
    sends = [r for r in stub.requests if r.path == "/cgi-bin/message/send"]
    assert len(sends) == 2 and sends[0].body == sends[1].body
    assert len(stub.delivered) == 1 and stub.delivered[0]["touser"] == "zhangsan"
    assert stub.delivered[0]["url"].endswith(f"/notifications/{dispatch.notification_id}/open/")
    assert "send_dispatch" in second_log.read_text()
