"""CommitteeLogCount holds a year to date per row, with the report reviews in a column and
their share computed by the database (issue 19): the 以纪代责 warning finds the units above a
share in an index instead of summing every unit's quarters.

The old triggers (installed by dashboards/0010 before it became a no-op) name the dropped
column: they go first, if present, the old rows with them; dashboards/0012 installs the new
triggers and refills the table.
"""

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models

OLD_TRIGGERS = [
    ("dash_committeelog_count_dutylog_upd_old", "responsibilities_dutylog"),
    ("dash_committeelog_count_dutylog_upd_new", "responsibilities_dutylog"),
    ("dash_committeelog_count_dutylog_ins", "responsibilities_dutylog"),
    ("dash_committeelog_count_dutylog_del", "responsibilities_dutylog"),
    ("dash_committeelog_count_tenure_upd_old", "responsibilities_tenure"),
    ("dash_committeelog_count_tenure_upd_new", "responsibilities_tenure"),
]


def drop_old_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, table in OLD_TRIGGERS:
        if postgresql:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", params=None)
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0009_committee_log_count"),
    ]

    operations = [
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop),
        migrations.RunSQL("DELETE FROM assessments_committeelogcount", migrations.RunSQL.noop),
        migrations.RemoveConstraint(
            model_name="committeelogcount",
            name="committee_log_count_key",
        ),
        migrations.RemoveIndex(
            model_name="committeelogcount",
            name="committee_log_count_subtree",
        ),
        migrations.RemoveField(
            model_name="committeelogcount",
            name="report_review",
        ),
        migrations.AddField(
            model_name="committeelogcount",
            name="reviews",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="committeelogcount",
            name="review_share",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.functions.comparison.Cast(
                        django.db.models.expressions.CombinedExpression(
                            models.F("reviews"), "*", models.Value(100)
                        ),
                        models.FloatField(),
                    ),
                    "/",
                    django.db.models.functions.comparison.NullIf(models.F("n"), 0),
                ),
                output_field=models.FloatField(),
            ),
        ),
        migrations.AddConstraint(
            model_name="committeelogcount",
            constraint=models.UniqueConstraint(
                fields=("org_path", "year", "quarter"), name="committee_log_count_key"
            ),
        ),
        migrations.AddIndex(
            model_name="committeelogcount",
            index=models.Index(
                fields=["year", "quarter", "review_share"], name="committee_log_count_share"
            ),
        ),
    ]
