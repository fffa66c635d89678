"""Backups and restores: one portable archive with every table and every uploaded file.

``flask backup PATH`` writes a zip archive::

    manifest.json            format, app version, Alembic revision, when, which database,
                             every table (columns, rows, SHA-256 of its file), every upload
                             (size, SHA-256) and the audit chain head
    tables/<table>.jsonl     one JSON object per row, in primary-key order
    uploads/<path>           the files under UPLOAD_DIR (evidence), byte for byte

Values are written so that nothing is lost between SQLite and PostgreSQL: strings, integers
and booleans are plain JSON; everything else carries an explicit type tag, e.g.
``{"$decimal": "105000.50"}``, ``{"$datetime": "2026-11-22T10:15:00.123456+00:00"}``,
``{"$date": "2027-04-01"}``, ``{"$bytes": "<base64>"}``; a JSON column's value is wrapped as
``{"$json": ...}`` so that a stored JSON ``null`` stays distinct from SQL ``NULL`` (plain
``null``). The same database always gives the same bytes, so table checksums can be compared
between a database and its restored copy.

The dump reads one snapshot (PostgreSQL: a single REPEATABLE READ, READ ONLY transaction;
SQLite: a single read transaction), streaming rows, so a backup taken while the service runs
is consistent and needs little memory.

``flask restore PATH`` checks the whole archive (every checksum) and the database (same
Alembic revision, empty unless ``--force``) before touching anything, then loads every table
in one transaction in dependency order, moves PostgreSQL sequences past the restored ids,
puts the uploaded files in place and verifies the audit chain. A refusal or failure changes
nothing.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

import socialvalue
from socialvalue.models import Base

FORMAT = "socialvalue-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
TABLES_PREFIX = "tables/"
UPLOADS_PREFIX = "uploads/"
BATCH_ROWS = 1000
CHUNK_BYTES = 1024 * 1024
# Upload-folder entries that are work in progress, never content: the evidence service's
# temporary files (".upload-…") and a restore's staging folder (".restore-…").
HIDDEN_PREFIX = "."
_NULL_FLAG = "__sql_null__"

Progress = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- values ----------------------------------------------------------------------------------


def encode_value(value: Any, *, is_json: bool = False, sql_null: bool = False) -> Any:
    """A column value as JSON with explicit type tags (see the module docstring)."""
    if is_json:
        return None if sql_null else {"$json": value}
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise BackupError(f"a naive date and time {value.isoformat()} cannot be backed up")
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float):
        return {"$float": repr(value)}
    raise BackupError(f"cannot back up a value of type {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$decimal": lambda text: Decimal(text),
    "$datetime": lambda text: dt.datetime.fromisoformat(text),
    "$date": lambda text: dt.date.fromisoformat(text),
    "$bytes": lambda text: base64.b64decode(text.encode("ascii"), validate=True),
    "$float": lambda text: float(text),
}


def decode_value(encoded: Any, *, is_json: bool = False) -> Any:
    """The Python value for a column from its archive form (the inverse of encode_value).

    For a JSON column, SQL NULL comes back as None and a stored JSON null as ``sa.JSON.NULL``.
    """
    if is_json:
        if encoded is None:
            return None
        if not isinstance(encoded, dict) or set(encoded) != {"$json"}:
            raise ValueError("a JSON column value must be null or {'$json': ...}")
        value = encoded["$json"]
        return sa.JSON.NULL if value is None else value
    if encoded is None or isinstance(encoded, bool | str | int):
        return encoded
    if isinstance(encoded, dict) and len(encoded) == 1:
        ((tag, text),) = encoded.items()
        decoder = _DECODERS.get(tag)
        if decoder is not None and isinstance(text, str):
            return decoder(text)
    raise ValueError(f"unrecognised value {encoded!r}")


# -- schema and revisions --------------------------------------------------------------------


def tables() -> list[sa.Table]:
    """Every application table, parents before children (the restore order)."""
    return list(Base.metadata.sorted_tables)


def _is_json(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON)


def _order(table: sa.Table) -> list[sa.Column[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def code_revision(migrations_dir: str | os.PathLike[str]) -> str:
    """The Alembic head revision this release of the code expects."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) != 1:
        raise BackupError(f"the migrations have {len(heads)} heads; expected exactly one")
    return str(heads[0])


def database_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at (None: no schema yet)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    heads = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    found = sorted(str(head) for head in heads)
    return ",".join(found) if found else None


# -- the manifest ----------------------------------------------------------------------------


@dataclass
class TableEntry:
    name: str
    file: str
    rows: int
    sha256: str
    columns: list[str]


@dataclass
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    app_version: str
    alembic_revision: str
    created_at: str
    dialect: str
    server_version: str
    tables: list[TableEntry]
    uploads: list[FileEntry]
    audit_chain: dict[str, Any]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    #: Evidence files the database refers to that were not in the upload folder.
    missing_uploads: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.uploads)

    def table(self, name: str) -> TableEntry | None:
        return next((t for t in self.tables if t.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "format_version": self.format_version,
            "app_version": self.app_version,
            "alembic_revision": self.alembic_revision,
            "created_at": self.created_at,
            "database": {"dialect": self.dialect, "server_version": self.server_version},
            "tables": [vars(t) for t in self.tables],
            "uploads": {
                "count": len(self.uploads),
                "bytes": self.upload_bytes,
                "files": [vars(f) for f in self.uploads],
                "missing": self.missing_uploads,
            },
            "audit_chain": self.audit_chain,
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("This is not a socialvalue backup: its manifest is not ours.")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"This backup uses archive format {version!r}; this release reads format "
                f"{FORMAT_VERSION} and older. Restore it with the release that made it "
                f"(socialvalue {data.get('app_version', '?')})."
            )
        try:
            database = data["database"]
            return cls(
                app_version=str(data["app_version"]),
                alembic_revision=str(data["alembic_revision"]),
                created_at=str(data["created_at"]),
                dialect=str(database["dialect"]),
                server_version=str(database.get("server_version", "")),
                tables=[
                    TableEntry(
                        name=str(t["name"]),
                        file=str(t["file"]),
                        rows=int(t["rows"]),
                        sha256=str(t["sha256"]),
                        columns=[str(c) for c in t["columns"]],
                    )
                    for t in data["tables"]
                ],
                uploads=[
                    FileEntry(path=str(f["path"]), size=int(f["size"]), sha256=str(f["sha256"]))
                    for f in data["uploads"]["files"]
                ],
                audit_chain=dict(data.get("audit_chain") or {}),
                format_version=version,
                missing_uploads=[str(p) for p in data["uploads"].get("missing", [])],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(
                f"The backup's manifest is damaged or incomplete ({error!r})."
            ) from error


# -- backup ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection reading one consistent snapshot of the whole database, then released."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            connection.begin()
        elif engine.dialect.name == "sqlite":
            # The sqlite3 driver does not open a transaction for reads by itself: without an
            # explicit BEGIN every SELECT would see a different moment.
            connection.exec_driver_sql("BEGIN")
        else:
            connection.begin()
        try:
            yield connection
        finally:
            connection.rollback()


def _server_version(connection: Connection) -> str:
    info = connection.dialect.server_version_info
    return ".".join(str(part) for part in info) if info else ""


def _table_query(table: sa.Table) -> sa.Select[Any]:
    flags = [
        column.is_(None).label(_NULL_FLAG + column.name)
        for column in table.columns
        if _is_json(column)
    ]
    return sa.select(table, *flags).order_by(*_order(table))


def _encode_row(table: sa.Table, row: sa.Row[Any]) -> bytes:
    mapping = row._mapping
    record = {
        column.name: encode_value(
            mapping[column],
            is_json=_is_json(column),
            sql_null=bool(mapping[_NULL_FLAG + column.name]) if _is_json(column) else False,
        )
        for column in table.columns
    }
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def dump_table(connection: Connection, table: sa.Table, out: Any) -> tuple[int, str]:
    """Write ``table`` as JSON lines to the binary stream ``out``; return (rows, sha256)."""
    digest = hashlib.sha256()
    rows = 0
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(_table_query(table))
    for row in result:
        line = _encode_row(table, row)
        out.write(line)
        digest.update(line)
        rows += 1
    return rows, digest.hexdigest()


def _chain_summary(connection: Connection) -> dict[str, Any]:
    from socialvalue.models.audit import AuditChainHead
    from socialvalue.services.audit import verify_chain

    with Session(bind=connection) as session:
        head = session.get(AuditChainHead, 1)
        report = verify_chain(session)
        return {
            "events": report.events_checked if report.ok else None,
            "last_sequence": head.last_sequence if head is not None else 0,
            "head_hash": head.last_hash if head is not None else None,
            "verified": report.ok,
            "problem": report.reason,
        }


def _referenced_uploads(connection: Connection) -> set[str]:
    from socialvalue.models.contract import EvidenceFile

    return set(connection.execute(sa.select(EvidenceFile.storage_path).distinct()).scalars())


def upload_files(upload_dir: str | os.PathLike[str]) -> list[Path]:
    """The stored files under UPLOAD_DIR, sorted, leaving out work in progress (dot names)."""
    root = Path(upload_dir)
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(HIDDEN_PREFIX) for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _copy_into(archive: zipfile.ZipFile, name: str, source: Path) -> FileEntry:
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as stream, archive.open(name, "w", force_zip64=True) as out:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return FileEntry(name.removeprefix(UPLOADS_PREFIX), size, digest.hexdigest())


def backup_path(path: str | os.PathLike[str], now: dt.datetime | None = None) -> Path:
    """``path`` itself, or a dated file name inside it when ``path`` is a folder."""
    target = Path(path)
    if target.is_dir():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"socialvalue-backup-{stamp}.zip"
    return target


def create_backup(
    engine: Engine,
    path: str | os.PathLike[str],
    *,
    upload_dir: str | os.PathLike[str],
    migrations_dir: str | os.PathLike[str],
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """Write the backup archive to ``path`` (atomically: a failure leaves no archive behind)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists: choose another name, or use --overwrite.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    expected = code_revision(migrations_dir)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            with _snapshot(engine) as connection:
                revision = database_revision(connection)
                if revision != expected:
                    raise BackupError(_revision_mismatch_for_backup(revision, expected))
                entries = []
                for table in tables():
                    name = f"{TABLES_PREFIX}{table.name}.jsonl"
                    with archive.open(name, "w", force_zip64=True) as out:
                        rows, digest = dump_table(connection, table, out)
                    entries.append(
                        TableEntry(table.name, name, rows, digest, [c.name for c in table.columns])
                    )
                    if progress:
                        progress(f"{table.name}: {rows} rows")
                chain = _chain_summary(connection)
                server_version = _server_version(connection)
                referenced = _referenced_uploads(connection)
            root = Path(upload_dir)
            uploads = [
                _copy_into(archive, UPLOADS_PREFIX + source.relative_to(root).as_posix(), source)
                for source in upload_files(root)
            ]
            if progress and uploads:
                progress(f"uploads: {len(uploads)} files")
            missing = sorted(referenced - {f.path for f in uploads})
            manifest = Manifest(
                app_version=socialvalue.__version__,
                alembic_revision=expected,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                dialect=engine.dialect.name,
                server_version=server_version,
                tables=entries,
                uploads=uploads,
                audit_chain=chain,
                missing_uploads=missing,
            )
            archive.writestr(
                MANIFEST_NAME, json.dumps(manifest.to_json(), indent=2, ensure_ascii=False)
            )
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _revision_mismatch_for_backup(revision: str | None, expected: str) -> str:
    if revision is None:
        return "The database has no socialvalue schema yet, so there is nothing to back up."
    return (
        f"The database is at revision {revision} but this release of socialvalue expects "
        f"{expected}. Run `flask db upgrade` first, or back up with the release that matches "
        "the database."
    )


# -- reading and checking an archive ---------------------------------------------------------


def _open_archive(path: str | os.PathLike[str]) -> zipfile.ZipFile:
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(
            f"{source} is not a readable socialvalue backup (not a valid zip archive: {error})."
        ) from error


def _read_manifest(archive: zipfile.ZipFile) -> Manifest:
    try:
        raw = archive.read(MANIFEST_NAME)
    except KeyError as error:
        raise BackupError("This is not a socialvalue backup: it has no manifest.json.") from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(f"The backup's manifest is damaged ({error}).") from error
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError("The backup's manifest is damaged (not valid JSON).") from error
    return Manifest.from_json(data)


def _safe_upload_path(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if (
        not relative
        or path.is_absolute()
        or "\\" in relative
        or any(part in ("", ".", "..") or part.startswith(HIDDEN_PREFIX) for part in path.parts)
    ):
        raise BackupError(f"The backup lists an unsafe upload path {relative!r}; not restoring.")
    return path


def _stream_member(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
    except KeyError as error:
        raise BackupError(f"The backup is incomplete: {name} is missing.") from error
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise BackupError(f"The backup is damaged: {name} cannot be read ({error}).") from error


def _checksum_mismatch(name: str) -> BackupError:
    return BackupError(
        f"The backup is damaged: {name} does not match the checksum in its manifest. "
        "Nothing was restored; use another copy of the backup."
    )


def check_archive(archive: zipfile.ZipFile, manifest: Manifest) -> None:
    """Every table and file is present and matches its checksum, and the tables are ours."""
    expected = {t.name: t for t in tables()}
    listed = [t.name for t in manifest.tables]
    if sorted(listed) != sorted(expected) or len(set(listed)) != len(listed):
        missing = sorted(set(expected) - set(listed))
        extra = sorted(set(listed) - set(expected))
        raise BackupError(
            "The backup's tables do not match this release of socialvalue"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + ". Restore it with the release that made it "
            f"(socialvalue {manifest.app_version})."
        )
    for entry in manifest.tables:
        columns = [c.name for c in expected[entry.name].columns]
        if entry.columns != columns:
            raise BackupError(
                f"The backup's table {entry.name} has columns {', '.join(entry.columns)}, but "
                f"this release has {', '.join(columns)}. Restore it with the release that made "
                f"it (socialvalue {manifest.app_version})."
            )
        if entry.file != f"{TABLES_PREFIX}{entry.name}.jsonl":
            raise BackupError(f"The backup lists an unexpected file {entry.file!r}.")
        digest = hashlib.sha256()
        lines = 0
        for chunk in _stream_member(archive, entry.file):
            digest.update(chunk)
            lines += chunk.count(b"\n")
        if digest.hexdigest() != entry.sha256 or lines != entry.rows:
            raise _checksum_mismatch(entry.file)
    for upload in manifest.uploads:
        _safe_upload_path(upload.path)
        digest = hashlib.sha256()
        size = 0
        for chunk in _stream_member(archive, UPLOADS_PREFIX + upload.path):
            digest.update(chunk)
            size += len(chunk)
        if digest.hexdigest() != upload.sha256 or size != upload.size:
            raise _checksum_mismatch(UPLOADS_PREFIX + upload.path)


def inspect_backup(path: str | os.PathLike[str]) -> Manifest:
    """Read the manifest and check every checksum, without touching any database."""
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive)
        check_archive(archive, manifest)
    return manifest


# -- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: Manifest
    rows: dict[str, int]
    files_restored: int
    files_left_in_place: int
    chain_ok: bool
    chain_events: int
    chain_problem: str = ""
    replaced: dict[str, int] = field(default_factory=dict)


def _row_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in tables()
    }


def _check_revisions(manifest: Manifest, database: str | None, expected: str) -> None:
    if database is None:
        raise BackupError(
            "The database has no socialvalue schema yet. Run `flask db upgrade` first (and "
            "nothing else: no `flask frameworks sync`, no `flask demo`), then restore."
        )
    if manifest.alembic_revision != database:
        raise BackupError(
            f"The backup was made at database revision {manifest.alembic_revision} "
            f"(socialvalue {manifest.app_version}), but this database is at revision "
            f"{database}. A backup can only be restored into a database at the same revision: "
            + (
                "run `flask db upgrade` first."
                if database != expected and manifest.alembic_revision == expected
                else "restore it with the socialvalue release that made it, then upgrade that "
                "installation (`flask db upgrade`)."
            )
        )
    if database != expected:
        raise BackupError(
            f"This database is at revision {database} but this release of socialvalue expects "
            f"{expected}: restore with the release that matches the backup "
            f"(socialvalue {manifest.app_version})."
        )


def _restore_table_clause(table: sa.Table) -> sa.TableClause:
    # For JSON columns, None must mean SQL NULL (sa.JSON.NULL is the stored JSON null).
    return sa.table(
        table.name,
        *[
            sa.column(c.name, sa.JSON(none_as_null=True) if _is_json(c) else c.type)
            for c in table.columns
        ],
    )


def _decoded_rows(
    archive: zipfile.ZipFile, table: sa.Table, entry: TableEntry
) -> Iterator[list[dict[str, Any]]]:
    json_columns = {c.name for c in table.columns if _is_json(c)}
    names = [c.name for c in table.columns]
    batch: list[dict[str, Any]] = []
    pending = b""
    for chunk in _stream_member(archive, entry.file):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            try:
                record = json.loads(line.decode("utf-8"))
                if not isinstance(record, dict) or list(record) != names:
                    raise ValueError("the columns do not match")
                batch.append(
                    {
                        name: decode_value(value, is_json=name in json_columns)
                        for name, value in record.items()
                    }
                )
            except (ValueError, UnicodeDecodeError, TypeError) as error:
                raise BackupError(
                    f"The backup's {entry.file} holds a row that cannot be read ({error})."
                ) from error
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
    if pending.strip():
        raise BackupError(f"The backup's {entry.file} ends in the middle of a row.")
    if batch:
        yield batch


def _begin_restore(connection: Connection) -> None:
    """Open the one write transaction, locking out every other writer until it ends."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    connection.begin()
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables())
        connection.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")


def _empty_tables(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables())
        connection.exec_driver_sql(f"TRUNCATE {names}")
        return
    for table in reversed(tables()):
        connection.execute(table.delete())


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: the next id of every table continues after the largest restored id."""
    if connection.dialect.name != "postgresql":
        return  # SQLite picks max(id) + 1 by itself
    quote = connection.dialect.identifier_preparer.quote
    for table in tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar_one()
            if sequence is None:
                continue
            largest = connection.execute(sa.select(sa.func.max(column))).scalar_one()
            connection.execute(
                sa.text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": largest or 1, "called": largest is not None},
            )


def _stage_uploads(archive: zipfile.ZipFile, manifest: Manifest, staging: Path) -> None:
    for upload in manifest.uploads:
        relative = _safe_upload_path(upload.path)
        target = staging.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            for chunk in _stream_member(archive, UPLOADS_PREFIX + upload.path):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != upload.sha256:
            raise _checksum_mismatch(UPLOADS_PREFIX + upload.path)


def _place_uploads(manifest: Manifest, staging: Path, upload_dir: Path) -> int:
    for upload in manifest.uploads:
        parts = _safe_upload_path(upload.path).parts
        target = upload_dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging.joinpath(*parts), target)
    return len(manifest.uploads)


def restore_backup(
    engine: Engine,
    path: str | os.PathLike[str],
    *,
    upload_dir: str | os.PathLike[str],
    migrations_dir: str | os.PathLike[str],
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore the archive at ``path`` into ``engine``'s database and ``upload_dir``.

    Raises BackupError, with nothing changed, when the archive is damaged, its revision does
    not match the database, or the database is not empty and ``force`` is not given.
    """
    expected = code_revision(migrations_dir)
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive)
        if progress:
            progress("Checking the backup's checksums…")
        check_archive(archive, manifest)
        with engine.connect() as connection:
            _check_revisions(manifest, database_revision(connection), expected)
            existing = {k: v for k, v in _row_counts(connection).items() if v}
            connection.rollback()
        if existing and not force:
            listed = ", ".join(f"{name} ({count})" for name, count in sorted(existing.items()))
            raise BackupError(
                "The database is not empty, so nothing was restored. It has rows in: "
                f"{listed}. Restore into an empty database (run only `flask db upgrade` on "
                "it), or give --force to replace everything in this database with the backup."
            )
        uploads = Path(upload_dir)
        uploads.mkdir(parents=True, exist_ok=True)
        staging = uploads / f"{HIDDEN_PREFIX}restore-{secrets.token_hex(6)}"
        staging.mkdir()
        try:
            _stage_uploads(archive, manifest, staging)
            rows = _load_database(
                engine, archive, manifest, replace=bool(existing), progress=progress
            )
            restored = _place_uploads(manifest, staging, uploads)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    archived = {f.path for f in manifest.uploads}
    left = [p for p in upload_files(uploads) if p.relative_to(uploads).as_posix() not in archived]
    ok, events, problem = _verify_restored_chain(engine)
    return RestoreReport(
        manifest=manifest,
        rows=rows,
        files_restored=restored,
        files_left_in_place=len(left),
        chain_ok=ok,
        chain_events=events,
        chain_problem=problem,
        replaced=existing,
    )


def _load_database(
    engine: Engine,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    *,
    replace: bool,
    progress: Progress | None,
) -> dict[str, int]:
    rows: dict[str, int] = {}
    with engine.connect() as connection:
        try:
            _begin_restore(connection)
            if replace:
                _empty_tables(connection)
                # Someone may have written between the emptiness check and the lock.
            elif any(_row_counts(connection).values()):
                raise BackupError(
                    "Someone wrote to the database while the restore was starting; nothing "
                    "was restored. Stop the service and try again."
                )
            for table in tables():
                entry = manifest.table(table.name)
                assert entry is not None  # check_archive made sure
                insert = _restore_table_clause(table).insert()
                count = 0
                for batch in _decoded_rows(archive, table, entry):
                    connection.execute(insert, batch)
                    count += len(batch)
                if count != entry.rows:
                    raise _checksum_mismatch(entry.file)
                rows[table.name] = count
                if progress:
                    progress(f"{table.name}: {count} rows")
            _reset_sequences(connection)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return rows


def _verify_restored_chain(engine: Engine) -> tuple[bool, int, str]:
    from socialvalue.services.audit import verify_chain

    with Session(bind=engine) as session:
        report = verify_chain(session)
    return report.ok, report.events_checked, report.reason


def describe(manifest: Manifest) -> list[str]:
    """A few lines about a backup, for the operator."""
    chain = manifest.audit_chain
    chain_text = (
        f"{chain.get('events')} events, intact"
        if chain.get("verified")
        else f"NOT intact when backed up: {chain.get('problem')}"
    )
    warning = (
        [
            f"WARNING: {len(manifest.missing_uploads)} evidence files the database refers to "
            f"were not in the upload folder, so they are not in the backup: "
            + ", ".join(manifest.missing_uploads[:5])
            + (" …" if len(manifest.missing_uploads) > 5 else "")
        ]
        if manifest.missing_uploads
        else []
    )
    return [
        f"Backup made {manifest.created_at} by socialvalue {manifest.app_version} from "
        f"{manifest.dialect} {manifest.server_version}".rstrip(),
        f"Database revision: {manifest.alembic_revision}",
        f"Tables: {len(manifest.tables)} ({manifest.total_rows} rows)",
        f"Uploaded files: {len(manifest.uploads)} ({manifest.upload_bytes} bytes)",
        f"Audit chain: {chain_text}; head {chain.get('head_hash')}",
        *warning,
    ]


# -- commands (registered in socialvalue.cli) ------------------------------------------------


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def _settings() -> tuple[Engine, str, str]:
    from flask import current_app

    from socialvalue.extensions import db

    return (
        db.engine,
        str(current_app.config["UPLOAD_DIR"]),
        str(current_app.extensions["migrate"].directory),
    )


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH when it already exists.")
@click.option("--quiet", is_flag=True, help="Print only the archive's path.")
def backup_command(path: Path, overwrite: bool, quiet: bool) -> None:
    """Back up every table and uploaded file to one archive at PATH (a .zip file name, or a
    folder for a dated name). Safe while the service is running."""
    engine, upload_dir, migrations_dir = _settings()
    target = backup_path(path)
    try:
        manifest = create_backup(
            engine,
            target,
            upload_dir=upload_dir,
            migrations_dir=migrations_dir,
            overwrite=overwrite,
        )
    except BackupError as error:
        raise click.ClickException(error.message) from error
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(
            f"The database could not be read ({_first_line(error)}); no backup was written."
        ) from error
    if not quiet:
        for line in describe(manifest):
            click.echo(line)
        click.echo(f"Backup written to {target} ({target.stat().st_size} bytes).")
    else:
        click.echo(str(target))


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Only check the archive's checksums and show what it holds; change nothing.",
)
def restore_command(path: Path, force: bool, check_only: bool) -> None:
    """Restore a backup made by `flask backup` into this database and upload folder.

    The database must be at the backup's revision and empty (run only `flask db upgrade` on
    it), unless --force. Exit status: 0 restored and the audit chain verifies; 1 refused or
    failed, nothing changed; 3 restored, but the audit chain does not verify.
    """
    engine, upload_dir, migrations_dir = _settings()
    try:
        if check_only:
            manifest = inspect_backup(path)
            for line in describe(manifest):
                click.echo(line)
            click.echo("The backup is complete and every checksum matches.")
            return
        report = restore_backup(
            engine,
            path,
            upload_dir=upload_dir,
            migrations_dir=migrations_dir,
            force=force,
            progress=None,
        )
    except BackupError as error:
        raise click.ClickException(error.message) from error
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(
            f"The restore failed and was rolled back, so nothing was restored "
            f"({_first_line(error)}). If the service is running, stop it and try again."
        ) from error
    for line in describe(report.manifest):
        click.echo(line)
    if report.replaced:
        click.echo(f"Replaced {sum(report.replaced.values())} rows that were in the database.")
    click.echo(
        f"Restored {sum(report.rows.values())} rows in {len(report.rows)} tables and "
        f"{report.files_restored} uploaded files."
    )
    if report.files_left_in_place:
        click.echo(
            f"{report.files_left_in_place} files already in the upload folder are not in the "
            "backup; they were left in place."
        )
    if report.chain_ok:
        click.echo(f"Audit chain intact: {report.chain_events} events verified.")
        return
    click.echo(f"Audit chain does NOT verify after the restore: {report.chain_problem}", err=True)
    sys.exit(3)
