"""Reminders arrive once per (recipient, object, kind, threshold) — re-runs send nothing."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications import jobs
from notifications.models import Delivery, Dispatch, Notification, SupervisionNotice
from notifications.services import Reminder, claim_and_store, deliver

D = datetime.timedelta


def _titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.mark.django_db
def test_it_sends_each_task_threshold_once_across_reruns(due_world):
    cast, due = due_world.cast, due_world.due
    secretary = cast.user("county1_secretary")
    sent = []
    for day in (
        due - D(days=10),
        due - D(days=5),
        due - D(days=5),
        due - D(days=2),
        due - D(days=1),
        due - D(days=1),
        due,
        due + D(days=1),
        due + D(days=3),
    ):
        sent.append(jobs.run("inspections.tasks", day)["sent"])
    # 10 days out: nothing; 5 → 7-day reminder; rerun: 0; 2 → 3-day; 1 → 1-day; rerun 0;
    # due day: still the 1-day threshold (already sent); +1: overdue; +3: overdue already sent.
    assert sent == [0, 1, 0, 1, 1, 0, 0, 1, 0]
    keys = set(
        Delivery.objects.filter(recipient=secretary, kind="rectification_task").values_list(
            "threshold", flat=True
        )
    )
    assert keys == {f"{t}:{due.isoformat()}" for t in ("d7", "d3", "d1", "overdue")}
    assert Notification.objects.filter(recipient=secretary, kind="rectification_task").count() == 4


@pytest.mark.django_db
def test_it_reminds_again_when_the_due_date_moves(due_world):
    due = due_world.due
    assert jobs.run("inspections.tasks", due - D(days=2))["sent"] == 1
    type(due_world.task).objects.filter(pk=due_world.task.pk).update(due_date=due + D(days=30))
    assert jobs.run("inspections.tasks", due + D(days=28))["sent"] == 1


@pytest.mark.django_db
def test_it_skips_closed_tasks(due_world):
    type(due_world.task).objects.filter(pk=due_world.task.pk).update(status="closed")
    assert jobs.run("inspections.tasks", due_world.due)["sent"] == 0


@pytest.mark.django_db
def test_it_claims_the_key_before_anything_is_stored(due_world):
    user = due_world.cast.user("county1_secretary")
    reminder = Reminder(recipient=user, obj=due_world.task, kind="k", threshold="t", title="x")
    assert claim_and_store(reminder) is not None
    assert claim_and_store(reminder) is None  # a second worker with the same key
    assert Notification.objects.filter(kind="k").count() == 1
    assert Delivery.objects.filter(kind="k").count() == 1


@pytest.mark.django_db
def test_it_emails_once_and_keeps_the_inbox_copy(due_world, django_capture_on_commit_callbacks):
    user = due_world.cast.user("county1_secretary")
    user.email = "sec@example.gov.cn"
    user.save()
    reminder = Reminder(
        recipient=user, obj=due_world.task, kind="k", threshold="t", title="标题", body="内情"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = deliver([reminder, reminder])
    assert (result.sent, result.external["email_queued"]) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver([reminder]).skipped == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sec@example.gov.cn"]
    # A short title and a link, never the body.
    assert mail.outbox[0].subject == "标题" and "内情" not in mail.outbox[0].body
    assert "/notifications/" in mail.outbox[0].body
    dispatch = Dispatch.objects.get(channel="email")
    assert (dispatch.state, dispatch.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_it_respects_the_daily_digest_preference(due_world, django_capture_on_commit_callbacks):
    from notifications.models import NotificationPreference

    user = due_world.cast.user("county1_secretary")
    user.email = "sec@example.gov.cn"
    user.save()
    NotificationPreference.objects.create(user=user, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run("inspections.tasks", due_world.due - D(days=2))
    assert mail.outbox == []
    # The digest for the next day carries it, once.
    Notification.objects.update(created_at=_aware(due_world.due - D(days=2)))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("notifications.digest", due_world.due - D(days=1))["queued"] == 1
        assert jobs.run("notifications.digest", due_world.due - D(days=1))["skipped"] == 1
    assert len(mail.outbox) == 1
    title = Notification.objects.get().title
    assert f"· {title}" in mail.outbox[0].body
    assert Dispatch.objects.get().digest_day == due_world.due - D(days=1)


def _aware(day):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.mark.django_db
def test_it_a_pending_external_copy_is_sent_by_the_sweep(
    due_world, django_capture_on_commit_callbacks
):
    """A process killed between the commit and the enqueue leaves the row pending; the
    sweep (every few minutes, and `run_job notifications.pending`) sends it, once."""
    user = due_world.cast.user("county1_secretary")
    user.email = "sec@example.gov.cn"
    user.save()
    reminder = Reminder(recipient=user, obj=due_world.task, kind="k", threshold="t", title="x")
    claim_and_store(reminder)  # committed; the process "dies" before its on-commit enqueue
    assert mail.outbox == []
    assert Dispatch.objects.get().state == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("notifications.pending", due_world.due)["requeued"] == 0  # not yet lost
    Dispatch.objects.update(updated_at=timezone.now() - D(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("notifications.pending", due_world.due)["requeued"] == 1
        assert jobs.run("notifications.pending", due_world.due)["requeued"] == 0
    assert len(mail.outbox) == 1
    assert Dispatch.objects.get().state == "sent"


@pytest.mark.django_db
def test_it_a_failing_gateway_does_not_stop_the_job(
    due_world, settings, django_capture_on_commit_callbacks
):
    from notifications.models import NotificationPreference

    settings.NOTIFICATION_CHANNELS = {"boom": "tests.notifications.gateways.BoomChannel"}
    user = due_world.cast.user("county1_secretary")
    NotificationPreference.objects.create(user=user, channels=["boom"])
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs.run("inspections.tasks", due_world.due - D(days=2))
    assert result["sent"] == 1 and result["boom_queued"] == 1
    dispatch = Dispatch.objects.get(channel="boom")
    assert (dispatch.state, dispatch.attempts) == ("pending", 1)  # tried again later
    assert "gateway unreachable" in dispatch.last_error


@pytest.mark.django_db
def test_it_reminds_items_yellow_then_red_without_a_log(item_world):
    due = item_world.due
    secretary = item_world.cast.user("county1_secretary")
    assert jobs.run("responsibilities.items", due - D(days=11))["sent"] == 0
    assert jobs.run("responsibilities.items", due - D(days=10))["sent"] == 1
    assert jobs.run("responsibilities.items", due - D(days=3))["sent"] == 0
    assert jobs.run("responsibilities.items", due + D(days=1))["sent"] == 1
    levels = sorted(
        Notification.objects.filter(recipient=secretary).values_list("level", flat=True)
    )
    assert levels == ["red", "yellow"]


@pytest.mark.django_db
def test_it_does_not_remind_an_item_that_has_its_log(item_world):
    from tests.responsibilities.dutyfix import make_log

    log = make_log(item_world.duty, submit=True)
    log.items.add(item_world.item)
    assert jobs.run("responsibilities.items", item_world.due - D(days=5))["sent"] == 0


@pytest.mark.django_db
def test_it_run_job_command_takes_a_date(due_world, capsys):
    from django.core.management import call_command

    day = (due_world.due - D(days=2)).isoformat()
    call_command("run_job", "inspections.tasks", "--date", day)
    call_command("run_job", "inspections.tasks", "--date", day)
    out = capsys.readouterr().out
    assert '"sent": 1' in out and '"skipped": 1' in out
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_it_run_job_refuses_unknown_names():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("run_job", "no.such.job")


def test_it_every_beat_entry_names_a_registered_task():
    from django.conf import settings

    from liangge_zeren.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        task = app.tasks[entry["task"]]
        if entry["task"].endswith(("remind_duty_items", "remind_rectification_tasks")):
            assert task.acks_late and task.retry_backoff


def test_it_every_registered_job_has_a_beat_entry(monkeypatch):
    """A job nobody schedules never runs (the 意见回复 reminders had no beat entry)."""
    from django.conf import settings

    from liangge_zeren.celery import app
    from notifications import jobs, outbox

    app.loader.import_default_modules()
    started: list[str] = []
    monkeypatch.setattr(
        jobs, "run_on", lambda name, day=None, shard=None: started.append(name) or {}
    )
    monkeypatch.setattr(outbox, "sweep", lambda: started.append("notifications.pending") or {})
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        task = app.tasks[entry["task"]]
        if task.name in (
            "security.tasks.prune_audit_log",
            "responsibilities.tasks.resync_org_tree",
        ):
            continue  # maintenance, not jobs: they prune the audit log, repair tree paths
        task.run()
    assert set(jobs.discover()) <= set(started), set(jobs.discover()) - set(started)


def test_it_reminder_jobs_run_at_staggered_times():
    from django.conf import settings

    times = [
        (tuple(e["schedule"].hour), tuple(e["schedule"].minute))
        for n, e in settings.CELERY_BEAT_SCHEDULE.items()
        if n.startswith(("remind-", "escalate-"))
    ]
    assert len(times) >= 7 and len(set(times)) == len(times)


# --- Escalation ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_escalates_once_per_threshold_one_level_further_up(due_world):
    cast, due = due_world.cast, due_world.due
    city_sec, city_jw = cast.user("city1_secretary"), cast.user("city1_jw")
    prov_sec, prov_jw = cast.user("prov_secretary"), cast.user("prov_jw")

    assert jobs.run("inspections.escalate_tasks", due + D(days=6))["sent"] == 0
    assert jobs.run("inspections.escalate_tasks", due + D(days=7))["sent"] == 2  # city 1
    assert jobs.run("inspections.escalate_tasks", due + D(days=8))["sent"] == 0
    assert jobs.run("inspections.escalate_tasks", due + D(days=29))["sent"] == 0
    assert jobs.run("inspections.escalate_tasks", due + D(days=30))["sent"] == 2  # province
    assert jobs.run("inspections.escalate_tasks", due + D(days=40))["sent"] == 0

    for user in (city_sec, city_jw, prov_sec, prov_jw):
        assert (
            Notification.objects.filter(
                recipient=user, kind="rectification_task_escalation"
            ).count()
            == 1
        )
    # The county's own people and the sibling county are not escalation targets.
    for name in ("county1_secretary", "county2_secretary", "county1_jw"):
        assert not Notification.objects.filter(
            recipient=cast.user(name), level="escalation"
        ).exists()
    notices = SupervisionNotice.objects.order_by("pk")
    assert notices.count() == 4
    assert {n.superior_path for n in notices} == {cast.city1.path, cast.province.path}
    assert all(n.org_path == cast.county1.path for n in notices)
    assert len({n.number for n in notices}) == 4


@pytest.mark.django_db
def test_it_jumps_straight_to_every_crossed_threshold_after_downtime(due_world):
    """A job that did not run for weeks sends each crossed level once, not one per missed day."""
    assert jobs.run("inspections.escalate_tasks", due_world.due + D(days=45))["sent"] == 4
    assert jobs.run("inspections.escalate_tasks", due_world.due + D(days=46))["sent"] == 0


@pytest.mark.django_db
def test_it_stops_escalating_once_the_task_is_closed(due_world):
    type(due_world.task).objects.filter(pk=due_world.task.pk).update(status="closed")
    assert jobs.run("inspections.escalate_tasks", due_world.due + D(days=30))["sent"] == 0


@pytest.mark.django_db
def test_it_escalates_overdue_items_and_can_skip_the_notice(item_world, settings):
    settings.REMINDERS = {**settings.REMINDERS, "SUPERVISION_NOTICES": False}
    assert jobs.run("responsibilities.escalate_items", item_world.due + D(days=7))["sent"] == 2
    assert SupervisionNotice.objects.count() == 0
    assert Notification.objects.filter(recipient=item_world.cast.user("city1_secretary")).exists()


@pytest.mark.django_db
def test_it_the_reminders_job_runs_every_reminder_rule(due_world):
    result = jobs.run("reminders", due_world.due + D(days=7))
    assert {"inspections.tasks", "inspections.escalate_tasks", "responsibilities.items"} <= set(
        result
    )
    assert result["inspections.tasks"]["sent"] == 1
    assert result["inspections.escalate_tasks"]["sent"] == 2


@pytest.mark.django_db
def test_it_a_run_can_be_limited_to_a_subtree(due_world):
    cast, day = due_world.cast, due_world.due - D(days=2)
    assert jobs.run("inspections.tasks", day, under=cast.county2.path)["sent"] == 0
    assert jobs.run("inspections.tasks", day, under=cast.city1.path)["sent"] == 1
