"""The triggers that keep `TaskScope` (one row per rectification task) in step.

Every row is (re)computed by one upsert from the task, its finding and the finding's round,
for the tasks a change touches:

- a task inserted or updated (org_path, status, due_date, owner, finding, closed_at) → that
  task;
- a task deleted → its row goes;
- a finding whose inspecting path, org path, side, upward channel, feedback (delivered_at)
  or round changes → its tasks;
- a round whose kind or disclosure (disclosed_at) changes → the tasks of its findings.

Same SQL on PostgreSQL (PL/pgSQL functions) and SQLite (trigger bodies), installed by
migration 0004 (again by 0005, which added `closed_at`) and re-installed after any migration
that dropped them (SQLite rebuilds altered tables without their triggers; see
counts.ensure_installed).
"""

from __future__ import annotations

from inspections.models import InspectionRound

TABLE = "dashboards_taskscope"
TASK = "inspections_rectificationtask"
FINDING = "inspections_finding"
ROUND = "inspections_inspectionround"
COVERT = InspectionRound.Kind.COVERT_VISIT.value
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
SELECT = (
    "SELECT t.id, t.org_path, t.status, t.due_date, t.owner_tenure_id, f.inspecting_path, "
    "f.org_path, f.side, "
    f"(f.upward_channel OR (r.id IS NOT NULL AND r.kind = '{COVERT}' "
    "AND r.disclosed_at IS NULL)), "
    "(f.delivered_at IS NOT NULL), t.closed_at "
    f"FROM {TASK} t JOIN {FINDING} f ON f.id = t.finding_id "
    f"LEFT JOIN {ROUND} r ON r.id = f.round_id"
)
WATCHED = {
    TASK: ("org_path", "status", "due_date", "owner_tenure_id", "finding_id", "closed_at"),
    FINDING: ("inspecting_path", "org_path", "side", "upward_channel", "delivered_at", "round_id"),
    ROUND: ("kind", "disclosed_at"),
}
# Which tasks a changed row of each table touches.
TOUCHED = {TASK: "t.id = NEW.id", FINDING: "t.finding_id = NEW.id", ROUND: "f.round_id = NEW.id"}
SHORT = {TASK: "task", FINDING: "finding", ROUND: "round"}


def refresh_sql(where: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    return (
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {SELECT} WHERE {where} "
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
                f"BEGIN {refresh_sql(TOUCHED[table])}; RETURN NULL; END $$"
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
                f"WHEN {_changed(vendor, table)} BEGIN {refresh_sql(TOUCHED[table])}; END"
            )
        statements += [
            f"CREATE TRIGGER dash_taskscope_task_ins AFTER INSERT ON {TASK} "
            f"BEGIN {refresh_sql(TOUCHED[TASK])}; END",
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
    statements += [f"DELETE FROM {TABLE}", refresh_sql("1 = 1")]
    if vendor == "postgresql":
        statements.append(f"ANALYZE {TABLE}")
    return statements
