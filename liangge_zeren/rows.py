"""`instances(queryset, fields)`: many rows as model instances, without `Model.__init__`.

A job that reads 100,000 rows as objects (the rectification-task reminders: each task with
its finding, for the gate's permission rules) spent 1.8 s of its 5 s in `Model.__init__`,
which walks every field of the model for every row however few were loaded. Here the
instances are made as unpickling makes them (`Model.__new__`, then the instance dict), with
the loaded values only: what `queryset.select_related(…).only(*fields)` gives — other fields
are deferred and load on access, related objects are cached on their parent — at the cost of
`values_list`. No `pre_init`/`post_init` signal is sent (none is connected for the models
read this way; tests/liangge_zeren/test_rows.py checks the result against the ORM's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


def _new(model: type[Model], values: dict[str, Any], db: str) -> Model:
    obj = model.__new__(model)
    obj.__dict__.update(values)
    state = ModelState()
    state.adding, state.db = False, db
    obj._state = state
    return obj


def instances(queryset: QuerySet[M], fields: Sequence[str]) -> list[M]:
    """The queryset's rows (its filters and order) with `fields` loaded: names of the model's
    fields, or `relation__field` through forward foreign keys, at any depth."""
    model = queryset.model
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
    spans: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for index, (_name, path, _attname) in enumerate(columns):
        start = spans[path][0] if path in spans else index
        spans[path] = (start, index + 1, ())
    for path, (start, end, _names) in spans.items():
        spans[path] = (start, end, tuple(c[2] for c in columns[start:end]))
    db = queryset.db
    start, end, names = spans[""]
    plan = [
        (rel_path, *relations[rel_path], spans[rel_path], relations[rel_path][2]._meta.pk.attname)
        for rel_path in sorted(relations, key=lambda p: p.count("__"))  # parents first
    ]
    found: list[M] = []
    for row in queryset.values_list(*[c[0] for c in columns]):
        root: Any = _new(model, dict(zip(names, row[start:end], strict=True)), db)
        objects: dict[str, Any] = {"": root}
        for rel_path, field, parent, related, (a, b, attnames), pk_name in plan:
            owner = objects[parent]
            values = dict(zip(attnames, row[a:b], strict=True))
            key = values[pk_name]
            present = owner is not None and key is not None
            child = _new(related, values, db) if present else None
            objects[rel_path] = child
            if owner is not None:
                owner.__dict__.setdefault(field.attname, key)  # the key, as select_related
                field.set_cached_value(owner, child)
        found.append(root)
    return found
