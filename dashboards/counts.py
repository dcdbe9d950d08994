"""The cockpit's database-maintained tables, together: install checks and rebuilds.

- `DutyLogRollup` (dashboards/rollup.py): subtree counts of duty logs per quarter and type;
- `TaskScope` (dashboards/taskscope.py): each rectification task with its visibility inputs.

Both are kept by triggers in the writing transaction. `rebuild_all()` recomputes them from the
source tables (`manage.py rebuild_cockpit_counts`, the scale seed after a bulk load).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from dashboards import rollup, taskscope

SETS = (rollup, taskscope)


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
        if not set(module.NEEDS) <= tables or module.installed(conn):
            continue
        with transaction.atomic(using=using), conn.cursor() as cursor:
            for sql in module.uninstall_sql(conn.vendor) + module.install_sql(conn.vendor):
                cursor.execute(sql)
        module.rebuild(using)


def rebuild_all(using: str | None = None) -> dict[str, int]:
    """Recompute every table from its sources; returns the row counts."""
    return {module.TABLE: module.rebuild(using) for module in SETS}


def set_triggers(enabled: bool) -> None:
    """Bulk loads (scale seed, PostgreSQL): triggers off, load, `rebuild_all()`, back on."""
    for module in SETS:
        module.set_triggers(enabled)


@contextmanager
def bulk_load(*modules) -> Iterator[None]:
    """Load rows with the given modules' triggers off (PostgreSQL), then rebuild their tables
    from the sources: one grouped pass instead of a trigger call per loaded row."""
    for module in modules:
        module.set_triggers(False)
    try:
        yield
    finally:
        for module in modules:
            module.set_triggers(True)
    for module in modules:
        module.rebuild()
