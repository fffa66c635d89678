"""Setting up a tender: details, pinned framework version, criteria, gates, rules, people.

The evaluation plan is validated by the scoring engine itself (one set of rules), and is locked
once published: after that, no change to weights, criteria, gates or rules is accepted.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from socialvalue import scoring
from socialvalue.models.audit import AuditEvent
from socialvalue.models.base import utcnow
from socialvalue.models.bid import Bid, BidStatus
from socialvalue.models.evaluation import IndividualScore
from socialvalue.models.framework import FrameworkMeasure, FrameworkVersion
from socialvalue.models.tender import (
    Criterion,
    Gate,
    MemberRole,
    Tender,
    TenderMember,
    TenderStatus,
)
from socialvalue.models.user import Role, User
from socialvalue.services.audit import record_event
from socialvalue.services.errors import DomainError, StaleVersion, StateConflict, ValidationFailed
from socialvalue.services.pagination import Page, paginate
from socialvalue.uk_time import format_moment

# Common UK practice for 0-5 scales (secondary sources: see frameworks.md); buyers may edit.
DEFAULT_0_TO_5_DESCRIPTORS = (
    (0, "Unacceptable", "No response, or the response does not address the question."),
    (1, "Poor", "Major concerns: the response addresses the question only in part."),
    (2, "Acceptable", "Meets the minimum requirement with some weaknesses."),
    (3, "Good", "A good response that meets the requirement with few weaknesses."),
    (4, "Excellent", "Exceeds the requirement, with clear evidence."),
    (5, "Exceptional", "Exceeds the requirement in every respect, with compelling evidence."),
)

# The groups criteria belong to (price is scored from the bid price, not from criteria).
SCORE_GROUPS = tuple(group for group in scoring.GROUPS if group != "price")

TENDER_DETAIL_FIELDS = (
    "reference",
    "title",
    "buyer",
    "description",
    "estimated_value",
    "contract_start",
    "contract_end",
    "bid_deadline",
)
PLAN_RULE_FIELDS = (
    "weight_price",
    "weight_quality",
    "weight_social_value",
    "price_method",
    "quantitative_method",
    "moderation_mode",
    "flag_range_percent",
    "panel_share_percent",
    "tie_break",
    "require_rationale",
    "anonymise_for_panel",
)


def _check_version(record: Any, expected_version: int | None, what: str) -> None:
    if expected_version is not None and record.version_id != expected_version:
        raise StaleVersion(what)


def _plan_changed(tender: Tender) -> None:
    """A criterion or gate was added, changed or removed: the tender itself is updated too, so
    its version (the API's ETag, the forms' version field) moves on, and two people changing
    the plan at the same moment meet at the tender's versioned UPDATE instead of both winning."""
    tender.updated_at = utcnow()


def _require_unlocked(tender: Tender) -> None:
    _require_not_cancelled(tender)
    if tender.plan_locked:
        published = tender.plan_published_at
        when = f" on {format_moment(published)}" if published else ""
        raise StateConflict(
            f"The evaluation plan was published{when} and is locked. It cannot be changed: "
            "changing weights, criteria or rules after bids are in would change the rules of "
            "the competition. Cancel the tender and run a new one if the plan must change."
        )


def _require_not_cancelled(tender: Tender) -> None:
    if tender.status == TenderStatus.CANCELLED:
        raise StateConflict("This tender was cancelled and can no longer be changed")


def snapshot_tender(tender: Tender) -> dict[str, Any]:
    return {
        name: getattr(tender, name) for name in (*TENDER_DETAIL_FIELDS, *PLAN_RULE_FIELDS, "status")
    }


def snapshot_criterion(criterion: Criterion) -> dict[str, Any]:
    return {
        name: getattr(criterion, name)
        for name in (
            "code",
            "title",
            "question",
            "group",
            "kind",
            "weight",
            "scale_min",
            "scale_max",
            "measure_code",
            "unit",
            "proxy_value_gbp",
            "minimum_score",
            "target",
            "quantitative_method",
        )
    }


# Primary keys are 32-bit integers on PostgreSQL: a larger id in a URL or form cannot exist, and
# asking the database about it would fail with "integer out of range" instead of "not found".
MAX_ID = 2**31 - 1


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def get_tender(session: Session, tender_id: int) -> Tender | None:
    if not valid_id(tender_id):
        return None
    return session.execute(_tender_by_id(), {"id": tender_id}).unique().scalar_one_or_none()


@functools.cache
def _tender_by_id() -> sa.Select[tuple[Tender]]:
    # Built once (every tender page runs it). Criteria are on nearly every tender page, so they
    # come in the same round trip (a join); gates are on few (they load when first touched).
    return (
        sa.select(Tender)
        .where(Tender.id == sa.bindparam("id"))
        .options(joinedload(Tender.criteria))
    )


#: The filters of the tenders list: stored statuses, with a published tender "open" until its
#: bid deadline and "evaluating" after it.
TENDER_LIST_FILTERS = ("draft", "open", "evaluating", "awarded", "cancelled")


def tenders_query(
    user: User, status: str | None = None, now: dt.datetime | None = None
) -> sa.Select[tuple[Tender]]:
    """Tenders this user may see, newest first: all for officers and auditors, their own for
    everyone else; ``status`` is one of TENDER_LIST_FILTERS (None: every tender)."""
    query = sa.select(Tender).order_by(Tender.created_at.desc(), Tender.id.desc())
    if not user.has_role(Role.ADMIN, Role.OFFICER, Role.AUDITOR):
        query = query.join(TenderMember, TenderMember.tender_id == Tender.id).where(
            TenderMember.user_id == user.id, TenderMember.removed_at.is_(None)
        )
    if status in ("open", "evaluating"):
        now = now or utcnow()
        query = query.where(
            Tender.status == TenderStatus.PUBLISHED,
            Tender.bid_deadline > now if status == "open" else Tender.bid_deadline <= now,
        )
    elif status is not None:
        if status not in TENDER_LIST_FILTERS:
            raise ValueError(f"unknown tender filter {status!r}")
        query = query.where(Tender.status == status)
    return query


def tenders_page(
    session: Session, user: User, page: int, per_page: int, status: str | None = None
) -> Page[Tender]:
    """One page of ``tenders_query`` (two statements; InvalidPage past the last page)."""
    return paginate(session, tenders_query(user, status), page, per_page)


def published_framework_versions(session: Session) -> Sequence[FrameworkVersion]:
    return (
        session.execute(
            sa.select(FrameworkVersion)
            .where(FrameworkVersion.status == "published")
            .order_by(FrameworkVersion.framework_id, FrameworkVersion.version)
        )
        .scalars()
        .all()
    )


def create_tender(session: Session, actor: User, data: Mapping[str, Any]) -> Tender:
    """Create a draft tender pinned to one published framework version (id + version + hash)."""
    version_id = data["framework_version_id"]
    version = session.get(FrameworkVersion, version_id) if valid_id(version_id) else None
    if version is None or version.status != "published":
        raise DomainError(
            "Choose a published framework version: drafts and retired versions cannot be used "
            "for a new tender",
            "framework_version_id",
        )
    _check_reference_free(session, data["reference"])
    tender = Tender(
        framework_version_id=version.id,
        framework_id=version.framework_id,
        framework_version_label=version.version,
        framework_hash=version.content_hash,
        created_by_id=actor.id,
        status=TenderStatus.DRAFT,
        tie_break=["highest_social_value", "lowest_price"],
    )
    for name in TENDER_DETAIL_FIELDS:
        setattr(tender, name, data[name])
    _check_dates(tender)
    _check_deadline_in_future(tender.bid_deadline)
    session.add(tender)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="tender.created",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        after=snapshot_tender(tender)
        | {"framework": tender.framework_key, "framework_hash": tender.framework_hash},
        summary=f"Tender {tender.reference} created under {tender.framework_key}",
    )
    return tender


def _check_reference_free(session: Session, reference: str, tender_id: int | None = None) -> None:
    query = sa.select(Tender.id).where(Tender.reference == reference)
    if tender_id is not None:
        query = query.where(Tender.id != tender_id)
    if session.execute(query).first():
        raise DomainError(f"A tender with the reference {reference} already exists", "reference")


def _check_dates(tender: Tender) -> None:
    if tender.contract_end <= tender.contract_start:
        raise DomainError("The contract end date must be after its start date", "contract_end")


def _check_deadline_in_future(deadline: dt.datetime) -> None:
    if deadline <= utcnow():
        raise DomainError("The bid deadline must be in the future", "bid_deadline")


def update_tender_details(
    session: Session,
    actor: User,
    tender: Tender,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Tender:
    """Change reference, title, buyer, value, term or deadline (not allowed once awarded)."""
    _check_version(tender, expected_version, "tender")
    if tender.status in (TenderStatus.AWARDED, TenderStatus.CANCELLED):
        raise StateConflict("This tender is closed and can no longer be changed")
    if tender.plan_locked and data["bid_deadline"] != tender.bid_deadline:
        raise StateConflict(
            "The bid deadline is part of the published plan and cannot be moved", "bid_deadline"
        )
    _check_reference_free(session, data["reference"], tender.id)
    if data["bid_deadline"] != tender.bid_deadline:
        _check_deadline_in_future(data["bid_deadline"])
    before = snapshot_tender(tender)
    for name in TENDER_DETAIL_FIELDS:
        setattr(tender, name, data[name])
    _check_dates(tender)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="tender.details_changed",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        before=before,
        after=snapshot_tender(tender),
        summary="Tender details changed",
    )
    return tender


def update_plan_rules(
    session: Session,
    actor: User,
    tender: Tender,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Tender:
    """Set group weights, methods, moderation rule, panel share and tie-break order."""
    _check_version(tender, expected_version, "tender")
    _require_unlocked(tender)
    total = data["weight_price"] + data["weight_quality"] + data["weight_social_value"]
    if total != 100:
        raise DomainError(
            f"The price, quality and social value weights must add up to 100; they add up to "
            f"{total.normalize():f}",
            "weight_price",
        )
    tie_break = list(data["tie_break"])
    if len(set(tie_break)) != len(tie_break):
        raise DomainError("Each tie-break rule can be used once", "tie_break")
    before = snapshot_tender(tender)
    for name in PLAN_RULE_FIELDS:
        setattr(tender, name, data[name])
    session.flush()
    record_event(
        session,
        actor=actor,
        action="plan.rules_changed",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        before=before,
        after=snapshot_tender(tender),
        summary="Evaluation rules changed",
    )
    return tender


def _next_code(tender: Tender, prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def pinned_measures(
    session: Session, tender: Tender, search: str = ""
) -> Sequence[FrameworkMeasure]:
    """Measures of the tender's pinned framework version, optionally filtered by words."""
    query = sa.select(FrameworkMeasure).where(
        FrameworkMeasure.framework_version_id == tender.framework_version_id
    )
    for word in search.split():
        pattern = f"%{word.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(FrameworkMeasure.title).like(pattern),
                sa.func.lower(FrameworkMeasure.description).like(pattern),
                sa.func.lower(FrameworkMeasure.code).like(pattern),
                sa.func.lower(sa.func.coalesce(FrameworkMeasure.unit, "")).like(pattern),
            )
        )
    return session.execute(query.order_by(FrameworkMeasure.position)).scalars().all()


def add_measure_criterion(
    session: Session, actor: User, tender: Tender, data: Mapping[str, Any]
) -> Criterion | Gate:
    """Add a criterion (or, for a pass/fail measure, a gate) from the pinned framework version."""
    _require_unlocked(tender)
    measure_id = data["measure_id"]
    measure = session.get(FrameworkMeasure, measure_id) if valid_id(measure_id) else None
    if measure is None or measure.framework_version_id != tender.framework_version_id:
        raise DomainError(
            f"Choose a measure from {tender.framework_key}, the framework version this tender "
            "is pinned to",
            "measure_id",
        )
    if measure.kind == "pass_fail":
        return add_gate(
            session,
            actor,
            tender,
            {
                "title": measure.title,
                "evidence_expected": measure.evidence_expected or "",
                "measure": measure,
            },
        )
    used = {c.measure_id for c in tender.criteria}
    if measure.id in used:
        raise DomainError(f"{measure.title} is already a criterion of this tender", "measure_id")
    if data.get("weight") is None:
        raise DomainError(f"Enter the weight for {measure.title}", "weight")
    group = data.get("group") or "social_value"
    if group not in SCORE_GROUPS:
        raise DomainError("Choose quality or social value", "group")
    quantitative = measure.kind == "quantitative"
    prefix = "SV" if group == "social_value" else "Q"
    criterion = Criterion(
        tender=tender,
        code=_next_code(tender, prefix, {c.code for c in tender.criteria}),
        title=measure.title,
        question=data.get("question") or measure.description,
        group=group,
        kind="quantitative" if measure.kind == "quantitative" else "qualitative",
        weight=data["weight"],
        measure_id=measure.id,
        measure_code=measure.code,
        unit=measure.unit,
        proxy_value_gbp=measure.proxy_value_gbp,
        minimum_score=data.get("minimum_score"),
        # A target and a method only apply to commitments; evaluators score the rest.
        target=data.get("target") if quantitative else None,
        quantitative_method=(data.get("quantitative_method") or None) if quantitative else None,
        position=len(tender.criteria),
    )
    if measure.kind == "qualitative":
        scale = measure.scale or {}
        criterion.scale_min = int(scale.get("minimum", 0))
        criterion.scale_max = int(scale.get("maximum", 5))
        criterion.descriptors = list(scale.get("descriptors", []))
    session.add(criterion)
    _plan_changed(tender)
    session.flush()
    _audit_criterion(session, actor, tender, criterion, "criterion.added", None)
    return criterion


def add_question_criterion(
    session: Session, actor: User, tender: Tender, data: Mapping[str, Any]
) -> Criterion:
    """Add a tender-specific question scored on a 0..N scale."""
    _require_unlocked(tender)
    group = data["group"]
    prefix = "SV" if group == "social_value" else "Q"
    code = data.get("code") or _next_code(tender, prefix, {c.code for c in tender.criteria})
    if code in {c.code for c in tender.criteria}:
        raise DomainError(f"The code {code} is already used in this tender", "code")
    scale_max = int(data["scale_max"])
    descriptors = (
        [
            {"value": v, "label": label, "description": text}
            for v, label, text in DEFAULT_0_TO_5_DESCRIPTORS
        ]
        if scale_max == 5
        else []
    )
    criterion = Criterion(
        tender=tender,
        code=code,
        title=data["title"],
        question=data.get("question", ""),
        group=group,
        kind="qualitative",
        weight=data["weight"],
        scale_min=0,
        scale_max=scale_max,
        descriptors=descriptors,
        minimum_score=data.get("minimum_score"),
        position=len(tender.criteria),
    )
    session.add(criterion)
    _plan_changed(tender)
    session.flush()
    _audit_criterion(session, actor, tender, criterion, "criterion.added", None)
    return criterion


def update_criterion(
    session: Session, actor: User, tender: Tender, criterion: Criterion, data: Mapping[str, Any]
) -> Criterion:
    """Change a criterion's weight, threshold, target or method while the plan is a draft."""
    _require_unlocked(tender)
    if criterion.tender_id != tender.id:
        raise DomainError("That criterion is not part of this tender")
    before = snapshot_criterion(criterion)
    names = ["title", "question", "weight", "minimum_score"]
    if criterion.kind == "quantitative":
        # A target and a method only apply to commitments; evaluators score the rest.
        names += ["target", "quantitative_method"]
    for name in names:
        if name in data:
            setattr(criterion, name, data[name])
    if criterion.kind == "quantitative" and not criterion.quantitative_method:
        criterion.quantitative_method = None
    _plan_changed(tender)
    session.flush()
    _audit_criterion(session, actor, tender, criterion, "criterion.changed", before)
    return criterion


def remove_criterion(session: Session, actor: User, tender: Tender, criterion: Criterion) -> None:
    _require_unlocked(tender)
    if criterion.tender_id != tender.id:
        raise DomainError("That criterion is not part of this tender")
    before = snapshot_criterion(criterion)
    # Nobody can be left assigned to score a criterion that no longer exists: a stale id would
    # count as work they can never finish.
    for member in tender.members:
        if criterion.id in (member.criterion_ids or []):
            member.criterion_ids = [i for i in member.criterion_ids if i != criterion.id]
    tender.criteria.remove(criterion)
    _plan_changed(tender)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="criterion.removed",
        entity_type="criterion",
        entity_id=before["code"],
        tender_id=tender.id,
        before=before,
        summary=f"Criterion {before['code']} removed",
    )


def _audit_criterion(
    session: Session,
    actor: User,
    tender: Tender,
    criterion: Criterion,
    action: str,
    before: dict[str, Any] | None,
) -> None:
    record_event(
        session,
        actor=actor,
        action=action,
        entity_type="criterion",
        entity_id=criterion.code,
        tender_id=tender.id,
        before=before,
        after=snapshot_criterion(criterion),
        summary=f"Criterion {criterion.code} ({criterion.title})"
        + (" added" if before is None else " changed"),
    )


def add_gate(session: Session, actor: User, tender: Tender, data: Mapping[str, Any]) -> Gate:
    """Add a pass/fail gate (failing it disqualifies the bid)."""
    _require_unlocked(tender)
    measure: FrameworkMeasure | None = data.get("measure")
    if measure is not None and any(g.measure_id == measure.id for g in tender.gates):
        raise DomainError(f"{measure.title} is already a pass/fail gate", "measure_id")
    gate = Gate(
        tender=tender,
        code=_next_code(tender, "G", {g.code for g in tender.gates}),
        title=data["title"],
        evidence_expected=data.get("evidence_expected", ""),
        measure_id=measure.id if measure else None,
        measure_code=measure.code if measure else None,
        position=len(tender.gates),
    )
    session.add(gate)
    _plan_changed(tender)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="gate.added",
        entity_type="gate",
        entity_id=gate.code,
        tender_id=tender.id,
        after={"code": gate.code, "title": gate.title, "measure_code": gate.measure_code},
        summary=f"Pass/fail gate {gate.code} ({gate.title}) added",
    )
    return gate


def remove_gate(session: Session, actor: User, tender: Tender, gate: Gate) -> None:
    _require_unlocked(tender)
    if gate.tender_id != tender.id:
        raise DomainError("That gate is not part of this tender")
    before = {"code": gate.code, "title": gate.title, "measure_code": gate.measure_code}
    tender.gates.remove(gate)
    _plan_changed(tender)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="gate.removed",
        entity_type="gate",
        entity_id=before["code"],
        tender_id=tender.id,
        before=before,
        summary=f"Pass/fail gate {before['code']} removed",
    )


def build_plan(tender: Tender) -> scoring.EvaluationPlan:
    """The tender's evaluation plan in the scoring engine's terms."""

    def measure_ref(code: str | None) -> scoring.MeasureRef | None:
        if code is None:
            return None
        return scoring.MeasureRef(
            framework_id=tender.framework_id,
            framework_version=tender.framework_version_label,
            framework_hash=tender.framework_hash,
            measure_code=code,
        )

    criteria = []
    for c in tender.criteria:
        scale = None
        if c.kind == "qualitative" and c.scale_max is not None:
            scale = scoring.Scale(
                minimum=c.scale_min or 0,
                maximum=c.scale_max,
                descriptors=tuple(
                    scoring.ScaleDescriptor(
                        int(d["value"]), str(d["label"]), str(d.get("description", ""))
                    )
                    for d in c.descriptors
                ),
            )
        criteria.append(
            scoring.Criterion(
                id=c.code,
                title=c.title,
                group=c.group,
                kind=c.kind,
                weight=c.weight,
                scale=scale,
                measure=measure_ref(c.measure_code),
                unit=c.unit,
                proxy_value_gbp=c.proxy_value_gbp,
                minimum_score=c.minimum_score,
                target=c.target,
                quantitative_method=c.quantitative_method,
            )
        )
    gates = [
        scoring.Gate(
            id=g.code,
            title=g.title,
            measure=measure_ref(g.measure_code),
            evidence_expected=g.evidence_expected,
        )
        for g in tender.gates
    ]
    panel_share = None
    if tender.panel_share_percent is not None and tender.panel_share_percent > 0:
        panel_share = scoring.PanelShare(share=Fraction(tender.panel_share_percent) / 100)
    return scoring.EvaluationPlan(
        tender_id=tender.reference,
        title=tender.title,
        group_weights=scoring.GroupWeights(
            price=tender.weight_price,
            quality=tender.weight_quality,
            social_value=tender.weight_social_value,
        ),
        criteria=tuple(criteria),
        gates=tuple(gates),
        price_method=tender.price_method,
        quantitative_method=tender.quantitative_method,
        moderation=scoring.ModerationRule(
            mode=tender.moderation_mode,
            flag_range_fraction=Fraction(tender.flag_range_percent) / 100,
        ),
        panel_share=panel_share,
        tie_break=tuple(tender.tie_break or ()),
        require_rationale=tender.require_rationale,
    )


def plan_problems(tender: Tender) -> list[str]:
    """Every reason the plan cannot be published yet, in plain English (from the engine)."""
    # The plan is checked before any bid exists, so the engine's "no bids" problem is not one.
    problems = [
        problem.message
        for problem in scoring.validate_bundle(
            scoring.TenderBundle(plan=build_plan(tender), bids=())
        )
        if problem.path != "bids"
    ]
    if tender.bid_deadline <= utcnow():
        problems.append("The bid deadline must be in the future when the plan is published")
    return problems


def plan_warnings(tender: Tender) -> list[str]:
    """The engine's warnings about the plan itself (e.g. social value below the 10% minimum)."""
    return list(scoring.plan_warnings(build_plan(tender)))


def publish_plan(
    session: Session, actor: User, tender: Tender, expected_version: int | None = None
) -> Tender:
    """Lock the evaluation plan so that bids can be received against fixed rules."""
    _check_version(tender, expected_version, "tender")
    _require_unlocked(tender)
    problems = plan_problems(tender)
    if problems:
        raise ValidationFailed({"_form": problems})
    tender.status = TenderStatus.PUBLISHED
    tender.plan_published_at = utcnow()
    tender.plan_published_by_id = actor.id
    session.flush()
    record_event(
        session,
        actor=actor,
        action="plan.published",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        after={
            "plan": plan_snapshot(tender),
            "framework": tender.framework_key,
            "framework_hash": tender.framework_hash,
        },
        summary="Evaluation plan published and locked",
    )
    return tender


def plan_snapshot(tender: Tender) -> dict[str, Any]:
    return scoring.bundle_to_dict(scoring.TenderBundle(plan=build_plan(tender), bids=()))["plan"]


def close_bidding(session: Session, actor: User, tender: Tender) -> Tender:
    """End bidding now (for a deadline that has effectively passed); bids become immutable."""
    if tender.status != TenderStatus.PUBLISHED:
        raise StateConflict("Only a published tender that is receiving bids can be closed")
    now = utcnow()
    if tender.bid_deadline <= now:
        raise StateConflict("Bidding has already closed")
    before = {"bid_deadline": tender.bid_deadline}
    tender.bid_deadline = now
    session.flush()
    record_event(
        session,
        actor=actor,
        action="tender.bidding_closed",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        before=before,
        after={"bid_deadline": tender.bid_deadline},
        summary="Bidding closed early by an officer",
    )
    return tender


def why_not_cancellable(tender: Tender) -> str | None:
    """None if the tender can be cancelled; otherwise why not."""
    if tender.status == TenderStatus.CANCELLED:
        return "This tender has already been cancelled"
    if tender.status == TenderStatus.AWARDED:
        return (
            "This tender has been awarded, so it cannot be cancelled: its contract is managed "
            "under Contracts"
        )
    return None


def cancel_tender(
    session: Session,
    actor: User,
    tender: Tender,
    reason: str,
    expected_version: int | None = None,
) -> Tender:
    """Cancel (terminate) a procurement that has not been awarded, saying why.

    Everything already recorded (plan, bids, scores) is kept as it was, for the record; from now
    on nothing on the tender can be changed, nobody can bid or score, and its page and history
    say when, by whom and why it was cancelled.
    """
    _check_version(tender, expected_version, "tender")
    refusal = why_not_cancellable(tender)
    if refusal is not None:
        raise StateConflict(refusal)
    reason = reason.strip()
    if not reason:
        raise DomainError("Enter why the tender is being cancelled", "reason")
    before = {"status": tender.status, "cancellation_reason": tender.cancellation_reason}
    tender.status = TenderStatus.CANCELLED
    tender.cancelled_at = utcnow()
    tender.cancelled_by_id = actor.id
    tender.cancellation_reason = reason
    session.flush()
    record_event(
        session,
        actor=actor,
        action="tender.cancelled",
        entity_type="tender",
        entity_id=tender.id,
        tender_id=tender.id,
        before=before,
        after={"status": tender.status, "cancellation_reason": reason},
        summary="Tender cancelled",
    )
    return tender


ROLE_NOUNS = {
    MemberRole.EVALUATOR: "an evaluator",
    MemberRole.PANEL: "a panel member",
    MemberRole.SUPPLIER: "a supplier",
}


def assign_member(
    session: Session,
    actor: User,
    tender: Tender,
    user: User,
    role: str,
    criterion_ids: Sequence[int] = (),
) -> TenderMember:
    """Add an evaluator, panel member or invited supplier, or change which criteria they score."""
    _require_not_cancelled(tender)
    expected_user_roles = {
        MemberRole.EVALUATOR: (Role.OFFICER, Role.ADMIN),
        MemberRole.PANEL: (Role.PANEL,),
        MemberRole.SUPPLIER: (Role.SUPPLIER,),
    }
    if role not in expected_user_roles:
        raise DomainError("Choose evaluator, panel member or supplier", "role")
    if not user.has_role(*expected_user_roles[role]):
        raise DomainError(
            f"{user.display_name} is a {user.role_enum.label.lower()} and cannot be added as "
            f"{ROLE_NOUNS[role]}",
            "user_id",
        )
    valid_ids = {c.id for c in tender.criteria if c.kind == "qualitative"}
    chosen = sorted(set(criterion_ids))
    if role != MemberRole.SUPPLIER:
        if not chosen:
            raise DomainError(
                "Choose at least one criterion for this person to score", "criterion_ids"
            )
        if not set(chosen) <= valid_ids:
            raise DomainError(
                "Evaluators score the tender's scored (qualitative) criteria only", "criterion_ids"
            )
    else:
        chosen = []
    member = session.execute(
        sa.select(TenderMember).where(
            TenderMember.tender_id == tender.id, TenderMember.user_id == user.id
        )
    ).scalar_one_or_none()
    before = None
    if member is None:
        member = TenderMember(tender_id=tender.id, user_id=user.id, role=role, criterion_ids=chosen)
        session.add(member)
    else:
        if member.role != role:
            raise DomainError(
                f"{user.display_name} is already part of this tender as {member.role}", "user_id"
            )
        if member.removed_at is not None:
            raise StateConflict(
                f"{user.display_name} was removed from this tender ({member.removed_reason}) "
                "and cannot be added back",
                "user_id",
            )
        before = {"criterion_ids": list(member.criterion_ids)}
        member.criterion_ids = chosen
    session.flush()
    record_event(
        session,
        actor=actor,
        action="member.assigned",
        entity_type="tender_member",
        entity_id=member.id,
        tender_id=tender.id,
        before=before,
        after={
            "user": user.email,
            "role": role,
            "criteria": [c.code for c in tender.criteria if c.id in chosen],
        },
        summary=f"{user.display_name} assigned as {role}",
    )
    return member


def deadline_passed(tender: Tender, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) >= tender.bid_deadline


def decimal_or_none(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


MEMBER_ROLE_FOR_USER_ROLE = {
    Role.OFFICER.value: MemberRole.EVALUATOR,
    Role.ADMIN.value: MemberRole.EVALUATOR,
    Role.PANEL.value: MemberRole.PANEL,
    Role.SUPPLIER.value: MemberRole.SUPPLIER,
}


def member_role_for(user: User) -> str | None:
    """The part a person can play in a tender, from their account role (auditors have none)."""
    return MEMBER_ROLE_FOR_USER_ROLE.get(user.role)


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id) if valid_id(user_id) else None


def list_members(session: Session, tender: Tender) -> Sequence[TenderMember]:
    """Everyone on the tender (including people removed after declaring a conflict)."""
    return (
        session.execute(
            sa.select(TenderMember)
            .where(TenderMember.tender_id == tender.id)
            .options(selectinload(TenderMember.user))
            .order_by(TenderMember.role, TenderMember.id)
        )
        .scalars()
        .all()
    )


def assignable_people(session: Session, tender: Tender) -> dict[str, Sequence[User]]:
    """Active accounts that could be added, by tender role: evaluators, panel, suppliers."""
    members = sa.select(TenderMember.user_id).where(TenderMember.tender_id == tender.id)
    users = (
        session.execute(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.role.in_(tuple(MEMBER_ROLE_FOR_USER_ROLE)),
                User.id.not_in(members),
            )
            .order_by(User.display_name, User.email)
        )
        .scalars()
        .all()
    )
    grouped: dict[str, list[User]] = {role: [] for role in MemberRole.ALL}
    for user in users:
        grouped[MEMBER_ROLE_FOR_USER_ROLE[user.role]].append(user)
    return dict(grouped)


def criteria_weight_totals(tender: Tender) -> dict[str, Decimal]:
    """The sum of criterion weights in each scored group (to compare with the group weights)."""
    totals = {group: Decimal(0) for group in SCORE_GROUPS}
    for criterion in tender.criteria:
        if criterion.group in totals:
            totals[criterion.group] += criterion.weight
    return totals


@dataclass(frozen=True)
class SetupProgress:
    """Where each set-up step stands: completed, incomplete, not_started, cannot_start, optional."""

    details: str
    rules: str
    criteria: str
    gates: str
    people: str
    publish: str
    problems: list[str]
    warnings: list[str]
    weight_totals: dict[str, Decimal]

    @property
    def ready_to_publish(self) -> bool:
        return not self.problems


def setup_progress(
    session: Session, tender: Tender, members: Sequence[TenderMember]
) -> SetupProgress:
    """The tender's set-up task list, with what still blocks publication."""
    problems = plan_problems(tender) if not tender.plan_locked else []
    warnings = plan_warnings(tender)
    rules_reviewed = session.execute(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.tender_id == tender.id, AuditEvent.action == "plan.rules_changed")
    ).scalar_one()
    totals = criteria_weight_totals(tender)
    weights_match = (
        totals["quality"] == tender.weight_quality
        and totals["social_value"] == tender.weight_social_value
    )
    evaluators = [
        m for m in members if m.active and m.role in (MemberRole.EVALUATOR, MemberRole.PANEL)
    ]
    locked = tender.plan_locked

    def done_if(condition: bool, otherwise: str) -> str:
        return "completed" if condition or locked else otherwise

    publish = "cannot_start" if problems else "not_started"
    if locked:
        publish = "completed"
    return SetupProgress(
        details="completed",
        rules=done_if(rules_reviewed > 0, "not_started"),
        criteria=done_if(
            bool(tender.criteria) and weights_match,
            "incomplete" if tender.criteria else "not_started",
        ),
        gates="completed" if tender.gates else "optional",
        people="completed" if evaluators else "not_started",
        publish=publish,
        problems=problems,
        warnings=warnings,
        weight_totals=totals,
    )


@dataclass(frozen=True)
class MemberTask:
    """What an evaluator or panel member has to do next on one tender."""

    member: TenderMember
    action: str  # "declare", "wait", "score", "done", "none"
    text: str


def member_tasks(
    session: Session, user: User, tender_ids: Sequence[int] | None = None
) -> dict[int, MemberTask]:
    """For each tender the user evaluates (of ``tender_ids``, e.g. one page of the list; None:
    all of them): their next step, in a fixed number of queries."""
    query = sa.select(TenderMember).where(
        TenderMember.user_id == user.id,
        TenderMember.role.in_((MemberRole.EVALUATOR, MemberRole.PANEL)),
    )
    if tender_ids is not None:
        query = query.where(TenderMember.tender_id.in_(list(tender_ids)))
    members = session.execute(query.options(selectinload(TenderMember.tender))).scalars().all()
    tender_ids = [m.tender_id for m in members]
    bid_counts = dict(
        session.execute(
            sa.select(Bid.tender_id, sa.func.count())
            .where(Bid.tender_id.in_(tender_ids), Bid.status == BidStatus.SUBMITTED)
            .group_by(Bid.tender_id)
        ).all()
    )
    submitted = dict(
        session.execute(
            sa.select(IndividualScore.tender_id, sa.func.count())
            .where(
                IndividualScore.tender_id.in_(tender_ids),
                IndividualScore.evaluator_id == user.id,
                IndividualScore.submitted_at.is_not(None),
            )
            .group_by(IndividualScore.tender_id)
        ).all()
    )
    now = utcnow()
    tasks: dict[int, MemberTask] = {}
    for member in members:
        tender = member.tender
        if not member.active:
            task = MemberTask(member, "none", "You were removed: " + member.removed_reason)
        elif member.declared_at is None:
            task = MemberTask(member, "declare", "Declare any conflicts of interest")
        elif tender.status == TenderStatus.DRAFT:
            task = MemberTask(member, "wait", "Nothing yet: the evaluation plan is being set up")
        elif tender.status == TenderStatus.PUBLISHED and now < tender.bid_deadline:
            task = MemberTask(member, "wait", "Scoring starts when bidding closes")
        elif tender.status == TenderStatus.PUBLISHED:
            assigned = bid_counts.get(tender.id, 0) * len(member.criterion_ids or [])
            remaining = assigned - submitted.get(tender.id, 0)
            if remaining > 0:
                task = MemberTask(
                    member, "score", f"Score the bids: {remaining} of {assigned} scores to submit"
                )
            else:
                task = MemberTask(member, "done", "All your scores are submitted")
        else:
            task = MemberTask(member, "none", "Evaluation finished")
        tasks[tender.id] = task
    return tasks
