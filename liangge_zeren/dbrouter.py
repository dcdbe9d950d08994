"""Reads that tolerate a second of lag go to the PostgreSQL streaming replica (issue 19).

Active only when DATABASE_REPLICA_URL is set (settings add the `replica` alias, this router
and `ReplicaRoutingMiddleware`); without it there is no `replica` alias and nothing changes.

A read goes to the replica only when all of these hold, otherwise to the primary (`default`):

- it runs inside `replica_reads()`, which the views that may show a second-old picture
  opt into (the cockpit, panels, exports, API lists): `@replica_reads()` on the view;
- nothing has been written inside that block yet: any write routed by Django (save, update,
  delete, select_for_update, get_or_create…) keeps every later read of the block on the
  primary, which holds the write, whatever the tables the reads join;
- the request has not written the read's model before the block (a middleware, the token
  check): that row is read back from the primary. Writes of other models before the block
  (the token's last use, an audit entry) do not hold the view's reads back;
- no `transaction.atomic` block is open on the primary (a service reading to decide a write).

Writes always go to the primary. Migrations run on the primary only: the replica copies them.
Raw SQL through `connection.cursor()` bypasses routers: it must not write inside an opted-in
view (none does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"


@dataclass
class _Unit:
    """One request (or one `replica_reads()` block outside a request)."""

    written_models: set[str] = field(default_factory=set)  # labels of the models written
    replica_reads: int = 0  # depth of the open `replica_reads()` blocks
    written_in_block: bool = False  # a write since the outermost block opened


_UNIT: ContextVar[_Unit | None] = ContextVar("liangge_zeren_db_unit", default=None)


def _label(model: type[Model]) -> str:
    concrete = model._meta.concrete_model or model
    return concrete._meta.label


@contextmanager
def unit_of_work() -> Iterator[_Unit]:
    """A fresh record of writes for one request: its writes keep its later reads on the primary."""
    token = _UNIT.set(_Unit())
    try:
        unit = _UNIT.get()
        assert unit is not None
        yield unit
    finally:
        _UNIT.reset(token)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may be served a second late by the replica (usable as a decorator)."""
    unit = _UNIT.get()
    token = _UNIT.set(_Unit()) if unit is None else None
    unit = _UNIT.get()
    assert unit is not None
    if unit.replica_reads == 0:
        unit.written_in_block = False
    unit.replica_reads += 1
    try:
        yield
    finally:
        unit.replica_reads -= 1
        if token is not None:
            _UNIT.reset(token)


def _in_atomic_block() -> bool:
    """An atomic block opened by the code on the primary. The ones a Django TestCase wraps each
    test in (marked `_from_testcase`, as Django's own on_commit handling reads it) do not count:
    they stand for the autocommit a real request runs in."""
    connection = connections[DEFAULT_DB_ALIAS]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def reads_may_lag(model: type[Model]) -> bool:
    unit = _UNIT.get()
    return (
        unit is not None
        and unit.replica_reads > 0
        and not unit.written_in_block
        and _label(model) not in unit.written_models
        and not _in_atomic_block()
    )


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        # Always an answer: a row read from the replica carries `_state.db = "replica"`, and
        # without one Django would send the reads of its relations there too, outside the block.
        return REPLICA if reads_may_lag(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        unit = _UNIT.get()
        if unit is not None:
            unit.written_models.add(_label(model))
            if unit.replica_reads:
                unit.written_in_block = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same rows: a row read from either may be linked to the other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaRoutingMiddleware:
    """One record of writes per request, so a row a middleware (or the token check) wrote
    before the view is read back from the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with unit_of_work():
            return self.get_response(request)
