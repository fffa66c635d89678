"""Every main page runs the same number of SQL statements whatever the number of bids.

Two complete "worlds" are built in one database, one with 3 bids and one with 12 (same
criteria, evaluators and rules): a tender in evaluation (scored, moderated, then awarded) and a
tender still open for bids, with an invited supplier who has its own bid. Each page is requested
by the person who uses it, for each world, counting the statements sent to the database (the
``count_queries`` helper listens to the engine's ``before_cursor_execute``). The session is
emptied before each counted request, so nothing loaded earlier hides a query per row.

The second world also doubles the number of tenders, so the lists are checked against growth in
tenders as well as in bids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from evaluation_support import S1_CONSENSUS, build_scenario, client_for, declare_all, make_user
from factories import S1_BIDS, count_queries, make_s1_tender, s1_bid_data

from socialvalue.extensions import db
from socialvalue.models import Bid, Criterion, Role, Tender, User
from socialvalue.services import bids as bid_service
from socialvalue.services import evaluation as evaluation_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")

SMALL, LARGE = 3, 12
#: Extra consensus scores for bids D onwards (Q1, Q2 on 0-5; SV1 on 0-100).
EXTRA_CONSENSUS = {"Q1": 2, "Q2": 2, "SV1": 10}


def bid_rows(count: int) -> list[tuple[str, Decimal, Decimal]]:
    rows = list(S1_BIDS)[:count]
    rows += [
        (f"Extra Supplier {n} Ltd", Decimal(130000 + 1000 * n), Decimal(1))
        for n in range(count - len(rows))
    ]
    return rows


def consensus_value(code: str, label: str) -> int:
    return S1_CONSENSUS[code].get(label, EXTRA_CONSENSUS[code])


@dataclass
class World:
    """The ids of everything one world's pages need (the session is emptied between requests)."""

    bids: int
    tender_id: int
    open_tender_id: int
    officer_id: int
    panel_ids: list[int]
    supplier_id: int
    auditor_id: int
    bid_ids: dict[str, int]
    counts: dict[str, int] = field(default_factory=dict)


def _score_everything(
    tender: Tender, user: User, bids: list[Bid], criteria: list[Criterion]
) -> None:
    for criterion in criteria:
        for bid in bids:
            value = consensus_value(criterion.code, bid.label)
            evaluation_service.save_individual_score(
                db.session,
                user,
                tender,
                bid,
                criterion,
                score=Decimal(value),
                rationale=f"{user.display_name}: Bid {bid.label} on {criterion.code}",
                submit=True,
            )
    db.session.commit()


def build_world(count: int) -> World:
    """Scenario S1 with ``count`` bids, scored by the officer and panel member 1 (panel member
    2 has declared but not scored yet), plus an open tender with an invited supplier's bid."""
    officer = make_user(Role.OFFICER, f"Officer of {count}")
    scenario = build_scenario(bid_rows=bid_rows(count), officer=officer, panel_count=2)
    declare_all(scenario)
    tender = scenario.tender
    bids = bid_service.load_bids(db.session, tender)
    scored = [c for c in tender.criteria if c.kind == "qualitative"]
    _score_everything(tender, scenario.officer, bids, scored)
    _score_everything(tender, scenario.panel[0], bids, scored)

    supplier = make_user(Role.SUPPLIER, f"Supplier of {count}")
    auditor = make_user(Role.AUDITOR, f"Auditor of {count}")
    open_tender = make_s1_tender(
        db.session, officer, suppliers=[supplier], record_bids=False, close=False
    )
    for name, price, sv2 in bid_rows(count - 1):
        bid_service.record_bid(
            db.session, officer, open_tender, s1_bid_data(open_tender, name, price, sv2)
        )
    bid_service.save_supplier_bid(
        db.session,
        supplier,
        open_tender,
        s1_bid_data(open_tender, "Invited Supplier Ltd", Decimal(99000), Decimal(3)),
        submit=True,
    )
    db.session.commit()
    return World(
        bids=count,
        tender_id=tender.id,
        open_tender_id=open_tender.id,
        officer_id=officer.id,
        panel_ids=[member.id for member in scenario.panel],
        supplier_id=supplier.id,
        auditor_id=auditor.id,
        bid_ids={bid.label: bid.id for bid in bids},
    )


def finish_scoring(world: World) -> None:
    """Panel member 2 submits; the officer records a consensus score for every pair."""
    tender = db.session.get(Tender, world.tender_id)
    assert tender is not None
    bids = bid_service.load_bids(db.session, tender)
    scored = [c for c in tender.criteria if c.kind == "qualitative"]
    panel2 = db.session.get(User, world.panel_ids[1])
    officer = db.session.get(User, world.officer_id)
    assert panel2 is not None and officer is not None
    _score_everything(tender, panel2, bids, scored)
    for criterion in scored:
        for bid in bids:
            evaluation_service.record_consensus(
                db.session,
                officer,
                tender,
                bid,
                criterion,
                score=Decimal(consensus_value(criterion.code, bid.label)),
                reason=f"Agreed at the moderation meeting for Bid {bid.label}",
            )
    db.session.commit()


def award(world: World) -> None:
    tender = db.session.get(Tender, world.tender_id)
    officer = db.session.get(User, world.officer_id)
    assert tender is not None and officer is not None
    evaluation_service.award_tender(
        db.session, officer, tender, rationale="Highest scoring bid under the published plan"
    )
    db.session.commit()


def measure(app: Any, world: World, name: str, user_id: int, url: str) -> None:
    """Count the statements of one GET (after a warm-up request), from an empty session."""
    user = db.session.get(User, user_id)
    client = client_for(app, user)
    db.session.remove()
    assert client.get(url).status_code == 200, (name, url)
    db.session.remove()
    with count_queries() as statements:
        response = client.get(url)
    db.session.remove()
    assert response.status_code == 200, (name, url, response.status_code)
    world.counts[name] = len(statements)


PageList = list[tuple[str, Callable[[World], int], Callable[[World], str]]]


def _officer(w: World) -> int:
    return w.officer_id


def _panel2(w: World) -> int:
    return w.panel_ids[1]


def _t(w: World) -> str:
    return f"/tenders/{w.tender_id}"


# Pages while evaluation is open: the officer and panel member 1 have submitted every score,
# panel member 2 has not scored yet.
SCORING_PAGES: PageList = [
    ("tenders list (officer)", _officer, lambda w: "/tenders/"),
    ("tenders list (panel, with tasks)", _panel2, lambda w: "/tenders/"),
    ("tenders list (auditor)", lambda w: w.auditor_id, lambda w: "/tenders/"),
    ("tender overview (officer)", _officer, lambda w: _t(w) + "/"),
    ("tender overview (panel)", _panel2, lambda w: _t(w) + "/"),
    ("criteria", _officer, lambda w: _t(w) + "/criteria"),
    ("people", _officer, lambda w: _t(w) + "/people"),
    ("evaluation rules", _officer, lambda w: _t(w) + "/plan"),
    ("tender details", _officer, lambda w: _t(w) + "/details"),
    ("publish", _officer, lambda w: _t(w) + "/publish"),
    ("close bidding", _officer, lambda w: _t(w) + "/close-bidding"),
    ("bids list", _officer, lambda w: _t(w) + "/bids"),
    ("bids list (auditor)", lambda w: w.auditor_id, lambda w: _t(w) + "/bids"),
    ("bid detail", _officer, lambda w: f"{_t(w)}/bids/{w.bid_ids['B']}"),
    ("worklist (officer, all submitted)", _officer, lambda w: _t(w) + "/evaluate"),
    ("worklist (panel, nothing submitted)", _panel2, lambda w: _t(w) + "/evaluate"),
    ("score page (officer, submitted)", _officer, lambda w: _t(w) + "/evaluate/B/Q1"),
    ("score page (panel, not started)", _panel2, lambda w: _t(w) + "/evaluate/B/SV1"),
    ("declaration (done)", _panel2, lambda w: _t(w) + "/declaration"),
    ("moderation (waiting for panel member 2)", _officer, lambda w: _t(w) + "/moderation"),
    ("consensus page (waiting)", _officer, lambda w: _t(w) + "/moderation/B/Q1"),
    ("result (incomplete)", _officer, lambda w: _t(w) + "/result"),
    ("award (incomplete)", _officer, lambda w: _t(w) + "/award"),
    ("history", _officer, lambda w: _t(w) + "/history"),
    ("open tender bids list", _officer, lambda w: f"/tenders/{w.open_tender_id}/bids"),
    ("record a bid form", _officer, lambda w: f"/tenders/{w.open_tender_id}/bids/new"),
    ("supplier index", lambda w: w.supplier_id, lambda w: "/supplier/"),
    (
        "supplier bid",
        lambda w: w.supplier_id,
        lambda w: f"/supplier/tenders/{w.open_tender_id}/bid",
    ),
    (
        "supplier tender overview",
        lambda w: w.supplier_id,
        lambda w: f"/tenders/{w.open_tender_id}/",
    ),
]
# Once every score and consensus is in: the result is final and can be awarded.
FINAL_PAGES: PageList = [
    ("moderation (final)", _officer, lambda w: _t(w) + "/moderation"),
    ("consensus page (recorded)", _officer, lambda w: _t(w) + "/moderation/B/Q1"),
    ("result (final)", _officer, lambda w: _t(w) + "/result"),
    ("award (final)", _officer, lambda w: _t(w) + "/award"),
    ("summaries (before award)", _officer, lambda w: _t(w) + "/summaries"),
]
# After the award.
AWARDED_PAGES: PageList = [
    ("result (awarded)", _officer, lambda w: _t(w) + "/result"),
    ("result (awarded, auditor)", lambda w: w.auditor_id, lambda w: _t(w) + "/result"),
    ("summaries", _officer, lambda w: _t(w) + "/summaries"),
    ("summary of the winning bid", _officer, lambda w: _t(w) + "/summaries/B"),
    ("summary of a losing bid", _officer, lambda w: _t(w) + "/summaries/C"),
    ("tender overview (awarded)", _officer, lambda w: _t(w) + "/"),
    ("moderation (awarded)", _officer, lambda w: _t(w) + "/moderation"),
    ("history (awarded)", lambda w: w.auditor_id, lambda w: _t(w) + "/history"),
    ("worklist (awarded)", _panel2, lambda w: _t(w) + "/evaluate"),
]


def measure_all(app: Any, world: World, pages: PageList) -> None:
    for name, user_of, url_of in pages:
        measure(app, world, name, user_of(world), url_of(world))


def test_pages_run_the_same_number_of_statements_for_3_and_12_bids(app: Any) -> None:
    worlds = []
    for count in (SMALL, LARGE):
        world = build_world(count)
        measure_all(app, world, SCORING_PAGES)
        finish_scoring(world)
        measure_all(app, world, FINAL_PAGES)
        award(world)
        measure_all(app, world, AWARDED_PAGES)
        worlds.append(world)
    small, large = worlds
    every_page = [name for name, _, _ in SCORING_PAGES + FINAL_PAGES + AWARDED_PAGES]
    assert list(small.counts) == every_page
    table = "\n".join(
        f"  {name:45} {small.counts[name]:3} {large.counts[name]:3}" for name in every_page
    )
    growing = [name for name in every_page if small.counts[name] != large.counts[name]]
    assert growing == [], f"statements grow with the number of bids:\n{table}"
    # A page that needs dozens of statements for a handful of rows is a smell in itself.
    heavy = {name: n for name, n in small.counts.items() if n > 25}
    assert heavy == {}, f"pages with too many statements:\n{table}"
