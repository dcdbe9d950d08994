"""The migration operation of a count table kept by triggers (dashboards/countset.py).

PostgreSQL: the triggers installed and the table filled in the migration; SQLite: after
`migrate` (dashboards.counts.ensure_installed, which reinstalls what SQLite's table rebuilds
drop). Reversing drops the triggers. The count set is imported when the operation runs, so a
migration does not load the application's models when it is read.
"""

from __future__ import annotations

import importlib

from django.db import migrations


def install_count_set(module: str, name: str = "COUNTS") -> migrations.RunPython:
    def counts():
        return getattr(importlib.import_module(module), name)

    def install(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor != "postgresql":
            return
        for sql in counts().install_sql(vendor) + counts().rebuild_sql(vendor):
            schema_editor.execute(sql, params=None)

    def uninstall(apps, schema_editor):
        for sql in counts().uninstall_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(install, uninstall)
