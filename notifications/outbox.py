"""The outbox: every external copy of a message (e-mail, 企业微信, 钉钉, SMS…) goes through here.

1. `plan` / `create`: in the transaction that stores the inbox message, one `Dispatch` row
   per channel the recipient wants (held until their quiet hours end, if it is quiet now).
   After the commit each due row gets its own Celery task (`notifications.tasks.send_dispatch`).
2. `attempt(dispatch_id)` — what that task runs: checks at the moment of sending that the
   person still wants the channel and is not in quiet hours, claims the row with a
   conditional UPDATE (pending → sending: one process per attempt, and the row records the
   attempt before anything leaves), hands the message over (`hand_over`: the ONE place a
   message is handed to a channel, where `notifications.gate` asks whether the recipient may
   still see what the message is about), and records the outcome.
3. Outcomes: sent; certainly not delivered → pending again with exponential backoff until
   NOTIFY_MAX_ATTEMPTS; refused → failed; may have been delivered → repeated only when the
   vendor drops repeats within a window (WeCom's duplicate check, an SMS gateway keyed on
   `${message_id}`), otherwise "unknown" — never twice.
4. `sweep` (every few minutes on the beat, and `run_job notifications.pending`): releases held
   rows whose quiet period ended, re-enqueues pending rows whose task was lost (a process
   killed between commit and enqueue, a broker outage), and settles rows left `sending` by a
   killed worker once their lease has run out (repeated where the vendor de-duplicates,
   otherwise recorded as unknown).
"""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.channels import (
    Channel,
    Message,
    NotDelivered,
    Refused,
    Uncertain,
    channel_named,
    configured_channels,
)
from notifications.gate import Subject, allowed_subjects
from notifications.models import Dispatch, Level, Notification, NotificationPreference

log = logging.getLogger(__name__)

State = Dispatch.State
DIGEST_CHANNEL = "email"
DIGEST_MAX_LINES = 100
# A retry message may reach the worker a moment before its row's not_before.
EARLY_TOLERANCE = datetime.timedelta(seconds=2)


def option(name: str, default: int) -> int:
    return int(getattr(settings, "NOTIFY_DELIVERY", {}).get(name, default))


def max_attempts() -> int:
    return max(1, option("MAX_ATTEMPTS", 6))


def lease() -> datetime.timedelta:
    """How long a sending attempt may take before the sweep treats its worker as dead."""
    return datetime.timedelta(seconds=max(1, option("LEASE_SECONDS", 120)))


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base · 2^(attempts-1), capped, with up to 20 % jitter."""
    base = option("RETRY_BASE_SECONDS", 30)
    delay: int = min(option("RETRY_MAX_SECONDS", 3600), base * 2 ** max(0, attempts - 1))
    return delay * (1 + random.random() / 5)


def absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


class Withheld(Exception):
    """The recipient may no longer see what the message is about (or it is gone)."""


# --- Which channels each recipient wants ------------------------------------------------------


class Router:
    """The configured channels and each recipient's preference (one query per batch)."""

    def __init__(self, channels: list[Channel] | None = None) -> None:
        self.channels = configured_channels() if channels is None else channels
        self._prefs: dict[int, NotificationPreference | None] = {}

    def load(self, users: Iterable[Any]) -> None:
        if not self.channels:
            return  # only the inbox: no preference decides anything
        wanted = {u.pk for u in users if u.pk not in self._prefs}
        if not wanted:
            return
        found = NotificationPreference.objects.filter(user_id__in=wanted) if self.channels else []
        by_user = {p.user_id: p for p in found}
        for pk in wanted:
            self._prefs[pk] = by_user.get(pk)

    def preference(self, user: Any) -> NotificationPreference | None:
        self.load([user])
        return self._prefs.get(user.pk)  # none loaded when no channel is configured

    def channels_for(self, user: Any) -> list[Channel]:
        preference = self.preference(user)
        return [c for c in self.channels if c.wants(user, preference)]


def new_dispatch(
    recipient: Any,
    channel: str,
    preference: NotificationPreference | None,
    now: datetime.datetime,
    **about: Any,
) -> Dispatch:
    """An unsaved row: pending, or held until the end of the recipient's quiet period."""
    quiet = preference.quiet_until(now) if preference is not None else None
    return Dispatch(
        recipient=recipient,
        channel=channel,
        state=State.HELD if quiet else State.PENDING,
        not_before=quiet,
        **about,
    )


def plan(stored: Iterable[tuple[int, Any]], router: Router) -> list[Dispatch]:
    """Rows for (notification id, recipient) pairs: one per channel the recipient wants."""
    if not router.channels:
        return []  # the inbox row is all there is (a job of 100,000 reminders asked each)
    now = timezone.now()
    rows = []
    for notification_id, recipient in stored:
        preference = router.preference(recipient)
        for channel in router.channels_for(recipient):
            rows.append(
                new_dispatch(
                    recipient, channel.name, preference, now, notification_id=notification_id
                )
            )
    return rows


def enqueue(ids: Iterable[int]) -> None:
    from notifications.tasks import send_dispatch

    for pk in ids:
        send_dispatch.delay(pk)


def _enqueue_on_commit(ids: list[int]) -> None:
    def enqueue_dispatches() -> None:
        enqueue(ids)

    transaction.on_commit(enqueue_dispatches, robust=True)


def create(rows: list[Dispatch]) -> list[Dispatch]:
    """Insert in the caller's transaction; each due row gets its task after the commit.

    If enqueueing fails (broker down) or the process dies first, the rows stay pending and
    the sweep enqueues them."""
    if not rows:
        return []
    created = Dispatch.objects.bulk_create(rows)
    due = [d.pk for d in created if d.state == State.PENDING]
    if due:
        _enqueue_on_commit(due)
    return created


def create_digest(user: Any, preference: NotificationPreference, day: datetime.date) -> bool:
    """The e-mail digest of `day` for this user, once (False: it exists already)."""
    row = new_dispatch(user, DIGEST_CHANNEL, preference, timezone.now(), digest_day=day)
    try:
        with transaction.atomic():
            create([row])
    except IntegrityError:
        return False
    return True


# --- What leaves: the message and what it is about --------------------------------------------


def digest_window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(
        datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time.min)
    )
    return start, start + datetime.timedelta(days=1)


def _compose_digest(dispatch: Dispatch) -> tuple[Message, list[Subject]]:
    day = dispatch.digest_day
    assert day is not None  # a dispatch is about a notification or a digest (a DB check)
    start, end = digest_window(day)
    items = list(
        Notification.objects.filter(
            recipient_id=dispatch.recipient_id, created_at__gte=start, created_at__lt=end
        ).values_list("title", "content_type_id", "object_id")[:DIGEST_MAX_LINES]
    )
    subjects = {(ct, obj) for _t, ct, obj in items if ct and obj}
    allowed = allowed_subjects(dispatch.recipient, subjects)
    kept = [(t, ct, obj) for t, ct, obj in items if not (ct and obj) or (ct, obj) in allowed]
    if not kept:
        raise Withheld
    message = Message(
        title=_("每日提醒汇总(%(day)s)") % {"day": day.isoformat()},
        url=absolute(reverse("notifications:inbox")),
        ref=f"lz-{dispatch.pk}",
        lines=tuple(f"· {title}" for title, _ct, _obj in kept),
    )
    return message, sorted({(ct, obj) for _t, ct, obj in kept if ct and obj})


def compose(dispatch: Dispatch) -> tuple[Message, list[Subject]]:
    """The message of a dispatch (a short title and a link) and the objects it is about."""
    if dispatch.notification_id is None:
        return _compose_digest(dispatch)
    note = dispatch.notification
    assert note is not None
    message = Message(
        title=note.title,
        url=absolute(reverse("notifications:open", args=[note.pk])),
        ref=f"lz-{dispatch.pk}",
        level_label=str(Level(note.level).label),
    )
    subjects: list[Subject] = []
    if note.content_type_id is not None and note.object_id is not None:
        subjects.append((note.content_type_id, note.object_id))
    return message, subjects


def hand_over(
    channel: Channel, recipient: Any, address: str, message: Message, subjects: list[Subject]
) -> str:
    """THE one place a message is handed to a channel for a recipient.

    Asks `notifications.gate` (the `may_receive` checks later apps register) whether the
    recipient may still see every object the message is about, at the moment of sending."""
    if subjects and allowed_subjects(recipient, subjects) != set(subjects):
        raise Withheld
    return channel.send(message, address)


# --- One attempt --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What `attempt` left: the row's state, and in how many seconds to try again (if)."""

    state: str
    retry_in: float | None = None


def _update(dispatch: Dispatch, expect: str, **fields: Any) -> bool:
    """Conditional UPDATE: only if the row is still in `expect` at the attempt we know."""
    fields.setdefault("updated_at", timezone.now())
    return bool(
        Dispatch.objects.filter(pk=dispatch.pk, state=expect, attempts=dispatch.attempts).update(
            **fields
        )
    )


def _finish(dispatch: Dispatch, state: str, error: str = "", **fields: Any) -> Attempt:
    _update(
        dispatch, State.SENDING, state=state, last_error=error[:500], lease_until=None, **fields
    )
    return Attempt(state)


def _retry_or_fail(dispatch: Dispatch, error: str, now: datetime.datetime) -> Attempt:
    if dispatch.attempts >= max_attempts():
        return _finish(dispatch, State.FAILED, error)
    delay = retry_delay(dispatch.attempts)
    not_before = now + datetime.timedelta(seconds=delay)
    _finish(dispatch, State.PENDING, error, not_before=not_before)
    return Attempt(State.PENDING, retry_in=delay)


def may_repeat(dispatch: Dispatch, channel: Channel | None, now: datetime.datetime) -> bool:
    """Whether a send that may have arrived can be repeated: the vendor drops a repeat within
    `dedup_seconds` of the first attempt, and the next try (after the longest backoff and a
    lease) still falls inside that window."""
    if channel is None or not channel.dedup_seconds or dispatch.first_attempt_at is None:
        return False
    window_end = dispatch.first_attempt_at + datetime.timedelta(seconds=channel.dedup_seconds)
    latest_try = now + datetime.timedelta(seconds=option("RETRY_MAX_SECONDS", 3600)) + lease()
    return latest_try < window_end and dispatch.attempts < max_attempts()


def _claim(dispatch: Dispatch, now: datetime.datetime) -> bool:
    claimed = _update(
        dispatch,
        State.PENDING,
        state=State.SENDING,
        attempts=F("attempts") + 1,
        lease_until=now + lease(),
        first_attempt_at=Coalesce("first_attempt_at", now),
    )
    if claimed:
        dispatch.attempts += 1
        dispatch.first_attempt_at = dispatch.first_attempt_at or now
    return claimed


def _uncertain(
    dispatch: Dispatch, channel: Channel, exc: Exception, now: datetime.datetime
) -> Attempt:
    """It may have arrived: repeat only inside the vendor's de-duplication window."""
    error = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, Uncertain):  # a fault of ours, after the request may have left
        log.exception("dispatch %s: unexpected error", dispatch.pk)
    if may_repeat(dispatch, channel, now):
        return _retry_or_fail(dispatch, error, now)
    return _finish(dispatch, State.UNKNOWN, error + _(" (结果未知, 为避免重复不再自动重发)"))


def _send(dispatch: Dispatch, channel: Channel, address: str, now: datetime.datetime) -> Attempt:
    try:
        message, subjects = compose(dispatch)
        ref = hand_over(channel, dispatch.recipient, address, message, subjects)
    except Withheld:
        return _finish(dispatch, State.WITHHELD, _("接收人已无权查看相关事项, 未发送"))
    except NotDelivered as exc:
        return _retry_or_fail(dispatch, str(exc), now)
    except Refused as exc:
        return _finish(dispatch, State.FAILED, str(exc))
    except Exception as exc:
        return _uncertain(dispatch, channel, exc, now)
    return _finish(dispatch, State.SENT, sent_at=timezone.now(), vendor_ref=ref[:128])


def _unwanted(dispatch: Dispatch, channel: Channel | None, pref: Any) -> str:
    """Why this dispatch must not go out any more ("" = it may)."""
    if channel is None:
        return _("该渠道已停用")
    user = dispatch.recipient
    if dispatch.digest_day is not None:
        wanted = bool(pref and pref.daily_digest and pref.email_enabled and user.email)
    else:
        wanted = channel.wants(user, pref)
    return "" if wanted else _("接收人已关闭该渠道或未填写地址")


def attempt(dispatch_id: int) -> Attempt:
    """Send one dispatch if it is due and this process claims it; record the outcome."""
    dispatch = (
        Dispatch.objects.select_related("recipient", "notification").filter(pk=dispatch_id).first()
    )
    if dispatch is None:
        return Attempt("missing")
    now = timezone.now()
    if dispatch.state == State.SENDING:
        return recover(dispatch, now)
    if dispatch.state != State.PENDING or (
        dispatch.not_before and dispatch.not_before > now + EARLY_TOLERANCE
    ):
        return Attempt(dispatch.state)  # done, held, or a retry that is not due yet
    pref = NotificationPreference.objects.filter(user_id=dispatch.recipient_id).first()
    channel = channel_named(dispatch.channel)
    reason = _unwanted(dispatch, channel, pref)
    if reason:
        _update(dispatch, State.PENDING, state=State.CANCELLED, last_error=reason)
        return Attempt(State.CANCELLED)
    quiet = pref.quiet_until(now) if pref else None
    if quiet:
        _update(dispatch, State.PENDING, state=State.HELD, not_before=quiet)
        return Attempt(State.HELD)
    if not _claim(dispatch, now):
        return Attempt("taken")
    assert channel is not None
    return _send(dispatch, channel, channel.address(dispatch.recipient, pref), now)


def recover(dispatch: Dispatch, now: datetime.datetime) -> Attempt:
    """A row left `sending`: wait for its lease; then repeat it where the vendor drops repeats,
    else record it as unknown (its worker died mid-send: it may or may not have arrived)."""
    if dispatch.lease_until is not None and dispatch.lease_until > now:
        # Its worker may still be at it: look again when the lease has run out.
        return Attempt(State.SENDING, retry_in=(dispatch.lease_until - now).total_seconds())
    if may_repeat(dispatch, channel_named(dispatch.channel), now):
        if _update(dispatch, State.SENDING, state=State.PENDING, not_before=None, lease_until=None):
            return attempt(dispatch.pk)
        return Attempt("taken")
    _update(
        dispatch,
        State.SENDING,
        state=State.UNKNOWN,
        lease_until=None,
        last_error=_("发送中断(进程终止), 结果未知; 为避免重复不再自动重发"),
    )
    return Attempt(State.UNKNOWN)


# --- The sweep ----------------------------------------------------------------------------------


def sweep(limit: int = 1000) -> dict[str, int]:
    """Release held rows, re-enqueue lost ones, settle abandoned sends (see the module doc)."""
    now = timezone.now()
    grace = now - datetime.timedelta(seconds=option("SWEEP_GRACE_SECONDS", 600))
    held = list(
        Dispatch.objects.filter(state=State.HELD, not_before__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    released = Dispatch.objects.filter(pk__in=held, state=State.HELD).update(
        state=State.PENDING, not_before=None, updated_at=now
    )
    lost = list(
        Dispatch.objects.filter(state=State.PENDING, updated_at__lte=grace)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=grace))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    abandoned = list(
        Dispatch.objects.filter(state=State.SENDING, lease_until__lt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue([*held, *lost, *abandoned])
    return {"released": released, "requeued": len(lost), "abandoned": len(abandoned)}


def requeue(ids: Iterable[int]) -> int:
    """Operator's choice (admin action): send failed or unknown rows again, now."""
    ids = list(
        Dispatch.objects.filter(pk__in=list(ids), state__in=[State.FAILED, State.UNKNOWN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = Dispatch.objects.filter(pk__in=ids).update(
        state=State.PENDING, not_before=None, updated_at=timezone.now()
    )
    _enqueue_on_commit(ids)
    return count
