"""Backups: the database and the uploaded files, with a manifest of SHA-256 checksums.

- SQLite: a consistent copy through SQLite's online backup API (safe while the server runs).
- PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean --if-exists`.
- Uploaded files (MEDIA_ROOT): copied file by file, each with its checksum.

A restore verifies every checksum before it touches anything.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = ["--no-password"]  # never wait for a password prompt
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # not on the command line (ps would show it)
    return args, env


def pg_dump(db: dict, target: Path) -> None:
    args, env = _pg_env(db)
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args, db["NAME"]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def pg_restore(db: dict, source: Path) -> None:
    args, env = _pg_env(db)
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--dbname",
        db["NAME"],
        *args,
        str(source),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    destination = sqlite3.connect(str(target))
    try:
        source.backup(destination)
        # A self-contained file: no -wal/-shm companions (the server turns WAL on again).
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def _row_counts(using: str) -> dict[str, int]:
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            try:
                counts[model._meta.db_table] = model._default_manager.using(using).count()
            except Exception:  # a table of an app not migrated here
                continue
    return counts


def create_backup(destination: Path | None = None, *, using: str = "default") -> Path:
    """Write a backup folder (database, media, manifest.json) and return its path."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = Path(destination) if destination else Path(settings.BACKUP_DIR) / stamp
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    connection = connections[using]
    vendor = connection.vendor
    if vendor == "sqlite":
        db_file = folder / "database.sqlite3"
        connection.ensure_connection()
        _sqlite_copy(connection.connection, db_file)
    elif vendor == "postgresql":
        db_file = folder / "database.dump"
        pg_dump(connection.settings_dict, db_file)
    else:  # pragma: no cover
        raise BackupError(f"no backup method for {vendor}")

    media_root = Path(settings.MEDIA_ROOT)
    media = []
    if media_root.exists():
        for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = path.relative_to(media_root)
            copy = folder / "media" / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            media.append(
                {
                    "path": relative.as_posix(),
                    "sha256": sha256_of(copy),
                    "size": copy.stat().st_size,
                }
            )

    applied = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app_label, name in sorted(applied):
        latest[app_label] = max(latest.get(app_label, ""), name)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": vendor,
        "database": {
            "file": db_file.name,
            "sha256": sha256_of(db_file),
            "size": db_file.stat().st_size,
        },
        "media": media,
        "migrations": latest,
        "row_counts": _row_counts(using),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return folder


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} is missing")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError("unknown backup format")
    return manifest


def verify_backup(folder: Path) -> list[str]:
    """Every file present with the checksum the manifest recorded; returns the problems."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems = []
    expected = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    expected += [(f"media/{item['path']}", item["sha256"]) for item in manifest["media"]]
    for relative, checksum in expected:
        path = folder / relative
        if ".." in Path(relative).parts or not path.is_file():
            problems.append(f"missing or invalid: {relative}")
        elif sha256_of(path) != checksum:
            problems.append(f"checksum mismatch: {relative}")
    listed = {relative for relative, _ in expected}
    for path in (folder / "media").rglob("*") if (folder / "media").exists() else ():
        if path.is_file() and path.relative_to(folder).as_posix() not in listed:
            problems.append(f"not in the manifest: {path.relative_to(folder).as_posix()}")
    return problems


def restore_backup(
    folder: Path,
    *,
    using: str = "default",
    database_path: Path | None = None,
    target_db: dict | None = None,
    media_root: Path | None = None,
) -> dict:
    """Verify, then restore the database and the uploaded files.

    `database_path` (SQLite) or `target_db` (PostgreSQL settings) restore into another
    database instead of the configured one.
    """
    folder = Path(folder)
    problems = verify_backup(folder)
    if problems:
        raise BackupError("backup failed verification: " + "; ".join(problems))
    manifest = read_manifest(folder)
    connection = connections[using]
    source = folder / manifest["database"]["file"]
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"backup is from {manifest['engine']}, database is {connection.vendor}")
    if connection.vendor == "sqlite":
        target = Path(database_path or connection.settings_dict["NAME"])
        if database_path is None:
            connection.close()
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _sqlite_copy(backup_db, target)
        finally:
            backup_db.close()
    else:
        db = dict(target_db or connection.settings_dict)
        if target_db is None:
            connection.close()
        pg_restore(db, source)

    root = Path(media_root or settings.MEDIA_ROOT)
    for item in manifest["media"]:
        target_file = root / item["path"]
        target_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "media" / item["path"], target_file)
    return manifest


def backup_label(folder: Path) -> str:
    return Path(folder).name or str(datetime.date.today())
