"""The audit log's one write path, its verification and pruning; password-state changes.

Other apps record sensitive reads, exports and downloads with one call:

    from security.services import audit
    audit(request, "view", case)                       # after the access check passed
    audit(request, "export", None, rows=len(rows), kind="sanctions")
    audit(request, "download", attachment, outcome="denied")

`request_or_user` may be a request, a user or None (then the current request, if any, is used).
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from functools import wraps
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from security.context import current_request, current_request_id
from security.keys import chain_keys
from security.models import GENESIS_HASH, AuditChainHead, AuditEntry, PasswordState

log = logging.getLogger("security.audit")

Action = AuditEntry.Action
Outcome = AuditEntry.Outcome


def client_ip(request) -> str:
    """The client address as django-axes sees it (same proxy settings, same answer)."""
    if request is None:
        return ""
    try:
        return get_client_ip_address(request) or ""
    except Exception:  # pragma: no cover - axes misconfigured: fall back to the socket
        return request.META.get("REMOTE_ADDR", "")


def _split(request_or_user):
    if isinstance(request_or_user, HttpRequest) or hasattr(request_or_user, "META"):
        request = request_or_user
        user = getattr(request, "user", None)
        return request, user
    request = current_request()
    if request_or_user is not None:
        return request, request_or_user
    return request, getattr(request, "user", None) if request is not None else None


def _person_name(user) -> str:
    try:
        person = user.person
    except (ObjectDoesNotExist, AttributeError):
        return ""
    return person.name if person is not None else ""


def _normalise(details: dict) -> dict:
    # Round-trip through JSON now, so the hash covers exactly what the database stores.
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder, ensure_ascii=False))


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(id=1).first()
    if head is None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(id=1)
        except IntegrityError:
            pass  # created concurrently
        head = AuditChainHead.objects.select_for_update().get(id=1)
    return head


def audit(
    request_or_user,
    action: str,
    obj=None,
    *,
    outcome: str = Outcome.SUCCESS,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_path: str = "",
    username: str = "",
    **details,
) -> AuditEntry:
    """Append one entry to the audit chain (who, when, IP, object, outcome, details)."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}; add it to AuditEntry.Action.")
    if outcome not in Outcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}.")
    request, user = _split(request_or_user)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
        org_path = org_path or getattr(obj, "org_path", "") or ""
    entry = AuditEntry(
        actor_id=user.pk if user is not None else None,
        actor_username=(user.get_username() if user is not None else username)[:150],
        actor_name=_person_name(user)[:100] if user is not None else "",
        ip=client_ip(request)[:45],
        request_id=(getattr(request, "request_id", "") or current_request_id())[:64],
        action=action,
        outcome=outcome,
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200],
        org_path=str(org_path)[:255],
        details=_normalise(details),
    )
    append_entries([entry])
    return entry


def append_entries(entries: list[AuditEntry]) -> None:
    """Append unsaved entries to the chain, in order, under one lock of the chain head.

    Each gets the next id, the time, the link to its predecessor and its MAC under the
    current chain key. The first keyed append after an upgrade writes the `chain_rekey`
    entry first (`_rekey`)."""
    if not entries:
        return
    keys = chain_keys()
    with transaction.atomic():
        head = _lock_head()
        last_id, last_hash = head.last_id, head.last_hash
        keyed_from = head.keyed_from
        if not keyed_from:
            keyed_from = last_id + 1
            if last_id or _legacy_letter_heads():
                entries = [_rekey_entry(last_id, last_hash), *entries]
        now = timezone.now()
        for entry in entries:
            entry.id, entry.at, entry.prev_hash = last_id + 1, now, last_hash
            entry.key_id = keys.current
            entry.hash = entry.compute_hash()
            last_id, last_hash = entry.id, entry.hash
        AuditEntry.objects.bulk_create(entries)
        AuditChainHead.objects.filter(id=1).update(
            last_id=last_id, last_hash=last_hash, keyed_from=keyed_from
        )
    if len(entries) > 1:  # a service's business writes: one line for the batch
        log.info("audit %s entries #%s–#%s", len(entries), entries[0].id, entries[-1].id)
        return
    for entry in entries:
        log.info(
            "audit %s %s",
            entry.action,
            entry.outcome,
            extra={
                "audit_id": entry.id,
                "actor": entry.actor_username,
                "object": f"{entry.object_type}:{entry.object_id}" if entry.object_type else "",
            },
        )


def _legacy_letter_heads() -> dict[str, list[Any]]:
    """Per organisation, the last signature made before the letter chains were keyed."""
    from responsibilities.models import Signature

    heads: dict[str, list[Any]] = {}
    legacy = Signature.objects.filter(key_id="").order_by("org_id", "pk")
    for org_id, pk, chain in legacy.values_list("org_id", "pk", "chain_sha256"):
        heads[str(org_id)] = [pk, chain]
    return heads


def _rekey_entry(legacy_through: int, legacy_head: str) -> AuditEntry:
    """The keyed entry that closes the unkeyed prefix of both chains: the last unkeyed
    audit entry and each organisation's last unkeyed signature, under the key from now on."""
    return AuditEntry(
        actor_username="system",
        actor_name="系统",
        action=Action.CHAIN_REKEY,
        object_type="security.auditentry",
        object_repr="审计链与签字链启用密钥",
        details={
            "legacy_through": legacy_through,
            "legacy_head": legacy_head,
            "letter_heads": _legacy_letter_heads(),
        },
    )


def audited(action: str = Action.VIEW):
    """View decorator: record `action` after a successful (2xx) response.

    The view may set `request.audit_object = obj` to name the object; otherwise the URL's
    keyword arguments are recorded.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                match = getattr(request, "resolver_match", None)
                audit(
                    request,
                    action,
                    getattr(request, "audit_object", None),
                    view=match.view_name if match else view.__name__,
                    url_kwargs={k: str(v) for k, v in kwargs.items()},
                )
            return response

        return wrapper

    return decorator


# --- Verification and pruning --------------------------------------------------------------


@dataclass
class ChainProblem:
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        return f"#{self.entry_id}: {self.message}" if self.entry_id else self.message


def verify_chain() -> tuple[int, list[ChainProblem]]:
    """Recompute the whole chain. Returns (entries checked, problems found).

    Keyed entries are checked with the key they name; unkeyed (legacy) entries only before
    the keyed `chain_rekey` entry that records their head: an unkeyed entry anywhere else,
    or an unkeyed chain without that entry, is a break (a database-only rewrite can only
    produce unkeyed hashes)."""
    problems: list[ChainProblem] = []
    anchors = _prune_anchors()
    walk = _ChainWalk(problems)
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        walk.step(entry, anchors)
    walk.finish()
    head = AuditChainHead.objects.filter(id=1).first()
    previous = walk.previous
    if (
        head is not None
        and head.last_id
        and (previous is None or previous.id != head.last_id or previous.hash != head.last_hash)
    ):
        last = previous.id if previous else 0
        problems.append(
            ChainProblem(None, f"chain ends at #{last} but the head records #{head.last_id}")
        )
    return walk.checked, problems


def _prune_anchors() -> dict[int, Any]:
    anchors = {}
    for details in AuditEntry.objects.filter(action=Action.AUDIT_PRUNE).values_list(
        "details", flat=True
    ):
        if isinstance(details, dict) and "through_id" in details:
            anchors[int(details["through_id"]) + 1] = details.get("anchor_hash")
    return anchors


class _ChainWalk:
    def __init__(self, problems: list[ChainProblem]) -> None:
        self.problems = problems
        self.previous: AuditEntry | None = None
        self.checked = 0
        self.unkeyed = 0
        self.keyed_seen = False

    def report(self, entry: AuditEntry | None, message: str) -> None:
        self.problems.append(ChainProblem(entry.id if entry else None, message))

    def step(self, entry: AuditEntry, anchors: dict[int, Any]) -> None:
        self.checked += 1
        previous = self.previous
        if previous is None:
            expected_prev = GENESIS_HASH if entry.id == 1 else anchors.get(entry.id)
            if expected_prev is None:
                self.report(entry, "chain does not start at #1 and no pruning explains it")
            elif entry.prev_hash != expected_prev:
                self.report(entry, "first entry's link does not match")
        else:
            if entry.id != previous.id + 1:
                self.report(entry, f"entries #{previous.id + 1}–#{entry.id - 1} missing")
            if entry.prev_hash != previous.hash:
                self.report(entry, "link to the previous entry is broken")
        self._check_key(entry)
        self.previous = entry

    def _check_key(self, entry: AuditEntry) -> None:
        if not entry.key_id:
            self.unkeyed += 1
            if self.keyed_seen:
                self.report(entry, "unkeyed entry after the chain was keyed (forged)")
        elif not self.keyed_seen:
            self.keyed_seen = True
            if self.unkeyed and not _closes_legacy(entry, self.previous):
                self.report(entry, "first keyed entry does not close the unkeyed prefix")
        try:
            altered = entry.compute_hash() != entry.hash
        except KeyError:
            self.report(entry, f"signed with unknown key {entry.key_id!r}")
            return
        if altered:
            self.report(entry, "content does not match its MAC (altered)")

    def finish(self) -> None:
        if self.unkeyed and not self.keyed_seen:
            self.report(None, "the chain holds no keyed entry (never re-keyed, or rewritten)")


def _closes_legacy(entry: AuditEntry, previous: AuditEntry | None) -> bool:
    details = entry.details if isinstance(entry.details, dict) else {}
    return (
        entry.action == Action.CHAIN_REKEY
        and previous is not None
        and details.get("legacy_through") == previous.id
        and details.get("legacy_head") == previous.hash
    )


def rekey_marker() -> AuditEntry | None:
    """The keyed entry holding the letter chains' unkeyed heads: the `chain_rekey` entry, or
    the pruning that deleted it and carried them over (None: the chains started keyed)."""
    carriers = AuditEntry.objects.filter(
        action__in=[Action.CHAIN_REKEY, Action.AUDIT_PRUNE]
    ).exclude(key_id="")
    for entry in carriers.order_by("-id"):
        if isinstance(entry.details, dict) and "letter_heads" in entry.details:
            return entry
    return None


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 180))


def prune_audit(request_or_user=None, *, days: int | None = None, now=None) -> int:
    """Delete entries older than the retention period (whole chain prefix); audited."""
    days = retention_days() if days is None else days
    if days < 180:
        raise ValueError("Audit entries are kept at least 180 days.")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with transaction.atomic():
        _lock_head()
        last = AuditEntry.objects.filter(at__lt=cutoff).order_by("-id").first()
        marker = rekey_marker()
        if last is None:
            deleted, through_id, anchor = 0, None, None
        else:
            through_id, anchor = last.id, last.hash
            deleted = AuditEntry.objects.all()._prune_through(last.id)
        details: dict[str, Any] = {
            "deleted": deleted,
            "retention_days": days,
            "cutoff": cutoff.isoformat(),
        }
        if through_id is not None:
            details.update(through_id=through_id, anchor_hash=anchor)
            if marker is not None and marker.id <= through_id:
                # Keep the unkeyed letter heads verifiable after their entry is deleted.
                details["letter_heads"] = marker.details["letter_heads"]
        audit(request_or_user, Action.AUDIT_PRUNE, **details)
    return deleted


# --- Password state ------------------------------------------------------------------------


def password_state(user) -> PasswordState:
    state, _created = PasswordState.objects.get_or_create(user=user)
    return state


def require_password_change(user) -> None:
    """The next login of `user` must change the password (imported or reset passwords)."""
    PasswordState.objects.update_or_create(user=user, defaults={"must_change_password": True})


def password_change_due(user) -> bool:
    """Must this user change the password now (reset/imported, or expired by policy)?"""
    state = PasswordState.objects.filter(user=user).first()
    if state is not None and state.must_change_password:
        return True
    days = int(getattr(settings, "PASSWORD_EXPIRY_DAYS", 0) or 0)
    if days <= 0:
        return False
    changed = (state.password_changed_at if state else None) or user.date_joined
    return changed < timezone.now() - datetime.timedelta(days=days)
