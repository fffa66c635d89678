"""API resources for delivery tracking: contracts, KPIs, delivery returns and verifications.

Access is ``services.access.contract_access`` and every write is a ``services.contracts`` call,
exactly as in the web UI.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from socialvalue.api import schemas as s
from socialvalue.api.core import (
    PROBLEM_JSON,
    ApiProblem,
    api_user,
    call,
    dated,
    found,
    paged,
    paged_query,
)
from socialvalue.api.core import expected_version as check_if_match
from socialvalue.extensions import db
from socialvalue.models.contract import Contract, DeliveryReturn, LineStatus, ReturnLine
from socialvalue.services import contracts as contract_service
from socialvalue.services.access import ContractAccess, ContractAction, contract_access

blp = Blueprint(
    "api_contracts",
    __name__,
    url_prefix="/api/v1",
    description="Contracts, KPIs, delivery returns and verification of reported figures",
)

ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The record's version"}}
LINK_HEADER = {"Link": {"schema": {"type": "string"}, "description": "next/prev page links"}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The figure's ETag from your last read (412 if it has changed since)",
}


def problems(*codes: int) -> Any:
    def decorator(view: Any) -> Any:
        for code in (401, *codes):
            view = blp.alt_response(
                code, schema=s.ProblemSchema, content_type=PROBLEM_JSON, description="Problem"
            )(view)
        return view

    return decorator


# -- schemas -----------------------------------------------------------------------------------


class KpiSchema(Schema):
    id = fields.Integer(required=True)
    criterion_code = fields.String(required=True)
    title = fields.String(required=True)
    measure_code = fields.String(allow_none=True)
    theme_code = fields.String(required=True)
    unit = fields.String(required=True)
    committed_quantity = s.DecimalString(required=True)
    proxy_value_gbp = s.DecimalString(allow_none=True)
    committed_value_gbp = s.DecimalString(allow_none=True)
    accrual = fields.String(required=True)
    version = fields.Integer(required=True, attribute="version_id")


class ContractSummarySchema(Schema):
    id = fields.Integer(required=True)
    tender_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer = fields.String(required=True)
    supplier_name = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    status = fields.String(
        required=True, metadata={"description": "green, amber, red or not_due (RAG)"}
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, attribute="version_id")


class ContractSchema(ContractSummarySchema):
    reporting_frequency = fields.String(required=True)
    due_days = fields.Integer(required=True)
    green_from = s.DecimalString(required=True)
    amber_from = s.DecimalString(required=True)
    framework_id = fields.String(required=True)
    framework_version_label = fields.String(required=True)
    framework_hash = fields.String(required=True)
    kpis = fields.List(fields.Nested(KpiSchema), required=True)


class ContractPageSchema(s.PageSchema):
    items = fields.List(fields.Nested(ContractSummarySchema), required=True)


class ContractArgsSchema(s.DatedPageArgsSchema):
    status = fields.String(validate=validate.OneOf(("green", "amber", "red", "not_due")))


class KpiPageSchema(s.PageSchema):
    items = fields.List(fields.Nested(KpiSchema), required=True)


class ReturnLineSchema(Schema):
    id = fields.Integer(required=True)
    kpi_id = fields.Integer(required=True)
    reported_quantity = s.DecimalString(required=True)
    status = fields.String(required=True, validate=validate.OneOf(LineStatus.ALL))
    query_text = fields.String(required=True)
    queried_at = fields.DateTime(allow_none=True)
    answer_text = fields.String(required=True)
    answered_at = fields.DateTime(allow_none=True)
    rejection_reason = fields.String(required=True)
    decided_at = fields.DateTime(allow_none=True)
    version = fields.Integer(required=True, attribute="version_id")


class EvidenceSchema(Schema):
    id = fields.Integer(required=True)
    original_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class DeliveryReturnSchema(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    due_on = fields.Date(required=True)
    narrative = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)
    on_behalf = fields.Boolean(required=True)
    late = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)


class DeliveryReturnPageSchema(s.PageSchema):
    items = fields.List(fields.Nested(DeliveryReturnSchema), required=True)


class ReturnArgsSchema(s.PageArgsSchema):
    period_from = s.BoundedDate(metadata={"description": "Only periods ending on or after"})
    period_to = s.BoundedDate(metadata={"description": "Only periods ending on or before"})


class QuantityInputSchema(s.InputSchema):
    kpi_id = s.record_id(required=True)
    quantity = fields.String(
        required=True,
        validate=validate.Length(max=60),
        metadata={"description": 'The amount delivered in the period, e.g. "12.5" (0 if none)'},
    )


class DeliveryReturnInputSchema(s.InputSchema):
    period_end = s.BoundedDate(required=True, metadata={"description": "The period's last day"})
    narrative = s.text(20_000, required=False)
    quantities = fields.List(
        fields.Nested(QuantityInputSchema), required=True, validate=validate.Length(max=500)
    )


class DecisionInputSchema(s.InputSchema):
    decision = fields.String(
        required=True, validate=validate.OneOf((LineStatus.VERIFIED, "queried", "rejected"))
    )
    text = s.text(
        20_000,
        required=False,
        metadata={"description": "The question (queried) or the reason (rejected)"},
    )


class AnswerInputSchema(s.InputSchema):
    answer = s.text(20_000)
    revised_quantity = s.DecimalInput(
        name="the revised figure",
        minimum=s.Decimal(0),
        maximum=s.MAX_QUANTITY,
        places=4,
        example="12.5",
        load_default=None,
        allow_none=True,
    )


# -- helpers -----------------------------------------------------------------------------------


def contract_for(contract_id: int, action: ContractAction) -> tuple[Contract, ContractAccess]:
    contract = found(contract_service.get_contract(db.session, contract_id), "contract")
    access = contract_access(db.session, api_user(), contract)
    reason = access.why_not(action)
    if reason is not None:
        raise ApiProblem(403, reason)
    return contract, access


def return_of(contract: Contract, return_id: int) -> DeliveryReturn:
    return found(contract_service.get_return(db.session, contract, return_id), "delivery return")


def line_of(delivery_return: DeliveryReturn, line_id: int) -> ReturnLine:
    return found(contract_service.get_line(delivery_return, line_id), "figure")


def _line_response(line: ReturnLine) -> Response:
    response = Response(
        json.dumps(ReturnLineSchema().dump(line)), status=200, mimetype="application/json"
    )
    response.headers["ETag"] = f'"line-{line.id}-v{line.version_id}"'
    return response


# -- routes ------------------------------------------------------------------------------------


@blp.route("/contracts")
@blp.arguments(ContractArgsSchema, location="query")
@blp.response(200, ContractPageSchema, headers=LINK_HEADER)
@problems(422)
def list_contracts(args: dict[str, Any]) -> Response:
    """Contracts you may see: all for officers and auditors; your own for suppliers and panels."""
    query = contract_service.contracts_query(api_user(), args.get("status") or None)
    return paged_query(dated(query, Contract, args), args, ContractSummarySchema().dump)


@blp.route("/contracts/<int:contract_id>")
@blp.response(200, ContractSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_contract(contract_id: int) -> Response:
    """A contract with its social value KPIs (the commitments of the winning bid)."""
    contract, _ = contract_for(contract_id, ContractAction.VIEW_CONTRACT)
    response = Response(
        json.dumps(ContractSchema().dump(contract)), status=200, mimetype="application/json"
    )
    response.headers["ETag"] = f'"contract-{contract.id}-v{contract.version_id}"'
    return response


@blp.route("/contracts/<int:contract_id>/kpis")
@blp.arguments(s.PageArgsSchema, location="query")
@blp.response(200, KpiPageSchema, headers=LINK_HEADER)
@problems(403, 404, 422)
def list_kpis(args: dict[str, Any], contract_id: int) -> Response:
    """The contract's KPIs."""
    contract, _ = contract_for(contract_id, ContractAction.VIEW_CONTRACT)
    return paged(list(contract.kpis), args, KpiSchema().dump)


@blp.route("/contracts/<int:contract_id>/returns")
@blp.arguments(ReturnArgsSchema, location="query")
@blp.response(200, DeliveryReturnPageSchema, headers=LINK_HEADER)
@problems(403, 404, 422)
def list_returns(args: dict[str, Any], contract_id: int) -> Response:
    """Delivery returns filed for the contract, with their figures and verification status."""
    # The contract row alone for the access check; only the page's returns are loaded.
    contract = found(contract_service.find_contract(db.session, contract_id), "contract")
    reason = contract_access(db.session, api_user(), contract).why_not(ContractAction.VIEW_CONTRACT)
    if reason is not None:
        raise ApiProblem(403, reason)
    query = contract_service.returns_query(
        contract, period_from=args.get("period_from"), period_to=args.get("period_to")
    )
    return paged_query(query, args, DeliveryReturnSchema().dump)


@blp.route("/contracts/<int:contract_id>/returns", methods=["POST"])
@blp.arguments(DeliveryReturnInputSchema)
@blp.response(201, DeliveryReturnSchema)
@problems(400, 403, 404, 409, 422)
def file_return(data: dict[str, Any], contract_id: int) -> Any:
    """File the return for one reporting period (the supplier, or an officer on its behalf).

    Evidence files are uploaded through the web service."""
    contract, _ = contract_for(contract_id, ContractAction.SUBMIT_RETURN)
    quantities = {q["kpi_id"]: q["quantity"] for q in data["quantities"]}
    delivery_return = call(
        contract_service.record_return,
        api_user(),
        contract,
        period_end=data["period_end"],
        quantities=quantities,
        narrative=data.get("narrative", ""),
        upload_dir=str(current_app.config["UPLOAD_DIR"]),
        source="api",
    )
    return delivery_return


@blp.route("/contracts/<int:contract_id>/returns/<int:return_id>")
@blp.response(200, DeliveryReturnSchema)
@problems(403, 404)
def get_return(contract_id: int, return_id: int) -> Any:
    """One delivery return."""
    contract, _ = contract_for(contract_id, ContractAction.VIEW_CONTRACT)
    return return_of(contract, return_id)


@blp.route("/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>")
@blp.response(200, ReturnLineSchema, headers=ETAG_HEADER)
@problems(403, 404)
def get_line(contract_id: int, return_id: int, line_id: int) -> Response:
    """One reported figure with its verification state and its ETag (for If-Match)."""
    contract, _ = contract_for(contract_id, ContractAction.VIEW_CONTRACT)
    return _line_response(line_of(return_of(contract, return_id), line_id))


@blp.route(
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/decision",
    methods=["PUT"],
)
@blp.arguments(DecisionInputSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, ReturnLineSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def decide(data: dict[str, Any], contract_id: int, return_id: int, line_id: int) -> Response:
    """Verify, query or reject a reported figure (officers and assigned panel members)."""
    contract, _ = contract_for(contract_id, ContractAction.VERIFY)
    line = line_of(return_of(contract, return_id), line_id)
    version = check_if_match("line", line)
    call(
        contract_service.decide_line,
        api_user(),
        contract,
        line,
        decision=data["decision"],
        text=data.get("text", ""),
        expected_version=version,
    )
    return _line_response(line)


@blp.route(
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/answer",
    methods=["PUT"],
)
@blp.arguments(AnswerInputSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, ReturnLineSchema, headers=ETAG_HEADER)
@problems(400, 403, 404, 409, 412, 422, 428)
def answer(data: dict[str, Any], contract_id: int, return_id: int, line_id: int) -> Response:
    """Answer a query about a figure, optionally correcting it (the supplier)."""
    contract, _ = contract_for(contract_id, ContractAction.ANSWER_QUERY)
    line = line_of(return_of(contract, return_id), line_id)
    version = check_if_match("line", line)
    call(
        contract_service.answer_query,
        api_user(),
        contract,
        line,
        answer=data["answer"],
        revised_quantity=data.get("revised_quantity"),
        expected_version=version,
    )
    return _line_response(line)
