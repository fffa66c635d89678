"""Faults: a worker killed mid-write saves nothing by halves; a database outage gives a clean 503
and the service recovers by itself.

The first tests run in-process on the suite's database (both passes): a database error during
a request, injected at the driver, gives the 503 page (or problem+json under /api/), and
nothing of the interrupted write is saved.

The proofs at scale (PostgreSQL pass only) run gunicorn against a private, durable PostgreSQL
(fsync on) while client threads record bids, each bid several rows in one transaction (the bid,
three commitments, two written responses, a pass/fail answer, an audit event and the audit
chain head):

* kill -9: workers are killed again and again in the middle of a write transaction; gunicorn
  replaces them, every bid is whole or absent, every bid the client saw saved is there, and
  the audit chain verifies.
* database restart: PostgreSQL is restarted (fast shutdown) and crash-restarted (immediate
  stop) under load; meanwhile every request gets the 503 page, and afterwards the same worker
  processes serve again within seconds.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    FreshClient,
    make_s1_tender,
    make_tender,
    make_user,
    sign_in,
    text,
    token_for,
)
from servers import (
    GunicornServer,
    HttpClient,
    PostgresCluster,
    migrated_database,
    server_environment,
)
from sqlalchemy.orm import Session

from socialvalue.extensions import db
from socialvalue.models import (
    AuditEvent,
    Bid,
    BidCommitment,
    BidGateAnswer,
    BidResponse,
    Role,
    Tender,
)
from socialvalue.services.api_tokens import create_token
from socialvalue.services.audit import verify_chain
from socialvalue.services.demo import s1_plan_rules

UNAVAILABLE_TITLE = "Service temporarily unavailable"
NOTHING_SAVED = "nothing was saved"
WAS_SAVED = "your change was saved"
MAYBE_SAVED = "may or may not have been saved"
BID_LOCATION = re.compile(r"/tenders/(\d+)/bids/(\d+)$")


# -- in-process: an injected database failure ---------------------------------------------------


@contextlib.contextmanager
def database_fails(when: Callable[[str], bool] = lambda statement: True) -> Iterator[list[str]]:
    """Every SQL statement for which ``when`` is true fails as a lost connection would."""
    failed: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if when(statement):
            failed.append(statement)
            raise sa.exc.OperationalError(
                statement, {}, Exception("server closed the connection unexpectedly")
            )

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield failed
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def form_for_bid(tender: Tender, supplier_name: str) -> dict[str, str]:
    """The officer's "record a bid" form filled in for every criterion and gate of ``tender``."""
    form = {"supplier_name": supplier_name, "price": "123456.78"}
    for number, criterion in enumerate(tender.criteria, start=1):
        if criterion.kind == "quantitative":
            name = f"commitment-{criterion.id}"
            form[name] = f"{number}.25"
            form[f"{name}-narrative"] = f"How {criterion.code} will be delivered"
            form[f"{name}-evidence_plan"] = "Quarterly returns"
        else:
            form[f"response-{criterion.id}"] = f"{supplier_name} on {criterion.code}"
    for gate in tender.gates:
        form[f"gate-{gate.id}"] = "yes"
        form[f"gate-{gate.id}-evidence"] = "Certificate"
    return form


def assert_unavailable_page(
    status: int, headers: Any, body: str, outcome: str = NOTHING_SAVED
) -> None:
    assert status == 503, body[:500]
    assert UNAVAILABLE_TITLE in body
    assert outcome in body.lower()
    assert "Traceback" not in body and "sqlalchemy" not in body.lower()
    assert headers.get("Retry-After") or headers.get("retry-after")


def test_a_lost_database_gives_the_503_page_not_a_500(app: Any, synced_frameworks: Any) -> None:
    officer = make_user(db.session, Role.OFFICER)
    db.session.commit()
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), officer)

    # The signed-in user cannot even be looked up.
    with database_fails() as failed:
        response = client.get("/tenders/")
    assert failed
    assert_unavailable_page(response.status_code, response.headers, text(response))
    assert "Sign in" in text(response)  # drawn without the database: as signed out

    # The user was loaded, then the page's own query fails.
    with database_fails(lambda statement: "FROM tenders" in statement):
        response = client.get("/tenders/")
    assert_unavailable_page(response.status_code, response.headers, text(response))

    # Back by itself as soon as the database answers.
    assert client.get("/tenders/").status_code == 200


def test_a_write_cut_off_by_the_database_saves_nothing(app: Any, synced_frameworks: Any) -> None:
    officer = make_user(db.session, Role.OFFICER)
    tender = make_s1_tender(db.session, officer, record_bids=False, close=False)
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), officer)
    url = f"/tenders/{tender.id}/bids/new"
    form = {"csrf_token": token_for(client, url), **form_for_bid(tender, "Cut Off Ltd")}
    events_before = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()

    # The bid and its rows are flushed; then the audit event cannot be written (on PostgreSQL
    # its INSERT is inside the statement that also moves the chain head).
    with database_fails(lambda statement: "INSERT INTO audit_events" in statement):
        response = client.post(url, data=form)
    assert_unavailable_page(response.status_code, response.headers, text(response))
    db.session.expire_all()
    for model in (Bid, BidCommitment, BidResponse):
        assert db.session.execute(sa.select(sa.func.count(model.id))).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one() == (
        events_before
    )
    assert verify_chain(db.session).ok

    # The same form, sent again once the database is back, is saved whole.
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert db.session.execute(sa.select(sa.func.count(Bid.id))).scalar_one() == 1


def test_a_change_committed_before_the_database_went_away_is_reported_as_saved(
    app: Any, synced_frameworks: Any
) -> None:
    """The COMMIT succeeded, then the database went while the next page was being built: the
    503 must not say "nothing was saved" (the user would send the bid twice)."""
    officer = make_user(db.session, Role.OFFICER)
    tender = make_s1_tender(db.session, officer, record_bids=False, close=False)
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), officer)
    url = f"/tenders/{tender.id}/bids/new"
    form = {"csrf_token": token_for(client, url), **form_for_bid(tender, "Saved Ltd")}
    committed: list[bool] = []

    def after_commit(connection: Any) -> None:
        committed.append(True)

    sa.event.listen(db.engine, "commit", after_commit)
    try:
        with database_fails(lambda statement: bool(committed)):
            response = client.post(url, data=form)
    finally:
        sa.event.remove(db.engine, "commit", after_commit)
    assert_unavailable_page(response.status_code, response.headers, text(response), WAS_SAVED)
    assert "do not send it again" in text(response).lower()
    saved = db.session.execute(sa.select(Bid).where(Bid.supplier_name == "Saved Ltd")).scalars()
    assert len(list(saved)) == 1


def test_a_commit_cut_off_says_the_change_may_not_be_saved(
    app: Any, synced_frameworks: Any
) -> None:
    officer = make_user(db.session, Role.OFFICER)
    tender = make_s1_tender(db.session, officer, record_bids=False, close=False)
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), officer)
    url = f"/tenders/{tender.id}/bids/new"
    form = {"csrf_token": token_for(client, url), **form_for_bid(tender, "Unsure Ltd")}

    def lost_during_commit(connection: Any) -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    sa.event.listen(db.engine, "commit", lost_during_commit)
    try:
        response = client.post(url, data=form)
    finally:
        sa.event.remove(db.engine, "commit", lost_during_commit)
    assert_unavailable_page(response.status_code, response.headers, text(response), MAYBE_SAVED)
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(Bid.id))).scalar_one() == 0


def test_the_api_answers_503_problem_json(app: Any) -> None:
    officer = make_user(db.session, Role.OFFICER)
    _token, secret = create_token(db.session, officer, "outage test")
    db.session.commit()
    client = FreshClient(app, app.response_class)
    headers = {"Authorization": f"Bearer {secret}"}
    with database_fails():
        response = client.get("/api/v1/tenders", headers=headers)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and body["title"] == "Service unavailable"
    assert NOTHING_SAVED in body["detail"]
    assert body["instance"] == "/api/v1/tenders"
    assert response.headers["Retry-After"]
    assert client.get("/api/v1/tenders", headers=headers).status_code == 200


def test_a_connection_lost_after_the_response_does_not_turn_it_into_a_500(app: Any) -> None:
    """The database restarts after a page was built: closing the session fails (the server
    ended the connection), and that must not escape the request's teardown."""

    def refuse(connection: Any) -> None:
        raise sa.exc.OperationalError(
            "ROLLBACK", {}, Exception("terminating connection due to administrator command")
        )

    with app.app_context():  # a request's own application context, torn down at the end
        db.session.execute(sa.text("SELECT 1"))
        sa.event.listen(db.engine, "rollback", refuse)
    sa.event.remove(db.engine, "rollback", refuse)
    assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1


# -- at scale: gunicorn on a private, durable PostgreSQL ---------------------------------------

OFFICER_EMAIL = "faults-officer@example.org"
PASSWORD = "fault-proof-password-1234"
TENDERS = 10
#: Per bid: the bid, three commitments, two responses, one gate answer.
COMMITMENTS, RESPONSES, GATE_ANSWERS = 3, 2, 1


@dataclass
class FaultDatabase:
    cluster: PostgresCluster
    url: str
    instance_path: Path
    tender_ids: list[int]
    forms: dict[int, dict[str, str]]  # tender id -> the bid form without a supplier name

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url, pool_pre_ping=True)


def _seed(url: str, instance_path: Path) -> tuple[list[int], dict[int, dict[str, str]]]:
    """An officer and ``TENDERS`` published tenders, each taking bids with three commitments
    (GM local employment, apprenticeships, VCSE spend), two quality answers and a gate."""
    from factories import framework_version, measure

    from socialvalue.app import create_app
    from socialvalue.services import tenders as tender_service
    from socialvalue.services.accounts import create_user

    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "SECRET_KEY": "fault-seeding-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(instance_path / "uploads"),
        }
    )
    with app.app_context():
        session = db.session
        officer = create_user(
            session,
            email=OFFICER_EMAIL,
            display_name="Fault Officer",
            role="officer",
            password=PASSWORD,
        )
        version = framework_version(session)
        ids, forms = [], {}
        for number in range(TENDERS):
            tender = make_tender(session, officer, reference=f"GM-FAULT-{number:03d}")
            tender_service.update_plan_rules(
                session,
                officer,
                tender,
                s1_plan_rules(),
            )
            for title, weight in (("Service delivery", 25), ("Staffing", 15)):
                tender_service.add_question_criterion(
                    session,
                    officer,
                    tender,
                    {
                        "title": title,
                        "question": f"{title}?",
                        "group": "quality",
                        "scale_max": 5,
                        "weight": Decimal(weight),
                    },
                )
            for code, weight in (
                ("GMSVF-P3-LOCAL-EMPLOYMENT", 8),
                ("GMSVF-P3-APPRENTICESHIPS", 6),
                ("GMSVF-P4-VCSE-SPEND", 6),
            ):
                tender_service.add_measure_criterion(
                    session,
                    officer,
                    tender,
                    {
                        "measure_id": measure(session, version, code).id,
                        "group": "social_value",
                        "weight": Decimal(weight),
                    },
                )
            tender_service.add_gate(
                session, officer, tender, {"title": "Good Employment Charter supporter"}
            )
            tender_service.publish_plan(session, officer, tender)
            session.flush()
            ids.append(tender.id)
            forms[tender.id] = form_for_bid(tender, "")
        session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids, forms


@pytest.fixture(scope="module")
def fault_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultDatabase]:
    instance_path = tmp_path_factory.mktemp("faults-instance")
    with (
        PostgresCluster(durable=True) as cluster,
        migrated_database(cluster, "faults", instance_path) as url,
    ):
        ids, forms = _seed(url, instance_path)
        yield FaultDatabase(cluster, url, instance_path, ids, forms)


WORKERS = 3


@pytest.fixture(scope="module")
def fault_server(fault_database: FaultDatabase) -> Iterator[GunicornServer]:
    """gunicorn (production mode, sync workers) serving the fault database; shared by the
    tests below, which may kill its workers and restart its database."""
    env = server_environment(fault_database.url, fault_database.instance_path)
    with GunicornServer(env, workers=WORKERS) as server:
        yield server


# -- client threads ------------------------------------------------------------------------------

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Outcomes:
    """What the clients saw, shared by the client threads (append-only lists are thread-safe)."""

    saved: dict[str, int] = field(default_factory=dict)  # supplier name -> bid id (a 302)
    unknown: list[str] = field(default_factory=list)  # the connection broke: outcome unknown
    unavailable: dict[str, str] = field(default_factory=dict)  # 503 for a write: what it said
    statuses: list[tuple[float, str, int]] = field(default_factory=list)  # (when, kind, status)
    problems: list[str] = field(default_factory=list)  # anything a user should never see

    def check_unavailable(self, status: int, headers: dict[str, str], body: str) -> None:
        said = [
            phrase for phrase in (NOTHING_SAVED, WAS_SAVED, MAYBE_SAVED) if phrase in body.lower()
        ]
        if status == 503 and not (
            UNAVAILABLE_TITLE in body
            and len(said) == 1
            and "traceback" not in body.lower()
            and headers.get("retry-after")
        ):
            self.problems.append(f"a 503 without the plain page: {body[:300]!r}")


def _retrying(action: Callable[[], Any], stop: threading.Event, attempts: int = 50) -> Any:
    for _ in range(attempts):
        try:
            return action()
        except (*TRANSPORT_ERRORS, RuntimeError):
            if stop.is_set():
                raise
            time.sleep(0.1)
    return action()


def writer(
    server: GunicornServer,
    database: FaultDatabase,
    tender_id: int,
    label: str,
    outcomes: Outcomes,
    stop: threading.Event,
) -> None:
    """Record bid after bid on one tender (its own, so labels never race)."""
    client = HttpClient(server.base_url, timeout=20)
    _retrying(lambda: client.sign_in(OFFICER_EMAIL, PASSWORD), stop)
    path = f"/tenders/{tender_id}/bids/new"
    token = _retrying(lambda: client.csrf_token(path), stop)
    number = 0
    while not stop.is_set():
        number += 1
        name = f"{label} bid {number}"
        form = {**database.forms[tender_id], "supplier_name": name, "csrf_token": token}
        try:
            status, headers, body = client.request("POST", path, form)
        except TRANSPORT_ERRORS:
            outcomes.unknown.append(name)
            continue
        outcomes.statuses.append((time.monotonic(), "write", status))
        match = BID_LOCATION.search(headers.get("location", ""))
        if status == 302 and match:
            outcomes.saved[name] = int(match.group(2))
        elif status == 503:
            outcomes.check_unavailable(status, headers, body)
            outcomes.unavailable[name] = next(
                (p for p in (NOTHING_SAVED, WAS_SAVED, MAYBE_SAVED) if p in body.lower()), ""
            )
            time.sleep(0.05)
        else:
            outcomes.problems.append(f"write {name}: status {status}: {body[:300]!r}")


def reader(
    server: GunicornServer, tender_ids: list[int], outcomes: Outcomes, stop: threading.Event
) -> None:
    """Read the tender list and tender pages, signed in, as fast as they come."""
    client = HttpClient(server.base_url, timeout=20)
    _retrying(lambda: client.sign_in(OFFICER_EMAIL, PASSWORD), stop)
    paths = ["/tenders/"] + [f"/tenders/{tender_id}/" for tender_id in tender_ids]
    number = 0
    while not stop.is_set():
        path = paths[number % len(paths)]
        number += 1
        try:
            status, headers, body = client.get(path)
        except TRANSPORT_ERRORS as error:
            outcomes.problems.append(f"read {path}: connection failed: {error!r}")
            continue
        outcomes.statuses.append((time.monotonic(), "read", status))
        if status == 503:
            outcomes.check_unavailable(status, headers, body)
            time.sleep(0.05)
        elif status != 200:
            outcomes.problems.append(f"read {path}: status {status}: {body[:300]!r}")


@contextlib.contextmanager
def clients(targets: list[Callable[[threading.Event], None]]) -> Iterator[threading.Event]:
    stop = threading.Event()
    threads = [threading.Thread(target=t, args=(stop,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


# -- checking the database afterwards ----------------------------------------------------------


@dataclass
class Integrity:
    bids: int
    incomplete: list[str]


def check_integrity(database: FaultDatabase, outcomes: Outcomes) -> Integrity:
    """Every bid whole (all its rows and exactly one audit event, or nothing at all), every
    bid the clients saw saved present, no orphan rows, the audit chain intact."""
    engine = database.engine()
    try:
        with Session(engine) as session:
            # The database is private to these tests: every bid in it is one of theirs.
            bids = {bid.id: bid for bid in session.execute(sa.select(Bid)).scalars()}

            def per_bid(model: Any) -> dict[int, int]:
                return dict(
                    session.execute(
                        sa.select(model.bid_id, sa.func.count()).group_by(model.bid_id)
                    ).all()
                )

            commitments = per_bid(BidCommitment)
            responses = per_bid(BidResponse)
            answers = per_bid(BidGateAnswer)
            events: dict[int, list[AuditEvent]] = {}
            for event in session.execute(
                sa.select(AuditEvent).where(AuditEvent.action == "bid.recorded")
            ).scalars():
                events.setdefault(int(event.entity_id), []).append(event)

            incomplete = []
            for bid_id, bid in bids.items():
                counts = (
                    commitments.get(bid_id, 0),
                    responses.get(bid_id, 0),
                    answers.get(bid_id, 0),
                    len(events.get(bid_id, [])),
                )
                recorded = events.get(bid_id, [])
                if counts != (COMMITMENTS, RESPONSES, GATE_ANSWERS, 1) or (
                    recorded[0].after["supplier_name"] != bid.supplier_name
                ):
                    incomplete.append(f"bid {bid_id} ({bid.supplier_name}): {counts}")
            orphans = [
                f"{name} of missing bid {bid_id}"
                for name, counted in (
                    ("commitments", commitments),
                    ("responses", responses),
                    ("answers", answers),
                    ("bid.recorded events", events),
                )
                for bid_id in counted
                if bid_id not in bids
            ]
            assert orphans == []
            assert incomplete == []

            by_name = {bid.supplier_name: bid.id for bid in bids.values()}
            lost = {n: i for n, i in outcomes.saved.items() if by_name.get(n) != i}
            assert lost == {}, f"confirmed as saved but missing: {lost}"

            chain = verify_chain(session)
            assert chain.ok, chain.reason
        with engine.connect() as connection:
            # No transaction is left open, so nothing is left locked.
            open_transactions = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                )
            ).scalar_one()
            assert open_transactions == 0
        return Integrity(len(bids), incomplete)
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``condition()`` held (fails after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(*TRANSPORT_ERRORS):
            if condition():
                return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s")


def report(line: str) -> None:
    """Figures for the record (shown with pytest -s; kept in the test log otherwise)."""
    print(f"[faults] {line}")


# -- kill -9 ---------------------------------------------------------------------------------------


def backend_ports(pid: int, database_port: int) -> set[int]:
    """Local ports of process ``pid``'s TCP connections to the database server."""
    try:
        inodes = {
            os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1]
            for fd in os.listdir(f"/proc/{pid}/fd")
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")
        }
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return set()
    ports = set()
    for line in lines:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if inode in inodes and int(remote.split(":")[1], 16) == database_port:
            ports.add(int(local.split(":")[1], 16))
    return ports


def worker_mid_write(
    server: GunicornServer, connection: sa.Connection, database_port: int
) -> int | None:
    """A worker whose database transaction has written and not yet committed, if any (a
    transaction gets an xid at its first write)."""
    ports = {pid: backend_ports(pid, database_port) for pid in server.worker_pids()}
    writing = set(
        connection.execute(
            sa.text(
                "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
        ).scalars()
    )
    return next((pid for pid, used in ports.items() if used & writing), None)


@pytest.mark.postgres
@pytest.mark.slow
def test_kill_9_workers_mid_write_leaves_no_half_saved_bid(
    fault_database: FaultDatabase, fault_server: GunicornServer
) -> None:
    kills = 4
    outcomes = Outcomes()
    database = fault_database
    tenders = database.tender_ids[:6]
    server = fault_server
    targets = [
        (lambda stop, t=t, n=n: writer(server, database, t, f"kill T{n}", outcomes, stop))
        for n, t in enumerate(tenders)
    ]
    watcher = sa.create_engine(database.url, isolation_level="AUTOCOMMIT")
    port = database.cluster.port
    killed: list[int] = []
    started = time.monotonic()

    def serving(count: int, gone: tuple[int, ...] = ()) -> bool:
        # Workers booted and holding a database connection (they have served requests).
        pids = server.worker_pids()
        ready = [pid for pid in pids if backend_ports(pid, port)]
        return len(ready) >= count and not set(gone) & set(pids)

    with clients(targets), watcher.connect() as connection:
        wait_for(lambda: serving(WORKERS), timeout=30)
        give_up = time.monotonic() + 40
        while len(killed) < kills and time.monotonic() < give_up:
            # Only a worker caught in the middle of a write transaction is killed.
            victim = worker_mid_write(server, connection, port)
            if victim is None:
                time.sleep(0.005)
                continue
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            # Kill again once gunicorn has reaped it and two workers serve (one replacement
            # may still be starting): the service keeps running throughout.
            wait_for(lambda: serving(WORKERS - 1, tuple(killed)), timeout=30)
        wait_for(lambda: serving(WORKERS, tuple(killed)), timeout=30)
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    watcher.dispose()

    # gunicorn replaced every killed worker, and the service answers.
    assert len(server.worker_pids()) == WORKERS and not set(server.worker_pids()) & set(killed)
    check = HttpClient(server.base_url)
    check.sign_in(OFFICER_EMAIL, PASSWORD)
    status, headers, _ = check.post_form(
        f"/tenders/{tenders[0]}/bids/new",
        {**database.forms[tenders[0]], "supplier_name": "after the kills"},
    )
    assert status == 302, status
    match = BID_LOCATION.search(headers["location"])
    assert match is not None
    outcomes.saved["after the kills"] = int(match.group(2))
    server_log = server.log()

    assert len(set(killed)) == kills
    assert outcomes.problems == [], server_log[-6000:]
    assert len(outcomes.saved) >= 10 and outcomes.unknown
    integrity = check_integrity(database, outcomes)
    by_name = set(outcomes.unknown)
    engine = database.engine()
    with engine.connect() as connection:
        committed_unknown = connection.execute(
            sa.select(sa.func.count(Bid.id)).where(Bid.supplier_name.in_(by_name))
        ).scalar_one()
    engine.dispose()
    report(
        f"kill -9: {len(killed)} workers killed in {elapsed:.1f} s, each caught in an open "
        "write transaction just before the SIGKILL; "
        f"gunicorn replaced all of them ({WORKERS} workers serving at the end); "
        f"{len(outcomes.saved)} bids "
        f"confirmed, {len(outcomes.unknown)} requests cut off ({committed_unknown} of those "
        f"had committed, whole); {integrity.bids} bids checked, every one complete"
    )


# -- PostgreSQL restarts -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
def test_database_restart_gives_503_then_recovers_by_itself(
    fault_database: FaultDatabase, fault_server: GunicornServer
) -> None:
    database = fault_database
    outcomes = Outcomes()
    writers = database.tender_ids[6:9]
    server = fault_server
    master = server.process.pid if server.process else None
    workers_before = set(server.worker_pids())
    targets = [
        (lambda stop, t=t, n=n: writer(server, database, t, f"restart T{n}", outcomes, stop))
        for n, t in enumerate(writers)
    ] + [(lambda stop: reader(server, database.tender_ids, outcomes, stop)) for _ in range(2)]
    recoveries: dict[str, float] = {}
    outages: dict[str, tuple[float, float]] = {}
    with clients(targets):
        time.sleep(2.0)
        for kind, stop_database in (
            ("restart (fast shutdown)", lambda: database.cluster.stop("fast")),
            ("crash (immediate stop)", lambda: database.cluster.stop("immediate")),
        ):
            went_down = time.monotonic()
            stop_database()
            time.sleep(1.0)  # the outage: every request now meets a missing database
            database.cluster.start()
            back = time.monotonic()
            outages[kind] = (went_down, back)
            recoveries[kind] = wait_for(
                lambda back=back: (
                    any(when > back and status == 200 for when, _k, status in outcomes.statuses)
                    and any(when > back and status == 302 for when, _k, status in outcomes.statuses)
                ),
                timeout=15,
            )
            time.sleep(2.0)
    assert server.process is not None and server.process.pid == master
    assert set(server.worker_pids()) == workers_before  # no worker died or was replaced
    server_log = server.log()

    assert outcomes.problems == [], server_log[-6000:]
    for kind, (went_down, back) in outages.items():
        during = [s for when, _k, s in outcomes.statuses if went_down <= when <= back]
        assert 503 in during, f"no request met the outage during the {kind}"
        assert set(during) <= {200, 302, 503}
    # Once it had recovered, everything succeeded again.
    last_back = outages["crash (immediate stop)"][1] + recoveries["crash (immediate stop)"]
    after = [s for when, _k, s in outcomes.statuses if when > last_back + 0.5]
    assert after and set(after) <= {200, 302}
    check_integrity(database, outcomes)
    # Every 503 told the truth about the write: "nothing was saved" ones are absent, "your
    # change was saved" ones present ("may or may not" ones either, whole).
    engine = database.engine()
    with engine.connect() as connection:
        present = set(
            connection.execute(
                sa.select(Bid.supplier_name).where(Bid.supplier_name.in_(outcomes.unavailable))
            ).scalars()
        )
    engine.dispose()
    said = {
        phrase: [n for n, p in outcomes.unavailable.items() if p == phrase]
        for phrase in (NOTHING_SAVED, WAS_SAVED, MAYBE_SAVED)
    }
    assert not set(said[NOTHING_SAVED]) & present
    assert set(said[WAS_SAVED]) <= present
    unavailable = sum(1 for _, _k, s in outcomes.statuses if s == 503)
    report(
        "database restarts: "
        + "; ".join(
            f"{kind}: serving again {seconds:.2f} s after the database was back"
            for kind, seconds in recoveries.items()
        )
        + f"; {unavailable} requests answered 503 during the outages, "
        f"{len(outcomes.saved)} bids saved; writes answered 503: {len(said[NOTHING_SAVED])} "
        f"'nothing was saved' (none present), {len(said[WAS_SAVED])} 'your change was saved' "
        f"(all present), {len(said[MAYBE_SAVED])} 'may or may not' "
        f"({len(set(said[MAYBE_SAVED]) & present)} present); same worker PIDs throughout"
    )
    assert all(seconds < 10 for seconds in recoveries.values())
