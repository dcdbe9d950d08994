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
    with transaction.atomic():
        head = _lock_head()
        entry.id = head.last_id + 1
        entry.at = timezone.now()
        entry.prev_hash = head.last_hash
        entry.hash = entry.compute_hash()
        entry.save()
        AuditChainHead.objects.filter(id=1).update(last_id=entry.id, last_hash=entry.hash)
    log.info(
        "audit %s %s",
        action,
        outcome,
        extra={
            "audit_id": entry.id,
            "actor": entry.actor_username,
            "object": f"{entry.object_type}:{entry.object_id}" if entry.object_type else "",
        },
    )
    return entry


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
    """Recompute the whole chain. Returns (entries checked, problems found)."""
    problems: list[ChainProblem] = []
    anchors = {}
    for details in AuditEntry.objects.filter(action=Action.AUDIT_PRUNE).values_list(
        "details", flat=True
    ):
        if isinstance(details, dict) and "through_id" in details:
            anchors[int(details["through_id"]) + 1] = details.get("anchor_hash")
    previous = None
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if previous is None:
            expected_prev = GENESIS_HASH if entry.id == 1 else anchors.get(entry.id)
            if expected_prev is None:
                problems.append(
                    ChainProblem(entry.id, "chain does not start at #1 and no pruning explains it")
                )
            elif entry.prev_hash != expected_prev:
                problems.append(ChainProblem(entry.id, "first entry's link does not match"))
        else:
            if entry.id != previous.id + 1:
                problems.append(
                    ChainProblem(entry.id, f"entries #{previous.id + 1}–#{entry.id - 1} missing")
                )
            if entry.prev_hash != previous.hash:
                problems.append(ChainProblem(entry.id, "link to the previous entry is broken"))
        if entry.compute_hash() != entry.hash:
            problems.append(ChainProblem(entry.id, "content does not match its hash (altered)"))
        previous = entry
    head = AuditChainHead.objects.filter(id=1).first()
    if (
        head is not None
        and head.last_id
        and (previous is None or previous.id != head.last_id or previous.hash != head.last_hash)
    ):
        last = previous.id if previous else 0
        problems.append(
            ChainProblem(None, f"chain ends at #{last} but the head records #{head.last_id}")
        )
    return checked, problems


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
