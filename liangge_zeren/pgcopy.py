"""`COPY … FROM STDIN` on PostgreSQL: rows in the COPY text format, streamed to psycopg2.

One home for the format, used by the scale seed (demo.scale.Loader) and the reminder claim
(notifications.services). A multi-row INSERT of 1,000 rows makes PostgreSQL parse and
coerce 1,000 VALUES lists; COPY parses a tab-separated line per row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import JSONField, Model
from django.utils import timezone

NULL = "\\N"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def escape(text: str) -> str:
    """The COPY text format's escapes (backslash first). A test and `replace` per special
    character: `str.translate` with a table was 1.8 s for a roll-up's 260,000 values."""
    for char, escaped in _ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return text


def text_value(value: Any) -> str:
    """One value in COPY text format: NULL, booleans, JSON for dicts and lists, else str()
    with the format's four special characters escaped."""
    kind = type(value)
    if kind is str:  # most values, first (a claim writes 1.2 million)
        return escape(value)
    if kind is int:
        return str(value)
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, int | float):
        return str(value)
    return escape(str(value))


def line(values: Iterable[Any]) -> str:
    return "\t".join([text_value(v) for v in values]) + "\n"


class _Stream(io.RawIOBase):
    """A file-like object over an iterator of lines, for psycopg2's `copy_expert`."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunks, have = [self._buffer], len(self._buffer)
        while size < 0 or have < size:
            try:
                data = next(self._lines).encode()
            except StopIteration:
                break
            chunks.append(data)
            have += len(data)
        data = b"".join(chunks)
        if size < 0:
            self._buffer = b""
            return data
        self._buffer = data[size:]
        return data[:size]


def copy_lines(cursor: Any, table: str, columns: Sequence[str], lines: Iterable[str]) -> None:
    """COPY ready-made lines (see `line`) into `table` (`columns` already quoted or plain
    names) through a Django cursor on a PostgreSQL connection."""
    names = ", ".join(columns)
    cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", _Stream(iter(lines)))


# --- New rows with their history, by COPY ------------------------------------------------------


def _field_text(field: Any, value: Any, connection: Any) -> str:
    if value is None:
        return NULL
    if isinstance(field, JSONField):
        return escape(json.dumps(value, cls=field.encoder, ensure_ascii=False))
    if type(value) is int:  # what the field would send as it is (prep_save was 1.4 s)
        return str(value)
    if type(value) is str:
        return escape(value)
    return text_value(field.get_db_prep_save(value, connection))


def bulk_create_with_history(
    objs: list[Any],
    model: type[Model],
    *,
    default_user: Any = None,
    default_change_reason: str | None = None,
    batch_size: int = 500,
) -> list[Any]:
    """simple_history's `bulk_create_with_history`, by COPY on PostgreSQL.

    A province's first roll-up of a quarter creates 20,017 snapshots of ~3 KB of JSON each
    and as many history rows: as 1,000-row INSERTs that was ~10 s, most of it PostgreSQL
    parsing VALUES lists and Python preparing 900,000 values; COPY of the same rows is ~3 s.
    The ids are drawn from the table's sequence first, so each history row carries its
    object's id; each JSON value is encoded once, for the row and its history row. Fields
    get `pre_save(add=True)` as in `bulk_create`; no signals are sent (neither sends any).
    Elsewhere: simple_history's own function."""
    from django.db import connection

    if connection.vendor != "postgresql" or not objs:
        from simple_history.utils import bulk_create_with_history as by_insert

        return by_insert(
            objs,
            model,
            batch_size=batch_size,
            default_user=default_user,
            default_change_reason=default_change_reason,
        )
    meta = model._meta
    quote = connection.ops.quote_name
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(table), meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    fields = list(meta.concrete_fields)
    texts: list[dict[str, str]] = []
    for obj, pk in zip(objs, ids, strict=True):
        setattr(obj, meta.pk.attname, pk)
        texts.append({f.attname: _field_text(f, f.pre_save(obj, True), connection) for f in fields})
    with connection.cursor() as cursor:
        copy_lines(
            cursor,
            quote(table),
            [quote(f.column) for f in fields],
            ("\t".join([row[f.attname] for f in fields]) + "\n" for row in texts),
        )
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        _copy_history(objs, model, texts, default_user, default_change_reason)
    return objs


def _copy_history(
    objs: list[Any],
    model: type[Model],
    texts: list[dict[str, str]],
    default_user: Any,
    default_change_reason: str | None,
) -> None:
    """The '+' history rows of `bulk_history_create`, from the rows' own COPY text."""
    from django.db import connection
    from simple_history.utils import get_change_reason_from_object

    history = model.history.model  # type: ignore[attr-defined]
    tracked = {f.attname for f in history.tracked_fields}
    own = {"history_date", "history_change_reason", "history_type", "history_user_id"}
    fields = [f for f in history._meta.concrete_fields if not f.primary_key]
    unknown = [f.attname for f in fields if f.attname not in tracked | own]
    if unknown:  # a history model with more than simple_history's own columns
        raise ImproperlyConfigured(f"{history.__name__}: cannot fill {unknown}")
    now = timezone.now()
    date_field = history._meta.get_field("history_date")
    quote = connection.ops.quote_name

    def lines() -> Iterator[str]:
        for obj, row in zip(objs, texts, strict=True):
            user = getattr(obj, "_history_user", None) or default_user
            values = {
                "history_date": _field_text(
                    date_field, getattr(obj, "_history_date", None) or now, connection
                ),
                "history_change_reason": text_value(
                    get_change_reason_from_object(obj) or default_change_reason
                ),
                "history_type": "+",
                "history_user_id": text_value(user.pk if user is not None else None),
            }
            yield (
                "\t".join(
                    [values[f.attname] if f.attname in own else row[f.attname] for f in fields]
                )
                + "\n"
            )

    with connection.cursor() as cursor:
        copy_lines(
            cursor, quote(history._meta.db_table), [quote(f.column) for f in fields], lines()
        )
