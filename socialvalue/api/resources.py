"""API resources: frameworks, tenders and plans, bids, scores, consensus, results, award, audit.

Each operation parses its body with a marshmallow schema, checks access with
``services.access`` and calls the same service function the web UI calls.
"""

from __future__ import annotations

import json as pyjson
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, json
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from socialvalue import scoring
from socialvalue.api import schemas as s
from socialvalue.api.core import (
    PROBLEM_JSON,
    ApiProblem,
    api_user,
    call,
    dated,
    expected_version,
    found,
    paged,
    paged_query,
)
from socialvalue.extensions import db
from socialvalue.models.audit import AuditEvent
from socialvalue.models.bid import Bid, BidStatus
from socialvalue.models.evaluation import ConsensusScore, IndividualScore
from socialvalue.models.framework import FrameworkVersion
from socialvalue.models.tender import Criterion, Tender
from socialvalue.models.user import Role
from socialvalue.services import bids as bid_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.access import MANAGERS, Action, TenderAccess, tender_access

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Frameworks, tenders, evaluation plans, bids, scores, results and audit events",
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag from your last read of this record (412 if it has changed since)",
}
IF_MATCH_OPTIONAL = IF_MATCH | {
    "required": False,
    "description": "Required when the record already exists: the ETag from your last read",
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string", "enum": ["*"]},
    "description": "'*' creates the record only if nobody has yet (412 if it already exists)",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The record's version"}}
LINK_HEADER = {"Link": {"schema": {"type": "string"}, "description": "next/prev page links"}}


def problems(*codes: int) -> Callable[[Any], Any]:
    """Document the problem+json answers an operation can give."""

    def decorator(view: Any) -> Any:
        for code in (401, *codes):
            view = blp.alt_response(
                code,
                schema=s.ProblemSchema,
                content_type=PROBLEM_JSON,
                description=s.ProblemSchema.__doc__,
            )(view)
        return view

    return decorator


def body(schema: type[s.Schema], obj: Any, status: int = 200, etag: str | None = None) -> Response:
    response = Response(json.dumps(schema().dump(obj)), status=status, mimetype="application/json")
    if etag is not None:
        response.headers["ETag"] = f'"{etag}-{obj.id}-v{obj.version_id}"'
    return response


# -- loading with access -----------------------------------------------------------------------


def tender_for(tender_id: int, action: Action) -> tuple[Tender, TenderAccess]:
    tender = found(tender_service.get_tender(db.session, tender_id), "tender")
    access = tender_access(db.session, api_user(), tender)
    reason = access.why_not(action)
    if reason is not None:
        raise ApiProblem(403, reason)
    return tender, access


def criterion_of(tender: Tender, criterion_id: int) -> Criterion:
    return found(next((c for c in tender.criteria if c.id == criterion_id), None), "criterion")


def bid_of(tender: Tender, bid_id: int) -> Bid:
    return found(bid_service.get_bid(db.session, tender, bid_id), "bid")


# -- frameworks --------------------------------------------------------------------------------


@blp.route("/frameworks")
@blp.arguments(s.FrameworkArgsSchema, location="query", as_kwargs=True)
@blp.response(200, s.FrameworkPageSchema, headers=LINK_HEADER)
@problems(422)
def list_frameworks(page: int, per_page: int, status: str | None = None) -> Response:
    """List framework versions (every signed-in user may read them)."""
    api_user()
    query = sa.select(FrameworkVersion).order_by(
        FrameworkVersion.framework_id, FrameworkVersion.version
    )
    if status:
        query = query.where(FrameworkVersion.status == status)
    rows = db.session.execute(query).scalars().all()
    dump = s.FrameworkVersionSchema().dump
    return paged(rows, {"page": page, "per_page": per_page}, dump)


@blp.route("/frameworks/<int:version_id>")
@blp.response(200, s.FrameworkDetailSchema)
@problems(404)
def get_framework(version_id: int) -> Any:
    """One framework version with its measures."""
    api_user()
    version = (
        db.session.execute(
            sa.select(FrameworkVersion)
            .where(FrameworkVersion.id == version_id)
            .options(selectinload(FrameworkVersion.measures))
        ).scalar_one_or_none()
        if tender_service.valid_id(version_id)
        else None
    )
    return found(version, "framework version")


# -- tenders -----------------------------------------------------------------------------------


@blp.route("/tenders")
@blp.arguments(s.TenderArgsSchema, location="query")
@blp.response(200, s.TenderPageSchema, headers=LINK_HEADER)
@problems(422)
def list_tenders(args: dict[str, Any]) -> Response:
    """Tenders you may see (all for officers and auditors; your own for everyone else)."""
    query = tender_service.tenders_query(api_user())
    if args.get("status"):
        query = query.where(Tender.status == args["status"])
    query = dated(query, Tender, args)
    return paged_query(query, args, s.TenderSummarySchema().dump)


@blp.route("/tenders", methods=["POST"])
@blp.arguments(s.TenderCreateInputSchema)
@blp.response(201, s.TenderSchema, headers=ETAG_HEADER)
@problems(400, 403, 422)
def create_tender(data: dict[str, Any]) -> Response:
    """Create a draft tender pinned to a published framework version (officers)."""
    user = api_user()
    if not user.has_role(*MANAGERS):
        raise ApiProblem(403, "Only procurement officers can manage tenders")
    tender = call(tender_service.create_tender, user, data)
    response = body(s.TenderSchema, tender, 201, "tender")
    response.headers["Location"] = f"/api/v1/tenders/{tender.id}"
    return response


@blp.route("/tenders/<int:tender_id>")
@blp.response(200, s.TenderSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_tender(tender_id: int) -> Response:
    """A tender with its evaluation plan (criteria, gates, rules)."""
    tender, _ = tender_for(tender_id, Action.VIEW_TENDER)
    return body(s.TenderSchema, tender, etag="tender")


@blp.route("/tenders/<int:tender_id>", methods=["PUT"])
@blp.arguments(s.TenderDetailsInputSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, s.TenderSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def update_tender(data: dict[str, Any], tender_id: int) -> Response:
    """Change a tender's details (reference, title, buyer, value, term, deadline)."""
    tender, _ = tender_for(tender_id, Action.MANAGE_TENDER)
    version = expected_version("tender", tender)
    call(tender_service.update_tender_details, api_user(), tender, data, expected_version=version)
    return body(s.TenderSchema, tender, etag="tender")


@blp.route("/tenders/<int:tender_id>/plan", methods=["PUT"])
@blp.arguments(s.PlanRulesInputSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, s.TenderSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def update_plan(data: dict[str, Any], tender_id: int) -> Response:
    """Set the plan's weights, methods, moderation rule, panel share and tie-break order."""
    tender, _ = tender_for(tender_id, Action.MANAGE_TENDER)
    version = expected_version("tender", tender)
    call(tender_service.update_plan_rules, api_user(), tender, data, expected_version=version)
    return body(s.TenderSchema, tender, etag="tender")


@blp.route("/tenders/<int:tender_id>/criteria", methods=["POST"])
@blp.arguments(s.CriterionInputSchema)
@blp.response(201, s.PlanItemSchema)
@problems(400, 403, 404, 409, 422)
def add_criterion(data: dict[str, Any], tender_id: int) -> Any:
    """Add a framework measure (a pass/fail measure becomes a gate) or a tender question.

    Any change to the plan is a change to the tender: its ETag moves on."""
    tender, _ = tender_for(tender_id, Action.MANAGE_TENDER)
    user = api_user()
    if data.get("measure_id") is not None:
        item = call(tender_service.add_measure_criterion, user, tender, data)
    else:
        item = call(tender_service.add_question_criterion, user, tender, data)
    if isinstance(item, Criterion):
        return {"kind": "criterion", "criterion": item, "gate": None}
    return {"kind": "gate", "criterion": None, "gate": item}


@blp.route("/tenders/<int:tender_id>/criteria/<int:criterion_id>", methods=["DELETE"])
@blp.doc(parameters=[IF_MATCH | {"description": "The tender's ETag"}])
@blp.response(204)
@problems(403, 404, 409, 412, 428)
def remove_criterion(tender_id: int, criterion_id: int) -> Any:
    """Remove a criterion from a draft plan (If-Match: the tender's ETag, which moves on)."""
    tender, _ = tender_for(tender_id, Action.MANAGE_TENDER)
    criterion = criterion_of(tender, criterion_id)
    expected_version("tender", tender)
    call(tender_service.remove_criterion, api_user(), tender, criterion)
    return None


@blp.route("/tenders/<int:tender_id>/publish", methods=["POST"])
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, s.TenderSchema, headers=ETAG_HEADER)
@problems(403, 404, 409, 412, 422, 428)
def publish(tender_id: int) -> Response:
    """Publish and lock the evaluation plan (422 lists what is still wrong with it)."""
    tender, _ = tender_for(tender_id, Action.MANAGE_TENDER)
    version = expected_version("tender", tender)
    call(tender_service.publish_plan, api_user(), tender, expected_version=version)
    return body(s.TenderSchema, tender, etag="tender")


# -- bids --------------------------------------------------------------------------------------


def _bid_dumper(access: TenderAccess) -> Callable[[Bid], Any]:
    dump = s.BidSchema().dump

    def dumper(bid: Bid) -> Any:
        data = dump(bid)
        if not access.sees_supplier_names:
            data["supplier_name"] = None
        return data

    return dumper


def _bid_response(bid: Bid, access: TenderAccess, status: int = 200) -> Response:
    response = Response(
        json.dumps(_bid_dumper(access)(bid)), status=status, mimetype="application/json"
    )
    response.headers["ETag"] = f'"bid-{bid.id}-v{bid.version_id}"'
    return response


@blp.route("/tenders/<int:tender_id>/bids")
@blp.arguments(s.BidArgsSchema, location="query")
@blp.response(200, s.BidPageSchema, headers=LINK_HEADER)
@problems(403, 404, 422)
def list_bids(args: dict[str, Any], tender_id: int) -> Response:
    """The tender's bids with their commitments, responses and pass/fail answers."""
    tender, access = tender_for(tender_id, Action.VIEW_BIDS)
    # Evaluators and auditors only ever see submitted bids; officers see drafts too.
    query = sa.select(Bid).where(Bid.tender_id == tender.id)
    if not access.is_manager:
        query = query.where(Bid.status == BidStatus.SUBMITTED)
    if args.get("status"):
        query = query.where(Bid.status == args["status"])
    query = dated(query, Bid, args).order_by(sa.func.length(Bid.label), Bid.label)
    query = query.options(
        selectinload(Bid.commitments), selectinload(Bid.responses), selectinload(Bid.gate_answers)
    )
    return paged_query(query, args, _bid_dumper(access))


@blp.route("/tenders/<int:tender_id>/bids", methods=["POST"])
@blp.arguments(s.BidInputSchema)
@blp.response(201, s.BidSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 422)
def record_bid(data: dict[str, Any], tender_id: int) -> Response:
    """Record a complete bid received for the tender (officers, before the deadline)."""
    tender, access = tender_for(tender_id, Action.MANAGE_TENDER)
    bid = call(bid_service.record_bid, api_user(), tender, data)
    return _bid_response(bid, access, 201)


@blp.route("/tenders/<int:tender_id>/bids/<int:bid_id>")
@blp.response(200, s.BidSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_bid(tender_id: int, bid_id: int) -> Response:
    """One bid."""
    tender, access = tender_for(tender_id, Action.VIEW_BIDS)
    bid = bid_of(tender, bid_id)
    if bid.status != "submitted" and not access.is_manager:
        raise ApiProblem(404, "No bid with that id")
    return _bid_response(bid, access)


@blp.route("/tenders/<int:tender_id>/bids/<int:bid_id>", methods=["PUT"])
@blp.arguments(s.BidInputSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, s.BidSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def update_bid(data: dict[str, Any], tender_id: int, bid_id: int) -> Response:
    """Correct a bid an officer recorded (before the deadline)."""
    tender, access = tender_for(tender_id, Action.MANAGE_TENDER)
    bid = bid_of(tender, bid_id)
    version = expected_version("bid", bid)
    call(bid_service.update_bid, api_user(), tender, bid, data, expected_version=version)
    return _bid_response(bid, access)


@blp.route("/tenders/<int:tender_id>/my-bid")
@blp.response(200, s.BidSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_my_bid(tender_id: int) -> Response:
    """Suppliers: your own bid for a tender you were invited to (404 until you save one)."""
    tender, access = tender_for(tender_id, Action.VIEW_TENDER)
    user = api_user()
    if access.member is None or access.member.role != "supplier":
        raise ApiProblem(403, "You have not been invited to bid for this tender")
    bid = found(bid_service.supplier_bid(db.session, tender, user), "bid")
    return _bid_response(bid, access)


class SupplierBidInputSchema(s.BidInputSchema):
    submit = s.fields.Boolean(
        load_default=False,
        metadata={"description": "true submits the bid; false saves a draft"},
    )

    @s.post_load
    def _to_service(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        submit = bool(data.get("submit"))
        result = super()._to_service(data, **kwargs)
        result["submit"] = submit
        return result


@blp.route("/tenders/<int:tender_id>/my-bid", methods=["PUT"])
@blp.arguments(SupplierBidInputSchema)
@blp.doc(parameters=[IF_MATCH_OPTIONAL])
@blp.response(200, s.BidSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def save_my_bid(data: dict[str, Any], tender_id: int) -> Response:
    """Suppliers: save your bid as a draft, or submit it (editable until the deadline)."""
    tender, access = tender_for(tender_id, Action.SUBMIT_BID)
    user = api_user()
    existing = bid_service.supplier_bid(db.session, tender, user)
    version = expected_version("bid", existing, required=False)
    submit = data.pop("submit")
    bid = call(
        bid_service.save_supplier_bid, user, tender, data, submit=submit, expected_version=version
    )
    return _bid_response(bid, access)


# -- individual scores -------------------------------------------------------------------------


@blp.route("/tenders/<int:tender_id>/scores")
@blp.arguments(s.PageArgsSchema, location="query")
@blp.response(200, s.IndividualScorePageSchema, headers=LINK_HEADER)
@problems(403, 404, 422)
def list_my_scores(args: dict[str, Any], tender_id: int) -> Response:
    """Your own scores on this tender (drafts and submitted)."""
    tender, _ = tender_for(tender_id, Action.DECLARE_INTERESTS)
    query = (
        sa.select(IndividualScore)
        .where(
            IndividualScore.tender_id == tender.id,
            IndividualScore.evaluator_id == api_user().id,
        )
        .order_by(IndividualScore.id)
    )
    return paged_query(query, args, s.IndividualScoreSchema().dump)


@blp.route("/tenders/<int:tender_id>/scores/<int:bid_id>/<int:criterion_id>")
@blp.response(200, s.IndividualScoreSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_score(tender_id: int, bid_id: int, criterion_id: int) -> Response:
    """Your own score for a bid on a criterion, with its ETag (404 until you save one)."""
    tender, _ = tender_for(tender_id, Action.DECLARE_INTERESTS)
    bid, criterion = bid_of(tender, bid_id), criterion_of(tender, criterion_id)
    row = evaluation_service.own_score(db.session, api_user(), bid, criterion)
    return body(s.IndividualScoreSchema, found(row, "score"), etag="score")


@blp.route("/tenders/<int:tender_id>/scores/<int:bid_id>/<int:criterion_id>", methods=["PUT"])
@blp.arguments(s.IndividualScoreInputSchema)
@blp.doc(parameters=[IF_MATCH_OPTIONAL, IF_NONE_MATCH])
@blp.response(200, s.IndividualScoreSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def save_score(data: dict[str, Any], tender_id: int, bid_id: int, criterion_id: int) -> Response:
    """Save your score for a bid on a criterion as a draft, or submit it (then it is locked)."""
    tender, _ = tender_for(tender_id, Action.EVALUATE)
    bid = bid_of(tender, bid_id)
    criterion = criterion_of(tender, criterion_id)
    user = api_user()
    existing = evaluation_service.own_score(db.session, user, bid, criterion)
    version = expected_version("score", existing, required=False)
    row = call(
        evaluation_service.save_individual_score,
        user,
        tender,
        bid,
        criterion,
        score=data.get("score"),
        rationale=data.get("rationale", ""),
        submit=data.get("submit", False),
        expected_version=version,
    )
    return body(s.IndividualScoreSchema, row, etag="score")


# -- consensus ---------------------------------------------------------------------------------


@blp.route("/tenders/<int:tender_id>/consensus")
@blp.arguments(s.PageArgsSchema, location="query")
@blp.response(200, s.ConsensusPageSchema, headers=LINK_HEADER)
@problems(403, 404, 422)
def list_consensus(args: dict[str, Any], tender_id: int) -> Response:
    """Moderated (consensus) scores recorded so far."""
    tender, _ = tender_for(tender_id, Action.MODERATE)
    query = (
        sa.select(ConsensusScore)
        .where(ConsensusScore.tender_id == tender.id)
        .order_by(ConsensusScore.id)
    )
    return paged_query(query, args, s.ConsensusSchema().dump)


@blp.route("/tenders/<int:tender_id>/consensus/<int:bid_id>/<int:criterion_id>")
@blp.response(200, s.ConsensusSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_consensus(tender_id: int, bid_id: int, criterion_id: int) -> Response:
    """The consensus score for a bid on a criterion, with its ETag (404 until recorded)."""
    tender, _ = tender_for(tender_id, Action.MODERATE)
    bid = bid_of(tender, bid_id)
    row = evaluation_service.consensus_for(db.session, bid, criterion_of(tender, criterion_id))
    return body(s.ConsensusSchema, found(row, "consensus score"), etag="consensus")


@blp.route("/tenders/<int:tender_id>/consensus/<int:bid_id>/<int:criterion_id>", methods=["PUT"])
@blp.arguments(s.ConsensusInputSchema)
@blp.doc(parameters=[IF_MATCH_OPTIONAL, IF_NONE_MATCH])
@blp.response(200, s.ConsensusSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def record_consensus(
    data: dict[str, Any], tender_id: int, bid_id: int, criterion_id: int
) -> Response:
    """Record or revise the consensus score for a bid on a criterion, with the reason."""
    tender, _ = tender_for(tender_id, Action.MODERATE)
    bid = bid_of(tender, bid_id)
    criterion = criterion_of(tender, criterion_id)
    existing = evaluation_service.consensus_for(db.session, bid, criterion)
    version = expected_version("consensus", existing, required=False)
    row = call(
        evaluation_service.record_consensus,
        api_user(),
        tender,
        bid,
        criterion,
        score=data["score"],
        reason=data["reason"],
        expected_version=version,
    )
    return body(s.ConsensusSchema, row, etag="consensus")


# -- result and award --------------------------------------------------------------------------


@blp.route("/tenders/<int:tender_id>/result")
@blp.response(200, s.ResultSchema)
@problems(403, 404)
def get_result(tender_id: int) -> Any:
    """The scoring engine's result: ranking, breakdown, moderation, tie breaks, sensitivity."""
    tender, _ = tender_for(tender_id, Action.VIEW_RESULT)
    result = evaluation_service.evaluate_tender(db.session, tender)
    return {
        "tender_id": tender.id,
        "status": result.status,
        "result": pyjson.loads(scoring.result_to_json(result)),
    }


@blp.route("/tenders/<int:tender_id>/award", methods=["POST"])
@blp.arguments(s.AwardInputSchema)
@blp.doc(parameters=[IF_MATCH | {"description": "The tender's ETag"}])
@blp.response(201, s.AwardSchema)
@problems(400, 403, 404, 409, 412, 422, 428)
def award(data: dict[str, Any], tender_id: int) -> Any:
    """Award the contract to the engine's top-ranked bid (the result must be final)."""
    tender, _ = tender_for(tender_id, Action.AWARD)
    version = expected_version("tender", tender)
    decision = call(
        evaluation_service.award_tender,
        api_user(),
        tender,
        rationale=data["rationale"],
        expected_version=version,
    )
    return {
        "tender_id": tender.id,
        "bid_id": decision.bid_id,
        "bid_label": decision.bid.label,
        "decided_at": decision.decided_at,
        "rationale": decision.rationale,
        "result_hash": decision.result_hash,
    }


@blp.route("/tenders/<int:tender_id>/award")
@blp.response(200, s.AwardSchema)
@problems(403, 404)
def get_award(tender_id: int) -> Any:
    """The award decision (404 until the tender is awarded)."""
    tender, _ = tender_for(tender_id, Action.VIEW_RESULT)
    decision = found(evaluation_service.award_decision(db.session, tender), "award decision")
    return {
        "tender_id": tender.id,
        "bid_id": decision.bid_id,
        "bid_label": decision.bid.label,
        "decided_at": decision.decided_at,
        "rationale": decision.rationale,
        "result_hash": decision.result_hash,
    }


# -- audit -------------------------------------------------------------------------------------


@blp.route("/audit-events")
@blp.arguments(s.AuditArgsSchema, location="query")
@blp.response(200, s.AuditPageSchema, headers=LINK_HEADER)
@problems(403, 422)
def list_audit_events(args: dict[str, Any]) -> Response:
    """The hash-chained audit log, newest first (officers and auditors)."""
    user = api_user()
    if not user.has_role(*MANAGERS, Role.AUDITOR):
        raise ApiProblem(403, "Only officers and auditors can read the audit log")
    query = sa.select(AuditEvent)
    for name in ("tender_id", "contract_id", "action"):
        if args.get(name) is not None:
            query = query.where(getattr(AuditEvent, name) == args[name])
    if args.get("occurred_from"):
        query = query.where(AuditEvent.occurred_at >= args["occurred_from"])
    if args.get("occurred_to"):
        query = query.where(AuditEvent.occurred_at <= args["occurred_to"])
    filtered = any(
        args.get(name) is not None
        for name in ("tender_id", "contract_id", "action", "occurred_from", "occurred_to")
    )
    if filtered:
        return paged_query(
            query.order_by(AuditEvent.sequence.desc()), args, s.AuditEventSchema().dump
        )
    # The whole log: its sequence numbers run 1, 2, 3... without gaps (verify_chain checks
    # that), so page N is a range of sequence numbers read from the index however deep it is,
    # and the total is the last sequence number, with no count over millions of rows.
    first, last = db.session.execute(
        sa.select(sa.func.min(AuditEvent.sequence), sa.func.max(AuditEvent.sequence))
    ).one()
    total = 0 if last is None else last - first + 1
    top = (last or 0) - (args["page"] - 1) * args["per_page"]
    rows = (
        db.session.execute(
            query.where(AuditEvent.sequence <= top)
            .order_by(AuditEvent.sequence.desc())
            .limit(args["per_page"])
        )
        .scalars()
        .all()
        if top >= (first or 0)
        else []
    )
    return paged(rows, args, s.AuditEventSchema().dump, total=total)
