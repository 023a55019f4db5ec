"""Backup and restore of the database and the uploaded files, as one tar archive.

The archive holds ``manifest.json`` (versions, migrations applied, rows per table, a SHA-256 per
member), the database as the database's own tool writes it (``pg_dump -Fc`` for PostgreSQL, the
SQLite online backup API for SQLite) and the files under ``media/`` (MEDIA_ROOT) and
``private/`` (PRIVATE_MEDIA_ROOT, when the settings have one). The counts are taken in the same
snapshot the dump is made from, so a restore can check that every row came back.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class FileRoot:
    prefix: str  # folder inside the archive
    path: Path


def file_roots() -> list[FileRoot]:
    """Folders of uploaded files: MEDIA_ROOT, and PRIVATE_MEDIA_ROOT if the settings have one."""
    roots = [FileRoot("media", Path(settings.MEDIA_ROOT))]
    private = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    if private:
        roots.append(FileRoot("private", Path(private)))
    return roots


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def table_counts(cursor, tables) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - introspected names
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(
        MigrationLoader(connection, ignore_no_migrations=True).applied_migrations
    ):
        applied.setdefault(app, []).append(name)
    return applied


def _pg_env_args() -> tuple[dict, list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return env, args + ["--dbname", db["NAME"]]


def _run(command: list[str], env: dict) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)."
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()}") from exc


def _dump_database(target: Path) -> tuple[dict[str, int], str]:
    """Write the database to ``target``; the row counts of the same snapshot and the version."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        env, args = _pg_env_args()
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot for the counts and for pg_dump, whatever is written meanwhile.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), version()")
            snapshot, version = cursor.fetchone()
            counts = table_counts(cursor, connection.introspection.table_names(cursor))
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(target),
                    *args,
                ],
                env,
            )
        return counts, version
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
            cursor = copy.cursor()
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            counts = table_counts(cursor, [row[0] for row in cursor.fetchall()])
        finally:
            copy.close()
        return counts, f"SQLite {sqlite3.sqlite_version}"
    raise BackupError(f"No backup method for the {connection.vendor} database.")


def backup_create(*, output: Path) -> dict:
    """Write the archive to ``output``; returns its manifest."""
    dump_name = DUMPS.get(connection.vendor)
    if dump_name is None:
        raise BackupError(f"No backup method for the {connection.vendor} database.")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        dump = Path(scratch) / dump_name
        counts, db_version = _dump_database(dump)
        members = [(dump_name, dump)]
        for root in file_roots():
            if root.path.is_dir():
                for path in sorted(p for p in root.path.rglob("*") if p.is_file()):
                    members.append(
                        (f"{root.prefix}/{path.relative_to(root.path).as_posix()}", path)
                    )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "versions": {
                "lms": _version("iso-lms"),
                "python": platform.python_version(),
                "django": _version("django"),
                "wagtail": _version("wagtail"),
                "database": db_version,
            },
            "database": {"vendor": connection.vendor, "file": dump_name},
            "migrations": applied_migrations(),
            "tables": counts,
            "files": {name: _sha256(path) for name, path in members},
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, path in members:
                archive.add(path, arcname=name)
        partial.replace(output)  # a backup cut short never looks like a whole one
    return manifest


# --- restore ---------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile, name: str) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise BackupError(
            f"{name}: no readable {MANIFEST}; not a backup of this platform."
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{name}: archive format {manifest.get('format')}, expected {FORMAT}.")
    return manifest


def _check_members(archive: tarfile.TarFile, manifest: dict, name: str, into: Path) -> None:
    """Extract every member into ``into`` and check it against the manifest's checksums."""
    listed = set(manifest["files"])
    present = {m.name for m in archive.getmembers() if m.isfile()} - {MANIFEST}
    if listed != present:
        missing, extra = sorted(listed - present), sorted(present - listed)
        raise BackupError(
            f"{name}: members differ from the manifest (missing {missing[:5]}, extra {extra[:5]})."
        )
    archive.extractall(into, filter="data")
    for member, expected in manifest["files"].items():
        if _sha256(into / member) != expected:
            raise BackupError(f"{name}: {member} is damaged (checksum differs from the manifest).")


def _check_migrations(manifest: dict, name: str) -> None:
    """The code must know every migration the backup's database had applied."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [
        f"{app}.{migration}"
        for app, migrations in manifest["migrations"].items()
        for migration in migrations
        if (app, migration) not in loader.disk_migrations
    ]
    if unknown:
        raise BackupError(
            f"{name}: made by a newer release (migrations {', '.join(unknown[:5])} unknown here); "
            "restore it with that release or a later one."
        )


def target_nonempty() -> list[str]:
    """What the target already holds: project tables with rows, and files in the media folders."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    from django.apps import apps
    from wagtail.models import Page

    held = []
    ours = [
        model
        for model in apps.get_models()
        if model.__module__.startswith("lms.") and not issubclass(model, Page)
    ]
    for model in ours:
        if model._meta.db_table in tables and model._default_manager.exists():
            held.append(model._meta.db_table)
    for root in file_roots():
        if root.path.is_dir() and any(p.is_file() for p in root.path.rglob("*")):
            held.append(str(root.path))
    return held


def _restore_database(dump: Path, vendor: str) -> None:
    if vendor == "postgresql":
        env, args = _pg_env_args()
        connection.close()  # pg_restore drops tables this connection may have open
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(dump),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)  # replaces the whole database, page by page
        finally:
            source.close()


def backup_restore(*, archive_path: Path, force: bool = False) -> dict:
    """Restore the archive into this database and media folders; returns its manifest.

    Refuses a target that holds records or files unless ``force``; checks the manifest, the
    checksums and the migrations first, and the row count of every table afterwards.
    """
    name = archive_path.name
    try:
        archive = tarfile.open(archive_path, "r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{name}: not a readable tar archive ({exc}).") from exc
    with archive, tempfile.TemporaryDirectory() as scratch:
        manifest = _read_manifest(archive, name)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"{name}: a {vendor} backup cannot go into this {connection.vendor} database."
            )
        _check_migrations(manifest, name)
        held = target_nonempty()
        if held and not force:
            raise BackupError(
                "The target is not empty (" + ", ".join(held[:6]) + "); restore into an empty "
                "database and media folder, or pass --force to replace what is there."
            )
        unpacked = Path(scratch)
        _check_members(archive, manifest, name, unpacked)
        _restore_database(unpacked / manifest["database"]["file"], vendor)
        for root in file_roots():
            source = unpacked / root.prefix
            if force and root.path.is_dir():
                shutil.rmtree(root.path)
            if source.is_dir():
                shutil.copytree(source, root.path, dirs_exist_ok=True)
    with connection.cursor() as cursor:
        counts = table_counts(cursor, manifest["tables"])
    wrong = {t: (n, counts[t]) for t, n in manifest["tables"].items() if counts[t] != n}
    if wrong:
        raise BackupError(f"Rows differ after the restore (table: expected, found): {wrong}")
    return manifest
