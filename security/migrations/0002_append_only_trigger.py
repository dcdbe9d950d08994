"""The database itself refuses UPDATE on audit entries (SQLite and PostgreSQL).

DELETE stays possible for `prune_audit` (whole prefixes past retention, itself audited);
verify_audit detects any other removal through the hash chain.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS security_auditentry_no_update
BEFORE UPDATE ON security_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS security_auditentry_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION security_auditentry_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS security_auditentry_no_update ON security_auditentry;
CREATE TRIGGER security_auditentry_no_update
    BEFORE UPDATE ON security_auditentry
    FOR EACH ROW EXECUTE FUNCTION security_auditentry_no_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS security_auditentry_no_update ON security_auditentry;
DROP FUNCTION IF EXISTS security_auditentry_no_update();
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)
    apps.get_model("security", "AuditChainHead").objects.get_or_create(id=1)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
