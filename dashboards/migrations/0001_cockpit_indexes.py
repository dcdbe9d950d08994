"""Covering indexes for the cockpit's duty-log widget (PostgreSQL only; no-op elsewhere).

The duty-log table is the big one (5 million rows at province scale). The method-mix widget
counts one quarter's logs grouped by child path prefix and action type:

- wide subtrees (a province, a city): the date range is the selective part, so
  `(occurred_on) INCLUDE (org_path, action_type, status)` gives an index-only range scan;
- narrow subtrees (a county and below): the path prefix is, so
  `(org_path varchar_pattern_ops, occurred_on) INCLUDE (action_type, status)`.

Both are covering (index-only scans after VACUUM), so the widget never touches the heap.
Owned by the dashboards app because no other app reads duty logs this way.
"""

from django.db import migrations

INDEXES = {
    "dash_dutylog_day_cover": (
        "CREATE INDEX IF NOT EXISTS dash_dutylog_day_cover ON responsibilities_dutylog "
        "(occurred_on) INCLUDE (org_path, action_type, status)"
    ),
    "dash_dutylog_path_day_cover": (
        "CREATE INDEX IF NOT EXISTS dash_dutylog_path_day_cover ON responsibilities_dutylog "
        "(org_path varchar_pattern_ops, occurred_on) INCLUDE (action_type, status)"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("responsibilities", "0002_duty_lists_logs_letters")]
    operations = [migrations.RunPython(create, drop)]
