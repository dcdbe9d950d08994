"""May this recipient still receive a message about this object? (issue #14's question)

Notifications is the first app: it cannot import the apps that know who may see what. Later
apps register a `may_receive(recipient, obj) -> bool` callable here (in their
`AppConfig.ready()`); the outbox's one hand-over (`notifications.outbox.hand_over`) asks
every registered callable at the moment of sending. With nothing registered every message is
allowed, and no object is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

MayReceive = Callable[[Any, models.Model], bool]

# (content type id, object id): what a message is about, loaded only when a check needs it.
Subject = tuple[int, int]

_checks: list[MayReceive] = []


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


def may_receive(recipient: Any, obj: models.Model | None) -> bool:
    """Every registered check allows it (a message about nothing is always allowed)."""
    if obj is None:
        return True
    return all(check(recipient, obj) for check in _checks)


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
    """The subjects this recipient may still receive messages about.

    An object that no longer exists is not allowed once any check is registered (there is
    nothing left that the page could show)."""
    subjects = set(subjects)
    if not _checks or not subjects:
        return subjects
    objects = _load(subjects)
    return {s for s in subjects if objects[s] is not None and may_receive(recipient, objects[s])}
