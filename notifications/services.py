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
2. the same transaction writes one outbox row (`Dispatch`) per external channel the recipient
   wants (e-mail, 企业微信, 钉钉, SMS…); after the commit each gets its own Celery task, and
   `notifications.outbox` sends it once (see there: retries, backoff, quiet hours, worker
   kills). A process killed between the commit and the enqueue leaves the rows pending; the
   outbox sweep enqueues them.

`claim_and_store(reminder)` is the same claim for one reminder; `notify(...)` stores a one-off
message (no key) with its outbox rows.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
import logging
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from liangge_zeren import pgcopy, request_cache
from liangge_zeren.actors import write_service
from liangge_zeren.lookups import ids_in
from liangge_zeren.rows import many_objects
from notifications import gate, outbox
from notifications.channels import channel_named
from notifications.models import (
    Delivery,
    Dispatch,
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
    recipient: Any  # a user
    obj: models.Model
    kind: str
    threshold: str
    title: str
    body: str = ""
    link: str = ""
    org_path: str = ""
    level: str = Level.INFO
    notice: Notice | None = None
    # Reminders of one recipient with the same group are one digest line in the inbox.
    group: str = ""

    @cached_property
    def db_key(self) -> tuple[Any, ...]:
        """The key as stored: (recipient id, content type id, object id, kind, threshold).
        Computed once: a job asks for it three times per reminder (100,000 reminders)."""
        return (self.recipient.pk, _ct_id(self.obj), self.obj.pk, self.kind, self.threshold)


@dataclass
class JobResult:
    sent: int = 0
    skipped: int = 0
    external: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "skipped": self.skipped, **dict(self.external)}


def _content_type(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def _notice_number(delivery: Delivery, day: datetime.date) -> str:
    return f"DB-{day:%Y%m%d}-{delivery.pk:06d}"


def claim_and_store(
    reminder: Reminder, *, job: str = "", day: datetime.date | None = None
) -> Notification | None:
    """Step 1 for one reminder: key, inbox row and outbox rows in one transaction; None when
    the key was already claimed."""
    claimed = claim_batch([reminder], job=job, day=day)
    if not claimed.notification_ids:
        return None
    return Notification.objects.get(pk=claimed.notification_ids[0])


def _claimed_keys(reminders: list[Reminder], chunk: int = 1000) -> set[tuple[Any, ...]]:
    """Existing delivery keys among the reminders.

    One query per 1,000 reminders, led by the recipients so the unique key's index
    (recipient, content type, object, …) answers it."""
    found: set[tuple[Any, ...]] = set()
    keys = sorted({r.db_key for r in reminders})
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        by_type: dict[int, set[int]] = {}
        for key in part:
            by_type.setdefault(key[1], set()).add(key[2])
        for ct_id, object_ids in by_type.items():
            found.update(
                Delivery.objects.filter(
                    ids_in("recipient_id", {k[0] for k in part}),
                    ids_in("object_id", object_ids),
                    content_type_id=ct_id,
                    kind__in={k[3] for k in part},
                ).values_list("recipient_id", "content_type_id", "object_id", "kind", "threshold")
            )
    return found


def _ct_id(obj: models.Model) -> int:
    # ContentType's own cache, which a database flush clears; a module-level copy of the ids
    # would outlive a flushed and re-created table and point at rows that no longer exist.
    # Within a job's cache scope the id is kept per model (asked for 100,000 reminders).
    model = type(obj)
    return request_cache.cached(("content_type_id", model), lambda: _content_type(obj).pk)


def claim_batch_size() -> int:
    """Reminders claimed per transaction (NOTIFICATION_CLAIM_BATCH, default 1,000)."""
    # At most 2,000: a batch is one statement, and SQLite takes at most 32,766 parameters.
    return max(1, min(2000, int(getattr(settings, "NOTIFICATION_CLAIM_BATCH", 1000))))


def _insert(
    model: type[models.Model],
    values: list[dict[str, Any]],
    *,
    conflict: str = "",
    returning: str = "",
) -> list[tuple[Any, ...]]:
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
    params: list[Any] = []
    for row in values:
        params.extend([row[f.attname] for f in given])
        params.extend(defaults)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


@dataclass
class Claimed:
    """What one batch claimed: the inbox rows it stored and the outbox rows it queued."""

    notification_ids: list[int] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return len(self.notification_ids)


def _insert_keys(
    keyed: list[tuple[tuple[Any, ...], Reminder]], job: str, stamp: Any
) -> dict[tuple[Any, ...], int]:
    """Claim the keys; returns key → delivery id for exactly the keys this call inserted."""
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
            }
            for key, _r in keyed
        ],
        conflict="ON CONFLICT DO NOTHING",
        returning="id, recipient_id, content_type_id, object_id, kind, threshold",
    )
    return {tuple(row[1:]): row[0] for row in rows}


# What of a reminder its inbox row shows (both claims store these), and the column lengths.
_INBOX_TEXT = ("level", "title", "body", "link", "org_path", "group")
_INBOX_CUT = {"title": 200, "group": 200}


def _inbox_text(r: Reminder) -> dict[str, str]:
    return {name: getattr(r, name)[: _INBOX_CUT.get(name)] for name in _INBOX_TEXT}


def _insert_notifications(mine: list[tuple[int, Reminder]], stamp: Any) -> dict[int, int]:
    """The inbox rows of the claimed keys; returns delivery id → notification id."""
    ids = _insert(
        Notification,
        [
            {
                "recipient_id": r.recipient.pk,
                "delivery_id": delivery_id,
                "kind": r.kind,
                "content_type_id": _ct_id(r.obj),
                "object_id": r.obj.pk,
                "created_at": stamp,
                **_inbox_text(r),
            }
            for delivery_id, r in mine
        ],
        returning="id, delivery_id",
    )
    return {delivery_id: pk for pk, delivery_id in ids}


def _insert_notices(mine: list[tuple[int, Reminder]], day: datetime.date) -> None:
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
        for delivery_id, r in mine
        if r.notice is not None
    ]
    if notices:
        SupervisionNotice.objects.bulk_create(notices)


def claim_batch(
    reminders: list[Reminder],
    *,
    job: str = "",
    day: datetime.date | None = None,
    router: outbox.Router | None = None,
) -> Claimed:
    """Step 1 for many reminders in ONE transaction: claim the keys, store the inbox rows (and
    督办单) and the outbox rows of the keys this call claimed — not those another run or
    worker holds."""
    result = Claimed()
    if not reminders:
        return result
    day = day or timezone.localdate()
    router = router or outbox.Router()
    router.load(r.recipient for r in reminders)  # preferences, read before the transaction
    # Sorted keys: two workers lock keys in the same order, so they can wait, never deadlock.
    keyed = sorted(((r.db_key, r) for r in reminders), key=lambda pair: pair[0])
    # As the ORM would store it (SQLite: naive UTC text), once for every row of the batch.
    stamp = Delivery._meta.get_field("claimed_at").get_db_prep_save(timezone.now(), connection)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            rows = _claim_staged(keyed, job, stamp)
        else:
            rows = _claim_values(keyed, job, stamp)
        if not rows:
            return result
        _insert_notices([(d, r) for d, _n, r in rows], day)
        result.notification_ids = [n for _d, n, _r in rows]
        stored = [(n, r.recipient) for _d, n, r in rows]
        result.dispatches = outbox.create(outbox.plan(stored, router))
    return result


Claim = tuple[int, int, Reminder]  # (delivery id, notification id, reminder), in key order


def _claim_values(
    keyed: list[tuple[tuple[Any, ...], Reminder]], job: str, stamp: Any
) -> list[Claim]:
    """Claim the keys, then store the claimed ones' inbox rows: two multi-row INSERTs."""
    claimed = _insert_keys(keyed, job, stamp)
    mine = [(claimed[key], r) for key, r in keyed if key in claimed]
    if not mine:
        return []
    notification_ids = _insert_notifications(mine, stamp)
    return [(d, notification_ids[d], r) for d, r in mine]


# PostgreSQL: the batch goes in with COPY to a staging table of the session (kept across
# transactions, emptied at each commit), then one statement claims the keys and stores the
# inbox rows of exactly the keys it claimed. 100,000 reminders as 1,000-row VALUES lists cost
# PostgreSQL ~4 s of parsing; COPY reads them as lines.
_STAGE = "lz_claim_stage"
_STAGE_KEY = ("recipient_id", "content_type_id", "object_id", "kind", "threshold")
_STAGE_TYPES = {
    "seq": "integer",
    "recipient_id": "integer",
    "content_type_id": "integer",
    "object_id": "bigint",
}  # the rest is text
_STAGE_COLUMNS = [f'"{name}"' for name in ("seq", *_STAGE_KEY, *_INBOX_TEXT)]
_STAGE_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ("
    + ", ".join(
        f'"{name}" {_STAGE_TYPES.get(name, "text")}' for name in ("seq", *_STAGE_KEY, *_INBOX_TEXT)
    )
    + ") ON COMMIT DELETE ROWS; "
    f"DELETE FROM {_STAGE}"  # a claim inside a caller's transaction: the stage is not emptied
)


@functools.cache
def _claim_sql() -> str:
    quote = connection.ops.quote_name
    key = ", ".join(_STAGE_KEY)
    given = {
        "recipient_id": "s.recipient_id",
        "delivery_id": "c.id",
        "kind": "s.kind",
        "content_type_id": "s.content_type_id",
        "object_id": "s.object_id",
        "created_at": "%(stamp)s",
        **{name: f"s.{quote(name)}" for name in _INBOX_TEXT},
    }
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    missing = [f for f in fields if f.attname not in given]
    if any(f.get_default() is not None for f in missing):
        # A new column with a value of its own: say so here, not with a wrong row.
        raise ImproperlyConfigured(f"the staged claim does not fill Notification {missing}")
    columns = [*given, *(f.attname for f in missing)]
    values = [*given.values(), *(["NULL"] * len(missing))]
    field_of = {f.attname: f for f in fields}
    return (
        f"WITH claimed AS (INSERT INTO {quote(Delivery._meta.db_table)} "
        f"({key}, job, claimed_at) SELECT {key}, %(job)s, %(stamp)s FROM {_STAGE} ORDER BY seq "
        f"ON CONFLICT DO NOTHING RETURNING id, {key}), "
        f"stored AS (INSERT INTO {quote(Notification._meta.db_table)} "
        f"({', '.join(quote(field_of[c].column) for c in columns)}) "
        f"SELECT {', '.join(values)} FROM claimed c JOIN {_STAGE} s USING ({key}) "
        "RETURNING id, delivery_id) "
        f"SELECT s.seq, c.id, st.id FROM stored st JOIN claimed c ON c.id = st.delivery_id "
        f"JOIN {_STAGE} s USING ({key}) ORDER BY s.seq"
    )


def _claim_staged(
    keyed: list[tuple[tuple[Any, ...], Reminder]], job: str, stamp: Any
) -> list[Claim]:
    lines = (
        pgcopy.line((seq, *key, *_inbox_text(r).values())) for seq, (key, r) in enumerate(keyed)
    )
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        pgcopy.copy_lines(cursor, _STAGE, _STAGE_COLUMNS, lines)
        cursor.execute(_claim_sql(), {"job": job, "stamp": stamp})
        rows = cursor.fetchall()
    return [
        (delivery_id, notification_id, keyed[seq][1]) for seq, delivery_id, notification_id in rows
    ]


def _admitted(reminders: list[Reminder]) -> tuple[list[Reminder], int]:
    """What the gate lets through, asked now for each recipient and object
    (notifications.gate): reminders about what the recipient cannot open are dropped (not
    claimed, so a later run sends them if access comes); a recipient who sees only their own
    part of the object (gate.Access.OUTSIDE) gets the title and the link, never the body."""
    kept: list[Reminder] = []
    decided: dict[tuple[Any, ...], gate.Access] = {}
    gate.preload({r.recipient.pk: r.recipient for r in reminders}.values())
    for r in reminders:
        key = r.db_key[:3]  # recipient, content type, object
        if key not in decided:
            decided[key] = gate.access(r.recipient, r.obj)
        level = decided[key]
        if level is gate.Access.FULL:
            kept.append(r)
        elif level is gate.Access.OUTSIDE:
            kept.append(replace(r, body=""))
    return kept, len(reminders) - len(kept)


def deliver(
    reminders: Iterable[Reminder], *, job: str = "", day: datetime.date | None = None
) -> JobResult:
    """Claim, store and queue each reminder once, a batch per transaction; returns counts."""
    with many_objects():
        if request_cache.is_open():
            return _deliver(reminders, job=job, day=day)
        # Called outside a job run (a command, the bench): the gate asks each recipient's
        # grants once per run, not once per reminder (100,000 reminders were 100,000 grant
        # queries).
        with request_cache.scope():
            return _deliver(reminders, job=job, day=day)


def _deliver(reminders: Iterable[Reminder], *, job: str, day: datetime.date | None) -> JobResult:
    result = JobResult()
    size = claim_batch_size()
    with Claimer(job=job, day=day, workers=claim_workers()) as claimer:
        for chunk in _chunks(_unique(reminders), size):
            # Fast path for re-runs: keys already claimed are skipped without an INSERT
            # attempt. The ON CONFLICT claim stays the guard against a concurrent worker.
            claimed = _claimed_keys(chunk)
            fresh = [r for r in chunk if r.db_key not in claimed]
            result.skipped += len(chunk) - len(fresh)
            fresh, withheld = _admitted(fresh)
            if withheld:
                result.external["withheld"] += withheld
            if fresh:
                claimer.submit(fresh)
    for batch, stored in claimer.done:
        result.sent += stored.stored
        result.skipped += len(batch) - stored.stored
        result.external.update(f"{d.channel}_queued" for d in stored.dispatches)
    return result


def _unique(reminders: Iterable[Reminder]) -> Iterator[Reminder]:
    seen: set[tuple[Any, ...]] = set()
    for reminder in reminders:
        if reminder.recipient is None or (key := reminder.db_key) in seen:
            continue
        seen.add(key)
        yield reminder


def _chunks(items: Iterable[Reminder], size: int) -> Iterator[list[Reminder]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def claim_workers() -> int:
    """Threads that claim while the job goes on generating and gating
    (NOTIFICATION_CLAIM_WORKERS, default 2; 0 claims in the job's own thread)."""
    return max(0, min(8, int(getattr(settings, "NOTIFICATION_CLAIM_WORKERS", 2))))


class Claimer:
    """Runs `claim_batch` for each submitted batch: in the caller's thread, or — on
    PostgreSQL, outside a transaction — in worker threads with their own connections, so that
    the database stores one batch while Python prepares the next (100,000 reminders: ~8 s of
    inserts and commits beside ~10 s of generating and gating).

    Each batch is still one transaction, so a batch is claimed once or not at all, whichever
    thread claims it. Inside a caller's transaction the claims must join it, so they run
    inline (a thread has its own connection and could not see the caller's rows)."""

    def __init__(self, *, job: str, day: datetime.date | None, workers: int) -> None:
        self.job, self.day = job, day
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.workers = workers if threaded else 0
        self.done: list[tuple[list[Reminder], Claimed]] = []
        self._router = outbox.Router()
        self._queue: queue.Queue[list[Reminder] | None] = queue.Queue(maxsize=2 * self.workers)
        self._errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._work, name=f"claim-{n}", daemon=True)
            for n in range(self.workers)
        ]

    def __enter__(self) -> Claimer:
        for thread in self._threads:
            thread.start()
        return self

    def submit(self, batch: list[Reminder]) -> None:
        if self._errors:
            raise self._errors[0]
        if not self.workers:
            self._claim(batch, self._router)
        else:
            self._queue.put(batch)

    def _claim(self, batch: list[Reminder], router: outbox.Router) -> None:
        stored = claim_batch(batch, job=self.job, day=self.day, router=router)
        self.done.append((batch, stored))  # list.append is atomic under the GIL

    def _work(self) -> None:
        router = outbox.Router()  # one per thread: it caches preferences
        try:
            while (batch := self._queue.get()) is not None:
                if not self._errors:  # after a failure, drain without claiming
                    try:
                        self._claim(batch, router)
                    except BaseException as error:  # noqa: BLE001 - re-raised by the caller
                        self._errors.append(error)
        finally:
            connections.close_all()  # this thread's connections

    def __exit__(self, *exc: object) -> None:
        for _thread in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._errors and exc[0] is None:
            raise self._errors[0]


def notify(
    recipient: Any,
    title: str,
    *,
    body: str = "",
    link: str = "",
    kind: str = "message",
    level: str = Level.INFO,
    org_path: str = "",
    obj: models.Model | None = None,
    group: str = "",
) -> Notification | None:
    """A one-off message (no key: for events that happen once by nature) with its outbox
    rows. `obj` is what the message is about: the gate is asked now (None: withheld, the
    recipient may not open it; title and link only for someone outside it) and again by the
    outbox at the moment each external copy is sent."""
    allowed = gate.access(recipient, obj)
    if allowed is gate.Access.NONE:
        return None
    if allowed is gate.Access.OUTSIDE:
        body = ""
    ct = _content_type(obj) if obj is not None else None
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=recipient,
            kind=kind,
            level=level,
            title=title[:200],
            body=body,
            link=link,
            org_path=org_path,
            content_type=ct,
            object_id=obj.pk if obj is not None else None,
            group=group[:200],
        )
        outbox.create(outbox.plan([(notification.pk, recipient)], outbox.Router()))
    return notification


# --- Inbox ----------------------------------------------------------------------------


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_group_read(notification: Notification) -> int:
    """Mark every unread message of the notification's inbox group read (itself if none)."""
    return Notification.objects.in_group_of(notification).unread().update(read_at=timezone.now())


# --- Preferences -------------------------------------------------------------------------


@write_service
def update_preferences(user: Any, *, actor: Any, **fields: Any) -> NotificationPreference:
    """Store a person's channels, addresses and quiet hours (their own, or an administrator's
    change). Messages already held keep their time; the outbox re-checks the channel choice
    and the quiet hours when it sends."""
    unknown = set(fields) - set(NotificationPreference.PERSONAL_FIELDS)
    if unknown:
        raise TypeError(f"update_preferences(): unknown fields {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    for name, value in fields.items():
        setattr(preference, name, value)
    preference.save()
    return preference


# --- Daily digest -----------------------------------------------------------------------


def send_digests(day: datetime.date) -> dict[str, int]:
    """Queue one e-mail a day for users with the digest on who got messages the day before
    (the outbox renders it when it sends, leaving out what they may no longer see)."""
    if channel_named(outbox.DIGEST_CHANNEL) is None:
        return {"queued": 0, "skipped": 0}
    start, end = outbox.digest_window(day)
    got_messages = Notification.objects.filter(
        recipient_id=OuterRef("user_id"), created_at__gte=start, created_at__lt=end
    )
    prefs = (
        NotificationPreference.objects.filter(daily_digest=True, email_enabled=True)
        .exclude(user__email="")
        .filter(Exists(got_messages))
        .select_related("user")
        .order_by("pk")
    )
    counts = Counter(queued=0, skipped=0)
    for pref in prefs:
        counts["queued" if outbox.create_digest(pref.user, pref, day) else "skipped"] += 1
    return dict(counts)
