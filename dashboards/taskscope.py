"""The triggers that keep `TaskScope` (one row per rectification task) in step.

Every row is (re)computed by one upsert from the task, its finding and the finding's round,
for the tasks a change touches:

- a task inserted or updated (org_path, status, due_date, owner, finding, closed_at) → that
  task;
- a task deleted → its row goes;
- a finding whose inspecting path, org path, side, upward channel, feedback (delivered_at)
  or round changes → its tasks;
- a round whose kind or disclosure (disclosed_at) changes → the tasks of its findings.

The SELECT is compiled by Django from the task queryset, and its two visibility flags from
the inspections conditions themselves (`inspections.rules.secret` and `delivered`), so the
table does not restate the task-visibility rule; dashboards/scope.py filters the rows with
that rule relocated onto these columns.

Same SQL on PostgreSQL (PL/pgSQL functions) and SQLite (trigger bodies), installed by
migration 0004 (again by 0005, which added `closed_at`) and re-installed after any migration
that dropped them (SQLite rebuilds altered tables without their triggers; see
counts.ensure_installed).
"""

from __future__ import annotations

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, ExpressionWrapper, QuerySet

from inspections.models import RectificationTask
from inspections.rules import delivered, secret
from responsibilities.scoping import Cond

TABLE = "dashboards_taskscope"
TASK = "inspections_rectificationtask"
FINDING = "inspections_finding"
ROUND = "inspections_inspectionround"
NEEDS = (TABLE, TASK, FINDING, ROUND)  # tables the triggers and the rebuild use

COLUMNS = (
    "task_id",
    "org_path",
    "status",
    "due_date",
    "owner_tenure_id",
    "inspecting_path",
    "finding_org_path",
    "side",
    "secret",
    "delivered",
    "closed_at",
)
WATCHED = {
    TASK: ("org_path", "status", "due_date", "owner_tenure_id", "finding_id", "closed_at"),
    FINDING: ("inspecting_path", "org_path", "side", "upward_channel", "delivered_at", "round_id"),
    ROUND: ("kind", "disclosed_at"),
}
# Which tasks a changed row of each table touches.
TOUCHED = {
    TASK: f'"{TASK}"."id" = NEW.id',
    FINDING: f'"{TASK}"."finding_id" = NEW.id',
    ROUND: f'"{FINDING}"."round_id" = NEW.id',
}
SHORT = {TASK: "task", FINDING: "finding", ROUND: "round"}


def _flag(cond: Cond) -> ExpressionWrapper:
    return ExpressionWrapper(cond.q, output_field=BooleanField())


def source() -> QuerySet:
    """The rows of the table, one per task: the task's fields, its finding's, and the
    finding's two visibility flags, in the order of COLUMNS."""
    return (
        RectificationTask.objects.order_by()
        .annotate(_secret=_flag(secret("finding__")), _delivered=_flag(delivered("finding__")))
        .values_list(
            "id",
            "org_path",
            "status",
            "due_date",
            "owner_tenure_id",
            "finding__inspecting_path",
            "finding__org_path",
            "finding__side",
            "_secret",
            "_delivered",
            "closed_at",
        )
    )


def _connection(vendor: str) -> BaseDatabaseWrapper:
    for connection in connections.all():
        if connection.vendor == vendor:
            return connection
    raise NotImplementedError(f"no {vendor} database to compile the task scope for")


def select_sql(vendor: str) -> str:
    """`source()` as one SELECT with its constants inlined (trigger bodies take no params)."""
    connection = _connection(vendor)
    sql, params = source().query.get_compiler(connection=connection).as_sql()
    quote = connection.schema_editor().quote_value
    return sql % tuple(quote(param) for param in params)


def refresh_sql(vendor: str, where: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    return (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {select_sql(vendor)} WHERE {where} "
        f"ON CONFLICT (task_id) DO UPDATE SET {updates}"
    )


def _changed(vendor: str, table: str) -> str:
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in WATCHED[table])


def trigger_names() -> list[tuple[str, str]]:
    """(trigger name, table) of every trigger."""
    names = [(f"dash_taskscope_{SHORT[t]}_{ev}", t) for t in WATCHED for ev in ("ins", "upd")]
    names = [(n, t) for n, t in names if not (t != TASK and n.endswith("_ins"))]
    return [*names, ("dash_taskscope_task_del", TASK)]


def install_sql(vendor: str) -> list[str]:
    delete = f"DELETE FROM {TABLE} WHERE task_id = OLD.id"
    statements = []
    if vendor == "postgresql":
        for table in WATCHED:
            function = f"dash_taskscope_{SHORT[table]}"
            statements.append(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN {refresh_sql(vendor, TOUCHED[table])}; RETURN NULL; END $$"
            )
            statements.append(
                f"CREATE TRIGGER {function}_upd AFTER UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({_changed(vendor, table)}) EXECUTE FUNCTION {function}()"
            )
        statements += [
            f"CREATE TRIGGER dash_taskscope_task_ins AFTER INSERT ON {TASK} FOR EACH ROW "
            "EXECUTE FUNCTION dash_taskscope_task()",
            "CREATE OR REPLACE FUNCTION dash_taskscope_task_gone() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$\nBEGIN {delete}; RETURN NULL; END $$",
            f"CREATE TRIGGER dash_taskscope_task_del AFTER DELETE ON {TASK} FOR EACH ROW "
            "EXECUTE FUNCTION dash_taskscope_task_gone()",
        ]
        return statements
    if vendor == "sqlite":
        for table in WATCHED:
            name = f"dash_taskscope_{SHORT[table]}"
            statements.append(
                f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {table} "
                f"WHEN {_changed(vendor, table)} BEGIN {refresh_sql(vendor, TOUCHED[table])}; END"
            )
        statements += [
            f"CREATE TRIGGER dash_taskscope_task_ins AFTER INSERT ON {TASK} "
            f"BEGIN {refresh_sql(vendor, TOUCHED[TASK])}; END",
            f"CREATE TRIGGER dash_taskscope_task_del AFTER DELETE ON {TASK} BEGIN {delete}; END",
        ]
        return statements
    raise NotImplementedError(f"task scope triggers for {vendor}")


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        drops = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in trigger_names()]
        functions = [f"dash_taskscope_{SHORT[t]}" for t in WATCHED] + ["dash_taskscope_task_gone"]
        return drops + [f"DROP FUNCTION IF EXISTS {f}()" for f in functions]
    return [f"DROP TRIGGER IF EXISTS {name}" for name, _table in trigger_names()]


def rebuild_sql(vendor: str) -> list[str]:
    statements = []
    if vendor == "postgresql":
        statements.append(f"LOCK TABLE {TASK}, {FINDING}, {ROUND} IN SHARE MODE")
    statements += [f"DELETE FROM {TABLE}", refresh_sql(vendor, "1 = 1")]
    if vendor == "postgresql":
        statements.append(f"ANALYZE {TABLE}")
    return statements
