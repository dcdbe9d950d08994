"""Two workers running the same reminder job at the same time never send a reminder twice.

* processes: two `manage.py run_job` subprocesses started together — on SQLite against a file
  copy of the test database (the embedded mode), on PostgreSQL against the test database.
* threads: two threads, each with its own database connection, released by a barrier —
  PostgreSQL only (SQLite's in-memory test database is shared-cache, which reports lock
  conflicts instead of waiting); .ci/run's PostgreSQL pass runs it.
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection, connections

from notifications import jobs
from notifications.models import Delivery, Notification
from tests.notifications.conftest import build_many_tasks

BASE_DIR = Path(__file__).resolve().parents[2]
TASKS = 40
# Each racer sets Django up, then waits at a file barrier so both claim at the same moment.
RACER = """
import datetime, json, os, pathlib, sys, time
import django
django.setup()
from notifications import jobs
barrier, me, day = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
(barrier / me).touch()
deadline = time.monotonic() + 60
while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
    time.sleep(0.002)
print(json.dumps(jobs.run("inspections.tasks", datetime.date.fromisoformat(day))))
"""


@pytest.fixture
def fast_dir():
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="lz-notify-", dir=base))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _env(fast_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="liangge_zeren.settings", PYTHONUNBUFFERED="1")
    if connection.vendor == "sqlite":
        var_dir = fast_dir / "var"
        var_dir.mkdir()
        db = var_dir / "liangge_zeren.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(db)) as target:
            connection.connection.backup(target)
            # As after `migrate` in the embedded mode: the file is already in WAL mode.
            target.execute("PRAGMA journal_mode=WAL")
        env.pop("DATABASE_URL", None)
        env["VAR_DIR"] = str(var_dir)
        return env, db
    from tests.test_celery_worker import _database_url

    env["DATABASE_URL"] = _database_url(connection.settings_dict)
    env["VAR_DIR"] = str(fast_dir)
    return env, None


def _count(db, kind):
    if db is None:
        return Notification.objects.filter(kind=kind).count(), Delivery.objects.filter(
            kind=kind
        ).count()
    with closing(sqlite3.connect(db, timeout=10)) as conn:
        n = conn.execute(
            "SELECT count(*) FROM notifications_notification WHERE kind=?", (kind,)
        ).fetchone()[0]
        d = conn.execute(
            "SELECT count(*) FROM notifications_delivery WHERE kind=?", (kind,)
        ).fetchone()[0]
        dup = conn.execute(
            "SELECT count(*) FROM (SELECT n.recipient_id, n.object_id, d.threshold FROM"
            " notifications_notification n JOIN notifications_delivery d ON n.delivery_id = d.id"
            " WHERE d.kind=? GROUP BY n.recipient_id, n.object_id, d.threshold"
            " HAVING count(*) > 1)",
            (kind,),
        ).fetchone()[0]
        assert dup == 0
        return n, d


def test_it_two_processes_running_the_same_job_send_each_reminder_once(
    transactional_db, cast, fast_dir
):
    world = build_many_tasks(cast, TASKS)
    day = (world.due - datetime.timedelta(days=2)).isoformat()
    env, db = _env(fast_dir)
    barrier = fast_dir / "barrier"
    barrier.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(barrier), f"p{i}", day],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    results = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(r["sent"] for r in results) == TASKS, results
    assert all(r["sent"] + r["skipped"] == TASKS for r in results), results
    print("per-process results:", results)
    assert _count(db, "rectification_task") == (TASKS, TASKS)


def test_it_two_threads_with_their_own_connections_never_duplicate(transactional_db, cast):
    if connection.vendor == "sqlite":
        pytest.skip(
            "threads need PostgreSQL (SQLite's in-memory test db is shared-cache); "
            "the process test covers SQLite"
        )
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(jobs.run("inspections.tasks", day))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(r["sent"] for r in results) == TASKS
    assert Notification.objects.filter(kind="rectification_task").count() == TASKS
    assert Delivery.objects.filter(kind="rectification_task").count() == TASKS
