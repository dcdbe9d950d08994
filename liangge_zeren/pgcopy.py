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

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text_value(value: Any) -> str:
    """One value in COPY text format: NULL, booleans, JSON for dicts and lists, else str()
    with the format's four special characters escaped."""
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
    return str(value).translate(_ESCAPES)


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
