"""`instances(queryset, fields)`: many rows as model instances, without `Model.__init__`.

A job that reads 100,000 rows as objects (the rectification-task reminders: each task with
its finding, for the gate's permission rules) spent 1.8 s of its 5 s in `Model.__init__`,
which walks every field of the model for every row however few were loaded. Here the
instances are made as unpickling makes them (`Model.__new__`, then the instance dict), with
the loaded values only: what `queryset.select_related(…).only(*fields)` gives — other fields
are deferred and load on access, related objects are cached on their parent — at the cost of
`values_list`. No `pre_init`/`post_init` signal is sent (none is connected for the models
read this way; tests/liangge_zeren/test_rows.py checks the result against the ORM's).

`many_objects()`: cyclic garbage collection paused while a job builds and holds them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


def _new(model: type[Model], values: dict[str, Any], db: str) -> Model:
    """An instance holding `values`, as loaded from `db` (its state as the ORM sets it: not
    adding, no related object cached yet)."""
    obj = model.__new__(model)
    state = ModelState.__new__(ModelState)
    state.__dict__ = {"db": db, "adding": False, "fields_cache": {}}
    values["_state"] = state
    obj.__dict__ = values
    return obj


# One relation in the loop's terms: its path, its parent's path, its model, the slice of the
# row holding its columns and their attnames, the key's position among them, and the foreign
# key's attname and cache name on the parent.
Link = tuple[str, str, type[Model], int, int, tuple[str, ...], int, str, str]


def _plan(
    model: type[Model], fields: Sequence[str]
) -> tuple[list[str], tuple[str, ...], list[Link]]:
    """The columns to read (the root's first, each relation's side by side, parents first),
    the root's attnames, and the relations."""
    # Each relation path ("finding", "person__user"): its field, its parent path, its model.
    relations: dict[str, tuple[Any, str, type[Model]]] = {}
    # (column in the row, relation path, attname)
    columns: list[tuple[str, str, str]] = []
    for name in fields:
        *steps, last = name.split("__")
        current: Any = model
        prefix = ""
        for part in steps:
            field: Any = current._meta.get_field(part)
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                raise ValueError(f"{name}: {part} is not a forward foreign key")
            here = f"{prefix}__{part}" if prefix else part
            relations.setdefault(here, (field, prefix, field.related_model))
            current, prefix = field.related_model, here
        columns.append((name, prefix, current._meta.get_field(last).attname))
    for rel_path, (_field, _parent, related) in relations.items():
        columns.append((f"{rel_path}__pk", rel_path, related._meta.pk.attname))
    columns.insert(0, ("pk", "", model._meta.pk.attname))
    # Each path's columns side by side, so that a row's values for one object are a slice.
    columns.sort(key=lambda c: (c[1] != "", c[1].count("__"), c[1]))
    spans: dict[str, tuple[int, int]] = {}
    for index, (_name, path, _attname) in enumerate(columns):
        spans[path] = (spans[path][0] if path in spans else index, index + 1)

    def attnames(path: str) -> tuple[str, ...]:
        return tuple(c[2] for c in columns[slice(*spans[path])])

    links: list[Link] = []
    for rel_path in sorted(relations, key=lambda p: p.count("__")):  # parents first
        field, parent, related = relations[rel_path]
        names = attnames(rel_path)
        key_at = names.index(related._meta.pk.attname)
        links.append(
            (
                rel_path,
                parent,
                related,
                *spans[rel_path],
                names,
                key_at,
                field.attname,
                field.cache_name,
            )
        )
    return [c[0] for c in columns], attnames(""), links


def instances(queryset: QuerySet[M], fields: Sequence[str]) -> list[M]:
    """The queryset's rows (its filters and order) with `fields` loaded: names of the model's
    fields, or `relation__field` through forward foreign keys, at any depth."""
    model = queryset.model
    columns, names, links = _plan(model, fields)
    end = len(names)  # the root's columns come first
    db = queryset.db
    found: list[M] = []
    for row in queryset.values_list(*columns):
        root: Any = _new(model, dict(zip(names, row[:end], strict=True)), db)
        objects: dict[str, Any] = {"": root}
        for rel_path, parent, related, a, b, attnames, key_at, attname, cache_name in links:
            owner = objects[parent]
            values = row[a:b]
            key = values[key_at]
            child = (
                _new(related, dict(zip(attnames, values, strict=True)), db)
                if owner is not None and key is not None
                else None
            )
            objects[rel_path] = child
            if owner is not None:
                owner.__dict__.setdefault(attname, key)  # the key, as select_related
                owner._state.fields_cache[cache_name] = child  # as field.set_cached_value
        found.append(root)
    return found


@contextmanager
def many_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block that creates and keeps hundreds of
    thousands of objects (a reminder job: 100,000 tasks with their findings, reminders, claim
    rows). Each allocation threshold reached makes the collector walk every object still held,
    none of which is garbage: a third of the job's CPU. Reference counting still frees what
    is dropped; cycles made meanwhile wait for the next collection after the block.

    The switch is per process: a block in another thread that ends first turns the collector
    back on early, which costs time, never correctness."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
