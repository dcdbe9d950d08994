"""A committee's own counted duty logs per unit (assessments.CommitteeLogCount, issue 19).

This migration installed the triggers of the table's first shape (a row per quarter and
report-review flag). The table has since changed (assessments/0010), and the operation builds
the triggers from today's definition, which the first shape cannot hold: the triggers are now
installed by 0012, after the change; this one does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0009_relative_path_dims"),
        ("assessments", "0009_committee_log_count"),
    ]

    operations: list = []
