"""Sending reminders exactly once.

`deliver(reminders)` is what every job calls. Reminders are claimed in batches:

1. one transaction per batch inserts the batch's `Delivery` keys (recipient, object, kind,
   threshold) — a unique constraint — with `INSERT … ON CONFLICT DO NOTHING RETURNING`, and
   writes the inbox `Notification` (and the 督办单 for an escalation) for exactly the keys the
   INSERT returned. A key that exists (a re-run, a retry, a second worker that got there
   first) is not returned, so nothing is written for it: each in-app reminder exists exactly
   once, or not at all if the process died before the commit (then the next run sends it).
   On PostgreSQL a second worker inserting the same key waits for the first one's commit and
   then skips it; on SQLite writers are serialised. Keys are inserted in sorted order so two
   workers never deadlock.
2. after the commit, external channels (e-mail, gateways) are claimed one by one with a
   conditional UPDATE (pending → sending) and sent. A process killed between the commit and
   the claim leaves deliveries `pending`; the next run of the job (or the pending sweep) sends
   them. A process killed while sending leaves one `sending` and it is not retried: external
   channels are at most once, never twice.

`claim_and_store(reminder)` is the same claim for one reminder.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from notifications.channels import configured_channels
from notifications.models import (
    Delivery,
    Level,
    Notification,
    NotificationPreference,
    SupervisionNotice,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """The 督办单 to generate with an escalation reminder."""

    org_path: str
    superior_path: str
    overdue_days: int
    body: str


@dataclass(frozen=True)
class Reminder:
    recipient: object  # a user
    obj: models.Model
    kind: str
    threshold: str
    title: str
    body: str = ""
    link: str = ""
    org_path: str = ""
    level: str = Level.INFO
    notice: Notice | None = None

    def key(self) -> tuple:
        return (
            self.recipient.pk,
            self.obj._meta.label_lower,
            self.obj.pk,
            self.kind,
            self.threshold,
        )


@dataclass
class JobResult:
    sent: int = 0
    skipped: int = 0
    external: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "skipped": self.skipped, **dict(self.external)}


def _content_type(obj) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def _notice_number(delivery: Delivery, day: datetime.date) -> str:
    return f"DB-{day:%Y%m%d}-{delivery.pk:06d}"


def claim_and_store(
    reminder: Reminder, *, job: str = "", day=None, channels_for=None
) -> Notification | None:
    """Step 1: key + inbox row in one transaction; None when the key was already claimed."""
    ct = _content_type(reminder.obj)
    day = day or timezone.localdate()
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                recipient=reminder.recipient,
                content_type=ct,
                object_id=reminder.obj.pk,
                kind=reminder.kind,
                threshold=reminder.threshold,
                job=job,
            )
            notification = Notification.objects.create(
                recipient=reminder.recipient,
                delivery=delivery,
                kind=reminder.kind,
                level=reminder.level,
                title=reminder.title[:200],
                body=reminder.body,
                link=reminder.link,
                content_type=ct,
                object_id=reminder.obj.pk,
                org_path=reminder.org_path,
            )
            if reminder.notice is not None:
                SupervisionNotice.objects.create(
                    number=_notice_number(delivery, day),
                    delivery=delivery,
                    addressee=reminder.recipient,
                    content_type=ct,
                    object_id=reminder.obj.pk,
                    org_path=reminder.notice.org_path,
                    superior_path=reminder.notice.superior_path,
                    title=reminder.title[:200],
                    body=reminder.notice.body,
                    overdue_days=reminder.notice.overdue_days,
                    issued_on=day,
                )
            if (channels_for or _external_channels_for)(reminder.recipient):
                delivery.external_state = Delivery.External.PENDING
                delivery.save(update_fields=["external_state"])
    except IntegrityError:
        return None
    return notification


def _preference(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()


def _external_channels_for(user, preference=...) -> list:
    if preference is ...:
        preference = _preference(user)
    return [c for c in configured_channels() if c.wants(user, preference)]


def claim_external(delivery_id: int) -> bool:
    """Conditional UPDATE pending → sending: only one process sends the external copies."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, external_state=Delivery.External.PENDING).update(
            external_state=Delivery.External.SENDING, external_at=timezone.now()
        )
    )


def send_external(notification: Notification, channels_for=None) -> dict[str, str]:
    """Step 2: the external channels of one stored notification, if this process claims it."""
    if notification.delivery_id is None or not claim_external(notification.delivery_id):
        return {}
    user = notification.recipient
    results = {}
    for channel in (channels_for or _external_channels_for)(user):
        try:
            channel.send(notification, user)
            results[channel.name] = "sent"
        except Exception as exc:  # a gateway failure must not stop the job
            log.warning(
                "channel %s failed for notification %s: %s", channel.name, notification.pk, exc
            )
            results[channel.name] = f"failed: {exc}"[:200]
    failed = any(v != "sent" for v in results.values())
    Delivery.objects.filter(pk=notification.delivery_id).update(
        external_state=Delivery.External.FAILED if failed else Delivery.External.SENT,
        external_channels=results,
        external_at=timezone.now(),
    )
    return results


def send_pending_external(limit: int = 1000) -> int:
    """Deliveries whose process died between the commit and the external claim."""
    count = 0
    pending = (
        Notification.objects.filter(delivery__external_state=Delivery.External.PENDING)
        .select_related("recipient")
        .order_by("pk")[:limit]
    )
    for notification in pending:
        if send_external(notification):
            count += 1
    return count


def _claimed_keys(reminders: list[Reminder], chunk: int = 1000) -> dict[tuple, tuple[int, str]]:
    """Existing delivery keys among the reminders → (delivery id, external state).

    One query per 1,000 reminders, led by the recipients so the unique key's index
    (recipient, content type, object, …) answers it."""
    found: dict[tuple, tuple[int, str]] = {}
    keys = sorted({_db_key(r) for r in reminders})
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        by_type: dict[int, set[int]] = {}
        for key in part:
            by_type.setdefault(key[1], set()).add(key[2])
        for ct_id, object_ids in by_type.items():
            for row in Delivery.objects.filter(
                recipient_id__in={k[0] for k in part},
                content_type_id=ct_id,
                object_id__in=object_ids,
                kind__in={k[3] for k in part},
            ).values_list(
                "recipient_id",
                "content_type_id",
                "object_id",
                "kind",
                "threshold",
                "pk",
                "external_state",
            ):
                found[row[:5]] = (row[5], row[6])
    return found


def _ct_id(obj) -> int:
    # ContentType's own cache, which a database flush clears; a module-level copy of the ids
    # would outlive a flushed and re-created table and point at rows that no longer exist.
    return _content_type(obj).pk


def _db_key(reminder: Reminder) -> tuple:
    """The reminder's key as stored: (recipient id, content type id, object id, kind, threshold)."""
    return (
        reminder.recipient.pk,
        _ct_id(reminder.obj),
        reminder.obj.pk,
        reminder.kind,
        reminder.threshold,
    )


def claim_batch_size() -> int:
    """Reminders claimed per transaction (NOTIFICATION_CLAIM_BATCH, default 1,000)."""
    # At most 2,000: a batch is one statement, and SQLite takes at most 32,766 parameters.
    return max(1, min(2000, int(getattr(settings, "NOTIFICATION_CLAIM_BATCH", 1000))))


def _insert(model, values: list[dict], *, conflict: str = "", returning: str = "") -> list:
    """One multi-row INSERT of `values` (attname → value; the other columns get their
    defaults), optionally ON CONFLICT … and RETURNING … (PostgreSQL, SQLite ≥ 3.35). Plain SQL
    instead of `bulk_create`: no model instance per row, and RETURNING gives exactly the rows
    that went in."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = [f for f in fields if f.attname in values[0]]
    defaulted = [f for f in fields if f.attname not in values[0]]
    defaults = []
    for f in defaulted:
        default = f.get_default()
        defaults.append(json.dumps(default) if isinstance(default, dict | list) else default)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in given + defaulted)
    marks = "(" + ", ".join(["%s"] * (len(given) + len(defaulted))) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES {', '.join([marks] * len(values))} {conflict}"
    )
    if returning:
        sql += f" RETURNING {returning}"
    params: list = []
    for row in values:
        params.extend([row[f.attname] for f in given])
        params.extend(defaults)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


@dataclass
class Claimed:
    """What one batch claimed: how many reminders it stored, and the stored notifications
    that still have external channels to go (delivery external state `pending`)."""

    stored: int = 0
    pending: list[Notification] = field(default_factory=list)


def claim_batch(
    reminders: list[Reminder], *, job: str = "", day=None, channels_for=None
) -> Claimed:
    """Step 1 for many reminders in ONE transaction: claim the keys, store the inbox rows (and
    督办单) of the keys this call claimed — not those another run or worker holds."""
    result = Claimed()
    if not reminders:
        return result
    day = day or timezone.localdate()
    channels_for = channels_for or _external_channels_for
    # Sorted keys: two workers lock keys in the same order, so they can wait, never deadlock.
    keyed = sorted(((_db_key(r), r) for r in reminders), key=lambda pair: pair[0])
    now = timezone.now()
    # As the ORM would store it (SQLite: naive UTC text), once for every row of the batch.
    stamp = Delivery._meta.get_field("claimed_at").get_db_prep_save(now, connection)
    pending = Delivery.External.PENDING
    states = [pending if channels_for(r.recipient) else Delivery.External.NONE for _k, r in keyed]
    with transaction.atomic():
        rows = _insert(
            Delivery,
            [
                {
                    "recipient_id": key[0],
                    "content_type_id": key[1],
                    "object_id": key[2],
                    "kind": key[3],
                    "threshold": key[4],
                    "job": job,
                    "claimed_at": stamp,
                    "external_state": state,
                }
                for (key, _r), state in zip(keyed, states, strict=True)
            ],
            conflict="ON CONFLICT DO NOTHING",
            returning="id, recipient_id, content_type_id, object_id, kind, threshold",
        )
        if not rows:
            return result
        claimed = {tuple(row[1:]): row[0] for row in rows}
        mine = [
            (claimed[key], reminder, state)
            for (key, reminder), state in zip(keyed, states, strict=True)
            if key in claimed
        ]
        ids = _insert(
            Notification,
            [
                {
                    "recipient_id": r.recipient.pk,
                    "delivery_id": delivery_id,
                    "kind": r.kind,
                    "level": r.level,
                    "title": r.title[:200],
                    "body": r.body,
                    "link": r.link,
                    "content_type_id": _ct_id(r.obj),
                    "object_id": r.obj.pk,
                    "org_path": r.org_path,
                    "created_at": stamp,
                }
                for delivery_id, r, _state in mine
            ],
            returning="id, delivery_id",
        )
        notification_ids = {delivery_id: pk for pk, delivery_id in ids}
        notices = [
            SupervisionNotice(
                number=_notice_number(Delivery(pk=delivery_id), day),
                delivery_id=delivery_id,
                addressee=r.recipient,
                content_type_id=_ct_id(r.obj),
                object_id=r.obj.pk,
                org_path=r.notice.org_path,
                superior_path=r.notice.superior_path,
                title=r.title[:200],
                body=r.notice.body,
                overdue_days=r.notice.overdue_days,
                issued_on=day,
            )
            for delivery_id, r, _state in mine
            if r.notice is not None
        ]
        if notices:
            SupervisionNotice.objects.bulk_create(notices)
    result.stored = len(mine)
    for delivery_id, r, state in mine:
        if state == pending:
            delivery = Delivery(pk=delivery_id, recipient=r.recipient, external_state=state)
            result.pending.append(
                Notification(
                    pk=notification_ids[delivery_id],
                    recipient=r.recipient,
                    delivery=delivery,
                    kind=r.kind,
                    level=r.level,
                    title=r.title[:200],
                    body=r.body,
                    link=r.link,
                    content_type_id=_ct_id(r.obj),
                    object_id=r.obj.pk,
                    org_path=r.org_path,
                    created_at=now,
                )
            )
    return result


def _send_externals(notifications: Iterable[Notification], result: JobResult, channels_for):
    for notification in notifications:
        if notification.delivery.external_state != Delivery.External.PENDING:
            continue
        for name, outcome in send_external(notification, channels_for).items():
            result.external[f"{name}_{'sent' if outcome == 'sent' else 'failed'}"] += 1


def deliver(reminders: Iterable[Reminder], *, job: str = "", day=None) -> JobResult:
    """Claim, store and send each reminder once, a batch per transaction; returns counts."""
    result = JobResult()
    channels = configured_channels()
    cache: dict[int, list] = {}

    def channels_for(user) -> list:
        if user.pk not in cache:
            cache[user.pk] = [c for c in channels if c.wants(user, _preference(user))]
        return cache[user.pk]

    def load_preferences(batch: list[Reminder]) -> None:
        # One preference query per batch instead of one per recipient.
        users = {r.recipient.pk: r.recipient for r in batch if r.recipient.pk not in cache}
        if not users or not channels:
            for pk in users:
                cache[pk] = []
            return
        prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=users)}
        for pk, user in users.items():
            cache[pk] = [c for c in channels if c.wants(user, prefs.get(pk))]

    pending, seen = [], set()
    for reminder in reminders:
        if reminder.recipient is None or reminder.key() in seen:
            continue
        seen.add(reminder.key())
        pending.append(reminder)
    # Fast path for re-runs: keys already claimed are skipped without an INSERT attempt. The
    # ON CONFLICT claim stays the guard against a concurrent worker claiming in between.
    claimed = _claimed_keys(pending)
    fresh = []
    for reminder in pending:
        if _db_key(reminder) in claimed:
            result.skipped += 1
        else:
            fresh.append(reminder)
    size = claim_batch_size()
    for start in range(0, len(fresh), size):
        batch = fresh[start : start + size]
        load_preferences(batch)
        stored = claim_batch(batch, job=job, day=day, channels_for=channels_for)
        result.sent += stored.stored
        result.skipped += len(batch) - stored.stored
        _send_externals(stored.pending, result, channels_for)
    # External copies a killed run left pending (claimed, stored, not yet sent): this run sends
    # them, each still claimed by the conditional UPDATE, so never twice.
    left = [pk for pk, state in claimed.values() if state == Delivery.External.PENDING]
    if left:
        _send_externals(
            Notification.objects.filter(delivery_id__in=left)
            .select_related("recipient", "delivery")
            .order_by("pk"),
            result,
            channels_for,
        )
    return result


def notify(
    recipient,
    title: str,
    *,
    body: str = "",
    link: str = "",
    kind: str = "message",
    level: str = Level.INFO,
    org_path: str = "",
) -> Notification:
    """A one-off inbox message (no key: for events that happen once by nature)."""
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        level=level,
        title=title[:200],
        body=body,
        link=link,
        org_path=org_path,
    )


# --- Inbox ----------------------------------------------------------------------------


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- Daily digest -----------------------------------------------------------------------


def send_digests(day: datetime.date) -> JobResult:
    """One e-mail a day to users with the digest on, listing that day's new notifications."""
    from django.core.mail import send_mail
    from django.utils.translation import gettext as _

    result = JobResult()
    start = timezone.make_aware(
        datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time.min)
    )
    end = start + datetime.timedelta(days=1)
    prefs = (
        NotificationPreference.objects.filter(daily_digest=True, email_enabled=True)
        .exclude(user__email="")
        .select_related("user")
    )
    for pref in prefs:
        items = list(
            Notification.objects.filter(
                recipient=pref.user, created_at__gte=start, created_at__lt=end
            ).values_list("title", flat=True)[:100]
        )
        if not items:
            continue
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    recipient=pref.user,
                    content_type=_content_type(pref),
                    object_id=pref.pk,
                    kind="daily_digest",
                    threshold=day.isoformat(),
                    job="notifications.digest",
                    external_state=Delivery.External.SENDING,
                )
        except IntegrityError:
            result.skipped += 1
            continue
        send_mail(
            _("每日提醒汇总(%(day)s)") % {"day": day.isoformat()},
            "\n".join(f"· {title}" for title in items),
            None,
            [pref.user.email],
        )
        Delivery.objects.filter(
            recipient=pref.user, kind="daily_digest", threshold=day.isoformat()
        ).update(external_state=Delivery.External.SENT, external_at=timezone.now())
        result.sent += 1
    return result
