"""Backup and restore of a whole install: database, media files and a signed audit checkpoint.

The archive is a plain tar (the PostgreSQL dump is already compressed) with a manifest: row counts
per table taken from the same snapshot as the dump, a SHA-256 for every file, and the fingerprints
of the data and audit keys. The keys themselves are never in it: an archive without its keys
reveals no ID number and cannot be made to verify a forged audit chain.

Consistency while the platform runs: SQLite is copied with its online backup API in one step (one
read transaction; writers carry on in WAL mode); PostgreSQL is dumped by pg_dump from a snapshot
exported by a REPEATABLE READ transaction, the one the counts and the audit head are read in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.utils import timezone

import minzheng

from . import audit, schema
from .keys import data_key_fingerprint

FORMAT = "minzheng-backup/1"
MANIFEST = "manifest.json"
CHECKPOINT = "audit-checkpoint.json"
AUDIT_TABLE = "core_auditevent"
# The snapshot's checkpoint covers the sealed chain; events still unsealed in it are sealed after a
# restore like any others (the manifest counts them apart).
HEAD_SQL = f"SELECT seq, hash FROM {AUDIT_TABLE} WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1"
SEALED_SQL = f"SELECT count(*) FROM {AUDIT_TABLE} WHERE chain_pos IS NOT NULL"


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Snapshot:
    file: Path
    counts: dict[str, int]
    head_seq: int
    head_hash: str
    audit_events: int
    audit_key_ids: list[str]


# --- database snapshots ------------------------------------------------------------------------


def _sqlite_snapshot(dest: Path) -> Snapshot:
    source = sqlite3.connect(
        Path(connection.settings_dict["NAME"]).resolve().as_uri() + "?mode=ro", uri=True
    )
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # pages=-1: all in one step, hence one consistent read
    finally:
        source.close()
    try:
        tables = [
            r[0]
            for r in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: target.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        head = target.execute(HEAD_SQL).fetchone() or (0, audit.GENESIS)
        sealed = target.execute(SEALED_SQL).fetchone()[0]
        key_ids = [
            r[0] for r in target.execute(f"SELECT DISTINCT key_id FROM {AUDIT_TABLE} ORDER BY 1")
        ]
    finally:
        target.close()
    return Snapshot(dest, counts, head[0], head[1], sealed, key_ids)


def _pg_conninfo() -> dict:
    db = connection.settings_dict
    info = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
    }
    return {k: v for k, v in info.items() if v}


def _pg_env() -> dict:
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def _pg_args() -> list[str]:
    info = _pg_conninfo()
    args = []
    for key, flag in (("host", "-h"), ("port", "-p"), ("user", "-U")):
        if key in info:
            args += [flag, info[key]]
    return args


def _pg_tool(name: str, server_version_num: int) -> str:
    """The client tool, refused if older than the server (pg_dump cannot dump a newer server)."""
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (scripts/ensure-system.sh does)"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    major = int(match.group(1)) if match else 0
    if major < server_version_num // 10000:
        raise BackupError(
            f"{name} {major} is older than the PostgreSQL server {server_version_num // 10000}: install a matching client"
        )
    return path


def _pg_snapshot(dest: Path) -> Snapshot:
    import psycopg

    with psycopg.connect(
        **_pg_conninfo(), password=connection.settings_dict.get("PASSWORD") or None
    ) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')::int")
            snapshot_id, server_version = cur.fetchone()
            cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            )
            tables = [r[0] for r in cur.fetchall()]
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
            cur.execute(HEAD_SQL)
            head = cur.fetchone() or (0, audit.GENESIS)
            cur.execute(SEALED_SQL)
            sealed = cur.fetchone()[0]
            cur.execute(f"SELECT DISTINCT key_id FROM {AUDIT_TABLE} ORDER BY 1")
            key_ids = [r[0] for r in cur.fetchall()]
            # The exporting transaction stays open until pg_dump has read everything.
            proc = subprocess.run(
                [
                    _pg_tool("pg_dump", server_version),
                    *_pg_args(),
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-owner",
                    "--no-privileges",
                    "-f",
                    str(dest),
                    connection.settings_dict["NAME"],
                ],
                capture_output=True,
                text=True,
                env=_pg_env(),
            )
        conn.rollback()
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {proc.stderr.strip()}")
    return Snapshot(dest, counts, head[0], head[1], sealed, key_ids)


# --- backup ------------------------------------------------------------------------------------


def _media_files() -> list[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return [
        (p, "media/" + p.relative_to(root).as_posix())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]


def create_backup(
    *, to: Path | None = None, log: Callable[[str], None] = lambda message: None
) -> Path:
    """Write one archive into the folder `to` (default MINZHENG_BACKUP_DIR) and return its path."""
    folder = Path(to or settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    name = f"minzheng-backup-{started:%Y%m%dT%H%M%SZ}"
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        work = Path(work)
        # Seal what is pending, so the archive's checkpoint covers every event written so far.
        audit.seal_pending()
        log(f"database snapshot ({vendor}) …")
        if vendor == "sqlite":
            snap = _sqlite_snapshot(work / "database.sqlite3")
        elif vendor == "postgresql":
            snap = _pg_snapshot(work / "database.pgdump")
        else:
            raise BackupError(f"no backup method for {vendor}")
        checkpoint = audit.sign_head(
            seq=snap.head_seq, hash=snap.head_hash, events=snap.audit_events
        )
        (work / CHECKPOINT).write_text(checkpoint.to_json())
        members = [(snap.file, snap.file.name), (work / CHECKPOINT, CHECKPOINT)]
        media = _media_files()
        log(f"{len(media)} media files …")
        files = {}
        partial = folder / f"{name}.tar.partial"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            for path, arcname in [*members, *media]:
                try:
                    files[arcname] = {"sha256": _sha256(path), "size": path.stat().st_size}
                    tar.add(path, arcname=arcname, recursive=False)
                except (
                    FileNotFoundError
                ):  # a media file removed while we ran: not part of this backup
                    files.pop(arcname, None)
            manifest = {
                "format": FORMAT,
                "created_at": started.isoformat(timespec="seconds"),
                "minzheng_version": minzheng.__version__,
                "database": {"vendor": vendor, "file": snap.file.name},
                "tables": snap.counts,
                "audit": {
                    "head_seq": snap.head_seq,
                    "head_hash": snap.head_hash,
                    "events": snap.audit_events,
                    "unsealed": snap.counts.get(AUDIT_TABLE, 0) - snap.audit_events,
                    "key_ids": snap.audit_key_ids,
                    "checkpoint": CHECKPOINT,
                },
                "keys": {
                    "data_key": data_key_fingerprint(),
                    "audit_key": audit.current_key().key_id,
                },
                "files": files,
            }
            data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(started.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        archive = folder / f"{name}.tar"
        partial.replace(archive)
    os.chmod(archive, 0o600)
    log(f"archive written: {archive}")
    return archive


# --- restore -----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: dict
    counts: dict[str, int]
    media_files: int
    chain: audit.ChainReport


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a minzheng backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a minzheng backup ({manifest.get('format')!r})")
    return manifest


def _check_keys(manifest: dict) -> None:
    keys = manifest["keys"]
    if keys["data_key"] != data_key_fingerprint():
        raise BackupError(
            f"the archive was made with a data key of fingerprint {keys['data_key']}, this install's MINZHENG_DATA_KEY has "
            f"{data_key_fingerprint()}: set the key the archive was made with (nothing was restored)"
        )
    held = audit.keyring()
    missing = sorted(
        ({k for k in manifest["audit"]["key_ids"] if k} | {keys["audit_key"]}) - set(held)
    )
    if missing:
        raise BackupError(
            f"the archive's audit chain is sealed with audit keys of fingerprint {', '.join(missing)} that this install does not hold: "
            "set MINZHENG_AUDIT_KEY (and MINZHENG_AUDIT_PREVIOUS_KEYS) as when it was made (nothing was restored)"
        )


def _check_empty_target(manifest: dict) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"the archive holds a {vendor} database; this install uses {connection.vendor}"
        )
    tables = schema.existing_tables()
    if tables:
        raise BackupError(
            f"restore needs an empty database; {connection.settings_dict['NAME']} already has {len(tables)} tables"
        )
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"restore needs an empty media folder; {media} is not empty")


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"unsafe path in archive: {name}")
    return path


def _extract(archive: Path, manifest: dict, into: Path) -> None:
    """Extract every listed file, checking its checksum; refuse anything unlisted or altered."""
    listed = manifest["files"]
    seen = set()
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in listed or not member.isfile():
                raise BackupError(f"unexpected entry in archive: {member.name}")
            target = into / _safe_name(member.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if _sha256(target) != listed[member.name]["sha256"]:
                raise BackupError(f"checksum mismatch for {member.name}: the archive is damaged")
            seen.add(member.name)
    missing = set(listed) - seen
    if missing:
        raise BackupError(
            f"the archive lacks {len(missing)} listed files, e.g. {sorted(missing)[0]}"
        )


def _restore_sqlite(file: Path) -> None:
    name = connection.settings_dict["NAME"]
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(file)
    target = sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_postgresql(file: Path) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('server_version_num')::int")
        server_version = cur.fetchone()[0]
    connection.close()
    proc = subprocess.run(
        [
            _pg_tool("pg_restore", server_version),
            *_pg_args(),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            connection.settings_dict["NAME"],
            str(file),
        ],
        capture_output=True,
        text=True,
        env=_pg_env(),
    )
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed: {proc.stderr.strip()}")


def current_counts(tables) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
    return counts


def restore_backup(
    archive: Path, *, log: Callable[[str], None] = lambda message: None
) -> RestoreReport:
    """Rebuild an install from an archive into an empty database and media folder, then prove it:
    the same row counts, the same media checksums and an audit chain matching the signed head."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    _check_keys(manifest)
    _check_empty_target(manifest)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as work:
        work = Path(work)
        log("checking and extracting the archive …")
        _extract(archive, manifest, work)
        log(f"restoring the {manifest['database']['vendor']} database …")
        db_file = work / manifest["database"]["file"]
        if connection.vendor == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgresql(db_file)
        media = work / "media"
        media_count = sum(1 for name in manifest["files"] if name.startswith("media/"))
        if media.is_dir():
            if media_root.exists():
                media_root.rmdir()  # checked empty above
            media.replace(media_root)
        checkpoint = audit.read_checkpoint(work / manifest["audit"]["checkpoint"])
    counts = current_counts(manifest["tables"])
    differing = {
        t: (manifest["tables"][t], n) for t, n in counts.items() if manifest["tables"][t] != n
    }
    if differing:
        raise BackupError(
            f"row counts differ after restore (table: archive, restored): {differing}"
        )
    log("verifying the audit chain against the archive's checkpoint …")
    chain = audit.verify_chain(checkpoint=checkpoint)
    if not chain.ok:
        raise BackupError(f"restored, but {chain.describe()}")
    return RestoreReport(manifest=manifest, counts=counts, media_files=media_count, chain=chain)
