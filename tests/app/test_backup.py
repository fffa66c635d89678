"""`flask backup` / `flask restore`: a round trip gives an identical database, and every refusal
leaves the target untouched.

Runs on the suite's database (SQLite in the SQLite pass, PostgreSQL in the PostgreSQL pass): the
source is the normal test database, the target an empty database of the same kind (a fresh
SQLite file, or a sibling database on the same PostgreSQL server), migrated by Alembic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from contract_support import PDF, PNG, TODAY, build_s4
from factories import add_s1_criteria, make_tender, s1_bid_data
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy.orm import Session

from socialvalue import backup
from socialvalue.extensions import db
from socialvalue.models import (
    AuditEvent,
    ReportJob,
    ReportJobStatus,
    SignInAttempt,
    Tender,
    User,
)
from socialvalue.models.base import utcnow
from socialvalue.services import bids as bid_service
from socialvalue.services import contracts as contract_service
from socialvalue.services import evaluation
from socialvalue.services import tenders as tender_service
from socialvalue.services.accounts import create_user
from socialvalue.services.api_tokens import create_token
from socialvalue.services.audit import record_event
from socialvalue.services.demo import S4_PERIOD_END, seed_demo
from socialvalue.services.evidence import Upload

# -- the rich database ------------------------------------------------------------------------


def seed_rich_database(library: Any) -> dict[str, int]:
    """Every kind of record the service keeps, built through the services (committed).

    The demo data (framework library, users of every role, an S1 tender scored by officers and
    panel members with consensus, an S4 contract with a verified return), plus: the moderated
    S1 tender awarded, a second contract whose return carries evidence files, a remedial
    action, dated milestones, an API token, a finished report job holding a PDF and a sign-in
    attempt. Returns how many rows each table holds.
    """
    session = db.session
    seed_demo(session, library)
    officer = session.execute(
        sa.select(User).where(User.email == "officer@demo.socialvalue.test")
    ).scalar_one()
    moderated = session.execute(
        sa.select(Tender).where(Tender.reference == "GM-DEMO-2026-002")
    ).scalar_one()
    evaluation.award_tender(
        session, officer, moderated, rationale="Highest total after moderation (scenario S1)."
    )
    session.commit()

    s4 = build_s4(reference="GM-BACKUP-S4")
    contract = s4.contract
    kpis = s4.kpis()
    delivery_return = contract_service.record_return(
        session,
        s4.supplier,
        contract,
        period_end=S4_PERIOD_END,
        quantities=s4.quantities(),
        narrative="Six months in — payroll and photographs attached. «Ünïcode» too.",
        uploads=[Upload("payroll summary.pdf", PDF), Upload("site photo.png", PNG)],
        upload_dir=str(current_app.config["UPLOAD_DIR"]),
        today=TODAY,
    )
    for line in delivery_return.lines:
        contract_service.decide_line(session, s4.officer, contract, line, decision="verified")
    contract_service.add_remedial_action(
        session,
        s4.officer,
        contract,
        {
            "kpi_id": kpis["GMSVF-P4-VCSE-SPEND"].id,
            "note": "Move catering to a VCSE supplier.",
            "owner": "Contract manager",
            "due_on": dt.date(2027, 1, 31),
        },
    )
    apprenticeships = kpis["GMSVF-P3-APPRENTICESHIPS"]
    contract_service.set_kpi_accrual(
        session,
        s4.officer,
        contract,
        apprenticeships,
        accrual="milestones",
        milestones=[
            (dt.date(2026, 9, 30), Decimal(2)),
            (dt.date(2027, 3, 31), Decimal("3.5")),
            (contract.end_date, apprenticeships.committed_quantity),
        ],
    )
    # An open tender with a pass/fail gate and a supplier's bid answering it.
    open_tender = make_tender(session, officer, reference="GM-BACKUP-GATE")
    add_s1_criteria(session, officer, open_tender)
    tender_service.add_gate(
        session,
        officer,
        open_tender,
        {"title": "Good Employment Charter supporter", "evidence_expected": "Certificate"},
    )
    tender_service.publish_plan(session, officer, open_tender)
    bid_service.record_bid(
        session,
        officer,
        open_tender,
        s1_bid_data(open_tender, "Gated Supplier Ltd", Decimal("99999.99"), Decimal("3.25")),
    )
    create_token(session, officer, "Nightly export")
    session.add(
        ReportJob(
            kind="summary",
            tender_id=moderated.id,
            title="Summary report",
            requested_by_id=officer.id,
            status=ReportJobStatus.DONE,
            progress=100,
            finished_at=utcnow(),
            filename="summary.pdf",
            pdf=PDF + bytes(range(256)),  # every byte value survives
        )
    )
    session.add(
        SignInAttempt(
            email=officer.email, remote_addr="203.0.113.7", succeeded=True, attempted_at=utcnow()
        )
    )
    session.commit()
    with db.engine.connect() as connection:
        return {t.name: _count(connection, t) for t in backup.tables()}


def _count(connection: sa.Connection, table: sa.Table) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# -- a second, empty database of the same kind ------------------------------------------------


@contextlib.contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as the test database."""
    source = db.engine.url
    if source.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.sqlite3'}"
        return
    name = f"{source.database}_restore_{secrets.token_hex(3)}"
    admin = _postgres_admin(source)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{source.username}"')
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _postgres_admin(source: sa.URL) -> sa.Engine:
    """An engine allowed to create databases on the test server: the test role when it may,
    else the server's ``postgres`` superuser (the throwaway test clusters trust local users)."""
    candidates = [
        source.set(database="postgres"),
        source.set(database="postgres", username="postgres", password=None),
    ]
    for url in candidates:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                allowed = connection.execute(
                    sa.text(
                        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
                    )
                ).scalar_one()
            if allowed:
                return engine
        except sa.exc.OperationalError:
            pass
        engine.dispose()
    pytest.fail("no role on the test PostgreSQL server may create a database for the restore")


@contextlib.contextmanager
def target_app(url: str, upload_dir: Path) -> Iterator[Flask]:
    """An app on ``url``, migrated to the current revision by Alembic (its context pushed)."""
    from socialvalue.app import create_app

    source_app = current_app
    config = {
        key: source_app.config[key]
        for key in ("ENV_NAME", "TESTING", "SECRET_KEY", "FRAMEWORKS_DIR")
    }
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(upload_dir)})
    with app.app_context():
        upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


# -- comparing --------------------------------------------------------------------------------


def every_row(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, all columns, in primary-key order; JSON columns also say whether
    they hold SQL NULL (a stored JSON null reads back as None too)."""
    rows = {}
    with engine.connect() as connection:
        for table in backup.tables():
            nulls = [c.is_(None) for c in table.columns if isinstance(c.type, sa.JSON)]
            query = sa.select(table, *nulls).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def uploads(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private upload folder for the source app (the session's one is shared)."""
    path = tmp_path / "source-uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(path))
    return path


# -- the round trip ---------------------------------------------------------------------------


def test_backup_and_restore_give_an_identical_database(
    app: Flask, synced_frameworks: Any, uploads: Path, tmp_path: Path
) -> None:
    counts = seed_rich_database(synced_frameworks)
    empty = sorted(name for name, count in counts.items() if count == 0)
    assert empty == [], f"the seed leaves tables empty: {empty}"
    assert len(files(uploads)) == 2

    archive = tmp_path / "nightly.zip"
    result = run(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert f"Backup written to {archive}" in result.output
    assert "events, intact" in result.output
    source_rows = every_row(db.engine)

    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        names = set(opened.namelist())
    assert manifest["format"] == "socialvalue-backup"
    assert manifest["alembic_revision"] == backup.code_revision(app.extensions["migrate"].directory)
    assert manifest["database"]["dialect"] == db.engine.dialect.name
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == counts
    assert manifest["uploads"]["count"] == 2
    assert {f"uploads/{f['path']}" for f in manifest["uploads"]["files"]} <= names
    chain = manifest["audit_chain"]
    assert chain["verified"] is True
    assert chain["events"] == counts["audit_events"] == chain["last_sequence"]

    with empty_database(tmp_path) as url:
        target_uploads = tmp_path / "target-uploads"
        with target_app(url, target_uploads) as target:
            result = run(target, "restore", str(archive))
            assert result.exit_code == 0, result.output
            assert f"Restored {sum(counts.values())} rows in {len(counts)} tables" in result.output
            assert f"Audit chain intact: {counts['audit_events']} events verified." in (
                result.output
            )

            # Every table, every column, every row.
            restored_rows = every_row(db.engine)
            for table in backup.tables():
                assert restored_rows[table.name] == source_rows[table.name], table.name
            # Uploaded evidence byte for byte.
            assert files(target_uploads) == files(uploads)

            # A backup of the restored database has the same checksum for every table.
            second = tmp_path / "second.zip"
            assert run(target, "backup", str(second)).exit_code == 0
            with zipfile.ZipFile(second) as opened:
                again = json.loads(opened.read("manifest.json"))
            assert [(t["name"], t["rows"], t["sha256"]) for t in again["tables"]] == [
                (t["name"], t["rows"], t["sha256"]) for t in manifest["tables"]
            ]
            assert again["uploads"]["files"] == manifest["uploads"]["files"]
            assert again["audit_chain"] == manifest["audit_chain"]

            # The restored database carries on: new rows get the next ids (PostgreSQL
            # sequences were moved on), and new audit events extend the restored chain.
            largest_user = max(row[0] for row in source_rows["users"])
            largest_event = max(row[0] for row in source_rows["audit_events"])
            user = create_user(
                db.session,
                email="new.officer@example.org",
                display_name="New Officer",
                role="officer",
                password="a long enough password",
            )
            event = record_event(
                db.session,
                actor=user,
                action="test.after_restore",
                entity_type="thing",
                entity_id=1,
                summary="written after the restore",
            )
            db.session.commit()
            assert user.id == largest_user + 1
            assert event.id > largest_event
            assert event.sequence == counts["audit_events"] + 1
            verified = run(target, "audit", "verify")
            assert verified.exit_code == 0, verified.output
            assert f"{counts['audit_events'] + 1} events verified" in verified.output

    if db.engine.dialect.name == "postgresql":
        # Across databases: the PostgreSQL backup restores into SQLite with equal values.
        sqlite_url = f"sqlite:///{tmp_path / 'cross.sqlite3'}"
        with target_app(sqlite_url, tmp_path / "cross-uploads") as target:
            result = run(target, "restore", str(archive))
            assert result.exit_code == 0, result.output
            assert every_row(db.engine) == source_rows


def test_restore_refuses_a_damaged_archive_a_wrong_revision_and_a_database_in_use(
    app: Flask, synced_frameworks: Any, uploads: Path, tmp_path: Path
) -> None:
    seed_rich_database(synced_frameworks)
    source_engine = db.engine
    archive = tmp_path / "good.zip"
    assert run(app, "backup", str(archive)).exit_code == 0

    # One changed character in one table: the checksum no longer matches.
    def tamper_bids(name: str, data: bytes) -> bytes:
        return (
            data.replace(b"Northern Facilities", b"Northern Facilitiez", 1)
            if (name == "tables/bids.jsonl")
            else data
        )

    tampered = rewrite(archive, tmp_path / "tampered.zip", tamper_bids)
    # A file cut short in transit.
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    # A backup made by a release with another schema revision.
    other_revision = rewrite(
        archive,
        tmp_path / "other-revision.zip",
        lambda name, data: (
            data.replace(
                json.dumps(json.loads(data)["alembic_revision"]).encode(), b'"0123456789ab"'
            )
            if name == "manifest.json"
            else data
        ),
    )

    with empty_database(tmp_path) as url:
        target_uploads = tmp_path / "target-uploads"
        with target_app(url, target_uploads) as target:
            untouched = every_row(db.engine)

            def refused(path: Path, *extra: str) -> str:
                result = run(target, "restore", str(path), *extra)
                assert result.exit_code == 1, result.output
                assert "Traceback" not in result.output
                assert every_row(db.engine) == untouched
                assert files(target_uploads) == {}
                return result.output

            assert "tables/bids.jsonl does not match the checksum" in refused(tampered)
            assert "not a readable socialvalue backup" in refused(truncated)
            assert "no backup file" in refused(tmp_path / "missing.zip").lower()
            message = refused(other_revision)
            assert "revision 0123456789ab" in message
            assert "release that made it" in message
            # `--check` finds the damage too, without touching anything.
            assert "does not match the checksum" in refused(tampered, "--check")

            # The database fails half-way through loading the tables: all rolled back.
            def fail_late(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
                if statement.startswith("INSERT INTO return_lines"):
                    raise sa.exc.OperationalError(statement, {}, Exception("disk full"))

            sa.event.listen(db.engine, "before_cursor_execute", fail_late)
            try:
                message = refused(archive)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", fail_late)
            assert "rolled back, so nothing was restored (disk full)" in message
            assert list(target_uploads.iterdir()) == []  # no staging folder left behind

            # The database one revision behind the backup: upgrade first.
            downgrade(revision="-1")
            untouched_schema = every_row_where_possible(db.engine)
            result = run(target, "restore", str(archive))
            assert result.exit_code == 1
            assert "run `flask db upgrade` first" in result.output
            assert every_row_where_possible(db.engine) == untouched_schema
            upgrade()

            # A database already in use: refused without --force, replaced with it.
            create_user(
                db.session,
                email="already.here@example.org",
                display_name="Already Here",
                role="officer",
                password="a long enough password",
            )
            db.session.commit()
            in_use = every_row(db.engine)
            result = run(target, "restore", str(archive))
            assert result.exit_code == 1
            assert "The database is not empty" in result.output
            assert "users (1)" in result.output and "--force" in result.output
            assert every_row(db.engine) == in_use

            result = run(target, "restore", str(archive), "--force")
            assert result.exit_code == 0, result.output
            assert "Replaced 1 rows" in result.output
            assert every_row(db.engine) == every_row(source_engine)
            assert files(target_uploads) == files(uploads)


def every_row_where_possible(engine: sa.Engine) -> dict[str, int]:
    """Row counts of whatever tables exist (the schema may be a revision behind)."""
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in sorted(names)
            if name != "alembic_version"
        }


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of the zip at ``source`` with each member's bytes passed through ``change``."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            copy.writestr(info.filename, change(info.filename, original.read(info)))
    return target


# -- one snapshot, values, names ------------------------------------------------------------


def test_a_backup_is_one_snapshot_even_while_the_service_writes(
    app: Flask, synced_frameworks: Any, uploads: Path, tmp_path: Path
) -> None:
    """A write committed while the dump runs (after the first table, before audit_events) is
    not in the archive, and the archive's audit chain is whole."""
    record_event(db.session, actor=None, action="test.before", entity_type="thing", entity_id=1)
    db.session.commit()
    engine = db.engine
    written: list[int] = []

    def write_meanwhile(message: str) -> None:
        if written:
            return
        with Session(bind=engine) as other:
            event = record_event(
                other, actor=None, action="test.during", entity_type="thing", entity_id=2
            )
            other.commit()
            written.append(event.sequence)

    manifest = backup.create_backup(
        engine,
        tmp_path / "during.zip",
        upload_dir=uploads,
        migrations_dir=app.extensions["migrate"].directory,
        progress=write_meanwhile,
    )
    assert written  # the other session did commit, during the dump
    audit = manifest.table("audit_events")
    assert audit is not None
    assert audit.rows == manifest.audit_chain["events"] == manifest.audit_chain["last_sequence"]
    events_now = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent))
    assert events_now.scalar_one() == audit.rows + 1
    with zipfile.ZipFile(tmp_path / "during.zip") as opened:
        actions = [
            json.loads(line)["action"]
            for line in opened.read("tables/audit_events.jsonl").splitlines()
        ]
    assert "test.before" in actions and "test.during" not in actions


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**40),
        'plain text — «ünïcode» \n"quoted"',
        Decimal("105000.50"),
        Decimal("0.0001"),
        Decimal("1E+3"),
        dt.date(2027, 4, 1),
        dt.datetime(2026, 11, 22, 10, 15, 0, 123456, tzinfo=dt.UTC),
        bytes(range(256)),
    ],
)
def test_values_keep_their_type_and_every_digit(value: Any) -> None:
    encoded = backup.encode_value(value)
    decoded = backup.decode_value(json.loads(json.dumps(encoded)))
    assert decoded == value and type(decoded) is type(value)
    if isinstance(value, Decimal):
        assert str(decoded) == str(value)


def test_json_columns_keep_sql_null_apart_from_json_null() -> None:
    assert backup.encode_value(None, is_json=True, sql_null=True) is None
    assert backup.encode_value(None, is_json=True) == {"$json": None}
    assert backup.decode_value(None, is_json=True) is None
    assert backup.decode_value({"$json": None}, is_json=True) is sa.JSON.NULL
    document = {"$decimal": "not a tag inside JSON", "list": [1, "2"]}
    assert backup.decode_value(backup.encode_value(document, is_json=True), is_json=True) == (
        document
    )
    with pytest.raises(ValueError, match="unrecognised value"):
        backup.decode_value({"$nonsense": "1"})


def test_backup_names_a_file_in_a_folder_and_never_overwrites_by_accident(
    app: Flask, uploads: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run(app, "backup", str(folder), "--quiet")
    assert result.exit_code == 0, result.output
    written = Path(result.output.strip())
    assert written.parent == folder and written.name.startswith("socialvalue-backup-")
    assert written.suffix == ".zip" and written.is_file()

    before = written.read_bytes()
    again = run(app, "backup", str(written))
    assert again.exit_code == 1 and "already exists" in again.output
    assert written.read_bytes() == before
    assert run(app, "backup", str(written), "--overwrite").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [written.name]  # no partial files left

    missing = run(app, "backup", str(tmp_path / "no-such-folder" / "x.zip"))
    assert missing.exit_code == 1 and "does not exist" in missing.output

    checked = run(app, "restore", str(written), "--check")
    assert checked.exit_code == 0, checked.output
    assert "every checksum matches" in checked.output


def test_a_missing_evidence_file_is_reported_not_hidden(
    app: Flask, synced_frameworks: Any, uploads: Path, tmp_path: Path
) -> None:
    s4 = build_s4(reference="GM-BACKUP-MISSING")
    contract_service.record_return(
        db.session,
        s4.supplier,
        s4.contract,
        period_end=S4_PERIOD_END,
        quantities=s4.quantities(),
        uploads=[Upload("payroll.pdf", PDF)],
        upload_dir=str(uploads),
        today=TODAY,
    )
    db.session.commit()
    (stored,) = [p for p in uploads.rglob("*") if p.is_file()]
    stored.unlink()

    result = run(app, "backup", str(tmp_path / "partial-evidence.zip"))
    assert result.exit_code == 0, result.output
    assert "WARNING: 1 evidence files the database refers to were not in the upload folder" in (
        result.output
    )
    manifest = backup.inspect_backup(tmp_path / "partial-evidence.zip")
    assert manifest.missing_uploads == [stored.relative_to(uploads).as_posix()]
