"""The large-installation generator (benchmarks/large_installation.py), at a small size.

Its data must be valid for the application, not merely for the schema: every awarded tender's
stored bundle is exactly what ``build_bundle`` now reads back from the rows, and its result
hash is the engine's; every contract's recorded status is what ``contract_view`` measures; the
audit hash chain verifies; every plan passes the engine's checks; the pages render. Runs on
SQLite (batched inserts) and, in the PostgreSQL pass of the suite, through COPY.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from factories import FreshClient, sign_in

from benchmarks.large_installation import Sizes, generate
from socialvalue import scoring
from socialvalue.extensions import db
from socialvalue.models import (
    AuditEvent,
    AwardDecision,
    Bid,
    Contract,
    DeliveryReturn,
    ReturnLine,
    Tender,
    TenderMember,
    User,
)
from socialvalue.services import contracts as contract_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.audit import verify_chain

SIZES = Sizes(tenders=20, bids=200, delivery_rows=2_000)


@pytest.fixture
def installation(app: Any, synced_frameworks: object) -> dict[str, Any]:
    lines: list[str] = []
    summary = generate(db.engine, SIZES, seed=7, workers=0, log=lines.append)
    db.session.expire_all()
    return summary


def count(model: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_sizes_statuses_rows_and_validity(installation: dict[str, Any]) -> None:
    assert count(Tender) == SIZES.tenders
    assert count(Bid) == SIZES.bids
    assert count(ReturnLine) == SIZES.delivery_rows
    assert installation["delivery_shortfall"] == 0
    assert count(DeliveryReturn) > 0
    statuses = Counter(db.session.execute(sa.select(Tender.status)).scalars())
    assert set(statuses) == {"draft", "published", "awarded", "cancelled"}
    now = dt.datetime.now(dt.UTC)
    published = db.session.execute(
        sa.select(Tender.bid_deadline).where(Tender.status == "published")
    ).scalars()
    deadlines = [d > now for d in published]
    assert any(deadlines) and not all(deadlines)  # open for bids, and being evaluated
    assert count(Contract) == statuses["awarded"] == count(AwardDecision)
    # Dates spread over several years, and several buyer officers at work.
    years = {t.year for t in db.session.execute(sa.select(Tender.created_at)).scalars()}
    assert len(years) >= 3
    officers = set(db.session.execute(sa.select(Tender.created_by_id)).scalars())
    assert len(officers) >= 3
    # Suppliers: varied names, prices to the penny.
    names = set(db.session.execute(sa.select(Bid.supplier_name)).scalars())
    assert len(names) > 20
    # Every table the summary reports was written.
    assert installation["rows"]["audit_events"] == installation["events"]

    # The data is what the services would have written.
    session = db.session
    for tender in session.execute(sa.select(Tender)).scalars():
        problems = [p for p in tender_service.plan_problems(tender) if "deadline" not in p]
        assert problems == [], (tender.reference, problems)
    awards = list(session.execute(sa.select(AwardDecision)).scalars())
    assert awards
    for award in awards:
        tender = session.get(Tender, award.tender_id)
        assert tender is not None and tender.status == "awarded"
        # The stored bundle is exactly what the app reads from these rows...
        bundle = evaluation_service.build_bundle(session, tender)
        assert scoring.bundle_to_dict(bundle) == award.result["bundle"], tender.reference
        # ...and the stored result and its hash are the engine's own.
        result = scoring.score_tender(bundle)
        assert result.status == "final"
        text = scoring.result_to_json(result)
        assert award.result_hash == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        assert award.bid.label == result.winner_id
    contract_ids = list(session.execute(sa.select(Contract.id)).scalars())
    # The contracts list measures a page from totals (contract_views): the same as measuring
    # each contract from all of its figures (contract_view).
    listed = {
        view.contract.id: view
        for view in contract_service.contract_views(
            session, list(session.scalars(sa.select(Contract)))
        )
    }
    for contract_id in contract_ids:
        contract = contract_service.get_contract(session, contract_id)
        assert contract is not None
        view = contract_service.contract_view(contract)
        assert contract.status == view.rag.value, contract.reference
        light = listed[contract_id]
        assert (light.rag, light.as_at) == (view.rag, view.as_at)
        assert [k.status for k in light.kpis] == [k.status for k in view.kpis]
        assert [k.pending for k in light.kpis] == [k.pending for k in view.kpis]
        assert [p.overdue for p in light.periods] == [p.overdue for p in view.periods]
        for delivery_return in contract.returns:
            assert {line.kpi_id for line in delivery_return.lines} == {k.id for k in contract.kpis}
    chain = verify_chain(session)
    assert chain.ok, chain.reason
    assert chain.events_checked == count(AuditEvent)
    # The generated events are in time order along the chain, as a real log is (after the
    # framework library's sync, which the fixture recorded just now).
    first = installation["last_sequence"] - installation["events"]
    times = list(
        session.execute(
            sa.select(AuditEvent.occurred_at)
            .where(AuditEvent.sequence > first)
            .order_by(AuditEvent.sequence)
        ).scalars()
    )
    assert len(times) == installation["events"]
    assert times == sorted(times)
    assert times[-1] <= dt.datetime.now(dt.UTC)


def test_pages_render_for_generated_tenders_and_contracts(
    app: Any, installation: dict[str, Any]
) -> None:
    session = db.session
    officer = (
        session.execute(sa.select(User).where(User.role == "officer").order_by(User.id))
        .scalars()
        .first()
    )
    assert officer is not None
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), officer)
    awarded = (
        session.execute(sa.select(Tender).where(Tender.status == "awarded").order_by(Tender.id))
        .scalars()
        .first()
    )
    assert awarded is not None
    contract = contract_service.contract_for_tender(session, awarded.id)
    assert contract is not None
    urls = [
        "/tenders/",
        "/tenders/?status=evaluating",
        f"/tenders/{awarded.id}/",
        f"/tenders/{awarded.id}/bids",
        f"/tenders/{awarded.id}/result",
        f"/tenders/{awarded.id}/history",
        "/contracts/",
        f"/contracts/{contract.id}/",
        f"/contracts/{contract.id}/history",
        f"/transparency/contracts/{contract.id}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(f"/tenders/{awarded.id}/result").get_data(as_text=True)
    assert awarded.reference in html
    # A panel member sees the tenders they were assigned to, and can open one.
    member = (
        session.execute(
            sa.select(TenderMember).where(TenderMember.role == "panel").order_by(TenderMember.id)
        )
        .scalars()
        .first()
    )
    assert member is not None
    panel = sign_in(FreshClient(app, app.response_class, use_cookies=True), member.user)
    listing = panel.get("/tenders/").get_data(as_text=True)
    assert re.search(rf'href="/tenders/{member.tender_id}/"', listing)
