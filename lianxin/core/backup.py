"""Backups: the database, the uploaded files and the audit anchor, with a manifest of checksums.

`backup_create` writes one directory; `backup_restore` checks every checksum before it touches
anything, then puts the database, the media and the anchor back. PostgreSQL goes through
`pg_dump -Fc` / `pg_restore` (the client tools must match the server's major version); SQLite through
its online backup API (a consistent copy while the platform runs). The audit anchor travels with
the database: restoring one without the other would make `audit verify` report a truncated chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

from .errors import ValidationFailedError

MANIFEST = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine(alias: str = DEFAULT_DB_ALIAS) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise ValidationFailedError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env(alias: str) -> tuple[list[str], dict[str, str]]:
    conf = connections[alias].settings_dict
    args = [
        "-h",
        str(conf.get("HOST") or "127.0.0.1"),
        "-p",
        str(conf.get("PORT") or 5432),
        "-U",
        str(conf.get("USER") or "postgres"),
    ]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=3600)
    except FileNotFoundError as exc:
        raise ValidationFailedError(
            f"{command[0]} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)"
        ) from exc
    if done.returncode != 0:
        raise ValidationFailedError(f"{command[0]} failed: {done.stderr.strip()[-800:]}")


def _dump_database(folder: Path, alias: str) -> str:
    connection = connections[alias]
    if _engine(alias) == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as dest:
            connection.connection.backup(dest)
        dest.close()
        return target.name
    target = folder / "database.pgdump"
    args, env = _pg_env(alias)
    _run(
        [
            "pg_dump",
            "-Fc",
            "--no-owner",
            "--no-privileges",
            *args,
            "-f",
            str(target),
            str(connection.settings_dict["NAME"]),
        ],
        env,
    )
    return target.name


def _latest_migrations(alias: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup_create(*, target: Path, alias: str = DEFAULT_DB_ALIAS) -> Backup:
    """Write a new backup directory under `target` and return it with its manifest."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(target) / f"lianxin-backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    files = [_dump_database(folder, alias)]
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / "media.tar.gz", "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    files.append("media.tar.gz")
    anchor = Path(settings.LIANXIN["AUDIT_ANCHOR_PATH"])
    if anchor.exists():
        shutil.copy2(anchor, folder / "audit-anchor.log")
        files.append("audit-anchor.log")
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "engine": _engine(alias),
        "migrations": _latest_migrations(alias),
        "files": {
            name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size}
            for name in files
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return Backup(folder, manifest)


def backup_check(*, source: Path) -> dict[str, Any]:
    """The manifest, once every file in it is present and matches its checksum."""
    path = Path(source) / MANIFEST
    if not path.exists():
        raise ValidationFailedError(f"{source} is not a Lianxin backup: {MANIFEST} is missing")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValidationFailedError(
            f"backup format {manifest.get('format')} is not supported (expected {FORMAT})"
        )
    for name, meta in manifest["files"].items():
        file = Path(source) / name
        if not file.exists():
            raise ValidationFailedError(f"the backup is incomplete: {name} is missing")
        if _sha256(file) != meta["sha256"]:
            raise ValidationFailedError(f"the backup is damaged: {name} does not match its checksum")
    return manifest


def _restore_database(source: Path, manifest: dict[str, Any], alias: str) -> None:
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise ValidationFailedError(
            f"this backup holds a {manifest['engine']} database; the platform runs on {engine}"
        )
    connection = connections[alias]
    if engine == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(Path(source) / "database.sqlite3") as src:
            src.backup(connection.connection)
        src.close()
        return
    connection.close()
    args, env = _pg_env(alias)
    # Not `pg_restore --clean`: it drops each monthly partition's inherited constraints one by one,
    # which PostgreSQL refuses (core/partitions.py). Instead the dump becomes one SQL script that
    # first empties the schema, run by psql in a single transaction: all or nothing.
    dump = str(Path(source) / "database.pgdump")
    schema = "public"
    try:
        script = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "-f", "-", dump],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=3600,
        )
    except FileNotFoundError as exc:
        raise ValidationFailedError(
            "pg_restore is not installed: install PostgreSQL's client tools (Debian: postgresql-client)"
        ) from exc
    if script.returncode != 0:
        raise ValidationFailedError(f"pg_restore failed: {script.stderr.strip()[-800:]}")
    sql = f"DROP SCHEMA IF EXISTS {schema} CASCADE;\nCREATE SCHEMA {schema};\n" + script.stdout
    done = subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "--single-transaction",
            "-v",
            "ON_ERROR_STOP=1",
            *args,
            "-d",
            str(connection.settings_dict["NAME"]),
        ],
        input=sql,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        raise ValidationFailedError(f"psql (restore) failed: {done.stderr.strip()[-800:]}")


def backup_restore(*, source: Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Replace the database, the media and the audit anchor with the backup's (checked first)."""
    manifest = backup_check(source=source)
    _restore_database(Path(source), manifest, alias)
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(Path(source) / "media.tar.gz", "r:gz") as archive:
        staging = media.parent / f".{media.name}-restore"
        shutil.rmtree(staging, ignore_errors=True)
        archive.extractall(staging, filter="data")
        shutil.rmtree(media, ignore_errors=True)
        restored = staging / "media"
        if restored.exists():
            restored.rename(media)
        else:
            media.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    if "audit-anchor.log" in manifest["files"]:
        anchor = Path(settings.LIANXIN["AUDIT_ANCHOR_PATH"])
        anchor.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(source) / "audit-anchor.log", anchor)
    return manifest
