"""Sending reminders exactly once.

`deliver(reminders)` is what every job calls. For each `Reminder`:

1. one transaction inserts the `Delivery` key (recipient, object, kind, threshold) — a unique
   constraint — *and* the inbox `Notification` (and the 督办单 for an escalation). If the
   key exists (a re-run, a retry, a second worker that got there first) the insert fails and
   nothing is written: the in-app reminder exists exactly once, or not at all if the process
   died before the commit (then the next run sends it).
2. after the commit, external channels (e-mail, gateways) are claimed with a conditional
   UPDATE (pending → sending) and sent. A process killed between the commit and the claim
   leaves the delivery `pending`; the next run sends it. A process killed while sending
   leaves it `sending` and it is not retried: external channels are at most once, never twice.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
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


def _claimed_keys(reminders: list[Reminder], chunk: int = 500) -> set[tuple]:
    """Existing delivery keys among the reminders' objects (one query per 500 objects)."""
    by_type: dict[int, set[int]] = {}
    kinds = {r.kind for r in reminders}
    for r in reminders:
        by_type.setdefault(_content_type(r.obj).pk, set()).add(r.obj.pk)
    found = set()
    for ct_id, ids in by_type.items():
        ids = sorted(ids)
        for start in range(0, len(ids), chunk):
            found.update(
                Delivery.objects.filter(
                    content_type_id=ct_id, object_id__in=ids[start : start + chunk], kind__in=kinds
                ).values_list("recipient_id", "content_type_id", "object_id", "kind", "threshold")
            )
    return found


def deliver(reminders: Iterable[Reminder], *, job: str = "", day=None) -> JobResult:
    """Claim, store and send each reminder once; returns counts (sent / skipped)."""
    result = JobResult()
    seen = set()
    channels = configured_channels()
    cache: dict[int, list] = {}

    def channels_for(user) -> list:
        # One preference lookup per recipient per run.
        if user.pk not in cache:
            preference = _preference(user)
            cache[user.pk] = [c for c in channels if c.wants(user, preference)]
        return cache[user.pk]

    pending = []
    for reminder in reminders:
        if reminder.recipient is None or reminder.key() in seen:
            continue
        seen.add(reminder.key())
        pending.append(reminder)
    # Fast path for re-runs: keys already claimed are skipped without an INSERT attempt. The
    # unique constraint stays the guard against a concurrent worker claiming in between.
    claimed = _claimed_keys(pending)
    for reminder in pending:
        ct_key = (reminder.recipient.pk, _content_type(reminder.obj).pk, reminder.obj.pk)
        if (*ct_key, reminder.kind, reminder.threshold) in claimed:
            result.skipped += 1
            continue
        notification = claim_and_store(reminder, job=job, day=day, channels_for=channels_for)
        if notification is None:
            result.skipped += 1
            continue
        result.sent += 1
        for name, outcome in send_external(notification, channels_for).items():
            result.external[f"{name}_{'sent' if outcome == 'sent' else 'failed'}"] += 1
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
