"""The claim of a reminder job: staged on PostgreSQL (COPY, one claiming statement), and run in
worker threads while the job prepares the next batch — each reminder still stored once.

Threads need PostgreSQL (a thread has its own connection, and SQLite's in-memory test
database is shared-cache); .ci/run's PostgreSQL pass runs those tests. The inline claim and
the stored text are checked on both backends.
"""

import datetime

import pytest
from django.db import connection, transaction

from notifications import jobs, services
from notifications.models import Delivery, Notification
from notifications.services import Claimer, Reminder, claim_batch
from tests.notifications.conftest import build_many_tasks

TASKS = 30


def _needs_threads():
    if connection.vendor != "postgresql":
        pytest.skip("claim threads run on PostgreSQL only (the inline claim is tested here too)")


def test_it_claims_in_worker_threads_each_reminder_once(transactional_db, cast, settings):
    _needs_threads()
    settings.NOTIFICATION_CLAIM_BATCH = 4  # 30 reminders: 8 batches over 2 threads
    settings.NOTIFICATION_CLAIM_WORKERS = 2
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    first = jobs.run("inspections.tasks", day)
    assert (first["sent"], first["skipped"]) == (TASKS, 0)
    stored = Notification.objects.filter(kind="rectification_task")
    assert stored.count() == TASKS
    assert stored.values("delivery_id").distinct().count() == TASKS
    assert set(stored.values_list("object_id", flat=True)) == set(
        type(world.task).objects.values_list("pk", flat=True)
    )
    again = jobs.run("inspections.tasks", day)
    assert (again["sent"], again["skipped"]) == (0, TASKS)
    assert Delivery.objects.filter(kind="rectification_task").count() == TASKS


def test_it_raises_a_claim_threads_failure_and_a_rerun_sends_the_rest(
    transactional_db, cast, settings, monkeypatch
):
    _needs_threads()
    settings.NOTIFICATION_CLAIM_BATCH = 5
    settings.NOTIFICATION_CLAIM_WORKERS = 1  # one thread: batches are claimed in order
    world = build_many_tasks(cast, TASKS)
    day = world.due - datetime.timedelta(days=2)
    real = services.claim_batch
    calls = []

    def failing_second(batch, **kwargs):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(batch, **kwargs)

    monkeypatch.setattr(services, "claim_batch", failing_second)
    with pytest.raises(RuntimeError, match="database went away"):
        jobs.run("inspections.tasks", day)
    # The first batch committed; nothing after the failure was claimed.
    assert Notification.objects.filter(kind="rectification_task").count() == 5
    monkeypatch.setattr(services, "claim_batch", real)
    rerun = jobs.run("inspections.tasks", day)
    assert (rerun["sent"], rerun["skipped"]) == (TASKS - 5, 5)
    assert Notification.objects.filter(kind="rectification_task").count() == TASKS


@pytest.mark.django_db
def test_it_claims_inline_inside_a_callers_transaction():
    with transaction.atomic():
        claimer = Claimer(job="x", day=None, workers=2)
    assert claimer.workers == 0


@pytest.mark.django_db
def test_it_stores_the_reminders_text_as_given(due_world):
    # On PostgreSQL the text travels in COPY's format: tabs, newlines and backslashes escaped.
    user = due_world.cast.user("county1_secretary")
    title = "整改\t任务\\n 到期\n第二行\r"
    body = "C:\\路径\\N \t end"
    claimed = claim_batch(
        [
            Reminder(
                recipient=user,
                obj=due_world.task,
                kind="k",
                threshold="t",
                title=title,
                body=body,
                link="/x?a=1&b=\\N",
                org_path=due_world.task.org_path,
                group="组\t1",
            )
        ],
        job="escape",
    )
    assert claimed.stored == 1
    stored = Notification.objects.get(pk=claimed.notification_ids[0])
    assert (stored.title, stored.body, stored.link, stored.group) == (
        title,
        body,
        "/x?a=1&b=\\N",
        "组\t1",
    )
    assert (stored.read_at, stored.recipient_id, stored.object_id) == (
        None,
        user.pk,
        due_world.task.pk,
    )
    assert stored.delivery.job == "escape"
    assert claim_batch([Reminder(user, due_world.task, "k", "t", "again")]).stored == 0
