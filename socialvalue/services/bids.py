"""Recording bids: by an officer, or by an invited supplier before the deadline."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue.models.base import utcnow
from socialvalue.models.bid import Bid, BidCommitment, BidGateAnswer, BidResponse, BidStatus
from socialvalue.models.tender import MemberRole, Tender, TenderMember, TenderStatus
from socialvalue.models.user import User
from socialvalue.services.access import Action, tender_access
from socialvalue.services.audit import record_event
from socialvalue.services.errors import DomainError, StaleVersion, StateConflict, ValidationFailed
from socialvalue.services.pagination import Page, paginate

MAX_ID = 2**31 - 1


def bid_label(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how panels refer to bids without supplier names."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(ord("A") + remainder) + label
    return label


def load_bids(
    session: Session, tender: Tender, submitted_only: bool = True, *, with_content: bool = True
) -> list[Bid]:
    """All bids of a tender with their commitments, responses and answers, in three queries.

    ``with_content=False`` loads the bids alone (one query), for pages that list bids without
    reading what they say (their content would then be loaded bid by bid if touched).
    """
    query = sa.select(Bid).where(Bid.tender_id == tender.id)
    if with_content:
        query = query.options(
            selectinload(Bid.commitments),
            selectinload(Bid.responses),
            selectinload(Bid.gate_answers),
        )
    query = query.order_by(sa.func.length(Bid.label), Bid.label)
    if submitted_only:
        query = query.where(Bid.status == BidStatus.SUBMITTED)
    return list(session.execute(query).scalars())


def submitted_bid(session: Session, tender: Tender, label: str) -> Bid | None:
    """The tender's submitted bid called ``label`` ("A", "B"...), without its content."""
    return session.execute(
        _submitted_bid_by_label(), {"tender_id": tender.id, "label": label}
    ).scalar_one_or_none()


@functools.cache
def _submitted_bid_by_label() -> sa.Select[tuple[Bid]]:
    # Built once: every score saved runs it.
    return sa.select(Bid).where(
        Bid.tender_id == sa.bindparam("tender_id"),
        Bid.label == sa.bindparam("label"),
        Bid.status == BidStatus.SUBMITTED,
    )


def snapshot_bid(bid: Bid) -> dict[str, Any]:
    return {
        "label": bid.label,
        "supplier_name": bid.supplier_name,
        "price": bid.price,
        "status": bid.status,
        "commitments": {
            str(c.criterion_id): {
                "quantity": c.quantity,
                "narrative": c.narrative,
                "evidence_plan": c.evidence_plan,
            }
            for c in sorted(bid.commitments, key=lambda c: c.criterion_id)
        },
        "responses": {
            str(r.criterion_id): r.response
            for r in sorted(bid.responses, key=lambda r: r.criterion_id)
        },
        "gate_answers": {
            str(a.gate_id): {"passed": a.passed, "evidence": a.evidence}
            for a in sorted(bid.gate_answers, key=lambda a: a.gate_id)
        },
    }


def _require_open_for_bids(tender: Tender) -> None:
    if tender.status == TenderStatus.DRAFT:
        raise StateConflict("Publish the evaluation plan before recording bids")
    if tender.status != TenderStatus.PUBLISHED:
        raise StateConflict("This tender is closed: bids can no longer be recorded or changed")
    if utcnow() >= tender.bid_deadline:
        raise StateConflict(
            "The deadline for bids has passed: bids are now fixed and cannot be added or changed"
        )


def _validate_content(tender: Tender, data: Mapping[str, Any], complete: bool) -> None:
    errors: dict[str, list[str]] = {}
    commitments = data.get("commitments", {})
    answers = data.get("gate_answers", {})
    if complete:
        if data.get("price") is None:
            errors.setdefault("price", []).append("Enter the bid price")
        for criterion in tender.criteria:
            if (
                criterion.kind == "quantitative"
                and commitments.get(criterion.id, {}).get("quantity") is None
            ):
                errors.setdefault(f"commitment-{criterion.id}", []).append(
                    f"Enter the commitment for {criterion.code} {criterion.title} "
                    f"({criterion.unit}); enter 0 if nothing is offered"
                )
        for gate in tender.gates:
            if answers.get(gate.id, {}).get("passed") is None:
                errors.setdefault(f"gate-{gate.id}", []).append(
                    f"Answer whether the bid meets {gate.code}: {gate.title}"
                )
    price = data.get("price")
    if price is not None and price <= 0:
        errors.setdefault("price", []).append("The price must be more than £0")
    for criterion_id, commitment in commitments.items():
        quantity = commitment.get("quantity")
        if quantity is not None and quantity < 0:
            errors.setdefault(f"commitment-{criterion_id}", []).append(
                "A commitment cannot be negative"
            )
    if errors:
        raise ValidationFailed(errors)


def _apply_content(bid: Bid, tender: Tender, data: Mapping[str, Any]) -> None:
    """Make the bid say exactly what was entered: a cleared commitment or answer is removed."""
    bid.supplier_name = data["supplier_name"]
    bid.price = data.get("price")
    # Touch the bid row itself so that its version changes even when only its commitments,
    # responses or answers do: optimistic concurrency then sees every edit.
    bid.updated_at = utcnow()
    quantitative = {c.id for c in tender.criteria if c.kind == "quantitative"}
    qualitative = {c.id for c in tender.criteria if c.kind == "qualitative"}
    gates = {g.id for g in tender.gates}
    existing_commitments = {c.criterion_id: c for c in bid.commitments}
    for criterion_id, values in data.get("commitments", {}).items():
        if criterion_id not in quantitative:
            continue
        if values.get("quantity") is None:
            if criterion_id in existing_commitments:
                bid.commitments.remove(existing_commitments[criterion_id])
            continue
        row = existing_commitments.get(criterion_id) or BidCommitment(criterion_id=criterion_id)
        row.quantity = values["quantity"]
        row.narrative = values.get("narrative", "")
        row.evidence_plan = values.get("evidence_plan", "")
        if row not in bid.commitments:
            bid.commitments.append(row)
    existing_responses = {r.criterion_id: r for r in bid.responses}
    for criterion_id, text in data.get("responses", {}).items():
        if criterion_id not in qualitative:
            continue
        row = existing_responses.get(criterion_id) or BidResponse(criterion_id=criterion_id)
        row.response = text
        if row not in bid.responses:
            bid.responses.append(row)
    existing_answers = {a.gate_id: a for a in bid.gate_answers}
    for gate_id, values in data.get("gate_answers", {}).items():
        if gate_id not in gates:
            continue
        if values.get("passed") is None:
            if gate_id in existing_answers:
                bid.gate_answers.remove(existing_answers[gate_id])
            continue
        row = existing_answers.get(gate_id) or BidGateAnswer(gate_id=gate_id)
        row.passed = values["passed"]
        row.evidence = values.get("evidence", "")
        if row not in bid.gate_answers:
            bid.gate_answers.append(row)


def _next_label(session: Session, tender: Tender) -> str:
    count = session.execute(
        sa.select(sa.func.count()).select_from(Bid).where(Bid.tender_id == tender.id)
    ).scalar_one()
    return bid_label(count)


def record_bid(session: Session, actor: User, tender: Tender, data: Mapping[str, Any]) -> Bid:
    """An officer records a complete bid received for this tender (before the deadline)."""
    tender_access(session, actor, tender).require(Action.MANAGE_TENDER)
    _require_open_for_bids(tender)
    _validate_content(tender, data, complete=True)
    bid = Bid(
        tender_id=tender.id,
        label=_next_label(session, tender),
        status=BidStatus.SUBMITTED,
        entered_by_officer=True,
        submitted_at=utcnow(),
        submitted_by_id=actor.id,
    )
    _apply_content(bid, tender, data)
    session.add(bid)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="bid.recorded",
        entity_type="bid",
        entity_id=bid.id,
        tender_id=tender.id,
        after=snapshot_bid(bid),
        summary=f"Bid {bid.label} from {bid.supplier_name} recorded by an officer",
    )
    return bid


def update_bid(
    session: Session,
    actor: User,
    tender: Tender,
    bid: Bid,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Bid:
    """Correct a bid an officer recorded, before the deadline; after it the bid is immutable."""
    tender_access(session, actor, tender).require(Action.MANAGE_TENDER)
    if bid.tender_id != tender.id:
        raise DomainError("That bid is not part of this tender")
    _require_open_for_bids(tender)
    if not bid.entered_by_officer:
        raise StateConflict(
            "This bid was entered by the supplier through the supplier portal: only the "
            "supplier can change it, until the deadline"
        )
    if expected_version is not None and bid.version_id != expected_version:
        raise StaleVersion("bid")
    _validate_content(tender, data, complete=bid.status == BidStatus.SUBMITTED)
    before = snapshot_bid(bid)
    _apply_content(bid, tender, data)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="bid.changed",
        entity_type="bid",
        entity_id=bid.id,
        tender_id=tender.id,
        before=before,
        after=snapshot_bid(bid),
        summary=f"Bid {bid.label} changed",
    )
    return bid


def supplier_bid(session: Session, tender: Tender, supplier: User) -> Bid | None:
    return session.execute(
        sa.select(Bid)
        .where(Bid.tender_id == tender.id, Bid.supplier_user_id == supplier.id)
        .options(
            selectinload(Bid.commitments),
            selectinload(Bid.responses),
            selectinload(Bid.gate_answers),
        )
    ).scalar_one_or_none()


def save_supplier_bid(
    session: Session,
    actor: User,
    tender: Tender,
    data: Mapping[str, Any],
    submit: bool,
    expected_version: int | None = None,
) -> Bid:
    """An invited supplier saves its own bid as a draft or submits it (editable to the deadline).

    Once submitted, a bid stays submitted and complete: later changes are checked as fully as
    the first submission.
    """
    _require_open_for_bids(tender)
    tender_access(session, actor, tender).require(Action.SUBMIT_BID)
    bid = supplier_bid(session, tender, actor)
    if bid is not None and expected_version is not None and bid.version_id != expected_version:
        raise StaleVersion("bid")
    already_submitted = bid is not None and bid.status == BidStatus.SUBMITTED
    _validate_content(tender, data, complete=submit or already_submitted)
    before = snapshot_bid(bid) if bid is not None else None
    if bid is None:
        bid = Bid(
            tender_id=tender.id,
            label=_next_label(session, tender),
            supplier_user_id=actor.id,
            status=BidStatus.DRAFT,
        )
        session.add(bid)
    _apply_content(bid, tender, data)
    if submit or already_submitted:
        bid.status = BidStatus.SUBMITTED
        bid.submitted_at = utcnow()
        bid.submitted_by_id = actor.id
        submit = True
    session.flush()
    record_event(
        session,
        actor=actor,
        action="bid.submitted" if submit else "bid.draft_saved",
        entity_type="bid",
        entity_id=bid.id,
        tender_id=tender.id,
        before=before,
        after=snapshot_bid(bid),
        summary=f"Bid {bid.label} {'submitted' if submit else 'saved as a draft'} by the supplier",
    )
    return bid


def parse_decimal(text: str | None) -> Decimal | None:
    if text is None or str(text).strip() == "":
        return None
    return Decimal(str(text).replace(",", "").replace("£", "").strip())


def get_bid(session: Session, tender: Tender, bid_id: int) -> Bid | None:
    """One bid of this tender (None for an unknown id or another tender's bid)."""
    if not isinstance(bid_id, int) or not 0 < bid_id <= MAX_ID:
        return None
    return session.execute(
        sa.select(Bid)
        .where(Bid.id == bid_id, Bid.tender_id == tender.id)
        .options(
            selectinload(Bid.commitments),
            selectinload(Bid.responses),
            selectinload(Bid.gate_answers),
        )
    ).scalar_one_or_none()


def bid_status_counts(session: Session, tender: Tender) -> dict[str, int]:
    """How many bids of each status the tender has (drafts are suppliers' unfinished bids)."""
    counts = {status: 0 for status in BidStatus.ALL}
    for status, count in session.execute(
        sa.select(Bid.status, sa.func.count())
        .where(Bid.tender_id == tender.id)
        .group_by(Bid.status)
    ).all():
        counts[status] = count
    return counts


@dataclass(frozen=True)
class Invitation:
    """A tender a supplier has been invited to, and where its own bid stands."""

    member: TenderMember
    tender: Tender
    bid: Bid | None

    @property
    def open_for_bids(self) -> bool:
        return self.tender.status == TenderStatus.PUBLISHED and utcnow() < self.tender.bid_deadline

    @property
    def bid_state(self) -> str:
        if self.bid is None:
            return "not_started"
        return self.bid.status


def supplier_invitations(session: Session, supplier: User) -> list[Invitation]:
    """The tenders this supplier was invited to (drafts excluded), with its own bids."""
    members: Sequence[TenderMember] = (
        session.execute(
            sa.select(TenderMember)
            .join(Tender, Tender.id == TenderMember.tender_id)
            .where(
                TenderMember.user_id == supplier.id,
                TenderMember.role == MemberRole.SUPPLIER,
                TenderMember.removed_at.is_(None),
                Tender.status != TenderStatus.DRAFT,
            )
            .options(selectinload(TenderMember.tender))
            .order_by(Tender.bid_deadline.desc(), Tender.id.desc())
        )
        .scalars()
        .all()
    )
    bids = {
        bid.tender_id: bid
        for bid in session.execute(
            sa.select(Bid).where(
                Bid.supplier_user_id == supplier.id,
                Bid.tender_id.in_([m.tender_id for m in members]),
            )
        ).scalars()
    }
    return [Invitation(m, m.tender, bids.get(m.tender_id)) for m in members]


def bids_page(
    session: Session,
    tender: Tender,
    page: int,
    per_page: int,
    *,
    submitted_only: bool = True,
    total: int | None = None,
) -> Page[Bid]:
    """One page of the tender's bids in label order (A..Z, AA..), without their content.

    ``total`` (e.g. from ``bid_status_counts``) saves the count query; InvalidPage past the end.
    """
    query = sa.select(Bid).where(Bid.tender_id == tender.id)
    if submitted_only:
        query = query.where(Bid.status == BidStatus.SUBMITTED)
    query = query.order_by(sa.func.length(Bid.label), Bid.label)
    return paginate(session, query, page, per_page, total=total)
