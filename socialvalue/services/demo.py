"""Demo data for a newcomer: the framework library, one user of every role, a demo tender."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from socialvalue import framework_registry as registry
from socialvalue.models.base import utcnow
from socialvalue.models.framework import FrameworkMeasure, FrameworkVersion
from socialvalue.models.tender import MemberRole, Tender
from socialvalue.models.user import Role, User
from socialvalue.services import bids, tenders
from socialvalue.services.accounts import create_user
from socialvalue.services.frameworks import SyncReport, sync_frameworks

# Development-only accounts; `flask demo` refuses to run in production.
DEMO_USERS = (
    ("admin@demo.socialvalue.test", "Alex Admin", Role.ADMIN, None),
    (
        "officer@demo.socialvalue.test",
        "Olu Officer",
        Role.OFFICER,
        "Greater Manchester Combined Authority",
    ),
    (
        "officer2@demo.socialvalue.test",
        "Orla Officer",
        Role.OFFICER,
        "Greater Manchester Combined Authority",
    ),
    ("panel1@demo.socialvalue.test", "Priya Panel", Role.PANEL, "Salford CVS (VCSE)"),
    ("panel2@demo.socialvalue.test", "Pat Panel", Role.PANEL, "Citizen panel, Oldham"),
    ("supplier@demo.socialvalue.test", "Sam Supplier", Role.SUPPLIER, "Northern Facilities Ltd"),
    ("auditor@demo.socialvalue.test", "Ada Auditor", Role.AUDITOR, "GM Audit Committee"),
)
# Printed by `flask demo`; development only (the command refuses to run in production).
DEMO_PASSWORDS = {
    "admin": "lantern-orchard-91",
    "officer": "copper-meadow-27",
    "officer2": "velvet-canal-58",
    "panel1": "hazel-market-36",
    "panel2": "quiet-viaduct-44",
    "supplier": "amber-foundry-73",
    "auditor": "silver-ledger-19",
}


def demo_password(email: str) -> str:
    return DEMO_PASSWORDS[email.split("@")[0]]


@dataclass
class DemoSummary:
    frameworks: SyncReport
    users: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [
            f"Frameworks: {len(self.frameworks.added)} added, {len(self.frameworks.updated)} "
            f"updated, {len(self.frameworks.unchanged)} unchanged.",
            "",
            "Demo sign-in details (development only):",
        ]
        width = max(len(email) for email, _, _ in self.users)
        for email, role, password in self.users:
            lines.append(f"  {role:<9} {email:<{width}}  password: {password}")
        lines.extend(self.notes)
        return "\n".join(lines)


def seed_demo(session: Session, library: registry.FrameworkLibrary) -> DemoSummary:
    """Idempotent: running it again adds nothing that is already there."""
    summary = DemoSummary(frameworks=sync_frameworks(session, library))
    users: dict[str, User] = {}
    for email, name, role, organisation in DEMO_USERS:
        user = session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = create_user(
                session,
                email=email,
                display_name=name,
                role=role,
                password=demo_password(email),
                organisation=organisation,
            )
        users[email.split("@")[0]] = user
        summary.users.append((email, role.value, demo_password(email)))
    created = seed_demo_tenders(session, users)
    contract_created = seed_demo_contract(session, users)
    session.flush()
    summary.notes.append("")
    summary.notes.append(
        "Demo tenders (scenario S1): GM-DEMO-2026-001 is ready for evaluation (sign in as "
        "officer2, panel1 or panel2 to declare interests and score); GM-DEMO-2026-002 is scored "
        "and moderated, ready for officer@ to award (B 87.10, A 77.00, C 76.50)."
        + ("" if created else " (already present)")
    )
    summary.notes.append(
        f"Demo contract (scenario S4): {S4_REFERENCE} was awarded to Northern Facilities Ltd; "
        "its verified return to 30 September 2026 shows local employment amber, "
        "apprenticeships green, VCSE spend red and the contract red. Sign in as supplier@ to "
        "file the next return, panel1@ to verify it, officer@ to manage the contract."
        + ("" if contract_created else " (already present)")
    )
    return summary


# Scenario S1 of the worked scenarios: price 40, quality 40 (Q1 25, Q2 15), social value 20
# (SV1 0-100 weight 10, SV2 local employment weight 10). Engine totals: B 87.10, A 77.00, C 76.50.
S1_BIDS = (
    ("Northern Facilities Ltd", Decimal("100000"), Decimal("4")),
    ("Irwell Community Services CIC", Decimal("105000"), Decimal("8")),
    ("Pennine Property Care plc", Decimal("125000"), Decimal("2")),
)
S1_CONSENSUS = {
    "Q1": (3, 4, 5),
    "Q2": (4, 4, 5),
    "SV1": (50, 70, 20),
}
S1_QUESTIONS = (
    (
        "quality",
        5,
        Decimal(25),
        "Service delivery approach",
        "Describe how you will deliver cleaning and maintenance across the authority's buildings, "
        "including response times and quality checks.",
    ),
    (
        "quality",
        5,
        Decimal(15),
        "Staffing and resilience",
        "How will you staff the contract and keep the service running through absence and peaks?",
    ),
    (
        "social_value",
        100,
        Decimal(10),
        "Social value delivery plan",
        "How will you deliver your social value commitments, who will benefit, and how will you "
        "evidence delivery each quarter?",
    ),
)


def s1_plan_rules(**overrides: Any) -> dict[str, Any]:
    """Scenario S1's evaluation rules (price 40, quality 40, social value 20; consensus
    moderation), as the set-up form gives them to ``tenders.update_plan_rules``."""
    return {
        "weight_price": Decimal(40),
        "weight_quality": Decimal(40),
        "weight_social_value": Decimal(20),
        "price_method": "lowest_price_ratio",
        "quantitative_method": "relative_to_best",
        "moderation_mode": "consensus_required",
        "flag_range_percent": Decimal(40),
        "panel_share_percent": None,
        "tie_break": ["highest_social_value", "lowest_price"],
        "require_rationale": True,
        "anonymise_for_panel": True,
        **overrides,
    }


def _s1_bid_content(
    tender: Tender, supplier: str, price: Decimal, local_jobs: Decimal
) -> dict[str, Any]:
    by_code = {c.code: c for c in tender.criteria}
    return {
        "supplier_name": supplier,
        "price": price,
        "commitments": {
            by_code["SV2"].id: {
                "quantity": local_jobs,
                "narrative": (
                    f"{local_jobs} FTE-years of work for residents of the ten GM boroughs, "
                    "recruited through local job centres and VCSE employment programmes."
                ),
                "evidence_plan": "Quarterly payroll extract with home postcode districts, "
                "checked against the GM postcode list.",
            }
        },
        "responses": {
            c.id: f"{supplier}: our answer to “{c.title}”."
            for c in tender.criteria
            if c.kind == "qualitative"
        },
        "gate_answers": {},
    }


def _build_s1_tender(
    session: Session, officer: User, reference: str, title: str, team: dict[str, User]
) -> Tender:
    """Scenario S1 set up through the services: published, bids in, bidding closed."""
    version = session.execute(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.framework_id == "gm-social-value-framework",
            FrameworkVersion.version == "2020",
        )
    ).scalar_one()
    tender = tenders.create_tender(
        session,
        officer,
        {
            "framework_version_id": version.id,
            "reference": reference,
            "title": title,
            "buyer": "Greater Manchester Combined Authority",
            "description": "Cleaning and planned maintenance of GMCA civic buildings.",
            "estimated_value": Decimal("330000"),
            "contract_start": dt.date(2026, 4, 1),
            "contract_end": dt.date(2028, 3, 31),
            "bid_deadline": utcnow() + dt.timedelta(days=1),
        },
    )
    tenders.update_plan_rules(session, officer, tender, s1_plan_rules())
    for group, scale_max, weight, question_title, question in S1_QUESTIONS:
        tenders.add_question_criterion(
            session,
            officer,
            tender,
            {
                "title": question_title,
                "question": question,
                "group": group,
                "scale_max": scale_max,
                "weight": weight,
            },
        )
    local_jobs = session.execute(
        sa.select(FrameworkMeasure).where(
            FrameworkMeasure.framework_version_id == version.id,
            FrameworkMeasure.code == "GMSVF-P3-LOCAL-EMPLOYMENT",
        )
    ).scalar_one()
    tenders.add_measure_criterion(
        session,
        officer,
        tender,
        {"measure_id": local_jobs.id, "group": "social_value", "weight": Decimal(10)},
    )
    by_code = {c.code: c for c in tender.criteria}
    tenders.assign_member(
        session,
        officer,
        tender,
        team["officer2"],
        MemberRole.EVALUATOR,
        [by_code[code].id for code in ("Q1", "Q2", "SV1")],
    )
    for key in ("panel1", "panel2"):
        tenders.assign_member(
            session, officer, tender, team[key], MemberRole.PANEL, [by_code["SV1"].id]
        )
    tenders.publish_plan(session, officer, tender)
    for supplier, price, jobs in S1_BIDS:
        bids.record_bid(session, officer, tender, _s1_bid_content(tender, supplier, price, jobs))
    tenders.close_bidding(session, officer, tender)
    return tender


def _score_s1(session: Session, tender: Tender, team: dict[str, User], officer: User) -> None:
    """Every evaluator declares and scores; the lead officer records the S1 consensus."""
    from socialvalue.services import evaluation
    from socialvalue.services.bids import load_bids

    bid_rows = load_bids(session, tender)
    by_code = {c.code: c for c in tender.criteria}
    panel_offsets = {"panel1": (10, 0, 0), "panel2": (-10, 5, 5)}
    for key in ("officer2", "panel1", "panel2"):
        evaluation.declare_interests(session, team[key], tender, has_conflict=False, details="")
    for code, values in S1_CONSENSUS.items():
        for bid, value in zip(bid_rows, values, strict=True):
            evaluation.save_individual_score(
                session,
                team["officer2"],
                tender,
                bid,
                by_code[code],
                score=Decimal(value),
                rationale=f"Officer view of bid {bid.label} on {code}.",
                submit=True,
            )
    for key, offsets in panel_offsets.items():
        for bid, value, offset in zip(bid_rows, S1_CONSENSUS["SV1"], offsets, strict=True):
            evaluation.save_individual_score(
                session,
                team[key],
                tender,
                bid,
                by_code["SV1"],
                score=Decimal(value + offset),
                rationale=f"Panel view of bid {bid.label}: how convincing the plan is locally.",
                submit=True,
            )
    for code, values in S1_CONSENSUS.items():
        for bid, value in zip(bid_rows, values, strict=True):
            evaluation.record_consensus(
                session,
                officer,
                tender,
                bid,
                by_code[code],
                score=Decimal(value),
                reason=f"Moderation meeting agreed {value} for bid {bid.label} on {code}.",
            )


def seed_demo_tenders(session: Session, users: dict[str, User]) -> list[str]:
    """Two S1 tenders: one ready for evaluation, one scored and moderated, ready to award."""
    created = []
    officer = users["officer"]
    specs = (
        ("GM-DEMO-2026-001", "Facilities management for GMCA buildings", False),
        ("GM-DEMO-2026-002", "Facilities management for GMCA buildings (moderated)", True),
    )
    for reference, title, scored in specs:
        if session.execute(sa.select(Tender.id).where(Tender.reference == reference)).first():
            continue
        tender = _build_s1_tender(session, officer, reference, title, users)
        if scored:
            _score_s1(session, tender, users, officer)
        created.append(reference)
    return created


# Scenario S4 of the worked scenarios: a 24-month contract (1 April 2026 to 31 March 2028) with
# three social value commitments accruing evenly, and a return to 30 September 2026.
S4_REFERENCE = "GM-DEMO-2026-003"
S4_START, S4_END = dt.date(2026, 4, 1), dt.date(2028, 3, 31)
#: measure code -> (weight, committed, delivered by 30 September 2026)
S4_COMMITMENTS = {
    "GMSVF-P3-LOCAL-EMPLOYMENT": (Decimal(15), Decimal(8), Decimal("1.5")),
    "GMSVF-P3-APPRENTICESHIPS": (Decimal(15), Decimal(6), Decimal(2)),
    "GMSVF-P4-VCSE-SPEND": (Decimal(10), Decimal(50000), Decimal(5000)),
}
S4_SUPPLIERS = (
    ("Northern Facilities Ltd", Decimal("240000")),
    ("Pennine Property Care plc", Decimal("265000")),
)
S4_PERIOD_END = dt.date(2026, 9, 30)


def build_s4_contract(
    session: Session,
    officer: User,
    *,
    reference: str = S4_REFERENCE,
    supplier_user: User | None = None,
    panel_user: User | None = None,
    supplier_name: str = S4_SUPPLIERS[0][0],
) -> Any:
    """Scenario S4 through the services: a tender with the three S4 commitments as criteria,
    two bids, awarded to ``supplier_name`` (which commits the S4 quantities); awarding creates
    the contract. ``supplier_user`` is invited to file returns, ``panel_user`` to verify."""
    from socialvalue.models.contract import ContractRole
    from socialvalue.services import contracts, evaluation

    version = session.execute(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.framework_id == "gm-social-value-framework",
            FrameworkVersion.version == "2020",
        )
    ).scalar_one()
    tender = tenders.create_tender(
        session,
        officer,
        {
            "framework_version_id": version.id,
            "reference": reference,
            "title": "Grounds maintenance for GMCA sites",
            "buyer": "Greater Manchester Combined Authority",
            "description": "Grounds maintenance across GMCA sites, with local jobs, "
            "apprenticeships and spend with VCSE organisations.",
            "estimated_value": Decimal("250000"),
            "contract_start": S4_START,
            "contract_end": S4_END,
            "bid_deadline": utcnow() + dt.timedelta(days=1),
        },
    )
    tenders.update_plan_rules(
        session,
        officer,
        tender,
        {
            "weight_price": Decimal(60),
            "weight_quality": Decimal(0),
            "weight_social_value": Decimal(40),
            "price_method": "lowest_price_ratio",
            "quantitative_method": "relative_to_best",
            "moderation_mode": "consensus_required",
            "flag_range_percent": Decimal(40),
            "panel_share_percent": None,
            "tie_break": ["highest_social_value", "lowest_price"],
            "require_rationale": True,
            "anonymise_for_panel": True,
        },
    )
    criteria = {}
    for code, (weight, _committed, _delivered) in S4_COMMITMENTS.items():
        measure = session.execute(
            sa.select(FrameworkMeasure).where(
                FrameworkMeasure.framework_version_id == version.id,
                FrameworkMeasure.code == code,
            )
        ).scalar_one()
        criteria[code] = tenders.add_measure_criterion(
            session,
            officer,
            tender,
            {"measure_id": measure.id, "group": "social_value", "weight": weight},
        )
    tenders.publish_plan(session, officer, tender)
    for name, price in S4_SUPPLIERS:
        share = Decimal(1) if name == supplier_name else Decimal("0.5")
        bids.record_bid(
            session,
            officer,
            tender,
            {
                "supplier_name": name,
                "price": price,
                "commitments": {
                    criteria[code].id: {
                        "quantity": committed * share,
                        "narrative": f"{name}: {committed * share} over the two-year term.",
                        "evidence_plan": "Quarterly returns with payroll and payment records.",
                    }
                    for code, (_w, committed, _d) in S4_COMMITMENTS.items()
                },
                "responses": {},
                "gate_answers": {},
            },
        )
    tenders.close_bidding(session, officer, tender)
    evaluation.award_tender(
        session,
        officer,
        tender,
        rationale="Highest total: lowest price and the strongest social value commitments.",
    )
    contract = contracts.contract_for_tender(session, tender.id)
    assert contract is not None
    for user, role in ((supplier_user, ContractRole.SUPPLIER), (panel_user, ContractRole.PANEL)):
        if user is not None and not any(m.user_id == user.id for m in contract.members):
            contracts.add_member(session, officer, contract, user, role)
    return contract


def seed_demo_contract(session: Session, users: dict[str, User]) -> bool:
    """The S4 contract with its verified return to 30 September 2026 (idempotent)."""
    from socialvalue.services import contracts

    if session.execute(sa.select(Tender.id).where(Tender.reference == S4_REFERENCE)).first():
        return False
    officer = users["officer"]
    contract = build_s4_contract(
        session, officer, supplier_user=users["supplier"], panel_user=users["panel1"]
    )
    kpis = {k.measure_code: k for k in contract.kpis}
    delivery_return = contracts.record_return(
        session,
        users["supplier"],
        contract,
        period_end=S4_PERIOD_END,
        quantities={
            kpis[code].id: delivered for code, (_w, _c, delivered) in S4_COMMITMENTS.items()
        },
        narrative="Six months in: 1.5 FTE-years of local employment (Bolton and Salford "
        "residents), two apprentices started in horticulture, £5,000 of spend with Salford "
        "VCSE organisations. VCSE spend is behind plan; catering moves to a VCSE supplier "
        "from January.",
        upload_dir="",
    )
    for line in delivery_return.lines:
        contracts.decide_line(session, users["panel1"], contract, line, decision="verified")
    return True
