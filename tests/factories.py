"""Factories for tests, built through the services (so audit events and rules apply).

Scenario S1 (the worked example in the docs): a tender weighted price 40, quality 40 (Q1 25
and Q2 15, both 0-5 quality questions) and social value 20 (SV1, a 0-100 question weighted 10,
and SV2, local employment in FTE-years from GMSVF-P3-LOCAL-EMPLOYMENT, weighted 10), with bids
A £100,000 (SV2 4), B £105,000 (8) and C £125,000 (2).

Every factory takes the SQLAlchemy session explicitly. ``make_s1_tender`` commits at the end by
default, because pages under test run in their own request sessions and only see committed
rows; pass ``commit=False`` to keep everything in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from socialvalue.extensions import db
from socialvalue.models import (
    AuditEvent,
    Base,
    Bid,
    Criterion,
    FrameworkMeasure,
    FrameworkVersion,
    MemberRole,
    Role,
    Tender,
    User,
)
from socialvalue.models.base import utcnow
from socialvalue.services import bids as bid_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.accounts import create_user
from socialvalue.services.demo import s1_plan_rules

PASSWORD = "correct horse battery staple"
GM_FRAMEWORK = ("gm-social-value-framework", "2020")
LOCAL_EMPLOYMENT = "GMSVF-P3-LOCAL-EMPLOYMENT"

S1_WEIGHTS = {"price": Decimal(40), "quality": Decimal(40), "social_value": Decimal(20)}
#: (supplier, price, SV2 local employment commitment in FTE-years)
S1_BIDS = (
    ("Supplier A Ltd", Decimal("100000"), Decimal("4")),
    ("Supplier B Ltd", Decimal("105000"), Decimal("8")),
    ("Supplier C Ltd", Decimal("125000"), Decimal("2")),
)

_sequence = itertools.count(1)


def fingerprint() -> dict[str, tuple[int, int]]:
    """Per table: its row count and the sum of its rows' versions (if it has them), to show
    that a refused request changed nothing."""
    db.session.expire_all()
    result = {}
    for table in Base.metadata.sorted_tables:
        version = table.c.get("version_id")
        columns = [sa.func.count()]
        columns.append(sa.func.coalesce(sa.func.sum(version), 0) if version is not None else 0)
        count, versions = db.session.execute(sa.select(*columns).select_from(table)).one()
        result[table.name] = (count, int(versions))
    db.session.rollback()
    return result


def make_user(
    session: Session,
    role: Role | str,
    *,
    email: str | None = None,
    name: str | None = None,
    organisation: str | None = None,
) -> User:
    """A user of ``role`` with the shared test PASSWORD (flushed, not committed)."""
    number = next(_sequence)
    role = Role(role)
    return create_user(
        session,
        email=email or f"{role.value}{number}@example.org",
        display_name=name or f"{role.label} {number}",
        role=role,
        password=PASSWORD,
        organisation=organisation,
    )


def framework_version(
    session: Session, framework_id: str = GM_FRAMEWORK[0], version: str = GM_FRAMEWORK[1]
) -> FrameworkVersion:
    """A framework version loaded by the ``synced_frameworks`` fixture."""
    return session.execute(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.framework_id == framework_id, FrameworkVersion.version == version
        )
    ).scalar_one()


def measure(session: Session, version: FrameworkVersion, code: str) -> FrameworkMeasure:
    return session.execute(
        sa.select(FrameworkMeasure).where(
            FrameworkMeasure.framework_version_id == version.id, FrameworkMeasure.code == code
        )
    ).scalar_one()


def tender_details(version: FrameworkVersion, **overrides: Any) -> dict[str, Any]:
    """Valid data for services.tenders.create_tender (deadline 30 days ahead)."""
    data: dict[str, Any] = {
        "reference": f"GM-TEST-{next(_sequence):04d}",
        "title": "Facilities management for Greater Manchester",
        "buyer": "Greater Manchester Combined Authority",
        "description": "Cleaning and maintenance of civic buildings.",
        "estimated_value": Decimal("450000"),
        "contract_start": dt.date(2027, 4, 1),
        "contract_end": dt.date(2030, 3, 31),
        "bid_deadline": (utcnow() + dt.timedelta(days=30)).replace(second=0, microsecond=0),
        "framework_version_id": version.id,
    }
    data.update(overrides)
    return data


def make_tender(session: Session, officer: User, **overrides: Any) -> Tender:
    """A draft tender pinned to the GM Social Value Framework 2020 (flushed, not committed)."""
    version = framework_version(session)
    return tender_service.create_tender(session, officer, tender_details(version, **overrides))


def add_s1_criteria(session: Session, officer: User, tender: Tender) -> dict[str, Criterion]:
    """Q1, Q2 (0-5 quality questions), SV1 (0-100 social value question), SV2 (local jobs)."""
    service = tender_service
    q1 = service.add_question_criterion(
        session,
        officer,
        tender,
        {
            "title": "Service delivery approach",
            "question": "How will you deliver the service?",
            "group": "quality",
            "scale_max": 5,
            "weight": Decimal(25),
        },
    )
    q2 = service.add_question_criterion(
        session,
        officer,
        tender,
        {
            "title": "Staffing and resilience",
            "question": "How will you staff the contract?",
            "group": "quality",
            "scale_max": 5,
            "weight": Decimal(15),
        },
    )
    sv1 = service.add_question_criterion(
        session,
        officer,
        tender,
        {
            "title": "Social value delivery plan",
            "question": "How will you deliver social value?",
            "group": "social_value",
            "scale_max": 100,
            "weight": Decimal(10),
        },
    )
    employment = measure(session, framework_version(session), LOCAL_EMPLOYMENT)
    sv2 = service.add_measure_criterion(
        session,
        officer,
        tender,
        {"measure_id": employment.id, "group": "social_value", "weight": Decimal(10)},
    )
    assert isinstance(sv2, Criterion)
    return {c.code: c for c in (q1, q2, sv1, sv2)}


def s1_bid_data(tender: Tender, supplier: str, price: Decimal, sv2: Decimal) -> dict[str, Any]:
    """Service data for one S1 bid: the price, the SV2 commitment and a written response each."""
    by_code = {c.code: c for c in tender.criteria}
    return {
        "supplier_name": supplier,
        "price": price,
        "commitments": {
            by_code["SV2"].id: {
                "quantity": sv2,
                "narrative": f"{sv2} FTE-years of local employment",
                "evidence_plan": "Payroll postcodes, quarterly",
            }
        },
        "responses": {
            c.id: f"{supplier}'s answer to {c.code}"
            for c in tender.criteria
            if c.kind == "qualitative"
        },
        "gate_answers": {g.id: {"passed": True, "evidence": "Certificate"} for g in tender.gates},
    }


def make_s1_tender(
    session: Session,
    officer: User,
    *,
    evaluators: Sequence[User] = (),
    panel: Sequence[User] = (),
    panel_criteria: Sequence[str] = ("SV1",),
    suppliers: Sequence[User] = (),
    publish: bool = True,
    record_bids: bool = True,
    close: bool = True,
    commit: bool = True,
    **overrides: Any,
) -> Tender:
    """Scenario S1 set up through the services.

    ``evaluators`` (officers) score Q1, Q2 and SV1; ``panel`` members score ``panel_criteria``;
    ``suppliers`` are invited. By default the plan is published, bids A, B and C are recorded
    by ``officer`` and bidding is closed, so the tender is ready for evaluation.
    """
    tender = make_tender(session, officer, **overrides)
    tender_service.update_plan_rules(
        session,
        officer,
        tender,
        s1_plan_rules(),
    )
    criteria = add_s1_criteria(session, officer, tender)
    for evaluator in evaluators:
        tender_service.assign_member(
            session,
            officer,
            tender,
            evaluator,
            MemberRole.EVALUATOR,
            [criteria[code].id for code in ("Q1", "Q2", "SV1")],
        )
    for member in panel:
        tender_service.assign_member(
            session,
            officer,
            tender,
            member,
            MemberRole.PANEL,
            [criteria[code].id for code in panel_criteria],
        )
    for supplier in suppliers:
        tender_service.assign_member(session, officer, tender, supplier, MemberRole.SUPPLIER)
    if publish:
        tender_service.publish_plan(session, officer, tender)
        if record_bids:
            for supplier_name, price, sv2 in S1_BIDS:
                bid_service.record_bid(
                    session, officer, tender, s1_bid_data(tender, supplier_name, price, sv2)
                )
        if close:
            tender_service.close_bidding(session, officer, tender)
    if commit:
        session.commit()
    return tender


def bids_by_label(session: Session, tender: Tender) -> dict[str, Bid]:
    return {bid.label: bid for bid in bid_service.load_bids(session, tender, submitted_only=False)}


# -- web helpers ---------------------------------------------------------------------------------

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION_PATTERN = re.compile(r'name="version" value="([^"]*)"')


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``.

    The ``app`` fixture keeps one application context open for the whole test and requests
    reuse it, so ``g`` (where Flask-Login caches the signed-in user and Flask-WTF the CSRF
    token) would otherwise leak from one client or one sign-in to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.__dict__.clear()
        return super().open(*args, **kwargs)


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Sign ``user`` in on ``client`` (Flask-Login's session key)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def token_for(client: FlaskClient, url: str = "/") -> str:
    """The client's CSRF token, read from a page (signed-in pages carry one in the header)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_token(text(page))


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    """POST ``data`` with a valid CSRF token (taken from the home page)."""
    return client.post(url, data={"csrf_token": token_for(client), **(data or {})})


def post_form(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    """GET ``url`` (which must show a form), then POST ``data`` with its token and version."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = text(page)
    payload = {"csrf_token": csrf_token(html)}
    version = VERSION_PATTERN.search(html)
    if version:
        payload["version"] = version.group(1)
    payload.update(data)
    return client.post(url, data=payload)


def audit_actions(tender_id: int | None = None) -> list[str]:
    """The actions recorded in the audit log, oldest first (optionally for one tender)."""
    query = sa.select(AuditEvent.action).order_by(AuditEvent.sequence)
    if tender_id is not None:
        query = query.where(AuditEvent.tender_id == tender_id)
    return list(db.session.execute(query).scalars())


def audit_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
