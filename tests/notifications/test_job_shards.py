"""A shardable reminder job runs as shards (its rows by pk modulo the count): one Celery task
per shard, or one process per shard (`run_sharded`: the bench, `run_job --processes`). The
shards together send what one run sends, each reminder once (issue 19).

Processes need PostgreSQL (each opens its own connection to committed rows); .ci/run's
PostgreSQL pass runs that test. The partition and the Celery fan-out are checked on both.
"""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from notifications import jobs
from notifications.models import Delivery, Notification
from notifications.tasks import start
from tests.notifications.conftest import build_many_tasks
from tests.test_celery_worker import BASE_DIR, _database_url

TASKS = 12


def _task_ids_reminded() -> list[int]:
    return sorted(
        Notification.objects.filter(kind="rectification_task").values_list("object_id", flat=True)
    )


@pytest.mark.django_db
def test_it_sends_from_each_shard_only_its_own_tasks_and_all_of_them_together(cast):
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    first = jobs.run("inspections.tasks", day, shard=jobs.Shard(0, 2))
    evens = _task_ids_reminded()
    assert evens and all(pk % 2 == 0 for pk in evens)
    assert first == {"sent": len(evens), "skipped": 0}
    second = jobs.run("inspections.tasks", day, shard=jobs.Shard(1, 2))
    everything = sorted(type(world.task).objects.values_list("pk", flat=True))
    assert _task_ids_reminded() == everything
    assert second["sent"] == TASKS - len(evens)
    # A whole run afterwards finds every key claimed.
    assert jobs.run("inspections.tasks", day) == {"sent": 0, "skipped": TASKS}


@pytest.mark.django_db
def test_it_refuses_to_shard_a_job_whose_reminders_span_rows():
    with pytest.raises(ValueError, match="cannot run as shard"):
        jobs.run("inspections.escalate_tasks", shard=jobs.Shard(0, 2))
    with pytest.raises(ValueError, match="cannot run as shard"):
        jobs.run("inspections.tasks", shard=jobs.Shard(2, 2))
    assert jobs.shard_count("inspections.escalate_tasks") == 1


@pytest.mark.django_db
def test_it_runs_the_beats_task_as_one_task_per_shard_and_sums_them(cast, settings):
    from liangge_zeren.celery import app

    settings.JOB_SHARDS = 3
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    assert jobs.shard_count("inspections.tasks") == 3
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # no broker: the shards run here
    try:
        assert start("inspections.tasks", day.isoformat()) == {"sent": TASKS, "skipped": 0}
        assert Delivery.objects.filter(kind="rectification_task").count() == TASKS
        assert start("inspections.tasks", day.isoformat()) == {"sent": 0, "skipped": TASKS}
    finally:
        app.conf.task_always_eager = was_eager


def _run_job_processes(day: datetime.date) -> dict:
    """`manage.py run_job inspections.tasks --processes 2` as an operator runs it: in a process
    of its own (forked shards would share this test process's other threads' sockets)."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),  # the *test* database
        "DJANGO_SETTINGS_MODULE": "liangge_zeren.settings",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "run_job", "inspections.tasks"]
        + ["--date", day.isoformat(), "--processes", "2"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[0])


def test_it_runs_the_shards_in_processes_each_reminder_once(transactional_db, cast):
    if connection.vendor != "postgresql":
        pytest.skip("processes need PostgreSQL (the SQLite test database is in memory)")
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    assert _run_job_processes(day) == {"sent": TASKS, "skipped": 0}
    assert _task_ids_reminded() == sorted(type(world.task).objects.values_list("pk", flat=True))
    assert Delivery.objects.filter(kind="rectification_task").count() == TASKS
    assert _run_job_processes(day) == {"sent": 0, "skipped": TASKS}


@pytest.mark.django_db
def test_it_says_processes_and_a_subtree_do_not_go_together():
    with pytest.raises(CommandError, match="--under"):
        call_command("run_job", "inspections.tasks", "--processes", "2", "--under", "0001.")
    with pytest.raises(CommandError, match="cannot run as shards"):
        call_command("run_job", "inspections.escalate_tasks", "--processes", "2")
    with pytest.raises(ValueError, match="cannot run as shards"):
        jobs.run_sharded("inspections.escalate_tasks", processes=2)
