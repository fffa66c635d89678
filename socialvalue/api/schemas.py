"""marshmallow schemas for every API body and response; the OpenAPI document is built from them.

Exact numbers (money, weights, quantities, scores) travel as decimal strings such as "1250.50",
never as binary floats. Input also accepts JSON numbers, which are read digit for digit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from socialvalue.models.bid import BidStatus
from socialvalue.models.tender import TenderStatus
from socialvalue.schemas.tenders import (
    MAX_ID,
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_TEXT,
    SCALE_CHOICES,
    SCORE_GROUPS,
    DecimalText,
)
from socialvalue.scoring import (
    MODERATION_MODES,
    PRICE_METHODS,
    QUANTITATIVE_METHODS,
    TIE_BREAK_KEYS,
)

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


class DecimalString(fields.Decimal):
    """An exact decimal, written as a string ("1250.50")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(as_string=True, **kwargs)


class DecimalInput(DecimalText):
    """An exact decimal read from a JSON string or number (documented as a string)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValidationError(
                f"Enter {self.name_text} as a decimal number, like {self.example}"
            )
        return super()._deserialize(value, attr, data, **kwargs)


class BoundedDateTime(fields.AwareDateTime):
    """A date and time with a time zone (UTC assumed when none is given), between 1970 and 2200."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=dt.UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = result.astimezone(dt.UTC)
        except (OverflowError, ValueError) as error:
            raise ValidationError("Enter a date and time between 1970 and 2200") from error
        if not EARLIEST <= utc < LATEST:
            raise ValidationError("Enter a date and time between 1970 and 2200")
        return utc


class BoundedDate(fields.Date):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not 1970 <= result.year < 2200:
            raise ValidationError("Enter a date between 1970 and 2200")
        return result


def record_id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def text(max_length: int, required: bool = True, **kwargs: Any) -> fields.String:
    minimum = 1 if required else 0
    if required:
        kwargs.setdefault("required", True)
    else:
        kwargs.setdefault("load_default", "")
    return fields.String(validate=validate.Length(min=minimum, max=max_length), **kwargs)


class InputSchema(Schema):
    """Request bodies: unknown keys (such as read-only fields sent back) are ignored."""

    class Meta:
        unknown = EXCLUDE


# -- problems and pages ------------------------------------------------------------------------


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "The input the message is about"})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """An RFC 9457 problem detail."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class DatedPageArgsSchema(PageArgsSchema):
    created_from = BoundedDateTime(metadata={"description": "Only records created at or after"})
    created_to = BoundedDateTime(metadata={"description": "Only records created at or before"})
    updated_since = BoundedDateTime(metadata={"description": "Only records changed at or after"})


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


# -- frameworks --------------------------------------------------------------------------------


class FrameworkVersionSchema(Schema):
    id = fields.Integer(required=True)
    framework_id = fields.String(required=True)
    version = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    issuer = fields.String(required=True)
    approved_on = fields.Date(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    summary = fields.String(required=True)
    content_hash = fields.String(required=True)


class MeasureSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    kind = fields.String(required=True)
    unit = fields.String(allow_none=True)
    proxy_value_gbp = DecimalString(allow_none=True)
    theme_code = fields.String(required=True)
    verification = fields.String(required=True)


class FrameworkDetailSchema(FrameworkVersionSchema):
    measures = fields.List(fields.Nested(MeasureSchema), required=True)


class FrameworkPageSchema(PageSchema):
    items = fields.List(fields.Nested(FrameworkVersionSchema), required=True)


class FrameworkArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(("draft", "published", "retired")))


# -- tenders and plans -------------------------------------------------------------------------


class CriterionSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    question = fields.String(required=True)
    group = fields.String(required=True)
    kind = fields.String(required=True)
    weight = DecimalString(required=True)
    scale_min = fields.Integer(allow_none=True)
    scale_max = fields.Integer(allow_none=True)
    descriptors = fields.List(fields.Dict(), required=True)
    measure_code = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    proxy_value_gbp = DecimalString(allow_none=True)
    minimum_score = DecimalString(allow_none=True)
    target = DecimalString(allow_none=True)
    quantitative_method = fields.String(allow_none=True)


class GateSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    evidence_expected = fields.String(required=True)
    measure_code = fields.String(allow_none=True)


class TenderSummarySchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer = fields.String(required=True)
    status = fields.String(required=True)
    estimated_value = DecimalString(required=True)
    bid_deadline = fields.DateTime(required=True)
    framework = fields.String(required=True, attribute="framework_key")
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, attribute="version_id")


class TenderSchema(TenderSummarySchema):
    description = fields.String(required=True)
    contract_start = fields.Date(required=True)
    contract_end = fields.Date(required=True)
    framework_version_id = fields.Integer(required=True)
    framework_hash = fields.String(required=True)
    weight_price = DecimalString(required=True)
    weight_quality = DecimalString(required=True)
    weight_social_value = DecimalString(required=True)
    price_method = fields.String(required=True)
    quantitative_method = fields.String(required=True)
    moderation_mode = fields.String(required=True)
    flag_range_percent = DecimalString(required=True)
    panel_share_percent = DecimalString(allow_none=True)
    tie_break = fields.List(fields.String(), required=True)
    require_rationale = fields.Boolean(required=True)
    anonymise_for_panel = fields.Boolean(required=True)
    plan_published_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancellation_reason = fields.String(required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)
    gates = fields.List(fields.Nested(GateSchema), required=True)


class TenderPageSchema(PageSchema):
    items = fields.List(fields.Nested(TenderSummarySchema), required=True)


class TenderArgsSchema(DatedPageArgsSchema):
    status = fields.String(validate=validate.OneOf(TenderStatus.ALL))


class TenderDetailsInputSchema(InputSchema):
    reference = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=60),
            validate.Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$",
                error="The reference can only contain letters, numbers, spaces and . / _ -",
            ),
        ],
    )
    title = text(300)
    buyer = text(300)
    description = text(MAX_TEXT, required=False)
    estimated_value = DecimalInput(
        name="the estimated contract value",
        minimum=Decimal(0),
        maximum=MAX_MONEY,
        money=True,
        example="250000.50",
        required=True,
    )
    contract_start = BoundedDate(required=True)
    contract_end = BoundedDate(required=True)
    bid_deadline = BoundedDateTime(required=True)

    @validates_schema
    def _term(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            raise ValidationError(
                "The contract end date must be after its start date", "contract_end"
            )


class TenderCreateInputSchema(TenderDetailsInputSchema):
    framework_version_id = record_id(required=True)


def _percent(name: str, **kwargs: Any) -> DecimalInput:
    return DecimalInput(
        name=name, minimum=Decimal(0), maximum=Decimal(100), places=4, example="40", **kwargs
    )


class PlanRulesInputSchema(InputSchema):
    weight_price = _percent("the price weight", required=True)
    weight_quality = _percent("the quality weight", required=True)
    weight_social_value = _percent("the social value weight", required=True)
    price_method = fields.String(required=True, validate=validate.OneOf(PRICE_METHODS))
    quantitative_method = fields.String(
        required=True, validate=validate.OneOf(QUANTITATIVE_METHODS)
    )
    moderation_mode = fields.String(required=True, validate=validate.OneOf(MODERATION_MODES))
    flag_range_percent = DecimalInput(
        name="the moderation threshold",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=Decimal(100),
        example="40",
        required=True,
    )
    panel_share_percent = _percent("the panel share", load_default=None, allow_none=True)
    tie_break = fields.List(
        fields.String(validate=validate.OneOf(TIE_BREAK_KEYS)),
        load_default=list,
        validate=validate.Length(max=len(TIE_BREAK_KEYS)),
    )
    require_rationale = fields.Boolean(required=True)
    anonymise_for_panel = fields.Boolean(required=True)


class CriterionInputSchema(InputSchema):
    """A framework measure (give ``measure_id``) or a tender-specific question (give ``title``,
    ``group`` and ``scale_max``). A pass/fail measure becomes a gate."""

    measure_id = record_id(load_default=None)
    code = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z][A-Z0-9]{0,9}$"))
    title = text(300, required=False)
    question = text(MAX_TEXT, required=False)
    group = fields.String(load_default=None, validate=validate.OneOf(SCORE_GROUPS))
    weight = DecimalInput(
        name="the weight",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=Decimal(100),
        places=4,
        example="10",
        load_default=None,
    )
    scale_max = fields.Integer(load_default=None, validate=validate.OneOf(SCALE_CHOICES))
    minimum_score = DecimalInput(
        name="the minimum score", minimum=Decimal(0), maximum=Decimal(100), load_default=None
    )
    target = DecimalInput(
        name="the target", minimum=Decimal(0), maximum=MAX_QUANTITY, load_default=None
    )
    quantitative_method = fields.String(
        load_default=None, validate=validate.OneOf(QUANTITATIVE_METHODS)
    )

    @validates_schema
    def _question(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("measure_id") is not None:
            return
        errors: dict[str, list[str]] = {}
        if not data.get("title"):
            errors["title"] = ["Give a framework measure_id, or a title for a question"]
        if data.get("group") is None:
            errors["group"] = ["Choose quality or social_value"]
        if data.get("weight") is None:
            errors["weight"] = ["Enter the weight"]
        if data.get("scale_max") is None:
            errors["scale_max"] = ["Choose the top of the scoring scale"]
        if errors:
            raise ValidationError(errors)


class PlanItemSchema(Schema):
    """A criterion or gate just added to the plan."""

    kind = fields.String(required=True, validate=validate.OneOf(("criterion", "gate")))
    criterion = fields.Nested(CriterionSchema, allow_none=True)
    gate = fields.Nested(GateSchema, allow_none=True)


# -- bids --------------------------------------------------------------------------------------


class CommitmentSchema(Schema):
    criterion_id = fields.Integer(required=True)
    quantity = DecimalString(required=True)
    narrative = fields.String(required=True)
    evidence_plan = fields.String(required=True)


class ResponseSchema(Schema):
    criterion_id = fields.Integer(required=True)
    response = fields.String(required=True)


class GateAnswerSchema(Schema):
    gate_id = fields.Integer(required=True)
    passed = fields.Boolean(required=True)
    evidence = fields.String(required=True)


class BidSchema(Schema):
    id = fields.Integer(required=True)
    tender_id = fields.Integer(required=True)
    label = fields.String(required=True)
    supplier_name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Null when supplier names are hidden from you"},
    )
    price = DecimalString(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(BidStatus.ALL))
    entered_by_officer = fields.Boolean(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, attribute="version_id")
    commitments = fields.List(fields.Nested(CommitmentSchema), required=True)
    responses = fields.List(fields.Nested(ResponseSchema), required=True)
    gate_answers = fields.List(fields.Nested(GateAnswerSchema), required=True)


class BidPageSchema(PageSchema):
    items = fields.List(fields.Nested(BidSchema), required=True)


class BidArgsSchema(DatedPageArgsSchema):
    status = fields.String(validate=validate.OneOf(BidStatus.ALL))


class CommitmentInputSchema(InputSchema):
    criterion_id = record_id(required=True)
    quantity = DecimalInput(
        name="the commitment",
        minimum=Decimal(0),
        maximum=MAX_QUANTITY,
        places=4,
        example="12.5",
        load_default=None,
        allow_none=True,
    )
    narrative = text(MAX_TEXT, required=False)
    evidence_plan = text(MAX_TEXT, required=False)


class ResponseInputSchema(InputSchema):
    criterion_id = record_id(required=True)
    response = text(MAX_TEXT, required=False)


class GateAnswerInputSchema(InputSchema):
    gate_id = record_id(required=True)
    passed = fields.Boolean(load_default=None, allow_none=True)
    evidence = text(MAX_TEXT, required=False)


class BidInputSchema(InputSchema):
    supplier_name = text(300)
    price = DecimalInput(
        name="the bid price",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=MAX_MONEY,
        money=True,
        example="250000.50",
        load_default=None,
        allow_none=True,
    )
    commitments = fields.List(
        fields.Nested(CommitmentInputSchema), load_default=list, validate=validate.Length(max=200)
    )
    responses = fields.List(
        fields.Nested(ResponseInputSchema), load_default=list, validate=validate.Length(max=200)
    )
    gate_answers = fields.List(
        fields.Nested(GateAnswerInputSchema), load_default=list, validate=validate.Length(max=200)
    )

    @post_load
    def _to_service(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The services take commitments, responses and answers keyed by criterion/gate id."""
        return {
            "supplier_name": data["supplier_name"].strip(),
            "price": data.get("price"),
            "commitments": {
                c["criterion_id"]: {
                    "quantity": c.get("quantity"),
                    "narrative": c.get("narrative", ""),
                    "evidence_plan": c.get("evidence_plan", ""),
                }
                for c in data["commitments"]
            },
            "responses": {r["criterion_id"]: r.get("response", "") for r in data["responses"]},
            "gate_answers": {
                a["gate_id"]: {"passed": a.get("passed"), "evidence": a.get("evidence", "")}
                for a in data["gate_answers"]
            },
        }


# -- scores, consensus, result, award ----------------------------------------------------------


class IndividualScoreSchema(Schema):
    id = fields.Integer(required=True)
    bid_id = fields.Integer(required=True)
    criterion_id = fields.Integer(required=True)
    score = DecimalString(allow_none=True)
    rationale = fields.String(required=True)
    submitted = fields.Boolean(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, attribute="version_id")


class IndividualScorePageSchema(PageSchema):
    items = fields.List(fields.Nested(IndividualScoreSchema), required=True)


class IndividualScoreInputSchema(InputSchema):
    score = DecimalInput(
        name="the score",
        minimum=Decimal(0),
        maximum=Decimal(100),
        example="3",
        load_default=None,
        allow_none=True,
    )
    rationale = text(MAX_TEXT, required=False)
    submit = fields.Boolean(
        load_default=False,
        metadata={"description": "true submits the score (then it is locked); false saves a draft"},
    )


class ConsensusSchema(Schema):
    id = fields.Integer(required=True)
    bid_id = fields.Integer(required=True)
    criterion_id = fields.Integer(required=True)
    score = DecimalString(required=True)
    reason = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, attribute="version_id")


class ConsensusPageSchema(PageSchema):
    items = fields.List(fields.Nested(ConsensusSchema), required=True)


class ConsensusInputSchema(InputSchema):
    score = DecimalInput(
        name="the consensus score",
        minimum=Decimal(0),
        maximum=Decimal(100),
        example="3",
        required=True,
    )
    reason = text(MAX_TEXT)


class ResultSchema(Schema):
    tender_id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "final, or incomplete while scores or moderation are missing"},
    )
    result = fields.Dict(
        required=True,
        metadata={
            "description": "The scoring engine's canonical result: ranking, per-criterion "
            "breakdown with explanations, moderation, tie breaks, sensitivity and warnings. "
            "Numbers are exact ({numerator, denominator, decimal} objects)."
        },
    )


class AwardInputSchema(InputSchema):
    rationale = text(MAX_TEXT)


class AwardSchema(Schema):
    tender_id = fields.Integer(required=True)
    bid_id = fields.Integer(required=True)
    bid_label = fields.String(required=True)
    decided_at = fields.DateTime(required=True)
    rationale = fields.String(required=True)
    result_hash = fields.String(required=True)


# -- audit -------------------------------------------------------------------------------------


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    sequence = fields.Integer(required=True)
    occurred_at = fields.DateTime(required=True)
    actor_label = fields.String(required=True)
    action = fields.String(required=True)
    entity_type = fields.String(required=True)
    entity_id = fields.String(required=True)
    tender_id = fields.Integer(allow_none=True)
    contract_id = fields.Integer(allow_none=True)
    summary = fields.String(required=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    prev_hash = fields.String(required=True)
    event_hash = fields.String(required=True)


class AuditPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


class AuditArgsSchema(PageArgsSchema):
    tender_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    contract_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    action = fields.String(validate=validate.Length(max=80))
    occurred_from = BoundedDateTime()
    occurred_to = BoundedDateTime()
