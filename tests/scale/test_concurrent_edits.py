"""No lost updates: many clients editing the same and different records at the same moment.

Real gunicorn workers serve a private PostgreSQL; threads act as people with the scoring page,
the consensus page or a delivery return open (web forms carry the version they were loaded
with; API clients send the ETag they read in If-Match). Each round, every client reads first,
all wait at a barrier, then all write at once, so the writes really overlap. Afterwards the
database must hold every accepted write and no trace of a refused one:

* same record: exactly one write per round is accepted (everyone read the same version), the
  record holds the last accepted value, its version rose by exactly the number of accepted
  writes, and the audit log holds exactly one event per accepted write, in order, each one's
  "before" being the previous one's "after";
* different records: every write is accepted;
* the audit hash chain verifies.

A last test pins down the narrowest race deterministically: another server's write is held
open (its row lock taken) while our request passes the version check, then committed, so our
UPDATE finds the version changed under it (SQLAlchemy's StaleDataError): that must be the same
clear refusal (412), not an error page.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from scale_support import (
    VERSION_PATTERN,
    ContractSeed,
    EvaluationSeed,
    WebClient,
    api_call,
    api_token,
    database_app,
    in_parallel,
    migrate_and_sync,
    seed_contracts,
    seed_evaluation,
    signed_in,
    user_by_email,
)
from servers import GunicornServer, PostgresCluster, server_environment

from socialvalue.extensions import db
from socialvalue.models import AuditEvent, ConsensusScore, IndividualScore, ReturnLine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

THREADS = 24
ROUNDS = 2  # the first creates the score or consensus row, the second updates it
ACCEPTED, REFUSED = "accepted", "refused"


@dataclass
class Stack:
    base_url: str
    url: str
    evaluation: EvaluationSeed
    contracts: list[ContractSeed]
    contract_officer: str
    tokens: dict[str, str]
    sessions: dict[str, WebClient]

    def web(self, email: str) -> WebClient:
        """A new browser tab of ``email``'s signed-in session."""
        return self.sessions[email].clone()

    @property
    def tender_id(self) -> int:
        return self.evaluation.tender_id

    def evaluator(self, n: int) -> str:
        return self.evaluation.evaluator_emails[n]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("concurrent-edits")
    uploads = root / "uploads"
    with PostgresCluster() as pg:
        url = pg.create_database("ce")
        with database_app(url, uploads):
            migrate_and_sync()
            evaluation = seed_evaluation(evaluators=9, bids=4, prefix="ce", undeclared=1)
            contracts, contract_officer = seed_contracts(11, prefix="ce")
            people = [
                evaluation.owner_email,
                *evaluation.evaluator_emails,
                *evaluation.undeclared_emails,
                contract_officer,
            ]
            tokens = {email: api_token(email) for email in people}
            db.session.commit()
            env = server_environment(url, root, SOCIALVALUE_UPLOAD_DIR=str(uploads))
            with GunicornServer(env, workers=3) as server:
                sessions = {email: signed_in(server.base_url, email) for email in people}
                yield Stack(
                    server.base_url, url, evaluation, contracts, contract_officer, tokens, sessions
                )
                log = server.log()
                assert "Traceback" not in log, log[-4000:]


# -- what is edited: one record each ---------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record and how to edit it on the web and through the API."""

    kind: str  # "score", "consensus" or "line"
    email: str  # who edits it
    form_path: str  # the web page with its form
    post_path: str  # where the web form posts
    anchor: str  # where this record's form starts on the page
    api_path: str  # GET for its ETag
    api_write: str  # PUT with If-Match
    what: str  # how the refusal names it
    key: tuple[int, ...]  # to find the row

    def web_data(self, marker: str, value: int) -> dict[str, str]:
        if self.kind == "score":
            return {"score": str(value % 101), "rationale": marker, "action": "draft"}
        if self.kind == "consensus":
            return {"score": str(value % 6), "reason": marker}
        return {"decision": "queried", "text": marker}

    def api_body(self, marker: str, value: int) -> dict[str, Any]:
        if self.kind == "score":
            return {"score": str(value % 101), "rationale": marker, "submit": False}
        if self.kind == "consensus":
            return {"score": str(value % 6), "reason": marker}
        return {"decision": "queried", "text": marker}


def score_record(stack: Stack, evaluator: int, label: str) -> Record:
    tid, seed = stack.tender_id, stack.evaluation
    bid, criterion = seed.bid_ids[label], seed.criterion_ids["SV1"]
    path = f"/tenders/{tid}/evaluate/{label}/SV1"
    return Record(
        kind="score",
        email=stack.evaluator(evaluator),
        form_path=path,
        post_path=path,
        anchor='<form method="post"',
        api_path=f"/api/v1/tenders/{tid}/scores/{bid}/{criterion}",
        api_write=f"/api/v1/tenders/{tid}/scores/{bid}/{criterion}",
        what="score",
        key=(bid, criterion),
    )


def consensus_record(stack: Stack, label: str, code: str) -> Record:
    tid, seed = stack.tender_id, stack.evaluation
    bid, criterion = seed.bid_ids[label], seed.criterion_ids[code]
    path = f"/tenders/{tid}/moderation/{label}/{code}"
    return Record(
        kind="consensus",
        email=seed.owner_email,
        form_path=path,
        post_path=path,
        anchor='<form method="post"',
        api_path=f"/api/v1/tenders/{tid}/consensus/{bid}/{criterion}",
        api_write=f"/api/v1/tenders/{tid}/consensus/{bid}/{criterion}",
        what="consensus score",
        key=(bid, criterion),
    )


def line_record(stack: Stack, contract: int, line: int) -> Record:
    seed = stack.contracts[contract]
    page = f"/contracts/{seed.contract_id}/returns/{seed.return_id}"
    line_id = seed.line_ids[line]
    api = f"/api/v1/contracts/{seed.contract_id}/returns/{seed.return_id}/lines/{line_id}"
    return Record(
        kind="line",
        email=stack.contract_officer,
        form_path=page,
        post_path=f"{page}/lines/{line_id}/decide",
        anchor=f'action="{page}/lines/{line_id}/decide"',
        api_path=api,
        api_write=f"{api}/decision",
        what="figure",
        key=(line_id,),
    )


# -- one client's read and write -------------------------------------------------------------

Outcome = tuple[str, str]  # (accepted/refused, the marker written)


def web_read(client: WebClient, record: Record) -> tuple[str, str]:
    status, _, html = client.get(record.form_path)
    assert status == 200, (record.form_path, status)
    start = html.index(record.anchor)
    token = re.search(client.CSRF_PATTERN, html[start:])
    version = VERSION_PATTERN.search(html[start:])
    assert token and version, record.form_path
    return token.group(1), version.group(1)


def web_write(
    client: WebClient, record: Record, read: tuple[str, str], marker: str, value: int
) -> Outcome:
    token, version = read
    data = {"csrf_token": token, "version": version, **record.web_data(marker, value)}
    status, _, html = client.request("POST", record.post_path, data)
    if status == 302:
        return ACCEPTED, marker
    refusal = f"Someone else changed this {record.what} while you were editing it"
    assert status == 412 and refusal in html, (marker, status, html[:3000])
    # The refused change is never silently lost: the page says so, shows it back to copy, and
    # its form now carries the current version.
    assert "govuk-error-summary" in html and "Your change was not saved" in html
    assert marker in html
    if record.anchor in html:
        shown = VERSION_PATTERN.search(html[html.index(record.anchor) :])
        assert shown is not None and int(shown.group(1)) > int(version)
    return REFUSED, marker


def api_read(stack: Stack, record: Record) -> str | None:
    response = api_call(stack.base_url, stack.tokens[record.email], "GET", record.api_path)
    if response.status == 404:
        return None
    assert response.status == 200, response
    return response.etag


def api_write(stack: Stack, record: Record, etag: str | None, marker: str, value: int) -> Outcome:
    precondition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
    response = api_call(
        stack.base_url,
        stack.tokens[record.email],
        "PUT",
        record.api_write,
        record.api_body(marker, value),
        precondition,
    )
    if response.status == 200:
        assert response.etag != etag
        return ACCEPTED, marker
    assert response.status == 412, (marker, response)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Nothing was saved" in response.body["detail"]
    return REFUSED, marker


# -- what the database holds -------------------------------------------------------------------


def current(record: Record) -> tuple[str | None, int]:
    """(the marker the record now holds, its version); (None, 0) when it does not exist."""
    db.session.expire_all()
    if record.kind == "score":
        evaluator = user_by_email(record.email)
        row = db.session.execute(
            sa.select(IndividualScore).where(
                IndividualScore.bid_id == record.key[0],
                IndividualScore.criterion_id == record.key[1],
                IndividualScore.evaluator_id == evaluator.id,
            )
        ).scalar_one_or_none()
        return (row.rationale, row.version_id) if row else (None, 0)
    if record.kind == "consensus":
        row = db.session.execute(
            sa.select(ConsensusScore).where(
                ConsensusScore.bid_id == record.key[0],
                ConsensusScore.criterion_id == record.key[1],
            )
        ).scalar_one_or_none()
        return (row.reason, row.version_id) if row else (None, 0)
    line = db.session.get(ReturnLine, record.key[0])
    assert line is not None
    return (line.query_text or None, line.version_id)


TEXT_FIELD = {"score": "rationale", "consensus": "reason", "line": "query"}
ENTITY = {"score": "individual_score", "consensus": "consensus_score", "line": "return_line"}


def audit_trail(record: Record, prefix: str) -> list[AuditEvent]:
    """The audit events carrying one of this test's markers for ``record``, in chain order."""
    db.session.expire_all()
    field = TEXT_FIELD[record.kind]
    return [
        event
        for event in db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == ENTITY[record.kind])
            .order_by(AuditEvent.sequence)
        ).scalars()
        if str((event.after or {}).get(field, "")).startswith(prefix)
    ]


def check_record(record: Record, prefix: str, outcomes: list[Outcome], version_before: int):
    """Every accepted write is in the record's history, in order; no refused one anywhere."""
    accepted = [marker for result, marker in outcomes if result == ACCEPTED]
    refused = {marker for result, marker in outcomes if result == REFUSED}
    value, version = current(record)
    assert value == accepted[-1]
    assert version == version_before + len(accepted)
    events = audit_trail(record, prefix)
    field = TEXT_FIELD[record.kind]
    assert [event.after[field] for event in events] == accepted
    for previous, event in itertools.pairwise(events):
        assert event.before is not None and event.before[field] == previous.after[field]
    everything = db.session.execute(
        sa.select(sa.cast(AuditEvent.after, sa.Text)).where(
            sa.cast(AuditEvent.after, sa.Text).like(f"%{prefix}%")
        )
    ).scalars()
    logged = set()
    for text in everything:
        logged.update(re.findall(re.escape(prefix) + r"[\w-]+", text))
    assert logged == set(accepted)
    assert not logged & refused


def chain_ok() -> None:
    from socialvalue.services.audit import verify_chain

    db.session.expire_all()
    report = verify_chain(db.session)
    assert report.ok, report


# -- (a) the same record ---------------------------------------------------------------------


def race_same_record(
    record: Record,
    prefix: str,
    read: Callable[[int], Any],
    write: Callable[[int, Any, str, int], Outcome],
) -> list[Outcome]:
    """ROUNDS rounds of THREADS clients reading the record, then all writing at once."""
    outcomes: list[Outcome] = []
    for round_number in range(ROUNDS):
        results = in_parallel(
            THREADS,
            read,
            lambda i, state, r=round_number: write(
                i, state, f"{prefix}r{r}-t{i:02d}", r * THREADS + i
            ),
        )
        # Everyone read the same version, so exactly one write per round can win.
        assert Counter(result for result, _ in results) == {ACCEPTED: 1, REFUSED: THREADS - 1}
        outcomes.extend(results)
    return outcomes


def test_web_clients_editing_the_same_records(stack: Stack) -> None:
    records = [
        score_record(stack, 0, "A"),
        consensus_record(stack, "A", "Q1"),
        line_record(stack, 0, 0),
    ]
    for record in records:
        prefix = f"same-web-{record.kind}-"
        clients = [stack.web(record.email) for _ in range(THREADS)]
        version_before = current(record)[1]
        outcomes = race_same_record(
            record,
            prefix,
            lambda i, record=record, clients=clients: web_read(clients[i], record),
            lambda i, state, marker, value, record=record, clients=clients: web_write(
                clients[i], record, state, marker, value
            ),
        )
        check_record(record, prefix, outcomes, version_before)
    chain_ok()


def test_api_clients_editing_the_same_records(stack: Stack) -> None:
    records = [
        score_record(stack, 0, "B"),
        consensus_record(stack, "B", "Q1"),
        line_record(stack, 0, 1),
    ]
    for record in records:
        prefix = f"same-api-{record.kind}-"
        version_before = current(record)[1]
        outcomes = race_same_record(
            record,
            prefix,
            lambda i, record=record: api_read(stack, record),
            lambda i, etag, marker, value, record=record: api_write(
                stack, record, etag, marker, value
            ),
        )
        check_record(record, prefix, outcomes, version_before)
    chain_ok()


# -- (b) different records ---------------------------------------------------------------------


def test_clients_editing_different_records_are_all_accepted(stack: Stack) -> None:
    web = [score_record(stack, e, label) for e in (1, 2, 3, 4) for label in "ABC"]
    web += [consensus_record(stack, label, "Q2") for label in "AB"]
    web += [line_record(stack, c, n) for c in (1, 2, 3, 4) for n in range(3)]
    api = [score_record(stack, e, label) for e in (5, 6, 7, 8) for label in "ABC"]
    api += [consensus_record(stack, label, "Q2") for label in "CD"]
    api += [line_record(stack, c, n) for c in (5, 6, 7, 8) for n in range(3)]
    everyone = [("web", r) for r in web] + [("api", r) for r in api]
    clients = [stack.web(record.email) for _, record in everyone]
    versions = [current(record)[1] for _, record in everyone]

    def read(i: int) -> Any:
        protocol, record = everyone[i]
        return web_read(clients[i], record) if protocol == "web" else api_read(stack, record)

    def write(i: int, state: Any, marker: str, value: int) -> Outcome:
        protocol, record = everyone[i]
        if protocol == "web":
            return web_write(clients[i], record, state, marker, value)
        return api_write(stack, record, state, marker, value)

    results = in_parallel(
        len(everyone),
        read,
        lambda i, state: write(
            i, state, f"diff-{everyone[i][0]}-{everyone[i][1].kind}-{i:02d}-edit", i
        ),
    )
    assert [result for result, _ in results] == [ACCEPTED] * len(everyone), results
    for i, (protocol, record) in enumerate(everyone):
        prefix = f"diff-{protocol}-{record.kind}-{i:02d}-"
        check_record(record, prefix, [results[i]], versions[i])

    # Verifying the figures of one return at the same moment changes the contract's status;
    # that derived status must not turn edits of different figures into false conflicts.
    lines = [(p, r) for p, r in everyone if r.kind == "line"]
    line_clients = [stack.web(r.email) for _, r in lines]

    def verify(i: int, state: Any) -> str:
        protocol, record = lines[i]
        if protocol == "web":
            token, version = state
            status, _, html = line_clients[i].request(
                "POST",
                record.post_path,
                {"csrf_token": token, "version": version, "decision": "verified"},
            )
            assert status == 302, (status, html[:2000])
        else:
            response = api_call(
                stack.base_url,
                stack.tokens[record.email],
                "PUT",
                record.api_write,
                {"decision": "verified"},
                {"If-Match": state},
            )
            assert response.status == 200, response
        return ACCEPTED

    def read_line(i: int) -> Any:
        protocol, record = lines[i]
        if protocol == "web":
            return web_read(line_clients[i], record)
        return api_read(stack, record)

    assert in_parallel(len(lines), read_line, verify) == [ACCEPTED] * len(lines)
    check_contract_statuses(stack, range(1, 9))
    chain_ok()


def check_contract_statuses(stack: Stack, indexes: range) -> None:
    """Each contract's stored status is the one its (now all verified) figures give."""
    from socialvalue.services import contracts as contract_service

    db.session.expire_all()
    for n in indexes:
        contract = contract_service.get_contract(db.session, stack.contracts[n].contract_id)
        assert contract is not None
        assert all(line.status == "verified" for r in contract.returns for line in r.lines)
        assert contract_service.contract_view(contract).rag.value == "green"
        assert contract.status == "green"


# -- the narrowest race: both passed the version check -----------------------------------------


def wait_for_lock_wait(url: str, timeout: float = 20.0) -> None:
    """Until some connection to the database is waiting for a row lock."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                waiting = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("the request never waited for the other server's row lock")
    finally:
        engine.dispose()


def hold_and_race(
    stack: Stack, other_write: Callable[[], None], our_write: Callable[[], Outcome]
) -> Outcome:
    """Another server's write is flushed (its row locks held) but not committed; our request,
    which read the same version, passes the version check and blocks on the lock; the other
    server commits; our UPDATE then finds the version changed."""
    other_write()
    result: list[Outcome] = []
    thread = threading.Thread(target=lambda: result.append(our_write()), daemon=True)
    thread.start()
    try:
        wait_for_lock_wait(stack.url)
    finally:
        db.session.commit()
    thread.join(timeout=60)
    assert result, "our request did not finish"
    return result[0]


def test_a_write_that_passed_the_version_check_still_loses_cleanly(stack: Stack) -> None:
    from socialvalue.models import Bid, Criterion, Tender
    from socialvalue.services import contracts as contract_service
    from socialvalue.services import evaluation as evaluation_service

    seed = stack.evaluation
    cases = []
    # The web scoring page and the API, on scores that already exist (version 1).
    for protocol, label in (("web", "C"), ("api", "D")):
        record = score_record(stack, 0, label)
        tab = stack.web(record.email)
        first = web_write(tab, record, web_read(tab, record), f"race-{protocol}-first", 1)
        assert first == (ACCEPTED, f"race-{protocol}-first")
        cases.append((protocol, record))
    cases.append(("web", line_record(stack, 0, 2)))
    cases.append(("api", line_record(stack, 9, 0)))

    for protocol, record in cases:
        marker = f"race-{protocol}-{record.kind}-ours"
        theirs = f"race-{protocol}-{record.kind}-theirs"
        client = stack.web(record.email)
        state = web_read(client, record) if protocol == "web" else api_read(stack, record)
        before = current(record)

        def other_write(
            record: Record = record, theirs: str = theirs, version: int = before[1]
        ) -> None:
            db.session.expire_all()
            actor = user_by_email(record.email)
            if record.kind == "score":
                tender = db.session.get(Tender, seed.tender_id)
                bid, criterion = (
                    db.session.get(Bid, record.key[0]),
                    db.session.get(Criterion, record.key[1]),
                )
                evaluation_service.save_individual_score(
                    db.session,
                    actor,
                    tender,
                    bid,
                    criterion,
                    score=Decimal(7),
                    rationale=theirs,
                    submit=False,
                    expected_version=version,
                )
            else:
                line = db.session.get(ReturnLine, record.key[0])
                contract = contract_service.get_contract(
                    db.session, line.delivery_return.contract_id
                )
                contract_service.decide_line(
                    db.session,
                    actor,
                    contract,
                    line,
                    decision="queried",
                    text=theirs,
                    expected_version=version,
                )

        def our_write(
            protocol: str = protocol,
            record: Record = record,
            client: WebClient = client,
            state: Any = state,
            marker: str = marker,
        ) -> Outcome:
            if protocol == "web":
                return web_write(client, record, state, marker, 9)
            return api_write(stack, record, state, marker, 9)

        assert hold_and_race(stack, other_write, our_write) == (REFUSED, marker)
        value, version = current(record)
        assert (value, version) == (theirs, before[1] + 1)
        db.session.expire_all()
        assert not db.session.execute(
            sa.select(AuditEvent.id).where(sa.cast(AuditEvent.after, sa.Text).like(f"%{marker}%"))
        ).first()
    chain_ok()


def test_verifying_figures_of_one_return_at_once_keeps_the_contract_status_right(
    stack: Stack,
) -> None:
    """Another server verifies two of a return's three figures while we verify the third: both
    are accepted, and the contract's status (recomputed from all its figures by every write)
    must count all three, not just the figures the last writer had loaded."""
    from socialvalue.services import contracts as contract_service

    first, second, ours = (line_record(stack, 10, n) for n in range(3))
    client = stack.web(ours.email)
    token, version = web_read(client, ours)

    def other_write() -> None:
        db.session.expire_all()
        actor = user_by_email(first.email)
        contract = contract_service.get_contract(db.session, stack.contracts[10].contract_id)
        assert contract is not None and contract.status == "red"
        for record in (first, second):
            line = db.session.get(ReturnLine, record.key[0])
            contract_service.decide_line(db.session, actor, contract, line, decision="verified")

    def our_write() -> Outcome:
        status, _, html = client.request(
            "POST",
            ours.post_path,
            {"csrf_token": token, "version": version, "decision": "verified"},
        )
        assert status == 302, (status, html[:2000])
        return ACCEPTED, "verified"

    assert hold_and_race(stack, other_write, our_write) == (ACCEPTED, "verified")
    check_contract_statuses(stack, range(10, 11))
    chain_ok()


# -- a record without a version: the conflict-of-interest declaration --------------------------


def test_declarations_sent_at_once_never_lose_a_declared_interest(stack: Stack) -> None:
    """An evaluator sends "no interests" and "I have an interest" from many tabs at once. The
    declaration has no version column; the service takes the member's row lock instead. At
    most one "no" and one "yes" can be accepted ("yes" may follow "no": an interest found
    later must be recordable), each leaves one audit event, and an accepted interest is never
    overwritten: the evaluator ends up removed from the tender."""
    from socialvalue.models import TenderMember

    email = stack.evaluation.undeclared_emails[0]
    path = f"/tenders/{stack.tender_id}/declaration"
    clients = [stack.web(email) for _ in range(THREADS)]

    def read(i: int) -> str:
        return clients[i].csrf_token(path)

    def declare(i: int, token: str) -> tuple[str, str]:
        answer = "yes" if i % 2 else "no"
        data = {"csrf_token": token, "has_interest": answer}
        if answer == "yes":
            data["conflict_details"] = f"declared by tab {i}"
        status, _, html = clients[i].request("POST", path, data)
        if status == 302:
            return ACCEPTED, answer
        # Refused: already declared (409), or the page for a member who declared an interest.
        assert status == 409 or (status == 200 and "You have declared an interest" in html), (
            status,
            html[:2000],
        )
        return REFUSED, answer

    results = in_parallel(THREADS, read, declare)
    accepted = [answer for result, answer in results if result == ACCEPTED]
    assert accepted in (["no"], ["yes"], ["no", "yes"], ["yes", "no"])
    db.session.expire_all()
    member = db.session.execute(
        sa.select(TenderMember).where(
            TenderMember.tender_id == stack.tender_id,
            TenderMember.user_id == user_by_email(email).id,
        )
    ).scalar_one()
    events = [
        event.action
        for event in audit_trail_of("tender_member", member.id)
        if event.action.startswith("member.") and "declared" in event.action
    ]
    expected = {"no": "member.no_conflict_declared", "yes": "member.conflict_declared"}
    assert sorted(events) == sorted(expected[answer] for answer in accepted)
    if "yes" in accepted:
        # Whatever the order the requests ran in, the interest stands and removed them.
        assert events[-1] == "member.conflict_declared"
        assert member.has_conflict and member.removed_at is not None
        assert member.conflict_details.startswith("declared by tab ")
    else:
        assert not member.has_conflict and member.removed_at is None
    chain_ok()


def audit_trail_of(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.sequence)
        ).scalars()
    )
