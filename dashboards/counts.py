"""The cockpit's database-maintained tables, together: install checks and rebuilds.

- `DutyLogRollup` (dashboards/rollup.py): subtree counts of duty logs per quarter and type;
- `TaskScope` (dashboards/taskscope.py): each rectification task with its visibility inputs;
- `TaskCount` (dashboards/taskcount.py): tasks per subtree, due quarter, state and the task
  rule's dimensions, kept from `TaskScope`;
- `FindingCount` (dashboards/findingcount.py, a dashboards/countset.py `CountSet`): findings
  per subtree, quarter and the dimensions `inspections.view_finding` reads;
- `MeasureCount` (dashboards/measurecount.py): measures in force per subtree, quarter, kind
  and the case-visibility dimensions;
- `ListCount` (dashboards/listcount.py): responsibility lists per subtree, year, status, flag;
- `assessments.CommitteeLogCount` (dashboards/committeelogcount.py): a committee's own counted
  duty logs per unit, quarter and report-review flag (the 以纪代责 warning).

All are kept by triggers in the writing transaction. `rebuild_all()` recomputes them from the
source tables (`manage.py rebuild_cockpit_counts`, the scale seed after a bulk load).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, transaction

from dashboards import (
    committeelogcount,
    findingcount,
    listcount,
    measurecount,
    rollup,
    taskcount,
    taskscope,
)

# A table kept from another one of these tables comes after it (TaskCount follows TaskScope).
SETS = (
    rollup,
    taskscope,
    taskcount.COUNTS,
    findingcount.COUNTS,
    measurecount.COUNTS,
    listcount.COUNTS,
    committeelogcount.COUNTS,
)


# Each module in SETS names its TABLE, `trigger_names()` and `rebuild_sql(vendor)`; what is
# done with them is the same for both and lives here.


def installed(module, conn=None) -> bool:
    """Whether every trigger of `module` exists."""
    conn = conn or connection
    names = [name for name, _table in module.trigger_names()]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [names],
            )
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
                names,
            )
        return cursor.fetchone()[0] == len(names)


def _kept_from(module) -> list:
    """The tables kept by triggers on `module`'s table (TaskCount on TaskScope)."""
    return [other for other in SETS if module.TABLE in other.NEEDS[1:]]


def rebuild(module, using: str | None = None) -> int:
    """Recompute `module`'s table from its sources (one transaction); returns its row count.

    The tables kept from it are recomputed after it in the same transaction, with their
    triggers off meanwhile on PostgreSQL (one grouped pass instead of a trigger per row)."""
    return _rebuild(module, using)[module.TABLE]


def _rebuild(module, using: str | None) -> dict[str, int]:
    """`rebuild`, returning the row counts of `module`'s table and of those kept from it."""
    conn = connections[using] if using else connection
    dependents = _kept_from(module)
    rows: dict[str, int] = {}
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for dependent in dependents:
            set_module_triggers(dependent, False, conn)
        for sql in module.rebuild_sql(conn.vendor):
            cursor.execute(sql)
        cursor.execute(f"SELECT COUNT(*) FROM {module.TABLE}")
        rows[module.TABLE] = cursor.fetchone()[0]
        for dependent in dependents:
            set_module_triggers(dependent, True, conn)
            rows.update(_rebuild(dependent, using))
    return rows


def _rebuild_each(modules, using: str | None = None) -> dict[str, int]:
    """Rebuild each of `modules` once: a table kept from another one comes with it."""
    rows: dict[str, int] = {}
    for module in modules:
        if module.TABLE not in rows:
            rows.update(_rebuild(module, using))
    return {module.TABLE: rows[module.TABLE] for module in modules}


def set_module_triggers(module, enabled: bool, conn=None) -> None:
    """Switch `module`'s triggers off for a bulk load (PostgreSQL; rebuild afterwards)."""
    conn = conn or connection
    if conn.vendor != "postgresql":
        return
    action = "ENABLE" if enabled else "DISABLE"
    with conn.cursor() as cursor:
        # Pending deferred FK checks of earlier writes block ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, table in module.trigger_names():
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def drop_for_migrate(using: str = "default", **kwargs) -> None:
    """pre_migrate (SQLite): take the triggers off while migrations run.

    SQLite cannot ALTER most columns in place: Django copies a table into a new one, drops
    the old one and renames the copy — which fails while a trigger elsewhere names the table
    (the task-scope triggers name the finding and round tables), and silently loses the
    triggers on the copied table itself. `ensure_installed` puts them back afterwards."""
    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        for module in SETS:
            for sql in module.uninstall_sql(conn.vendor):
                cursor.execute(sql)


def ensure_installed(using: str = "default", **kwargs) -> None:
    """post_migrate: install missing triggers, then rebuild the tables they keep.

    Nothing else writes while `migrate` runs, so a rebuild right after makes the tables exact
    again. On PostgreSQL the migrations install them once and they stay (ALTER TABLE keeps
    triggers); this only repairs a database where they are missing."""
    conn = connections[using]
    if conn.vendor not in ("postgresql", "sqlite"):
        return
    tables = set(conn.introspection.table_names())
    for module in SETS:
        if not set(module.NEEDS) <= tables or installed(module, conn):
            continue
        with transaction.atomic(using=using), conn.cursor() as cursor:
            for sql in module.uninstall_sql(conn.vendor) + module.install_sql(conn.vendor):
                cursor.execute(sql)
        rebuild(module, using)


def rebuild_all(using: str | None = None) -> dict[str, int]:
    """Recompute every table from its sources; returns the row counts."""
    return _rebuild_each(SETS, using)


def set_triggers(enabled: bool) -> None:
    """Bulk loads (scale seed, PostgreSQL): triggers off, load, `rebuild_all()`, back on."""
    for module in SETS:
        set_module_triggers(module, enabled)


@contextmanager
def bulk_load(*modules) -> Iterator[None]:
    """Load rows with the given modules' triggers off (PostgreSQL), then rebuild their tables
    from the sources: one grouped pass instead of a trigger call per loaded row."""
    for module in modules:
        set_module_triggers(module, False)
    try:
        yield
    finally:
        for module in modules:
            set_module_triggers(module, True)
    _rebuild_each(modules)
