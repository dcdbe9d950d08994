"""`TaskScope.closed_at`: when each task was closed, for the cockpit's on-time trend.

On PostgreSQL the triggers are (re)installed (their column lists and WHEN clauses name the
new column; on a new database this is their first install), the table is refilled, and the covering index is rebuilt to include the column so a
county's tasks still come from an index-only scan. SQLite's triggers are taken off before
`migrate` and reinstalled, with a rebuild, after it (dashboards.counts).
"""

from django.db import migrations, models

OLD_INDEX = "DROP INDEX IF EXISTS dash_taskscope_path_cover"
INDEX = (
    "CREATE INDEX IF NOT EXISTS dash_taskscope_path_cover ON dashboards_taskscope "
    "(org_path varchar_pattern_ops) INCLUDE (status, due_date, owner_tenure_id, "
    "inspecting_path, finding_org_path, side, secret, delivered, closed_at)"
)


def drop_triggers(apps, schema_editor):
    from dashboards import taskscope

    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for sql in taskscope.uninstall_sql(vendor):
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    from dashboards import taskscope

    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for sql in taskscope.install_sql(vendor) + taskscope.rebuild_sql(vendor):
        schema_editor.execute(sql, params=None)
    schema_editor.execute(OLD_INDEX)
    schema_editor.execute(INDEX)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0004_task_scope")]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="taskscope",
            name="closed_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(install, drop_triggers),
    ]
