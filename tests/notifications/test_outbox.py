"""The outbox: each external message once — across repeated tasks, retries, quiet hours,
changed minds, lost tasks and killed workers — and only to people who may still see it."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications import gate, jobs, outbox
from notifications.models import Dispatch, Notification, NotificationPreference
from notifications.services import Reminder, deliver, notify
from notifications.tasks import send_dispatch
from tests.notifications.conftest import prefer
from tests.notifications.stubs import errcode

pytestmark = pytest.mark.django_db

T = datetime.time


def _at(hour, minute=0, day=datetime.date(2026, 5, 6)):
    return timezone.make_aware(datetime.datetime.combine(day, T(hour, minute)))


def test_it_quiet_hours_may_span_midnight():
    pref = NotificationPreference(quiet_start=T(22), quiet_end=T(7))
    assert pref.quiet_until(_at(23)) == _at(7, day=datetime.date(2026, 5, 7))
    assert pref.quiet_until(_at(6, 59)) == _at(7)
    assert pref.quiet_until(_at(7)) is None
    assert pref.quiet_until(_at(12)) is None
    lunch = NotificationPreference(quiet_start=T(12), quiet_end=T(14))
    assert lunch.quiet_until(_at(13)) == _at(14)
    assert lunch.quiet_until(_at(11, 59)) is None
    assert NotificationPreference(quiet_start=T(8), quiet_end=T(8)).quiet_until(_at(8)) is None


def test_it_the_backoff_doubles_and_is_capped(settings):
    settings.NOTIFY_DELIVERY = {
        **settings.NOTIFY_DELIVERY,
        "RETRY_BASE_SECONDS": 30,
        "RETRY_MAX_SECONDS": 600,
    }
    for attempts, base in ((1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (9, 600)):
        delay = outbox.retry_delay(attempts)
        assert base <= delay <= base * 1.2, (attempts, delay)


def test_it_a_task_that_runs_again_sends_nothing_again(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "一条消息")
    dispatch = Dispatch.objects.get()
    for _ in range(3):  # a duplicated broker message, a redelivery, the sweep…
        assert send_dispatch.delay(dispatch.pk).get() == {"dispatch": dispatch.pk, "state": "sent"}
    assert len(wecom.delivered) == 1
    assert Dispatch.objects.get().attempts == 1


def test_it_a_row_another_worker_is_sending_is_left_alone(cast, wecom):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    note = notify(user, "一条消息")  # on-commit never runs here: nothing sent yet
    dispatch = Dispatch.objects.get(notification=note)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        state="sending", attempts=1, lease_until=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert outbox.attempt(dispatch.pk).state == "sending"
    assert outbox.sweep()["abandoned"] == 0
    assert wecom.requests == []


def test_it_retries_end_in_failed_after_the_last_attempt(
    cast, wecom, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_DELIVERY = {**settings.NOTIFY_DELIVERY, "MAX_ATTEMPTS": 3}
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    wecom.script = [errcode(-1, "system busy")] * 5
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "一条消息")
    waits = []
    dispatch = Dispatch.objects.get()
    while dispatch.state == "pending":
        waits.append((dispatch.not_before - timezone.now()).total_seconds())
        Dispatch.objects.filter(pk=dispatch.pk).update(not_before=None)
        outbox.attempt(dispatch.pk)
        dispatch.refresh_from_db()
    assert (dispatch.state, dispatch.attempts) == ("failed", 3)
    assert len(waits) == 2 and waits[1] > waits[0] * 1.5  # exponential
    assert wecom.delivered == []


def test_it_quiet_hours_hold_messages_until_they_end(
    cast, wecom, django_capture_on_commit_callbacks, monkeypatch
):
    user = cast.user("county1_secretary")
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    prefer(user, "wecom", wecom_userid="zhangsan", quiet_start=start, quiet_end=end)
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "深夜的督办")
    dispatch = Dispatch.objects.get()
    assert dispatch.state == "held" and dispatch.not_before > timezone.now()
    assert Notification.objects.filter(pk=note.pk).exists()  # the inbox is never held
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep()["released"] == 0
    assert wecom.requests == []

    later = dispatch.not_before + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep()["released"] == 1
    dispatch.refresh_from_db()
    assert dispatch.state == "sent" and len(wecom.delivered) == 1


def test_it_a_channel_switched_off_meanwhile_cancels_the_held_message(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    pref = prefer(user, "wecom", wecom_userid="zhangsan")
    note = notify(user, "一条消息")
    pref.channels = []
    pref.save()
    with django_capture_on_commit_callbacks(execute=True):
        send_dispatch.delay(Dispatch.objects.get(notification=note).pk)
    dispatch = Dispatch.objects.get()
    assert dispatch.state == "cancelled" and dispatch.attempts == 0
    assert wecom.requests == []


@pytest.fixture
def deny_tasks():
    """A check as a later app registers one: nobody may receive messages about tasks."""
    from inspections.models import RectificationTask

    def may_receive(recipient, obj):
        return not isinstance(obj, RectificationTask)

    gate.register(may_receive)
    yield may_receive
    gate.unregister(may_receive)


def test_it_the_one_hand_over_asks_may_receive_at_the_moment_of_sending(
    due_world, wecom, django_capture_on_commit_callbacks, deny_tasks
):
    user = due_world.cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    gate.unregister(deny_tasks)
    note = notify(user, "关于整改任务", obj=due_world.task)  # stored while still allowed
    about_nothing = notify(user, "一般通知")
    gate.register(deny_tasks)  # access lost before the message goes out
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(Dispatch.objects.values_list("pk", flat=True))
    states = dict(Dispatch.objects.values_list("notification_id", "state"))
    assert states == {note.pk: "withheld", about_nothing.pk: "sent"}
    assert [d["title"] for d in wecom.delivered] == ["一般通知"]


def test_it_reminders_about_objects_the_recipient_may_not_see_are_not_stored(due_world, deny_tasks):
    user = due_world.cast.user("county1_secretary")
    reminder = Reminder(recipient=user, obj=due_world.task, kind="k", threshold="t", title="x")
    result = deliver([reminder])
    assert (result.sent, result.external["withheld"]) == (0, 1)
    assert not Notification.objects.exists()
    gate.unregister(deny_tasks)  # access given: the next run sends it
    assert deliver([reminder]).sent == 1


def test_it_withholds_a_message_about_an_undeclared_kind_of_object(due_world):
    """Every app declares what a message may be about (notifications.gate.subject); an
    object of a model nobody declared is never messaged (issue 14)."""
    from django.contrib.contenttypes.models import ContentType

    user = due_world.cast.user("county1_secretary")
    task = (ContentType.objects.get_for_model(due_world.task).pk, due_world.task.pk)
    account = (ContentType.objects.get_for_model(user).pk, user.pk)
    assert gate.allowed_subjects(user, [task, account]) == {task}
    assert gate.access(user, user) is gate.Access.NONE
    assert notify(user, "关于账号", obj=user) is None


def test_it_the_digest_leaves_out_what_the_person_may_no_longer_see(
    due_world, django_capture_on_commit_callbacks, deny_tasks
):
    user = due_world.cast.user("county1_secretary")
    user.email = "sec@example.gov.cn"
    user.save()
    NotificationPreference.objects.create(user=user, daily_digest=True)
    gate.unregister(deny_tasks)
    notify(user, "关于整改任务", obj=due_world.task)
    notify(user, "一般通知")
    gate.register(deny_tasks)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("notifications.digest", tomorrow) == {"queued": 1, "skipped": 0}
    assert len(mail.outbox) == 1
    assert "一般通知" in mail.outbox[0].body and "整改任务" not in mail.outbox[0].body


def _killed_mid_send(dispatch, minutes_ago=5):
    """As a SIGKILLed worker leaves it: claimed (sending, attempt 1), lease run out."""
    past = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        state="sending", attempts=1, first_attempt_at=past, lease_until=past
    )


def test_it_a_send_cut_off_by_a_killed_worker_is_never_repeated_without_a_dedup_key(
    cast, dingtalk, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "dingtalk", mobile="13800000001")
    dispatch = Dispatch.objects.get(notification=notify(user, "一条消息"))
    _killed_mid_send(dispatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep()["abandoned"] == 1
    dispatch.refresh_from_db()
    assert dispatch.state == "unknown" and "结果未知" in dispatch.last_error
    assert dingtalk.requests == []  # it may have arrived before the kill: not sent twice
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep()["abandoned"] == 0


def test_it_a_send_cut_off_by_a_killed_worker_is_repeated_where_the_vendor_drops_repeats(
    cast, wecom, django_capture_on_commit_callbacks
):
    from notifications.wecom import WeComChannel

    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    dispatch = Dispatch.objects.get(notification=notify(user, "一条消息"))
    # The killed worker's request had reached the vendor.
    message, _subjects = outbox.compose(dispatch)
    WeComChannel().send(message, "zhangsan")
    _killed_mid_send(dispatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep()["abandoned"] == 1
    dispatch.refresh_from_db()
    assert (dispatch.state, dispatch.attempts) == ("sent", 2)
    assert len([r for r in wecom.requests if r.path.endswith("/send")]) == 2
    assert len(wecom.delivered) == 1  # exactly once


def test_it_an_operator_may_send_a_failed_message_again(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="nobody")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "一条消息")
    assert Dispatch.objects.get().state == "failed"
    wecom.config.users.add("nobody")  # the administrator fixed the account
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue(Dispatch.objects.values_list("pk", flat=True)) == 1
    assert Dispatch.objects.get().state == "sent"
    assert len(wecom.delivered) == 1
