"""Finding and measure counts store their path dimensions relative to each row's prefix
(dashboards.countset.CountSet.path_dims, issue 19): a root row then holds a few values per
child instead of one per inspecting or deciding body in the tree. PostgreSQL: the triggers
are replaced and both tables rebuilt here; SQLite: after `migrate`
(dashboards.counts.drop_for_migrate / ensure_installed reinstall and rebuild them).
"""

from django.db import migrations


def _sets():
    from dashboards import findingcount, measurecount

    return (findingcount.COUNTS, measurecount.COUNTS)


def reinstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for counts in _sets():
        statements = counts.uninstall_sql(vendor) + counts.install_sql(vendor)
        for sql in statements + counts.rebuild_sql(vendor):
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [("dashboards", "0008_list_count")]

    # Going back leaves the new triggers in place: the old ones counted the same rows, only
    # with whole paths; `manage.py rebuild_cockpit_counts` after a downgrade restores them.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
