"""Migrating an existing database: the old Delivery.external_* record moves into the outbox
(notifications 0002–0004) and nothing is lost; 督办 messages already in inboxes are grouped."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "notifications"]


def _legacy(apps):
    """Deliveries as the old code left them, one of each external state."""
    User = apps.get_model("auth", "User")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Delivery = apps.get_model("notifications", "Delivery")
    Notification = apps.get_model("notifications", "Notification")
    Preference = apps.get_model("notifications", "NotificationPreference")
    user = User.objects.create(username="legacy", email="legacy@example.gov.cn")
    Preference.objects.create(user=user, channels=[])
    ct = ContentType.objects.get(app_label="auth", model="user")
    at = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    cases = {
        "sent": ("sent", {"email": "sent"}),
        "failed": ("failed", {"email": "sent", "boom": "failed: gateway unreachable"}),
        "pending": ("pending", {}),
        "sending": ("sending", {}),
        "none": ("none", {}),
    }
    for i, (name, (state, results)) in enumerate(cases.items()):
        delivery = Delivery.objects.create(
            recipient=user,
            content_type=ct,
            object_id=user.pk,
            kind="k",
            threshold=name,
            external_state=state,
            external_channels=results,
            external_at=at if results else None,
        )
        Notification.objects.create(
            recipient=user,
            delivery=delivery,
            kind="k",
            level="escalation" if i < 2 else "info",
            title="【督办】10. 开展违规吃喝问题专项整治" if i < 2 else f"提醒{i}",
        )
    Delivery.objects.create(
        recipient=user,
        content_type=ct,
        object_id=user.pk,
        kind="daily_digest",
        threshold="2026-01-05",
        external_state="sent",
        external_at=at,
    )
    return user


@pytest.mark.slow  # migrates the whole project back and forth (over a minute)
@pytest.mark.django_db(transaction=True)
def test_it_the_external_record_moves_into_the_outbox_and_back():
    latest = _latest()
    try:
        user = _legacy(_migrate(BEFORE))
        apps = _migrate(latest)
        Dispatch = apps.get_model("notifications", "Dispatch")
        rows = {
            (d.notification.delivery.threshold if d.notification else "digest", d.channel): d
            for d in Dispatch.objects.select_related("notification__delivery")
        }
        assert {k: (d.state, d.attempts) for k, d in rows.items()} == {
            ("sent", "email"): ("sent", 1),
            ("failed", "email"): ("sent", 1),
            ("failed", "boom"): ("failed", 1),
            ("pending", "email"): ("pending", 0),  # the sweep sends it
            ("sending", "email"): ("unknown", 1),  # may have gone out: never twice
            ("digest", "email"): ("sent", 1),
        }
        assert rows[("failed", "boom")].last_error == "failed: gateway unreachable"
        assert rows[("digest", "email")].digest_day == datetime.date(2026, 1, 5)
        Notification = apps.get_model("notifications", "Notification")
        groups = set(Notification.objects.values_list("group", flat=True))
        assert groups == {"", "【督办】10. 开展违规吃喝问题专项整治"}
        pref = apps.get_model("notifications", "NotificationPreference").objects.get()
        assert pref.channels is None  # an empty list was never a choice

        old = _migrate(BEFORE)
        states = dict(
            old.get_model("notifications", "Delivery")
            .objects.filter(recipient_id=user.pk)
            .exclude(kind="daily_digest")
            .values_list("threshold", "external_state")
        )
        assert (states["sent"], states["failed"], states["pending"]) == (
            "sent",
            "failed",
            "pending",
        )
    finally:
        _migrate(latest)
