"""The count tables' subtracting triggers find the row to subtract from with `=` on the key
columns instead of IS NOT DISTINCT FROM (dashboards.countset.CountSet.delta_sql): only `=` can
use the key index, and without it every update or delete of a counted row hashed the whole
count table (750 ms for one rectification task's update at province scale, 5 ms after). The
key columns are NOT NULL, so the rows matched are the same and the counts do not change: the
triggers are replaced, the tables are not rebuilt. PostgreSQL only; SQLite's `IS` uses its
index and its triggers stay as they are.
"""

from django.db import migrations


def _count_sets():
    from dashboards import counts
    from dashboards.countset import CountSet

    return [module for module in counts.SETS if isinstance(module, CountSet)]


def reinstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for count_set in _count_sets():
        for sql in count_set.uninstall_sql(vendor) + count_set.install_sql(vendor):
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0013_taskscope_cover_key")]

    # Going back leaves these triggers: the old ones matched the same rows, only slower.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
