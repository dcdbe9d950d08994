"""The triggers that maintain `DutyLogRollup`, and its rebuild from the duty logs.

A counted log (status in `DutyLog.COUNTED`) with path "0002.0001.0003." adds 1 to the rows
of "0002.", "0002.0001." and "0002.0001.0003." for its quarter and action type. The triggers
run in the writing transaction (a rolled-back log leaves no count behind):

- INSERT of a counted log: +1 on each prefix row (upsert);
- DELETE of a counted log: −1 on each;
- UPDATE of status, org_path, occurred_on or action_type: −1 for the old row if it counted,
  +1 for the new one if it counts (a review, a return, a resubmission, a tree move).

Written for PostgreSQL (PL/pgSQL) and SQLite (the embedded default and the unit suite); the
SQL is generated here from `DutyLog.COUNTED` and the path width, and installed by migration.
SQLite triggers cannot use WITH, so the depths 1…51 are a literal UNION ALL.
"""

from __future__ import annotations

from responsibilities.models import PATH_STEP, DutyLog

WIDTH = PATH_STEP  # one path segment, "0001."
MAX_DEPTH = 255 // WIDTH  # org_path is a varchar(255)
SOURCE = "responsibilities_dutylog"
TABLE = "dashboards_dutylogrollup"
KEY = "(prefix, year, quarter, action_type)"
PG_FUNCTION = "dash_dutylog_rollup"
TRIGGERS = ("dash_dutylog_rollup_ins", "dash_dutylog_rollup_del", "dash_dutylog_rollup_upd")
NEEDS = (TABLE, SOURCE)  # tables the triggers and the rebuild use


def _counted() -> str:
    return "(" + ", ".join(f"'{s}'" for s in sorted(DutyLog.COUNTED)) + ")"


def _depths() -> str:
    return " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, MAX_DEPTH + 1))


def _year(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})::int"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _quarter(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(QUARTER FROM {column})::int"
    return f"((CAST(strftime('%m', {column}) AS INTEGER) + 2) / 3)"


def _prefixes(row: str) -> str:
    """The row's path prefixes, one per depth (a subquery usable inside a trigger)."""
    return (
        f"SELECT substr({row}.org_path, 1, {WIDTH} * d.k) AS prefix FROM ({_depths()}) AS d "
        f"WHERE {WIDTH} * d.k <= length({row}.org_path)"
    )


def _add(vendor: str, row: str = "NEW") -> str:
    return (
        f"INSERT INTO {TABLE} (prefix, year, quarter, action_type, n) "
        f"SELECT p.prefix, {_year(vendor, row + '.occurred_on')}, "
        f"{_quarter(vendor, row + '.occurred_on')}, {row}.action_type, 1 "
        f"FROM ({_prefixes(row)}) AS p WHERE {row}.status IN {_counted()} ORDER BY p.prefix "
        f"ON CONFLICT {KEY} DO UPDATE SET n = {TABLE}.n + 1"
    )


def _subtract(vendor: str, row: str = "OLD") -> str:
    return (
        f"UPDATE {TABLE} SET n = n - 1 WHERE {row}.status IN {_counted()} "
        f"AND year = {_year(vendor, row + '.occurred_on')} "
        f"AND quarter = {_quarter(vendor, row + '.occurred_on')} "
        f"AND action_type = {row}.action_type AND prefix IN ({_prefixes(row)})"
    )


CHANGED = " OR ".join(
    f"OLD.{c} IS DISTINCT FROM NEW.{c}"
    for c in ("status", "org_path", "occurred_on", "action_type")
)


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        function = (
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP <> 'INSERT' THEN {_subtract(vendor)}; END IF;\n"
            f"  IF TG_OP <> 'DELETE' THEN {_add(vendor)}; END IF;\n"
            "  RETURN NULL;\n"
            "END $$"
        )
        return [
            function,
            f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON {SOURCE} "
            f"FOR EACH ROW WHEN (NEW.status IN {_counted()}) EXECUTE FUNCTION {PG_FUNCTION}()",
            f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON {SOURCE} "
            f"FOR EACH ROW WHEN (OLD.status IN {_counted()}) EXECUTE FUNCTION {PG_FUNCTION}()",
            f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE ON {SOURCE} "
            f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON {SOURCE} BEGIN {_add(vendor)}; END",
            f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE ON {SOURCE} BEGIN {_subtract(vendor)}; END",
            f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE ON {SOURCE} WHEN {CHANGED} "
            f"BEGIN {_subtract(vendor)}; {_add(vendor)}; END",
        ]
    raise NotImplementedError(f"duty-log roll-up triggers for {vendor}")


def uninstall_sql(vendor: str) -> list[str]:
    drops = [
        f"DROP TRIGGER IF EXISTS {name}" + (f" ON {SOURCE}" if vendor == "postgresql" else "")
        for name in TRIGGERS
    ]
    if vendor == "postgresql":
        drops.append(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    return drops


def rebuild_sql(vendor: str) -> list[str]:
    """Recompute every row from the logs: group by exact path first (one pass over the logs),
    then spread each group over its prefixes."""
    grouped = (
        f"SELECT org_path, {_year(vendor, 'occurred_on')} AS y, "
        f"{_quarter(vendor, 'occurred_on')} AS q, action_type, COUNT(*) AS n FROM {SOURCE} "
        f"WHERE status IN {_counted()} GROUP BY org_path, y, q, action_type"
    )
    statements = []
    if vendor == "postgresql":
        # Writers wait for the rebuild (readers do not): no log is counted twice or missed.
        statements.append(f"LOCK TABLE {SOURCE} IN SHARE MODE")
    statements += [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} (prefix, year, quarter, action_type, n) "
        f"SELECT substr(g.org_path, 1, {WIDTH} * d.k), g.y, g.q, g.action_type, SUM(g.n) "
        f"FROM ({grouped}) AS g JOIN ({_depths()}) AS d ON {WIDTH} * d.k <= length(g.org_path) "
        f"GROUP BY 1, 2, 3, 4",
    ]
    if vendor == "postgresql":
        statements.append(f"ANALYZE {TABLE}")  # fresh statistics for the cockpit's lookups
    return statements


def install(schema_editor) -> None:
    for sql in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor) -> None:
    for sql in uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def trigger_names() -> list[tuple[str, str]]:
    """(trigger name, table) of every trigger (dashboards/counts.py acts on them)."""
    return [(name, SOURCE) for name in TRIGGERS]
