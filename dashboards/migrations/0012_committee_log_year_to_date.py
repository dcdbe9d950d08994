"""CommitteeLogCount by year to date (assessments/0010, issue 19). PostgreSQL: the triggers
(dashboards/committeelogcount.py) installed and the table filled here; SQLite: after
`migrate` (dashboards.counts.ensure_installed).
"""

from django.db import migrations

from dashboards.migration_ops import install_count_set


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0011_task_count"),
        ("assessments", "0010_committee_log_year_to_date"),
    ]

    operations = [install_count_set("dashboards.committeelogcount")]
