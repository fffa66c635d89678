"""Shared by the proofs at scale: a seeded database on a private PostgreSQL, real HTTP clients.

The data is built through the services (so every rule and audit event applies) by an in-process
app pointed at the private database; the gunicorn servers under test then serve that database.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from servers import REPO_ROOT, HttpClient, pushed_app

T = TypeVar("T")

PASSWORD = "scale-proof-password-1234"
VERSION_PATTERN = re.compile(r'name="version" value="([^"]*)"')


def app_config(url: str, upload_dir: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "in-process-seeding-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(upload_dir),
        "FRAMEWORKS_DIR": str(REPO_ROOT / "frameworks"),
    }


@contextlib.contextmanager
def database_app(url: str, upload_dir: Path) -> Iterator[Flask]:
    """An in-process app on ``url`` with its app context pushed (to seed and to inspect).

    Its instance folder sits beside ``upload_dir`` (never the checkout's ``instance/``)."""
    with pushed_app(app_config(url, upload_dir), upload_dir.parent / "seeding-instance") as app:
        yield app


def migrate_and_sync() -> None:
    """In the pushed app context: the schema from the migrations, then the framework library
    (what ``flask db upgrade`` and ``flask frameworks sync`` do, without two more processes)."""
    from flask_migrate import upgrade

    from socialvalue import framework_registry as registry
    from socialvalue.extensions import db
    from socialvalue.services.frameworks import sync_frameworks

    upgrade()
    sync_frameworks(db.session, registry.load_library(REPO_ROOT / "frameworks"))
    db.session.commit()


# -- seeding ---------------------------------------------------------------------------------


def make_user(role: str, email: str, name: str, organisation: str | None = None) -> Any:
    from socialvalue.extensions import db
    from socialvalue.services.accounts import create_user

    return create_user(
        db.session,
        email=email,
        display_name=name,
        role=role,
        password=PASSWORD,
        organisation=organisation,
    )


def user_by_email(email: str) -> Any:
    from socialvalue.extensions import db
    from socialvalue.models import User

    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def api_token(email: str) -> str:
    """A personal API token for the user with ``email`` (flushed, not committed)."""
    from socialvalue.extensions import db
    from socialvalue.services.api_tokens import create_token

    _token, secret = create_token(db.session, user_by_email(email), f"scale proof {email}")
    return secret


@dataclass
class EvaluationSeed:
    tender_id: int
    owner_email: str
    evaluator_emails: list[str]
    bid_ids: dict[str, int]
    criterion_ids: dict[str, int]
    undeclared_emails: list[str] = field(default_factory=list)


def seed_evaluation(
    evaluators: int, bids: int, *, prefix: str = "eval", undeclared: int = 0
) -> EvaluationSeed:
    """A published, closed tender (scenario S1's criteria) with ``bids`` bids and ``evaluators``
    officer-evaluators on Q1, Q2 and SV1, all declared; every Q1 and Q2 score submitted (so
    those pairs can be moderated) and SV1 left for the editing tests. ``undeclared`` more
    evaluators are assigned to SV1 only and have not declared their interests yet. Committed."""
    from factories import add_s1_criteria, make_tender

    from socialvalue.extensions import db
    from socialvalue.services import bids as bid_service
    from socialvalue.services import evaluation as evaluation_service
    from socialvalue.services import tenders as tender_service
    from socialvalue.services.demo import s1_plan_rules

    session = db.session
    owner = make_user("officer", f"{prefix}-owner@example.org", f"{prefix} owner")
    people = [
        make_user("officer", f"{prefix}-{n}@example.org", f"{prefix} evaluator {n}")
        for n in range(evaluators)
    ]
    latecomers = [
        make_user("officer", f"{prefix}-new-{n}@example.org", f"{prefix} new evaluator {n}")
        for n in range(undeclared)
    ]
    tender = make_tender(session, owner, reference=f"GM-SCALE-{prefix.upper()}")
    tender_service.update_plan_rules(
        session,
        owner,
        tender,
        s1_plan_rules(),
    )
    criteria = add_s1_criteria(session, owner, tender)
    tender_service.publish_plan(session, owner, tender)
    bid_rows = {}
    for n in range(bids):
        bid = bid_service.record_bid(
            session,
            owner,
            tender,
            {
                "supplier_name": f"Supplier {n} Ltd",
                "price": Decimal(100000 + 5000 * n),
                "commitments": {
                    criteria["SV2"].id: {
                        "quantity": Decimal(2 + n),
                        "narrative": "Local hires",
                        "evidence_plan": "Payroll postcodes",
                    }
                },
                "responses": {criteria[c].id: f"Answer to {c}" for c in ("Q1", "Q2", "SV1")},
                "gate_answers": {},
            },
        )
        bid_rows[bid.label] = bid
    scored = [criteria[code].id for code in ("Q1", "Q2", "SV1")]
    for person in people:
        tender_service.assign_member(session, owner, tender, person, "evaluator", scored)
    for person in latecomers:
        tender_service.assign_member(
            session, owner, tender, person, "evaluator", [criteria["SV1"].id]
        )
    tender_service.close_bidding(session, owner, tender)
    for person in people:
        evaluation_service.declare_interests(
            session, person, tender, has_conflict=False, details=""
        )
    for person in people:
        for code in ("Q1", "Q2"):
            for bid in bid_rows.values():
                evaluation_service.save_individual_score(
                    session,
                    person,
                    tender,
                    bid,
                    criteria[code],
                    score=Decimal(3),
                    rationale=f"{person.display_name} on {bid.label} {code}",
                    submit=True,
                )
    session.commit()
    return EvaluationSeed(
        tender_id=tender.id,
        owner_email=owner.email,
        evaluator_emails=[p.email for p in people],
        bid_ids={label: bid.id for label, bid in bid_rows.items()},
        criterion_ids={code: c.id for code, c in criteria.items()},
        undeclared_emails=[p.email for p in latecomers],
    )


@dataclass
class ContractSeed:
    contract_id: int
    return_id: int
    line_ids: list[int]


def seed_contracts(count: int, *, prefix: str = "contract") -> tuple[list[ContractSeed], str]:
    """``count`` S4 contracts (three KPIs each), each with a filed, unverified return to
    30 September 2026 reporting a quarter of every commitment (what is due by then, so the
    contract turns from red to green once, and only once, all three figures are verified).
    Returns the contracts and the managing officer's email. Committed."""
    from socialvalue.extensions import db
    from socialvalue.services import contracts as contract_service
    from socialvalue.services.demo import S4_COMMITMENTS, S4_PERIOD_END, build_s4_contract

    session = db.session
    officer = make_user("officer", f"{prefix}-officer@example.org", f"{prefix} officer")
    supplier = make_user(
        "supplier", f"{prefix}-supplier@example.org", f"{prefix} supplier", "Northern"
    )
    panel = make_user("panel", f"{prefix}-panel@example.org", f"{prefix} panel", "Salford CVS")
    seeds = []
    for n in range(count):
        contract = build_s4_contract(
            session,
            officer,
            reference=f"GM-{prefix.upper()}-{n:03d}",
            supplier_user=supplier,
            panel_user=panel,
        )
        kpis = {k.measure_code: k for k in contract.kpis}
        delivery_return = contract_service.record_return(
            session,
            supplier,
            contract,
            period_end=S4_PERIOD_END,
            quantities={kpis[code].id: c / 4 for code, (_w, c, _d) in S4_COMMITMENTS.items()},
            narrative="Six months in.",
            upload_dir="",
        )
        seeds.append(
            ContractSeed(contract.id, delivery_return.id, [ln.id for ln in delivery_return.lines])
        )
    session.commit()
    return seeds, officer.email


# -- clients ---------------------------------------------------------------------------------


class WebClient(HttpClient):
    """HttpClient plus what the proofs need: cloning a signed-in session, multipart uploads."""

    def clone(self, base_url: str | None = None) -> WebClient:
        """Another client starting with a copy of these cookies (as a second tab would)."""
        other = WebClient(base_url or self.base_url, self.timeout)
        other.cookies = dict(self.cookies)
        return other

    def via(self, base_url: str) -> WebClient:
        """The same browser (one cookie jar) reaching another app server, as it does behind a
        load balancer: what one server sets, the other receives."""
        other = WebClient(base_url, self.timeout)
        other.cookies = self.cookies
        return other

    def form_state(self, path: str) -> tuple[str, str]:
        """(CSRF token, record version) from the form at ``path``."""
        status, _, html = self.get(path)
        token = re.search(self.CSRF_PATTERN, html)
        version = VERSION_PATTERN.search(html)
        if status != 200 or token is None or version is None:
            raise RuntimeError(f"no form with a version on {path} (status {status})")
        return token.group(1), version.group(1)

    def post_multipart(
        self,
        path: str,
        fields: dict[str, str],
        files: Sequence[tuple[str, str, str, bytes]],
    ) -> tuple[int, dict[str, str], str]:
        """POST multipart/form-data: ``files`` are (field, filename, content type, bytes)."""
        boundary = "----socialvalue" + secrets.token_hex(12)
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, filename, content_type, data in files:
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
                ).encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        status, headers, content = self.send(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return status, headers, content.decode("utf-8", errors="replace")

    def get_bytes(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.send("GET", path, None, {})


def signed_in(base_url: str, email: str) -> WebClient:
    client = WebClient(base_url)
    client.sign_in(email, PASSWORD)
    return client


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str:
        return self.headers["etag"]


def api_call(
    base_url: str,
    token: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse:
    """One JSON API request with a bearer token."""
    parsed = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read().decode("utf-8", errors="replace")
        parsed_body = json.loads(raw) if raw else None
        return ApiResponse(
            response.status, {k.lower(): v for k, v in response.getheaders()}, parsed_body
        )
    finally:
        connection.close()


# -- running clients at the same moment -----------------------------------------------------


def in_parallel(count: int, prepare: Callable[[int], Any], act: Callable[[int, Any], T]) -> list[T]:
    """Run ``count`` threads: each prepares (reads), all wait at a barrier, then each acts
    (writes) with what it read, so the writes really overlap. Results in thread order."""
    barrier = threading.Barrier(count, timeout=120)
    results: list[Any] = [None] * count
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            state = prepare(index)
            barrier.wait()
            results[index] = act(index, state)
        except BaseException as error:  # reported below, with the thread's index
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    if failures:
        raise failures[0]
    return results


def audit_events(entity_type: str, entity_id: int) -> list[Any]:
    """Every audit event about one record, in chain order."""
    from socialvalue.extensions import db
    from socialvalue.models import AuditEvent

    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.sequence)
        ).scalars()
    )
