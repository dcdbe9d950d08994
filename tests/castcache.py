"""The test cast, built through the services once per worker, then copied in as rows.

`build_cast()` runs about 750 queries through the services (audit, history, chains); most
tests need it. The first test in a worker builds it for real and records the rows it wrote
(every managed table, history and audit chain included); later tests insert those same rows,
with the same ids, in one bulk insert per table, and get a `Cast` read back from them. The
data each test sees is identical to a fresh build: nothing is derived, only replayed. Rows
the build changed (the audit chain's head) are changed again. A build that deleted a row, or
a database that already holds a cast user, is not replayed: the cast is built for real.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from demo.cast import USERNAMES, Cast, build_cast
from liangge_zeren import request_cache
from responsibilities.models import Organization

GROUPS = ("bodies", "tenures", "users", "people")


@dataclass
class _Recording:
    rows: list[tuple[type[Model], list[dict[str, Any]]]]
    updates: list[tuple[type[Model], Any, dict[str, Any], dict[str, Any]]]
    units: dict[str, int]
    named: dict[str, tuple[type[Model], dict[str, int]]]
    content_types: list[tuple[int, str, str]]
    chain_key: tuple[str, str, bytes]


_recording: _Recording | None = None
_unreplayable = False


def _tables() -> list[type[Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.parents
    ]


def _rows(model: type[Model]) -> dict[Any, dict[str, Any]]:
    columns = [f.attname for f in model._meta.concrete_fields]
    return {row[model._meta.pk.attname]: row for row in model._base_manager.values(*columns)}


def _record() -> Cast:
    global _recording, _unreplayable
    before = {model: _rows(model) for model in _tables()}
    cast = build_cast()
    rows, updates = [], []
    for model, old in before.items():
        new = _rows(model)
        if any(pk not in new for pk in old):
            _unreplayable = True  # a row was deleted: not replayed
            return cast
        for pk, row in old.items():
            changed = {column: value for column, value in new[pk].items() if row[column] != value}
            if changed:  # e.g. the audit chain's head moved
                updates.append((model, pk, {column: row[column] for column in changed}, changed))
        created = [row for pk, row in new.items() if pk not in old]
        if created:
            rows.append((model, created))
    named = {
        key: (type(next(iter(value.values()))), {name: obj.pk for name, obj in value.items()})
        for key, value in ((group, getattr(cast, group)) for group in GROUPS)
    }
    units = {name: getattr(cast, name).pk for name in _unit_names()}
    _recording = _Recording(
        rows=rows,
        updates=updates,
        units=units,
        named=named,
        content_types=_content_types(),
        chain_key=_chain_key(),
    )
    return cast


def _content_types() -> list[tuple[int, str, str]]:
    from django.contrib.contenttypes.models import ContentType

    return list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))


def _chain_key() -> tuple[str, str, bytes]:
    """The key the recorded audit rows were signed with: a test that configures another key
    needs rows signed with that one."""
    from security.keys import chain_keys

    keys = chain_keys()
    return (keys.current, keys.algorithm, keys.keys[keys.current])


def _unit_names() -> list[str]:
    return [f.name for f in fields(Cast) if f.name not in GROUPS]


def _replay(recording: _Recording) -> Cast:
    """The recorded rows inserted again; a clash with rows the test made first (an id or a
    unique value taken) rolls the replay back and builds the cast for real."""
    try:
        with transaction.atomic():
            for model, rows in recording.rows:
                model._base_manager.bulk_create([model(**row) for row in rows])
            for model, pk, before, changed in recording.updates:
                # The row must be as the recording found it (no audit entry appended since).
                if model._base_manager.filter(pk=pk, **before).update(**changed) != 1:
                    raise IntegrityError(f"{model.__name__} {pk} moved since the recording")
    except IntegrityError:
        request_cache.clear()
        return build_cast()
    # As the services' post_save receivers would have. Explicit ids are below PostgreSQL's
    # sequences (the recording advanced them) and move SQLite's AUTOINCREMENT counters.
    request_cache.clear()

    units = Organization.objects.in_bulk(list(recording.units.values()))
    groups = {}
    for key, (model, ids) in recording.named.items():
        objects = model._default_manager.in_bulk(list(ids.values()))
        groups[key] = {name: objects[pk] for name, pk in ids.items()}
    return Cast(**{name: units[pk] for name, pk in recording.units.items()}, **groups)


def cached_cast() -> Cast:
    """The cast for this test: replayed rows when this worker has recorded a build."""
    from django.contrib.auth import get_user_model

    if (
        _unreplayable
        # Outside a test's transaction (transactional tests, live servers) rows inserted in
        # bulk would be checked one statement at a time, and a flush may have recreated the
        # content types the recorded rows point at: build for real there.
        or not connection.in_atomic_block
        or get_user_model().objects.filter(username__in=USERNAMES).exists()
    ):
        return build_cast()
    if _recording is None:
        return _record()
    if _recording.content_types != _content_types() or _recording.chain_key != _chain_key():
        return build_cast()
    return _replay(_recording)
