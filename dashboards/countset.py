"""Subtree count tables keyed by the dimensions a scope rule reads (issue 19).

A `CountSet` describes one table: for every org path prefix (a subtree), year and quarter of
a date, and value of each dimension (the columns the source's visibility rule and the
cockpit's grouping read: secret flag, side, delivered, the inspecting body's path, ...), the
number of source rows. A source row with path "0002.0001.0003." counts on the rows of
"0002.", "0002.0001." and "0002.0001.0003.".

The rows a source row contributes come from ONE SELECT compiled by Django from a queryset
(`source()`: org_path, the local day, then the dimensions), so flags such as "secret" are the
rules' own conditions, not a restatement. The triggers keep the table in the writing
transaction on PostgreSQL and SQLite with deltas computed from that SELECT:

- BEFORE UPDATE (of a watched column) / BEFORE DELETE: the rows the change touches are
  subtracted while the tables still hold their old state;
- AFTER UPDATE / AFTER INSERT: the same rows are added back with their new state.

So a change on a related table (a round disclosed, a case moved to another deciding body)
moves exactly the counts of the rows it touches. A failed statement rolls its deltas back
with it. `rebuild_sql` recomputes the whole table from the SELECT (counts.rebuild).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

from dashboards.rollup import MAX_DEPTH, WIDTH

QUARTERS = 4  # of a year: the later quarters a `cumulative` row counts on


def _depths(last: int = MAX_DEPTH) -> str:
    """1 to `last` as a table of one column `k` (path depths; quarters)."""
    return " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, last + 1))


def local_day_sql(vendor: str, column: str) -> str:
    """The local calendar day (settings.TIME_ZONE) of a stored date-time column.

    SQLite stores UTC text and has no time-zone data: a fixed offset, valid for zones
    without daylight saving (Asia/Shanghai); others are refused rather than miscounted."""
    if vendor == "postgresql":
        return f"(({column} AT TIME ZONE '{settings.TIME_ZONE}')::date)"
    zone = ZoneInfo(settings.TIME_ZONE)
    offsets = {
        datetime.datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(2000, 2041)
        for month in (1, 7)
    }
    if len(offsets) != 1:
        raise NotImplementedError(f"local day in SQLite triggers for {settings.TIME_ZONE}")
    minutes = int(offsets.pop().total_seconds() // 60)  # type: ignore[union-attr]
    return f"date({column}, '{minutes:+d} minutes')"


def _year(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})::int"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _quarter(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(QUARTER FROM {column})::int"
    return f"((CAST(strftime('%m', {column}) AS INTEGER) + 2) / 3)"


@dataclass(frozen=True)
class CountSet:
    """One count table, its source and the triggers that keep it.

    `source(vendor)` returns the queryset of the source rows with the columns `c_path` (the
    org path), `c_day` (the date counted), `d0`, `d1`, ... (the dimensions, in the order of
    `dims`), `t0`, `t1`, ... (the flags of `tallies`) and whatever keys the trigger conditions
    name; `watched` maps every table the SELECT reads to the columns whose change moves a
    count and the condition on those columns (`r.<column>`, with `ROW` standing for OLD or
    NEW) selecting the source rows a changed row touches. The first watched table is the
    source table itself (its inserts and deletes are counted too)."""

    name: str  # short name for triggers and functions ("finding")
    table: str
    dims: tuple[str, ...]
    source: Callable[[str], QuerySet]
    watched: dict[str, tuple[tuple[str, ...], str]]
    # Dimensions holding an org path (the inspecting body's, the deciding body's): stored
    # relative to the row's prefix, see `_dim_sql`.
    path_dims: tuple[str, ...] = ()
    # False: a source row counts on its own path only (per-unit counts, not subtree sums);
    # the path column is then named `path_column`.
    spread: bool = True
    path_column: str = "prefix"
    # Count columns beside `n`: how many of the counted rows have a flag (the source's
    # booleans t0, t1, ..., in this order), so that one row holds a figure and its part and a
    # rule comparing the two reads the row alone.
    tallies: tuple[str, ...] = ()
    # True: a source row counts on its quarter and on every later quarter of its year, so a
    # row's `quarter` ends a year to date: the year to date is one row, not a sum of rows.
    cumulative: bool = False

    @property
    def TABLE(self) -> str:  # noqa: N802 - the module interface of counts.SETS
        return self.table

    @property
    def NEEDS(self) -> tuple[str, ...]:  # noqa: N802
        return (self.table, *self.watched)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.path_column, "year", "quarter", *self.dims)

    # --- SQL ---------------------------------------------------------------------------

    def _dim_sql(self, index: int, prefix: str) -> str:
        """The stored value of dimension `index` on the row of `prefix`.

        A path dimension inside the prefix's subtree is cut to the child level below the
        prefix ("0002.0001.0003." on prefix "0002." → "0002.0001."; the prefix itself stays
        as it is); a path outside stays whole. So a root row holds a few values per child
        instead of one per inspecting or deciding body in the whole tree, while "the path
        lies in the subtree of R" (strictly or not) keeps its answer for every R that covers
        the prefix or lies outside it — the roots `dashboards.scope.counts_exact` accepts."""
        column = f"g.d{index}"
        if self.dims[index] not in self.path_dims:
            return column
        depth = f"{WIDTH} * d.k"  # the prefix's length (the spread joins the depths d.k)
        return (
            f"CASE WHEN substr({column}, 1, {depth}) = {prefix} "
            f"THEN substr({column}, 1, {depth} + {WIDTH}) ELSE {column} END"
        )

    def select_sql(self, vendor: str) -> str:
        """`source()` as one SELECT with its constants inlined (trigger bodies take no
        parameters)."""
        connection = _connection(vendor)
        sql, params = self.source(vendor).query.get_compiler(connection=connection).as_sql()
        quote = connection.schema_editor().quote_value
        return sql % tuple(quote(param) for param in params)

    def delta_sql(self, vendor: str, where: str, sign: int) -> str:
        """Add (sign 1) or subtract (sign -1) the source rows matching `where`, spread over
        their path prefixes (and later quarters, `cumulative`), one upsert per key."""
        dims = [f"d{i}" for i in range(len(self.dims))]
        tallies = [f"t{i}" for i in range(len(self.tallies))]
        rows = f"SELECT * FROM ({self.select_sql(vendor)}) AS r WHERE {where}"
        # Grouped by exact path first (one pass over the rows), then spread over the prefixes.
        exact_columns = [
            "s.c_path AS c_path",
            f"{_year(vendor, 's.c_day')} AS y",
            f"{_quarter(vendor, 's.c_day')} AS q",
            *(f"s.{d}" for d in dims),
            "COUNT(*) AS n",
            *(f"SUM(CASE WHEN s.{t} THEN 1 ELSE 0 END) AS {t}" for t in tallies),
        ]
        exact = (
            f"SELECT {', '.join(exact_columns)} FROM ({rows}) AS s "
            f"GROUP BY {', '.join(['c_path', 'y', 'q', *dims])}"
        )
        grouped = ", ".join(str(i) for i in range(1, len(self.key) + 1))
        prefix = f"substr(g.c_path, 1, {WIDTH} * d.k)"
        quarter = "cq.k" if self.cumulative else "g.q"
        dim_values = [self._dim_sql(i, prefix) for i in range(len(dims))]
        where = "1 = 1"
        if sign < 0:
            # Only what is counted is taken away: a subtraction never creates a row. While a
            # test flush empties the tables one by one (SQLite: DELETE, triggers fire), the
            # count table may already be empty, or a dimension computed from a deleted
            # related row may be NULL; neither must leave a negative row or fail.
            # Plain equality: the key columns are NOT NULL, so a NULL value matches no row
            # either way, and on PostgreSQL only `=` lets the key index find the row - with
            # IS NOT DISTINCT FROM every subtraction hashed the whole table (750 ms for one
            # task's update at province scale). SQLite's IS uses its index and stays.
            same = "=" if vendor == "postgresql" else "IS"
            values = [prefix, "g.y", quarter, *dim_values]
            match = " AND ".join(
                f"t.{column} {same} {value}" for column, value in zip(self.key, values, strict=True)
            )
            where = f"EXISTS (SELECT 1 FROM {self.table} AS t WHERE {match})"
        counted = ["n", *self.tallies]
        sums = [f"{sign} * SUM(g.{c})" for c in ["n", *tallies]]
        later = f"JOIN ({_depths(QUARTERS)}) AS cq ON cq.k >= g.q " if self.cumulative else ""
        return (
            f"INSERT INTO {self.table} ({', '.join([*self.key, *counted])}) "
            f"SELECT {', '.join([prefix, 'g.y', quarter, *dim_values, *sums])} FROM ({exact}) AS g "
            f"JOIN ({_depths()}) AS d ON {WIDTH} * d.k {'<=' if self.spread else '='} "
            f"length(g.c_path) {later}"
            f"WHERE {where} GROUP BY {grouped} "
            f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET "
            + ", ".join(f"{c} = {self.table}.{c} + excluded.{c}" for c in counted)
        )

    def _triggers(self) -> list[tuple[str, str, str, str, int]]:
        """(trigger name, table, timing and event, OLD or NEW, sign) of every trigger."""
        out = []
        for index, table in enumerate(self.watched):
            base = f"dash_{self.name}_count_{table.split('_', 1)[1]}"
            out.append((f"{base}_upd_old", table, "BEFORE UPDATE", "OLD", -1))
            out.append((f"{base}_upd_new", table, "AFTER UPDATE", "NEW", 1))
            if index == 0:
                out.append((f"{base}_ins", table, "AFTER INSERT", "NEW", 1))
                out.append((f"{base}_del", table, "BEFORE DELETE", "OLD", -1))
        return out

    def trigger_names(self) -> list[tuple[str, str]]:
        return [(name, table) for name, table, *_rest in self._triggers()]

    def _changed(self, vendor: str, table: str) -> str:
        op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
        return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in self.watched[table][0])

    def install_sql(self, vendor: str) -> list[str]:
        if vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"count triggers for {vendor}")
        statements = []
        for name, table, event, row, sign in self._triggers():
            where = self.watched[table][1].replace("ROW.", f"{row}.")
            body = self.delta_sql(vendor, where, sign)
            when = f"{self._changed(vendor, table)}" if event.endswith("UPDATE") else ""
            if vendor == "postgresql":
                back = "OLD" if event == "BEFORE DELETE" else "NEW"
                statements.append(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                    f"AS $$\nBEGIN {body}; RETURN {back}; END $$"
                )
                statements.append(
                    f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW "
                    + (f"WHEN ({when}) " if when else "")
                    + f"EXECUTE FUNCTION {name}()"
                )
            else:
                statements.append(
                    f"CREATE TRIGGER {name} {event} ON {table} "
                    + (f"WHEN {when} " if when else "")
                    + f"BEGIN {body}; END"
                )
        return statements

    def uninstall_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            drops = [f"DROP TRIGGER IF EXISTS {n} ON {t}" for n, t in self.trigger_names()]
            return drops + [f"DROP FUNCTION IF EXISTS {n}()" for n, _t in self.trigger_names()]
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _table in self.trigger_names()]

    def rebuild_sql(self, vendor: str) -> list[str]:
        statements = []
        if vendor == "postgresql":
            statements.append(f"LOCK TABLE {', '.join(self.watched)} IN SHARE MODE")
        statements += [f"DELETE FROM {self.table}", self.delta_sql(vendor, "1 = 1", 1)]
        if vendor == "postgresql":
            statements.append(f"ANALYZE {self.table}")
        return statements


def _connection(vendor: str):
    for connection in connections.all():
        if connection.vendor == vendor:
            return connection
    raise NotImplementedError(f"no {vendor} database to compile the count source for")
