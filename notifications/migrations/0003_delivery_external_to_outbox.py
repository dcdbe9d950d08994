"""Delivery.external_* becomes outbox rows (Dispatch); existing 督办 messages are grouped.

Data moved: each Delivery's external record becomes Dispatch rows — one per channel it names
(sent / failed with the error), a digest's as the digest row; a delivery still `pending` gets
pending rows for the channels its recipient wants now (the outbox sweep sends them); one left
`sending` by a killed process gets "unknown" rows (it may have gone out: never sent twice).
Existing 督办 messages are grouped by their title — the repeats of issue 17 item 7. A
preference with no extra channel becomes "never chose" (the deployment's defaults apply).
"""

import datetime

from django.conf import settings
from django.db import migrations, models

INTERRUPTED = "迁移时发送中断, 结果未知"


def _wanted(user, pref, configured):
    """The channels the recipient wants now (the rule of notifications.channels, frozen)."""
    names = []
    if "email" in configured and user.email and (
        pref is None or (pref.email_enabled and not pref.daily_digest)
    ):
        names.append("email")
    chosen = (pref.channels or []) if pref is not None else []
    return names + [n for n in chosen if n in configured and n != "email"]


def _digest_row(delivery, Dispatch):
    state = "sent" if delivery.external_state == "sent" else "unknown"
    return Dispatch(
        recipient_id=delivery.recipient_id,
        channel="email",
        digest_day=datetime.date.fromisoformat(delivery.threshold),
        state=state,
        attempts=1,
        last_error="" if state == "sent" else INTERRUPTED,
        sent_at=delivery.external_at if state == "sent" else None,
    )


def _rows(delivery, note_id, pref, Dispatch, configured):
    if note_id is None:
        return [_digest_row(delivery, Dispatch)] if delivery.kind == "daily_digest" else []
    base = {"recipient_id": delivery.recipient_id, "notification_id": note_id}
    if delivery.external_channels:
        return [
            Dispatch(
                channel=name,
                state="sent" if outcome == "sent" else "failed",
                attempts=1,
                last_error="" if outcome == "sent" else str(outcome)[:500],
                sent_at=delivery.external_at if outcome == "sent" else None,
                **base,
            )
            for name, outcome in delivery.external_channels.items()
        ]
    if delivery.external_state == "pending":
        state, attempts, error = "pending", 0, ""
    else:
        state, attempts, error = "unknown", 1, INTERRUPTED
    return [
        Dispatch(channel=name, state=state, attempts=attempts, last_error=error, **base)
        for name in _wanted(delivery.recipient, pref, configured)
    ]


def to_outbox(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    Dispatch = apps.get_model("notifications", "Dispatch")
    Notification = apps.get_model("notifications", "Notification")
    Preference = apps.get_model("notifications", "NotificationPreference")
    Notification.objects.filter(level="escalation").update(group=models.F("title"))
    configured = set(getattr(settings, "NOTIFICATION_CHANNELS", {"email": ""}))
    legacy = Delivery.objects.exclude(external_state="none")
    note_ids = dict(
        Notification.objects.filter(delivery__in=legacy).values_list("delivery_id", "pk")
    )
    prefs = {p.user_id: p for p in Preference.objects.all()}
    # An empty list was written by merely opening the old page: not a choice (see 0002).
    never_chose = [p.pk for p in prefs.values() if p.channels == []]
    Preference.objects.filter(pk__in=never_chose).update(channels=None)
    rows = []
    for delivery in legacy.select_related("recipient").iterator(chunk_size=2000):
        pref = prefs.get(delivery.recipient_id)
        rows.extend(_rows(delivery, note_ids.get(delivery.pk), pref, Dispatch, configured))
    Dispatch.objects.bulk_create(rows, batch_size=1000)


def from_outbox(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    Dispatch = apps.get_model("notifications", "Dispatch")
    summary, waiting = {}, set()
    for row in Dispatch.objects.filter(notification__delivery__isnull=False).values(
        "notification__delivery_id", "channel", "state", "last_error"
    ):
        delivery_id = row["notification__delivery_id"]
        if row["state"] in ("pending", "held"):
            waiting.add(delivery_id)
            continue
        outcome = "sent" if row["state"] == "sent" else f"failed: {row['last_error']}"[:200]
        summary.setdefault(delivery_id, {})[row["channel"]] = outcome
    for delivery_id in waiting - set(summary):
        Delivery.objects.filter(pk=delivery_id).update(external_state="pending")
    for delivery_id, results in summary.items():
        failed = any(v != "sent" for v in results.values())
        Delivery.objects.filter(pk=delivery_id).update(
            external_state="failed" if failed else "sent", external_channels=results
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_outbox_channels_groups")]

    operations = [migrations.RunPython(to_outbox, from_outbox)]
