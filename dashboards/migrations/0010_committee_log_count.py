"""A committee's own counted duty logs per unit (assessments.CommitteeLogCount, issue 19): the
以纪代责 warning reads it instead of the year's logs. PostgreSQL: the triggers
(dashboards/committeelogcount.py) installed and the table filled here; SQLite: after
`migrate` (dashboards.counts.ensure_installed).
"""

from django.db import migrations

from dashboards.migration_ops import install_count_set


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0009_relative_path_dims"),
        ("assessments", "0009_committee_log_count"),
    ]

    operations = [install_count_set("dashboards.committeelogcount")]
