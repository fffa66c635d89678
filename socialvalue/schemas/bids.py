"""Input schema for a bid: price, commitments, written responses and pass/fail answers.

The fields depend on the tender's plan, so the schema is built per tender. Field names match
the keys the bids service reports errors under (``price``, ``commitment-<criterion id>``,
``gate-<gate id>``), so every message appears next to its own input.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import fields

from socialvalue.models.tender import Tender
from socialvalue.schemas.common import FieldErrors, load_form
from socialvalue.schemas.tenders import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_TEXT,
    DecimalText,
    FormSchema,
    FormVersion,
    OptionalChoice,
    text_field,
)


def commitment_field(criterion_id: int) -> str:
    return f"commitment-{criterion_id}"


def response_field(criterion_id: int) -> str:
    return f"response-{criterion_id}"


def gate_field(gate_id: int) -> str:
    return f"gate-{gate_id}"


def bid_input_schema(tender: Tender) -> FormSchema:
    """A schema for this tender's bid form."""
    declared: dict[str, fields.Field] = {
        "supplier_name": text_field("supplier_name", what="the supplier's name"),
        "price": DecimalText(
            name="the bid price",
            minimum=Decimal(0),
            above_minimum=True,
            maximum=MAX_MONEY,
            money=True,
            example="105000 or 105000.50",
            load_default=None,
        ),
        "version": FormVersion(load_default=None),
    }
    for criterion in tender.criteria:
        if criterion.kind == "quantitative":
            name = commitment_field(criterion.id)
            declared[name] = DecimalText(
                name=f"the commitment for {criterion.code}",
                minimum=Decimal(0),
                maximum=MAX_QUANTITY,
                places=4,
                example="4 or 2.5",
                load_default=None,
            )
            declared[f"{name}-narrative"] = text_field(
                f"{name}-narrative",
                required=False,
                max_length=MAX_TEXT,
                what=f"how the {criterion.code} commitment will be delivered",
            )
            declared[f"{name}-evidence_plan"] = text_field(
                f"{name}-evidence_plan",
                required=False,
                max_length=MAX_TEXT,
                what=f"the evidence plan for {criterion.code}",
            )
        else:
            declared[response_field(criterion.id)] = text_field(
                response_field(criterion.id),
                required=False,
                max_length=MAX_TEXT,
                what=f"the response to {criterion.code}",
            )
    for gate in tender.gates:
        name = gate_field(gate.id)
        declared[name] = OptionalChoice(
            ("yes", "no"), f"Answer yes or no for {gate.code}", load_default=None
        )
        declared[f"{name}-evidence"] = text_field(
            f"{name}-evidence",
            required=False,
            max_length=MAX_TEXT,
            what=f"the evidence for {gate.code}",
        )
    schema_class = FormSchema.from_dict(declared, name=f"BidInputSchemaTender{tender.id}")
    return schema_class()  # type: ignore[return-value]


def to_bid_data(tender: Tender, loaded: Mapping[str, Any]) -> dict[str, Any]:
    """Form fields -> the shape the bids service takes."""
    commitments: dict[int, dict[str, Any]] = {}
    responses: dict[int, str] = {}
    gate_answers: dict[int, dict[str, Any]] = {}
    for criterion in tender.criteria:
        if criterion.kind == "quantitative":
            name = commitment_field(criterion.id)
            commitments[criterion.id] = {
                "quantity": loaded.get(name),
                "narrative": loaded.get(f"{name}-narrative", ""),
                "evidence_plan": loaded.get(f"{name}-evidence_plan", ""),
            }
        else:
            responses[criterion.id] = loaded.get(response_field(criterion.id), "")
    for gate in tender.gates:
        name = gate_field(gate.id)
        answer = loaded.get(name)
        gate_answers[gate.id] = {
            "passed": None if answer is None else answer == "yes",
            "evidence": loaded.get(f"{name}-evidence", ""),
        }
    return {
        "supplier_name": loaded["supplier_name"],
        "price": loaded.get("price"),
        "commitments": commitments,
        "responses": responses,
        "gate_answers": gate_answers,
    }


def load_bid_form(
    tender: Tender, form: Mapping[str, Any]
) -> tuple[dict[str, Any], int | None, FieldErrors]:
    """Validate a submitted bid form: (service data, expected version, errors)."""
    loaded, errors = load_form(bid_input_schema(tender), form)
    if errors:
        return {}, None, errors
    return to_bid_data(tender, loaded), loaded.get("version"), {}
