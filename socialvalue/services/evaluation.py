"""Evaluation: conflict-of-interest declarations, independent scores, moderation, result, award.

All arithmetic is the scoring engine's; this module only gathers rows into a tender bundle,
enforces who may record what, and writes every change to the audit log.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue import scoring
from socialvalue.models.audit import AuditEvent
from socialvalue.models.base import utcnow
from socialvalue.models.bid import Bid, BidStatus
from socialvalue.models.evaluation import AwardDecision, ConsensusScore, IndividualScore
from socialvalue.models.framework import FrameworkMeasure
from socialvalue.models.tender import Criterion, MemberRole, Tender, TenderMember, TenderStatus
from socialvalue.models.user import User
from socialvalue.services.access import Action, TenderAccess, tender_access
from socialvalue.services.audit import record_event
from socialvalue.services.bids import load_bids
from socialvalue.services.contracts import create_contract_from_award
from socialvalue.services.errors import DomainError, StaleVersion, StateConflict
from socialvalue.services.pagination import Page, paginate
from socialvalue.services.tenders import build_plan


def count_assigned_pairs(session: Session, tender: Tender, member: TenderMember) -> int:
    """How many bid x criterion pairs this evaluator must score."""
    bids = session.execute(
        sa.select(sa.func.count())
        .select_from(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
    ).scalar_one()
    return bids * len(member.criterion_ids or [])


def declare_interests(
    session: Session, actor: User, tender: Tender, *, has_conflict: bool, details: str
) -> TenderMember:
    """Record an evaluator's declaration (Procurement Act 2023 ss.81-83).

    A declared conflict removes the evaluator from the tender at once; the officer sees it on
    the tender page and must replace them if needed.
    """
    access = tender_access(session, actor, tender)
    access.require(Action.DECLARE_INTERESTS)
    member = access.member
    assert member is not None
    # The declaration has no version to check, so take the member's row lock and read it as
    # last committed: two declarations sent at once (two tabs) are then made one after the
    # other, and a "no interests" can never overwrite a conflict declared a moment before.
    session.execute(
        sa.select(TenderMember)
        .where(TenderMember.id == member.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if member.declared_at is not None and (member.has_conflict or not has_conflict):
        # A later declaration can only add an interest: s.81 asks that conflicts be kept under
        # review, so an interest found after a "no interests" declaration must be recordable.
        raise StateConflict("You have already made your declaration for this tender")
    if has_conflict and not details.strip():
        raise DomainError("Describe the interest you are declaring", "conflict_details")
    member.declared_at = utcnow()
    member.has_conflict = has_conflict
    member.conflict_details = details.strip()
    if has_conflict:
        member.removed_at = member.declared_at
        member.removed_reason = "declared a conflict of interest"
    session.flush()
    record_event(
        session,
        actor=actor,
        action="member.conflict_declared" if has_conflict else "member.no_conflict_declared",
        entity_type="tender_member",
        entity_id=member.id,
        tender_id=tender.id,
        after={
            "has_conflict": has_conflict,
            "details": member.conflict_details,
            "removed": has_conflict,
        },
        summary=(
            f"{actor.display_name} declared a conflict of interest and was removed from the tender"
            if has_conflict
            else f"{actor.display_name} declared no conflict of interest"
        ),
    )
    return member


@dataclass(frozen=True)
class WorkItem:
    bid: Bid
    criterion: Criterion
    score: IndividualScore | None

    @property
    def state(self) -> str:
        if self.score is None or self.score.score is None:
            return "not started"
        return "submitted" if self.score.submitted else "draft"


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One pair on an evaluator's dashboard: plain values, no ORM objects (the dashboard is the
    page every evaluator reloads all day; it lists every pair they score)."""

    bid_label: str
    supplier_name: str
    score: Decimal | None
    state: str


def worklist_progress(
    session: Session, tender: Tender, member: TenderMember
) -> list[tuple[Criterion, list[ProgressRow]]]:
    """The evaluator's pairs grouped by criterion (in plan order), bids in label order, with
    the state of their own score: what worklist() gives, in two light queries."""
    assigned = set(member.criterion_ids or [])
    criteria = [c for c in tender.criteria if c.id in assigned]
    bids_query, own_query = _progress_queries()
    bids = session.execute(bids_query, {"tender_id": tender.id}).all()
    own = {
        (row.bid_id, row.criterion_id): row
        for row in session.execute(
            own_query, {"tender_id": tender.id, "evaluator_id": member.user_id}
        )
    }
    groups = []
    for criterion in criteria:
        rows = []
        for bid in bids:
            mine = own.get((bid.id, criterion.id))
            score = None if mine is None else mine.score
            if score is None:
                state = "not started"
            else:
                state = "draft" if mine.submitted_at is None else "submitted"
            rows.append(ProgressRow(bid.label, bid.supplier_name, score, state))
        groups.append((criterion, rows))
    return groups


@functools.cache
def _progress_queries() -> tuple[sa.Select[Any], sa.Select[Any]]:
    # Built once: the dashboard is the page evaluators reload all day.
    bids = (
        sa.select(Bid.id, Bid.label, Bid.supplier_name)
        .where(Bid.tender_id == sa.bindparam("tender_id"), Bid.status == BidStatus.SUBMITTED)
        .order_by(sa.func.length(Bid.label), Bid.label)
    )
    own = sa.select(
        IndividualScore.bid_id,
        IndividualScore.criterion_id,
        IndividualScore.score,
        IndividualScore.submitted_at,
    ).where(
        IndividualScore.tender_id == sa.bindparam("tender_id"),
        IndividualScore.evaluator_id == sa.bindparam("evaluator_id"),
    )
    return bids, own


def worklist(
    session: Session, tender: Tender, member: TenderMember, *, with_content: bool = True
) -> list[WorkItem]:
    """Every bid x criterion pair the evaluator must score, with their own score if any.

    ``with_content=False`` leaves out the bids' answers and commitments (see load_bids), for the
    worklist page and for finding the pair a score is posted for.
    """
    bids = load_bids(session, tender, with_content=with_content)
    criteria = [c for c in tender.criteria if c.id in set(member.criterion_ids or [])]
    own = {
        (s.bid_id, s.criterion_id): s
        for s in session.execute(
            sa.select(IndividualScore).where(
                IndividualScore.tender_id == tender.id,
                IndividualScore.evaluator_id == member.user_id,
            )
        ).scalars()
    }
    return [
        WorkItem(bid, criterion, own.get((bid.id, criterion.id)))
        for criterion in criteria
        for bid in bids
    ]


def save_individual_score(
    session: Session,
    actor: User,
    tender: Tender,
    bid: Bid,
    criterion: Criterion,
    *,
    score: Decimal | None,
    rationale: str,
    submit: bool,
    expected_version: int | None = None,
    access: TenderAccess | None = None,
) -> IndividualScore:
    """Save an evaluator's own score as a draft, or submit it (then it is locked).

    ``access``: the caller's TenderAccess for this actor and tender, when it already has one
    from this transaction (the scoring page checks it first); the same checks are made on it,
    with one query fewer. Any other is ignored and the access is read afresh.
    """
    if access is None or access.user is not actor or access.tender is not tender:
        access = tender_access(session, actor, tender)
    access.require(Action.EVALUATE)
    member = access.member
    assert member is not None
    if criterion.tender_id != tender.id or not access.assigned_to(criterion.id):
        raise DomainError("You are not assigned to score this criterion")
    if bid.tender_id != tender.id or bid.status != BidStatus.SUBMITTED:
        raise DomainError("That bid is not part of this evaluation")
    row = session.execute(
        _own_score(), {"bid_id": bid.id, "criterion_id": criterion.id, "evaluator_id": actor.id}
    ).scalar_one_or_none()
    if row is not None and expected_version is not None and row.version_id != expected_version:
        raise StaleVersion("score")
    if row is not None and row.submitted:
        raise StateConflict("You have already submitted this score; it is locked")
    errors: dict[str, list[str]] = {}
    low, high = criterion.scale_min or 0, criterion.scale_max or 0
    if score is None and submit:
        errors["score"] = ["Choose a score"]
    elif score is not None and not (low <= score <= high):
        errors["score"] = [f"The score must be between {low} and {high}"]
    if submit and tender.require_rationale and not rationale.strip():
        errors["rationale"] = ["Write why you gave this score: a justification is required"]
    if errors:
        from socialvalue.services.errors import ValidationFailed

        raise ValidationFailed(errors)
    before = None if row is None else {"score": row.score, "rationale": row.rationale}
    if row is None:
        row = IndividualScore(
            tender_id=tender.id,
            bid_id=bid.id,
            criterion_id=criterion.id,
            evaluator_id=actor.id,
            evaluator_role="panel" if member.role == MemberRole.PANEL else "officer",
        )
        session.add(row)
    row.score = score
    row.rationale = rationale.strip()
    if submit:
        row.submitted_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="score.submitted" if submit else "score.draft_saved",
        entity_type="individual_score",
        entity_id=row.id,
        tender_id=tender.id,
        before=before,
        after={
            "bid": bid.label,
            "criterion": criterion.code,
            "score": row.score,
            "rationale": row.rationale,
            "submitted": submit,
        },
        summary=(
            f"{'Submitted' if submit else 'Draft'} score for bid {bid.label} on {criterion.code}"
        ),
    )
    return row


@functools.cache
def _own_score() -> sa.Select[tuple[IndividualScore]]:
    # Built once: every score saved runs it.
    return sa.select(IndividualScore).where(
        IndividualScore.bid_id == sa.bindparam("bid_id"),
        IndividualScore.criterion_id == sa.bindparam("criterion_id"),
        IndividualScore.evaluator_id == sa.bindparam("evaluator_id"),
    )


def record_consensus(
    session: Session,
    actor: User,
    tender: Tender,
    bid: Bid,
    criterion: Criterion,
    *,
    score: Decimal,
    reason: str,
    expected_version: int | None = None,
) -> ConsensusScore:
    """Record (or revise) the moderated score for one pair, with the reason agreed."""
    tender_access(session, actor, tender).require(Action.MODERATE)
    if tender.status != TenderStatus.PUBLISHED:
        raise StateConflict("This tender has been awarded: its scores are final")
    if criterion.kind != "qualitative":
        raise DomainError("Only scored (qualitative) criteria are moderated")
    errors: dict[str, list[str]] = {}
    low, high = criterion.scale_min or 0, criterion.scale_max or 0
    if not (low <= score <= high):
        errors["score"] = [f"The consensus score must be between {low} and {high}"]
    if not reason.strip():
        errors["reason"] = ["Record the reason for the consensus score"]
    if errors:
        from socialvalue.services.errors import ValidationFailed

        raise ValidationFailed(errors)
    pending = _evaluators_yet_to_submit(session, tender, bid, criterion)
    if pending:
        raise StateConflict(
            "Every evaluator must submit a score for this bid and criterion before moderation: "
            "waiting for " + ", ".join(pending)
        )
    row = session.execute(
        sa.select(ConsensusScore).where(
            ConsensusScore.bid_id == bid.id, ConsensusScore.criterion_id == criterion.id
        )
    ).scalar_one_or_none()
    if row is not None and expected_version is not None and row.version_id != expected_version:
        raise StaleVersion("consensus score")
    before = None if row is None else {"score": row.score, "reason": row.reason}
    if row is None:
        row = ConsensusScore(
            tender_id=tender.id,
            bid_id=bid.id,
            criterion_id=criterion.id,
            score=score,
            reason="",
            recorded_by_id=actor.id,
        )
        session.add(row)
    row.score = score
    row.reason = reason.strip()
    row.recorded_by_id = actor.id
    session.flush()
    record_event(
        session,
        actor=actor,
        action="consensus.recorded" if before is None else "consensus.changed",
        entity_type="consensus_score",
        entity_id=row.id,
        tender_id=tender.id,
        before=before,
        after={
            "bid": bid.label,
            "criterion": criterion.code,
            "score": row.score,
            "reason": row.reason,
        },
        summary=f"Consensus score for bid {bid.label} on {criterion.code}",
    )
    return row


def _evaluators_yet_to_submit(
    session: Session, tender: Tender, bid: Bid, criterion: Criterion
) -> list[str]:
    members = (
        session.execute(
            sa.select(TenderMember)
            .where(
                TenderMember.tender_id == tender.id,
                TenderMember.removed_at.is_(None),
                TenderMember.role.in_((MemberRole.EVALUATOR, MemberRole.PANEL)),
            )
            .options(selectinload(TenderMember.user))
        )
        .scalars()
        .all()
    )
    submitted = set(
        session.execute(
            sa.select(IndividualScore.evaluator_id).where(
                IndividualScore.bid_id == bid.id,
                IndividualScore.criterion_id == criterion.id,
                IndividualScore.submitted_at.is_not(None),
            )
        ).scalars()
    )
    return sorted(
        m.user.display_name
        for m in members
        if criterion.id in (m.criterion_ids or []) and m.user_id not in submitted
    )


def build_bundle(session: Session, tender: Tender) -> scoring.TenderBundle:
    """Everything the engine needs, from the database, in a fixed number of queries."""
    bids = load_bids(session, tender)
    criteria_by_id = {c.id: c for c in tender.criteria}
    gates_by_id = {g.id: g for g in tender.gates}
    bids_by_id = {b.id: b for b in bids}
    engine_bids = tuple(
        scoring.Bid(
            id=b.label,
            label=b.label,
            supplier=b.supplier_name,
            price=b.price or Decimal(0),
            commitments=tuple(
                (criteria_by_id[c.criterion_id].code, c.quantity)
                for c in sorted(
                    b.commitments, key=lambda c: criteria_by_id[c.criterion_id].position
                )
            ),
            gate_answers=tuple(
                (gates_by_id[a.gate_id].code, a.passed)
                for a in sorted(b.gate_answers, key=lambda a: gates_by_id[a.gate_id].position)
            ),
        )
        for b in bids
    )
    scores = (
        session.execute(
            sa.select(IndividualScore)
            .where(
                IndividualScore.tender_id == tender.id, IndividualScore.submitted_at.is_not(None)
            )
            # A member removed from the tender (e.g. a conflict found after scoring) no longer
            # counts: their scores stay in the audit log but not in the evaluation.
            .where(
                ~sa.exists().where(
                    TenderMember.tender_id == tender.id,
                    TenderMember.user_id == IndividualScore.evaluator_id,
                    TenderMember.removed_at.is_not(None),
                )
            )
            .options(selectinload(IndividualScore.evaluator))
            .order_by(IndividualScore.id)
        )
        .scalars()
        .all()
    )
    individual = tuple(
        scoring.IndividualScore(
            bid_id=bids_by_id[s.bid_id].label,
            criterion_id=criteria_by_id[s.criterion_id].code,
            evaluator_id=s.evaluator.email,
            evaluator_role=s.evaluator_role,
            score=s.score if s.score is not None else Decimal(0),
            rationale=s.rationale,
        )
        for s in scores
        if s.bid_id in bids_by_id and s.criterion_id in criteria_by_id
    )
    consensus_rows = (
        session.execute(
            sa.select(ConsensusScore)
            .where(ConsensusScore.tender_id == tender.id)
            .options(selectinload(ConsensusScore.recorded_by))
            .order_by(ConsensusScore.id)
        )
        .scalars()
        .all()
    )
    consensus = tuple(
        scoring.ConsensusScore(
            bid_id=bids_by_id[c.bid_id].label,
            criterion_id=criteria_by_id[c.criterion_id].code,
            score=c.score,
            reason=c.reason,
            recorded_by=c.recorded_by.email,
        )
        for c in consensus_rows
        if c.bid_id in bids_by_id and c.criterion_id in criteria_by_id
    )
    return scoring.TenderBundle(
        plan=build_plan(tender), bids=engine_bids, individual_scores=individual, consensus=consensus
    )


def evaluate_tender(session: Session, tender: Tender) -> scoring.EvaluationResult:
    """Run the engine on the tender as it stands (the result may be incomplete)."""
    if tender.status == TenderStatus.AWARDED:
        award = session.execute(
            sa.select(AwardDecision).where(AwardDecision.tender_id == tender.id)
        ).scalar_one()
        # The award rests on the result it was made with; re-running gives the same bytes.
        return scoring.score_tender(scoring.load_bundle(award.result["bundle"]))
    return scoring.score_tender(build_bundle(session, tender))


def award_tender(
    session: Session,
    actor: User,
    tender: Tender,
    *,
    rationale: str,
    expected_version: int | None = None,
) -> AwardDecision:
    """Award to the engine's top-ranked bid once the result is final."""
    tender_access(session, actor, tender).require(Action.AWARD)
    if expected_version is not None and tender.version_id != expected_version:
        raise StaleVersion("tender")
    if not rationale.strip():
        raise DomainError("Record the reasons for the award decision", "rationale")
    bundle = build_bundle(session, tender)
    result = scoring.score_tender(bundle)
    if result.status != "final":
        raise StateConflict(
            "The evaluation is not complete: "
            + "; ".join(f"bid {m.bid_id}, {m.criterion_id}: {m.reason}" for m in result.missing)
        )
    if not result.ranking:
        raise StateConflict("No compliant bid can be awarded the contract")
    if result.winner_id is None:
        tied = [r.label for r in result.ranking if r.rank == result.ranking[0].rank]
        raise StateConflict(
            "Bids " + " and ".join(tied) + " are tied for first place and the tie-break rules "
            "published in the plan cannot separate them, so the engine names no winner"
        )
    winner_label = result.winner_id
    winner = session.execute(
        sa.select(Bid).where(Bid.tender_id == tender.id, Bid.label == winner_label)
    ).scalar_one()
    result_json = scoring.result_to_json(result)
    decision = AwardDecision(
        tender_id=tender.id,
        bid_id=winner.id,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        rationale=rationale.strip(),
        result={"bundle": scoring.bundle_to_dict(bundle), "result": json.loads(result_json)},
        result_hash="sha256:" + hashlib.sha256(result_json.encode()).hexdigest(),
    )
    session.add(decision)
    tender.status = TenderStatus.AWARDED
    session.flush()
    record_event(
        session,
        actor=actor,
        action="tender.awarded",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        before={"status": TenderStatus.PUBLISHED},
        after={
            "status": TenderStatus.AWARDED,
            "winning_bid": winner_label,
            "supplier": winner.supplier_name,
            "result_hash": decision.result_hash,
            "rationale": decision.rationale,
        },
        summary=f"Contract awarded to bid {winner_label} ({winner.supplier_name})",
    )
    # The award creates the contract whose social value commitments are then tracked.
    create_contract_from_award(session, actor, tender, decision)
    return decision


def progress(session: Session, tender: Tender) -> list[dict[str, Any]]:
    """Who has scored what: per evaluator, assigned pairs, drafts and submitted."""
    members = (
        session.execute(
            sa.select(TenderMember)
            .where(
                TenderMember.tender_id == tender.id,
                TenderMember.role.in_((MemberRole.EVALUATOR, MemberRole.PANEL)),
            )
            .options(selectinload(TenderMember.user))
            .order_by(TenderMember.id)
        )
        .scalars()
        .all()
    )
    counts = {
        (evaluator_id, submitted): n
        for evaluator_id, submitted, n in session.execute(
            sa.select(
                IndividualScore.evaluator_id,
                IndividualScore.submitted_at.is_not(None),
                sa.func.count(),
            )
            .where(IndividualScore.tender_id == tender.id)
            .group_by(IndividualScore.evaluator_id, IndividualScore.submitted_at.is_not(None))
        )
    }
    bid_count = session.execute(
        sa.select(sa.func.count())
        .select_from(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
    ).scalar_one()
    return [
        {
            "member": m,
            "assigned": bid_count * len(m.criterion_ids or []),
            "submitted": counts.get((m.user_id, True), 0),
            "drafts": counts.get((m.user_id, False), 0),
        }
        for m in members
    ]


def members_with_conflicts(session: Session, tender: Tender) -> Sequence[TenderMember]:
    return (
        session.execute(
            sa.select(TenderMember)
            .where(TenderMember.tender_id == tender.id, TenderMember.has_conflict.is_(True))
            .options(selectinload(TenderMember.user))
        )
        .scalars()
        .all()
    )


def award_decision(session: Session, tender: Tender) -> AwardDecision | None:
    """The recorded award decision, with who made it, or None before the award."""
    return session.execute(
        sa.select(AwardDecision)
        .where(AwardDecision.tender_id == tender.id)
        .options(selectinload(AwardDecision.decided_by), selectinload(AwardDecision.bid))
    ).scalar_one_or_none()


def own_score(
    session: Session, actor: User, bid: Bid, criterion: Criterion
) -> IndividualScore | None:
    """``actor``'s own score for one pair, if they have saved one (for its version and state)."""
    return session.execute(
        sa.select(IndividualScore).where(
            IndividualScore.bid_id == bid.id,
            IndividualScore.criterion_id == criterion.id,
            IndividualScore.evaluator_id == actor.id,
        )
    ).scalar_one_or_none()


def consensus_for(session: Session, bid: Bid, criterion: Criterion) -> ConsensusScore | None:
    """The consensus row of one pair (for its version and who recorded it)."""
    return session.execute(
        sa.select(ConsensusScore)
        .where(ConsensusScore.bid_id == bid.id, ConsensusScore.criterion_id == criterion.id)
        .options(selectinload(ConsensusScore.recorded_by))
    ).scalar_one_or_none()


def evaluator_names(session: Session, tender: Tender) -> dict[str, str]:
    """Display names of everyone who scored or moderated this tender, keyed by the email the
    scoring engine identifies them by (one query)."""
    scorers = sa.select(IndividualScore.evaluator_id).where(IndividualScore.tender_id == tender.id)
    moderators = sa.select(ConsensusScore.recorded_by_id).where(
        ConsensusScore.tender_id == tender.id
    )
    members = sa.select(TenderMember.user_id).where(TenderMember.tender_id == tender.id)
    rows = session.execute(
        sa.select(User.email, User.display_name).where(
            sa.or_(User.id.in_(scorers), User.id.in_(moderators), User.id.in_(members))
        )
    )
    return {email: name for email, name in rows}


def criterion_measures(session: Session, tender: Tender) -> dict[int, FrameworkMeasure]:
    """The framework measures behind the tender's criteria, by measure id (one query)."""
    ids = {c.measure_id for c in tender.criteria if c.measure_id is not None}
    if not ids:
        return {}
    rows = session.execute(sa.select(FrameworkMeasure).where(FrameworkMeasure.id.in_(ids)))
    return {m.id: m for m in rows.scalars()}


def tender_history(
    session: Session, tender: Tender, page: int = 1, per_page: int = 50
) -> Page[AuditEvent]:
    """The tender's audit trail, newest first, a page at a time (two queries; read in order
    from the (tender_id, sequence) index). Raises InvalidPage past the last page."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.tender_id == tender.id)
        .order_by(AuditEvent.sequence.desc())
    )
    return paginate(session, query, page, per_page)


@dataclass(frozen=True)
class SummaryLine:
    """One row of an assessment summary: a criterion (or price), the bid's score and reason,
    and the winning bid's score and reason."""

    criterion_id: str
    title: str
    group: str
    kind: str
    available: Fraction
    unit: str | None
    bid: scoring.CriterionScore | None
    bid_reason: str
    winner: scoring.CriterionScore | None
    winner_reason: str


@dataclass(frozen=True)
class AssessmentSummary:
    """A Procurement Act 2023 s.50-style assessment summary for one bidder, from the engine's
    result: every figure is the engine's; nothing is recomputed here."""

    bid: scoring.BidResult
    winner: scoring.BidResult | None
    lines: tuple[SummaryLine, ...]
    final: bool

    @property
    def is_winner(self) -> bool:
        return self.winner is not None and self.winner.bid_id == self.bid.bid_id


def assessment_summary(
    result: scoring.EvaluationResult, tender: Tender, bid_label: str
) -> AssessmentSummary | None:
    """The summary for the bid labelled ``bid_label``, or None when there is no such bid."""
    try:
        bid = result.bid(bid_label)
    except KeyError:
        return None
    winner = result.bid(result.winner_id) if result.winner_id is not None else None
    moderation = {(d.bid_id, d.criterion_id): d for d in result.moderation}

    def scored(item: scoring.BidResult | None, criterion_id: str) -> scoring.CriterionScore | None:
        if item is None:
            return None
        return next((s for s in item.scores if s.criterion_id == criterion_id), None)

    def reason(item: scoring.BidResult | None, score: scoring.CriterionScore | None) -> str:
        if item is None or score is None:
            return ""
        detail = moderation.get((item.bid_id, score.criterion_id))
        if detail is not None and detail.consensus is not None:
            return detail.consensus.reason
        return score.explanation

    lines = [
        SummaryLine(
            criterion_id="price",
            title="Price",
            group="price",
            kind="price",
            available=Fraction(tender.weight_price),
            unit=None,
            bid=scored(bid, "price"),
            bid_reason=reason(bid, scored(bid, "price")),
            winner=scored(winner, "price"),
            winner_reason=reason(winner, scored(winner, "price")),
        )
    ]
    for criterion in tender.criteria:
        mine, theirs = scored(bid, criterion.code), scored(winner, criterion.code)
        lines.append(
            SummaryLine(
                criterion_id=criterion.code,
                title=criterion.title,
                group=criterion.group,
                kind=criterion.kind,
                available=Fraction(criterion.weight),
                unit=criterion.unit,
                bid=mine,
                bid_reason=reason(bid, mine),
                winner=theirs,
                winner_reason=reason(winner, theirs),
            )
        )
    return AssessmentSummary(
        bid=bid, winner=winner, lines=tuple(lines), final=result.status == "final"
    )
