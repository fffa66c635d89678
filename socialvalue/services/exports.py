"""Gathering export data from the database: plain rows for the spreadsheets, the engine bundle,
and the facts behind an OCDS release package. Read-only; a fixed number of queries each."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue import scoring
from socialvalue.models.audit import AuditEvent
from socialvalue.models.bid import Bid, BidCommitment
from socialvalue.models.contract import Contract, DeliveryReturn, LineStatus, ReturnLine
from socialvalue.models.evaluation import AwardDecision, ConsensusScore, IndividualScore
from socialvalue.models.tender import Criterion, Tender, TenderMember, TenderStatus
from socialvalue.services import contracts as contract_service
from socialvalue.services.bids import load_bids
from socialvalue.services.evaluation import build_bundle, criterion_measures

EVALUATOR_ROLE_LABELS = {"officer": "Procurement officer", "panel": "Citizen/VCSE panel"}
LINE_STATUS_LABELS = {
    LineStatus.PENDING: "Awaiting verification",
    LineStatus.VERIFIED: "Verified",
    LineStatus.QUERIED: "Queried",
    LineStatus.REJECTED: "Rejected",
}


def _award(session: Session, tender: Tender) -> AwardDecision | None:
    return session.execute(
        sa.select(AwardDecision).where(AwardDecision.tender_id == tender.id)
    ).scalar_one_or_none()


def bundle_json(session: Session, tender: Tender) -> str:
    """The engine bundle, canonical JSON: for an awarded tender, exactly the bundle the award
    rests on; otherwise the tender as it stands. ``socialvalue score`` re-runs it."""
    if tender.status == TenderStatus.AWARDED:
        award = _award(session, tender)
        if award is not None:
            return scoring.bundle_to_json(scoring.load_bundle(award.result["bundle"]))
    return scoring.bundle_to_json(build_bundle(session, tender))


def score_rows(session: Session, tender: Tender) -> list[dict[str, Any]]:
    """Every submitted individual score and every consensus score (three queries).

    Draft scores are the evaluator's own working and are not exported. Scores by a member
    later removed from the tender are listed but marked as not counted in the result."""
    criteria = {c.id: c for c in tender.criteria}
    bids = {b.id: b for b in tender.bids}
    removed = set(
        session.execute(
            sa.select(TenderMember.user_id).where(
                TenderMember.tender_id == tender.id, TenderMember.removed_at.is_not(None)
            )
        ).scalars()
    )
    individual = (
        session.execute(
            sa.select(IndividualScore)
            .where(
                IndividualScore.tender_id == tender.id, IndividualScore.submitted_at.is_not(None)
            )
            .options(selectinload(IndividualScore.evaluator))
        )
        .scalars()
        .all()
    )
    consensus = (
        session.execute(
            sa.select(ConsensusScore)
            .where(ConsensusScore.tender_id == tender.id)
            .options(selectinload(ConsensusScore.recorded_by))
        )
        .scalars()
        .all()
    )
    rows: list[dict[str, Any]] = []

    def base(bid_id: int, criterion_id: int) -> dict[str, Any] | None:
        bid, criterion = bids.get(bid_id), criteria.get(criterion_id)
        if bid is None or criterion is None:
            return None
        return {
            "tender_reference": tender.reference,
            "bid": bid.label,
            "supplier": bid.supplier_name,
            "criterion": criterion.code,
            "criterion_title": criterion.title,
            "group": "Social value" if criterion.group == "social_value" else "Quality",
            "scale_max": criterion.scale_max,
            "_order": (criterion.position, bid.label),
        }

    for score in individual:
        row = base(score.bid_id, score.criterion_id)
        if row is None:
            continue
        row.update(
            score_type="Individual",
            evaluator=score.evaluator.display_name,
            evaluator_role=EVALUATOR_ROLE_LABELS.get(score.evaluator_role, score.evaluator_role),
            score=score.score,
            rationale=score.rationale,
            recorded_at=score.submitted_at,
            counted=score.evaluator_id not in removed,
            _kind=0,
        )
        rows.append(row)
    for agreed in consensus:
        row = base(agreed.bid_id, agreed.criterion_id)
        if row is None:
            continue
        row.update(
            score_type="Consensus",
            evaluator=agreed.recorded_by.display_name,
            evaluator_role="Moderator",
            score=agreed.score,
            rationale=agreed.reason,
            recorded_at=agreed.updated_at,
            counted=True,
            _kind=1,
        )
        rows.append(row)
    rows.sort(key=lambda r: (r["_order"], r["_kind"], r["evaluator"], r["recorded_at"]))
    return rows


def commitment_rows(session: Session, tender: Tender) -> list[dict[str, Any]]:
    """Each bid's commitment against each quantitative criterion (a fixed number of queries)."""
    bids = load_bids(session, tender)
    criteria: dict[int, Criterion] = {c.id: c for c in tender.criteria}
    rows = []
    for bid in bids:
        commitments: Sequence[BidCommitment] = sorted(
            (c for c in bid.commitments if c.criterion_id in criteria),
            key=lambda c: criteria[c.criterion_id].position,
        )
        for commitment in commitments:
            criterion = criteria[commitment.criterion_id]
            rows.append(
                {
                    "tender_reference": tender.reference,
                    "bid": bid.label,
                    "supplier": bid.supplier_name,
                    "bid_status": bid.status.capitalize(),
                    "criterion": criterion.code,
                    "criterion_title": criterion.title,
                    "measure_code": criterion.measure_code,
                    "unit": criterion.unit,
                    "quantity": commitment.quantity,
                    "proxy_value_gbp": criterion.proxy_value_gbp,
                    "narrative": commitment.narrative,
                    "evidence_plan": commitment.evidence_plan,
                }
            )
    return rows


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def audit_rows(
    session: Session, *, tender_id: int | None = None, contract_id: int | None = None
) -> list[dict[str, Any]]:
    """The audit log in chain order (one query), optionally only one tender's or contract's."""
    query = sa.select(AuditEvent).order_by(AuditEvent.sequence)
    if tender_id is not None:
        query = query.where(AuditEvent.tender_id == tender_id)
    if contract_id is not None:
        query = query.where(AuditEvent.contract_id == contract_id)
    return [
        {
            "sequence": event.sequence,
            "occurred_at": event.occurred_at,
            "actor": event.actor_label,
            "action": event.action,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "tender_id": event.tender_id,
            "contract_id": event.contract_id,
            "summary": event.summary,
            "before": _json_text(event.before),
            "after": _json_text(event.after),
            "prev_hash": event.prev_hash,
            "event_hash": event.event_hash,
        }
        for event in session.execute(query).scalars()
    ]


def return_rows(session: Session, contract: Contract) -> list[dict[str, Any]]:
    """Every line of every delivery return of the contract (a fixed number of queries)."""
    returns = (
        session.execute(
            sa.select(DeliveryReturn)
            .where(DeliveryReturn.contract_id == contract.id)
            .options(selectinload(DeliveryReturn.lines).selectinload(ReturnLine.kpi))
            .order_by(DeliveryReturn.period_end, DeliveryReturn.id)
        )
        .scalars()
        .all()
    )
    rows = []
    for delivery_return in returns:
        for line in sorted(delivery_return.lines, key=lambda item: item.kpi.position):
            rows.append(
                {
                    "contract_reference": contract.reference,
                    "supplier": contract.supplier_name,
                    "period_start": delivery_return.period_start,
                    "period_end": delivery_return.period_end,
                    "due_on": delivery_return.due_on,
                    "submitted_at": delivery_return.submitted_at,
                    "on_behalf": delivery_return.on_behalf,
                    "kpi": line.kpi.criterion_code,
                    "kpi_title": line.kpi.title,
                    "measure_code": line.kpi.measure_code,
                    "unit": line.kpi.unit,
                    "reported_quantity": line.reported_quantity,
                    "status": LINE_STATUS_LABELS.get(line.status, line.status),
                    "decided_at": line.decided_at,
                    "query": line.query_text,
                    "answer": line.answer_text,
                    "rejection_reason": line.rejection_reason,
                }
            )
    return rows


def ocds_facts(session: Session, tender: Tender, today: dt.date | None = None) -> dict[str, Any]:
    """What the OCDS builder needs about a tender (and its contract, once awarded)."""
    contract = contract_service.contract_for_tender(session, tender.id)
    if contract is not None:  # again, with its KPIs and returns loaded
        contract = contract_service.get_contract(session, contract.id)
    view = contract_service.contract_view(contract, today) if contract is not None else None
    bids: list[Bid] = list(tender.bids)
    return {
        "tender": tender,
        "measures": criterion_measures(session, tender),
        "bids": bids,
        "award": _award(session, tender),
        "contract": contract,
        "view": view,
    }
