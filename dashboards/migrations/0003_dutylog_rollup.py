"""Subtree counts of duty logs per quarter and action type (dashboards.DutyLogRollup).

Creates the table, installs the triggers that keep it in step with responsibilities_dutylog
(dashboards/rollup.py) and fills it from the logs already there — on a real database as on
the scale seed.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from dashboards import rollup

    # SQLite: installed after `migrate` by dashboards.counts.ensure_installed (post_migrate),
    # because SQLite table rebuilds in later migrations would drop or trip over them.
    if schema_editor.connection.vendor != "postgresql":
        return
    rollup.install(schema_editor)
    for sql in rollup.rebuild_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    from dashboards import rollup

    rollup.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_path_statistics"),
        ("responsibilities", "0002_duty_lists_logs_letters"),
    ]

    operations = [
        migrations.CreateModel(
            name="DutyLogRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("prefix", models.CharField(max_length=255)),
                ("year", models.PositiveSmallIntegerField()),
                ("quarter", models.PositiveSmallIntegerField()),
                ("action_type", models.CharField(max_length=32)),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("prefix", "year", "quarter", "action_type"),
                        name="dutylog_rollup_key",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
