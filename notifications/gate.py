"""May this recipient receive a message about this object? (issue #14's question)

Every way a message leaves the system asks here, at the moment of sending:

- `notifications.services.deliver` (every reminder and escalation job) and `notify` (one-off
  messages) before the inbox row is written — a reminder about something the recipient
  cannot open is never created;
- `notifications.outbox.hand_over` before an e-mail, 企业微信, 钉钉 or SMS copy leaves, and
  the daily digest for each of its lines.

Notifications is the first app: it cannot import the apps that know who may see what. So
the apps declare, in their rules.py, for each model a message may be about (a *subject*):

    gate.subject("inspections.RectificationReport", "inspections.view_inspectionround",
                 via=lambda report: report.round)

- `view`: permissions (any) under which the recipient may open the object — the full message;
- `outside`: permissions under which the recipient sees only the part that concerns them
  (a person held to account and their own decision) — they get the title and the link only,
  never the body (the page decides what to show);
- `via`: the object the permissions are about (a report is seen through its round).

A model without a declared subject is never messaged (`Access.NONE`, logged): a new kind of
message needs its rule first (tests/notifications/test_channel_coverage.py checks every kind).
Extra checks (`register(check)`) may further restrict; all must allow.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import auth
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models

from liangge_zeren import request_cache

log = logging.getLogger(__name__)

MayReceive = Callable[[Any, models.Model], bool]

# (content type id, object id): what a message is about, loaded only when a check needs it.
Subject = tuple[int, int]


class Access(enum.IntEnum):
    NONE = 0  # may not receive anything about it
    OUTSIDE = 1  # title and link only (no body)
    FULL = 2


@dataclass(frozen=True)
class SubjectRule:
    view: tuple[str, ...]
    outside: tuple[str, ...] = ()
    via: Callable[[Any], Any] | None = None


_checks: list[MayReceive] = []
_rules: dict[str, SubjectRule] = {}
# Loaders of what the checks read per recipient (their grants), for many recipients at once.
_preloads: list[Callable[[list[Any]], None]] = []


def subject(
    model: str,
    *view: str,
    outside: Iterable[str] = (),
    via: Callable[[Any], Any] | None = None,
) -> None:
    """Declare who may receive messages about rows of `model` ("app_label.ModelName")."""
    _rules[model.lower()] = SubjectRule(tuple(view), tuple(outside), via)


def subjects() -> dict[str, SubjectRule]:
    """The declared subjects, keyed by lower-case model label."""
    return dict(_rules)


def rule_for(obj: models.Model) -> SubjectRule | None:
    return _rules.get(obj._meta.label_lower)


def register(check: MayReceive) -> MayReceive:
    """Add a check (usable as a decorator). Registering the same callable twice is a no-op."""
    if check not in _checks:
        _checks.append(check)
    return check


def unregister(check: MayReceive) -> None:
    if check in _checks:
        _checks.remove(check)


def registered() -> tuple[MayReceive, ...]:
    return tuple(_checks)


def register_preload(load: Callable[[list[Any]], None]) -> None:
    """Add a loader (an app's AppConfig.ready: responsibilities loads grants). Idempotent."""
    if load not in _preloads:
        _preloads.append(load)


def preload(recipients: Iterable[Any]) -> None:
    """Before asking about many recipients (a job's reminders): each app loads what its rules
    read per recipient for all of them together, into the open request-cache scope, so that
    `access` then asks the database nothing per recipient that it can avoid."""
    present = [r for r in recipients if r is not None]
    for load in _preloads:
        load(present)


def access(recipient: Any, obj: models.Model | None) -> Access:
    """How much of a message about `obj` the recipient may receive (nothing about nothing
    is secret: a message about no object is FULL)."""
    if obj is None:
        return Access.FULL
    if recipient is None or not getattr(recipient, "is_active", False):
        return Access.NONE
    rule = rule_for(obj)
    if rule is None:
        log.warning("no message subject declared for %s: withheld", obj._meta.label)
        return Access.NONE
    if not all(check(recipient, obj) for check in _checks):
        return Access.NONE
    target = rule.via(obj) if rule.via is not None else obj
    if target is None:
        return Access.NONE
    if any(_has_perm(recipient, perm, target) for perm in rule.view):
        return Access.FULL
    if any(_has_perm(recipient, perm, target) for perm in rule.outside):
        return Access.OUTSIDE
    return Access.NONE


def _has_perm(user: Any, perm: str, obj: models.Model) -> bool:
    """`user.has_perm(perm, obj)`, answered as Django's PermissionsMixin answers it (an active
    superuser holds every permission; otherwise the first backend that grants it, and a
    backend raising PermissionDenied refuses), with the backends built once per request-cache
    scope: Django imports and instantiates every configured backend on each call, a tenth of
    a 100,000-reminder job (issue 19). A user class with its own has_perm is asked itself."""
    if type(user).has_perm is not PermissionsMixin.has_perm:
        return bool(user.has_perm(perm, obj))
    if user.is_active and user.is_superuser:
        return True
    for backend in request_cache.cached(("gate", "auth backends"), auth.get_backends):
        if not hasattr(backend, "has_perm"):
            continue
        try:
            if backend.has_perm(user, perm, obj):
                return True
        except PermissionDenied:
            return False
    return False


def may_receive(recipient: Any, obj: models.Model | None) -> bool:
    """The recipient may receive (at least the title and link of) a message about `obj`."""
    return access(recipient, obj) is not Access.NONE


def _load(subjects: Iterable[Subject]) -> dict[Subject, models.Model | None]:
    """The objects behind the subjects, one query per content type (gone → None)."""
    by_type: dict[int, set[int]] = defaultdict(set)
    for ct_id, obj_id in subjects:
        by_type[ct_id].add(obj_id)
    found: dict[Subject, models.Model | None] = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        objects = model._default_manager.in_bulk(ids) if model is not None else {}
        for obj_id in ids:
            found[(ct_id, obj_id)] = objects.get(obj_id)
    return found


def allowed_subjects(recipient: Any, subjects: Iterable[Subject]) -> set[Subject]:
    """The subjects this recipient may still receive messages about (asked now).

    An object that no longer exists is not allowed (there is nothing left that the page
    could show)."""
    subjects = set(subjects)
    if not subjects:
        return subjects
    objects = _load(subjects)
    return {s for s in subjects if objects[s] is not None and may_receive(recipient, objects[s])}
