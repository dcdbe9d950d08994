"""Backup and restore: a round trip into a fresh database finds every record and file."""

import json
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from security.backup import BackupError, create_backup, pg_dump, pg_restore, restore_backup
from security.models import AuditEntry

# No wrapping test transaction: SQLite's online backup waits for the open write transaction.
pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _tables():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            yield model


@pytest.fixture
def data(cast, settings, tmp_path):
    """The cast plus a duty log with an uploaded file (rows in many tables, one media file)."""
    from responsibilities import evidence
    from tests.responsibilities.dutyfix import build_duty, make_log

    settings.MEDIA_ROOT = tmp_path / "media"
    duty = build_duty(cast)
    log = make_log(duty, submit=False)
    evidence.add_attachment(
        log,
        SimpleUploadedFile("谈话记录.pdf", PDF, content_type="application/pdf"),
        actor=cast.user("county1_member"),
    )
    return cast


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite round trip")
def test_it_a_restore_into_a_fresh_database_finds_every_record(data, tmp_path, settings):
    folder = create_backup(tmp_path / "bk")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite"
    assert len(manifest["database"]["sha256"]) == 64
    assert manifest["media"] and all(len(item["sha256"]) == 64 for item in manifest["media"])

    fresh_db = tmp_path / "fresh.sqlite3"
    fresh_media = tmp_path / "fresh-media"
    restore_backup(folder, database_path=fresh_db, media_root=fresh_media)

    restored = sqlite3.connect(fresh_db)
    checked = 0
    for model in _tables():
        table, pk = model._meta.db_table, model._meta.pk.column
        expected = set(model._default_manager.values_list("pk", flat=True))
        found = {row[0] for row in restored.execute(f'SELECT "{pk}" FROM "{table}"')}
        assert found == expected, table
        checked += len(expected)
    assert checked > 100
    # Field values come back too (not only ids): the audit chain is intact in the copy.
    rows = restored.execute("SELECT id, hash FROM security_auditentry ORDER BY id").fetchall()
    assert rows == list(AuditEntry.objects.order_by("id").values_list("id", "hash"))
    restored.close()
    for item in manifest["media"]:
        original = (settings.MEDIA_ROOT / item["path"]).read_bytes()
        assert (fresh_media / item["path"]).read_bytes() == original


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL round trip")
def test_it_a_pg_restore_into_a_fresh_database_finds_every_record(data, tmp_path):
    import psycopg2

    folder = create_backup(tmp_path / "bk")
    assert json.loads((folder / "manifest.json").read_text())["engine"] == "postgresql"
    db = dict(connection.settings_dict)
    fresh = f"lz_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
        password=db["PASSWORD"] or None,
    )
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {fresh}")
    try:
        restore_backup(folder, target_db={**db, "NAME": fresh}, media_root=tmp_path / "m2")
        restored = psycopg2.connect(
            dbname=fresh,
            user=db["USER"],
            host=db["HOST"],
            port=db["PORT"] or 5432,
            password=db["PASSWORD"] or None,
        )
        checked = 0
        with restored.cursor() as cursor:
            for model in _tables():
                table, pk = model._meta.db_table, model._meta.pk.column
                expected = set(model._default_manager.values_list("pk", flat=True))
                cursor.execute(f'SELECT "{pk}" FROM "{table}"')
                assert {row[0] for row in cursor.fetchall()} == expected, table
                checked += len(expected)
        restored.close()
        assert checked > 100
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {fresh}")
        admin.close()


def test_it_a_tampered_backup_is_refused_before_anything_is_touched(data, tmp_path):
    folder = create_backup(tmp_path / "bk")
    manifest = json.loads((folder / "manifest.json").read_text())
    media_file = folder / "media" / manifest["media"][0]["path"]
    media_file.write_bytes(b"changed")
    fresh_db = tmp_path / "fresh.sqlite3"
    with pytest.raises(BackupError, match="checksum mismatch"):
        restore_backup(folder, database_path=fresh_db, media_root=tmp_path / "m2")
    assert not fresh_db.exists()
    with pytest.raises(CommandError, match="verification"):
        call_command("restore", str(folder), "--verify-only")


def test_it_the_commands_verify_and_audit(data, tmp_path, capsys):
    call_command("backup", "--output", str(tmp_path / "bk"))
    assert AuditEntry.objects.filter(action="backup").exists()
    call_command("restore", str(tmp_path / "bk"), "--verify-only")
    assert "every checksum matches" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "bk"))


def _pg_available() -> bool:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        return False
    probe = subprocess.run(
        ["psql", "-w", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "select 1"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _pg_available(), reason="needs pg_dump/pg_restore and a local PostgreSQL")
def test_it_pg_dump_and_pg_restore_round_trip(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    source, target = f"lz_bk_src_{suffix}", f"lz_bk_dst_{suffix}"
    db = {"HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres", "PASSWORD": ""}

    def psql(dbname, sql):
        return subprocess.run(
            ["psql", "-w", "-h", "127.0.0.1", "-U", "postgres", "-d", dbname, "-Atc", sql],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    psql("postgres", f"CREATE DATABASE {source}")
    psql("postgres", f"CREATE DATABASE {target}")
    try:
        psql(source, "CREATE TABLE t (id int primary key, name text)")
        psql(source, "INSERT INTO t SELECT g, '记录' || g FROM generate_series(1, 250) g")
        dump = tmp_path / "database.dump"
        pg_dump({**db, "NAME": source}, dump)
        pg_restore({**db, "NAME": target}, dump)
        assert psql(target, "SELECT count(*), min(name), max(id) FROM t").strip() == "250|记录1|250"
        # Restoring again replaces rather than duplicates (--clean).
        pg_restore({**db, "NAME": target}, dump)
        assert psql(target, "SELECT count(*) FROM t").strip() == "250"
    finally:
        psql("postgres", f"DROP DATABASE IF EXISTS {source}")
        psql("postgres", f"DROP DATABASE IF EXISTS {target}")
