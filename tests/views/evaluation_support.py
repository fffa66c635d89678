"""Helpers for the evaluation page tests, on top of tests/factories.py: scenario S1 with
options the evaluation pages need (more bids, the moderation rule, anonymity, bid text that
never names the supplier), declarations and scores through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from factories import (
    S1_BIDS,
    FreshClient,
    add_s1_criteria,
    count_queries,
    csrf_token,
    make_tender,
    post_form,
    sign_in,
    text,
)
from factories import make_user as factory_user

from socialvalue.extensions import db
from socialvalue.models import Bid, Criterion, Role, Tender, User
from socialvalue.services import bids as bid_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.bids import bid_label as bid_label_for

__all__ = [
    "S1_CONSENSUS",
    "Scenario",
    "build_scenario",
    "client_for",
    "count_queries",
    "csrf_token",
    "declare_all",
    "form_version",
    "make_user",
    "page_text",
    "post_form",
    "response_text",
    "submit_scores",
]

# Consensus scores for scenario S1 that give the engine's totals A 77.00, B 87.10, C 76.50
# (price 40, Q1 25, Q2 15, SV1 10 on 0-100, SV2 10 from the commitments 4, 8 and 2).
S1_CONSENSUS = {
    "Q1": {"A": 3, "B": 4, "C": 5},
    "Q2": {"A": 4, "B": 4, "C": 5},
    "SV1": {"A": 50, "B": 70, "C": 20},
}
EXTRA_SUPPLIERS = ("Delta Works Ltd", "Echo Trust", "Foxglove Ltd", "Grange Co", "Holt Partners")

page_text = text


def response_text(position: int, code: str) -> str:
    """A bid's answer; it never names the supplier, so pages can be checked for leaks."""
    return f"Answer {code}-{position}: a named team visits within fifteen minutes."


def form_version(html: str) -> str:
    import re

    match = re.search(r'name="version" value="([^"]*)"', html)
    assert match, "page has no version field"
    return match.group(1)


def make_user(role: Role | str, name: str) -> User:
    """A committed user (pages roll back on errors, which would lose an uncommitted one)."""
    user = factory_user(db.session, role, name=name)
    db.session.commit()
    return user


def client_for(app: Any, user: User | None = None) -> FreshClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    if user is not None:
        sign_in(client, user)
    return client


@dataclass
class Scenario:
    tender_id: int
    officer: User
    panel: list[User]
    criteria: dict[str, Criterion]
    bids: dict[str, Bid]
    suppliers: list[str] = field(default_factory=list)

    @property
    def tender(self) -> Tender:
        tender = db.session.get(Tender, self.tender_id)
        assert tender is not None
        return tender

    @property
    def evaluators(self) -> list[User]:
        return [self.officer, *self.panel]


def build_scenario(
    *,
    bid_count: int = 3,
    panel_count: int = 2,
    anonymise: bool = True,
    officer: User | None = None,
    moderation_mode: str = "consensus_required",
    bid_rows: list[tuple[str, Decimal, Decimal]] | None = None,
    failing_gate: tuple[str, ...] = (),
) -> Scenario:
    """Scenario S1 through the services: plan published, bids recorded, the officer and
    ``panel_count`` panel members assigned to Q1, Q2 and SV1, bidding closed; committed.

    ``bid_rows`` replaces the S1 bids (supplier, price, SV2 commitment); ``failing_gate`` adds
    a pass/fail gate that the bids with those labels fail. Needs the synced framework library.
    """
    session = db.session
    if officer is None:
        officer = make_user(Role.OFFICER, "Olu Officer")
    panel = [make_user(Role.PANEL, f"Panel Member {n}") for n in range(1, panel_count + 1)]
    tender = make_tender(session, officer)
    tender_service.update_plan_rules(
        session,
        officer,
        tender,
        {
            "weight_price": Decimal(40),
            "weight_quality": Decimal(40),
            "weight_social_value": Decimal(20),
            "price_method": "lowest_price_ratio",
            "quantitative_method": "relative_to_best",
            "moderation_mode": moderation_mode,
            "flag_range_percent": Decimal(40),
            "panel_share_percent": None,
            "tie_break": ["highest_social_value", "lowest_price"],
            "require_rationale": True,
            "anonymise_for_panel": anonymise,
        },
    )
    criteria = add_s1_criteria(session, officer, tender)
    gate = None
    if failing_gate:
        gate = tender_service.add_gate(
            session,
            officer,
            tender,
            {"title": "Holds CQC registration", "evidence_expected": "CQC certificate"},
        )
    tender_service.publish_plan(session, officer, tender)
    if bid_rows is not None:
        rows = list(bid_rows)
    else:
        rows = list(S1_BIDS)[:bid_count]
        rows += [
            (EXTRA_SUPPLIERS[n], Decimal(130000 + 1000 * n), Decimal(1))
            for n in range(bid_count - len(rows))
        ]
    bids: dict[str, Bid] = {}
    for position, (supplier, price, quantity) in enumerate(rows):
        bid = bid_service.record_bid(
            session,
            officer,
            tender,
            {
                "supplier_name": supplier,
                "price": price,
                "commitments": {
                    criteria["SV2"].id: {
                        "quantity": quantity,
                        "narrative": f"Plan {position}: hire locally through Bolton jobcentre.",
                        "evidence_plan": f"Evidence {position}: payroll postcodes each quarter.",
                    }
                },
                "responses": {
                    criteria[code].id: response_text(position, code) for code in ("Q1", "Q2", "SV1")
                },
                "gate_answers": {}
                if gate is None
                else {
                    gate.id: {
                        "passed": bid_label_for(position) not in failing_gate,
                        "evidence": "Certificate",
                    }
                },
            },
        )
        bids[bid.label] = bid
    scored = [criteria[code].id for code in ("Q1", "Q2", "SV1")]
    tender_service.assign_member(session, officer, tender, officer, "evaluator", scored)
    for member in panel:
        tender_service.assign_member(session, officer, tender, member, "panel", scored)
    tender_service.close_bidding(session, officer, tender)
    session.commit()
    return Scenario(
        tender_id=tender.id,
        officer=officer,
        panel=panel,
        criteria=criteria,
        bids=bids,
        suppliers=[row[0] for row in rows],
    )


def declare_all(scenario: Scenario) -> None:
    """Every evaluator declares no interests (through the service)."""
    for user in scenario.evaluators:
        evaluation_service.declare_interests(
            db.session, user, scenario.tender, has_conflict=False, details=""
        )
    db.session.commit()


def submit_scores(
    scenario: Scenario, user: User, scores: dict[str, dict[str, int]], rationale: str = ""
) -> None:
    """Submit ``user``'s scores {criterion code: {bid label: score}} through the service."""
    tender = scenario.tender
    for code, by_bid in scores.items():
        for label, value in by_bid.items():
            evaluation_service.save_individual_score(
                db.session,
                user,
                tender,
                scenario.bids[label],
                scenario.criteria[code],
                score=Decimal(value),
                rationale=rationale or f"{user.display_name} on {label} {code}",
                submit=True,
            )
    db.session.commit()
