"""Input schemas for contract delivery tracking: settings, accrual, people, returns, verification,
queries and remedial actions. Numbers are exact Decimals; dates use the GOV.UK date input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from socialvalue.models.contract import Contract, ContractRole, ReportingFrequency
from socialvalue.schemas.common import FieldErrors, load_form
from socialvalue.schemas.tenders import (
    MAX_ID,
    DecimalText,
    FormSchema,
    FormVersion,
    GovDate,
    text_field,
)

MAX_TEXT = 10_000
MILESTONE_SLOTS = 6


def _choice(choices: tuple[str, ...], message: str) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.OneOf(choices, error=message),
        error_messages={"required": message},
    )


def _record_id(message: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error=message),
        error_messages={"required": message, "invalid": message},
    )


class SettingsInputSchema(FormSchema):
    reporting_frequency = _choice(ReportingFrequency.ALL, "Choose monthly or quarterly")
    green_from = DecimalText(
        name="where green starts",
        minimum=Decimal(0),
        maximum=Decimal(1000),
        places=2,
        example="90",
        required=True,
    )
    amber_from = DecimalText(
        name="where amber starts",
        minimum=Decimal(0),
        maximum=Decimal(1000),
        places=2,
        example="60",
        required=True,
    )
    version = FormVersion(load_default=None)

    @validates_schema
    def _ordered(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        green, amber = data.get("green_from"), data.get("amber_from")
        if green is not None and amber is not None and amber > green:
            raise ValidationError("Amber must start at or below where green starts", "amber_from")


class MemberInputSchema(FormSchema):
    role = _choice(ContractRole.ALL, "Choose a supplier or a panel member")
    user_id = _record_id("Choose a person from the list")


class DecisionInputSchema(FormSchema):
    decision = _choice(("verified", "queried", "rejected"), "Choose verify, query or reject")
    text = text_field("text", required=False, max_length=MAX_TEXT, what="the question or reason")
    version = FormVersion(load_default=None)


class AnswerInputSchema(FormSchema):
    answer = text_field("answer", max_length=MAX_TEXT, what="your answer to the query")
    revised_quantity = DecimalText(
        name="the corrected figure",
        minimum=Decimal(0),
        maximum=Decimal(10) ** 12 - 1,
        places=6,
        example="1.5",
        load_default=None,
    )
    version = FormVersion(load_default=None)


class RemedialActionInputSchema(FormSchema):
    date_fields = ("due_on",)
    kpi_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error="Choose a KPI from the list"),
        error_messages={"invalid": "Choose a KPI from the list"},
    )
    note = text_field("note", max_length=MAX_TEXT, what="the action to be taken")
    owner = text_field("owner", max_length=200, what="who owns this action")
    due_on = GovDate(name="the date the action is due", required=True)

    def load(self, data: Mapping[str, Any], **kwargs: Any) -> Any:  # type: ignore[override]
        data = dict(data)
        if str(data.get("kpi_id", "")).strip() == "":
            data["kpi_id"] = None
        return super().load(data, **kwargs)


def load_return_form(
    contract: Contract, form: Mapping[str, Any]
) -> tuple[dict[str, Any], FieldErrors]:
    """The return form: a period (its end date), a quantity per KPI (checked by the service,
    which gives the messages), a narrative. Returns (data, errors)."""
    errors: FieldErrors = {}
    period_text = str(form.get("period_end", "") or "").strip()
    period_end = None
    if period_text:
        try:
            period_end = dt.date.fromisoformat(period_text)
        except ValueError:
            errors["period_end"] = ["Choose a reporting period from the list"]
    narrative = str(form.get("narrative", "") or "")
    if len(narrative) > MAX_TEXT:
        errors["narrative"] = [f"The description must be {MAX_TEXT:,} characters or fewer"]
    quantities = {kpi.id: str(form.get(f"quantity-{kpi.id}", "") or "") for kpi in contract.kpis}
    return {"period_end": period_end, "quantities": quantities, "narrative": narrative}, errors


def load_accrual_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """Even accrual, or up to MILESTONE_SLOTS dated cumulative quantities (blank slots ignored)."""
    errors: FieldErrors = {}
    accrual = str(form.get("accrual", "") or "").strip()
    if accrual not in ("even", "milestones"):
        return {}, {"accrual": ["Choose even accrual or dated milestones"]}
    version, version_errors = load_form(_VersionOnly(), form)
    errors.update(version_errors)
    milestones: list[tuple[dt.date, Decimal]] = []
    if accrual == "milestones":
        for slot in range(1, MILESTONE_SLOTS + 1):
            name = f"milestone_{slot}"
            parts = [
                str(form.get(f"{name}-{p}", "") or "").strip() for p in ("day", "month", "year")
            ]
            quantity_text = str(form.get(f"{name}_quantity", "") or "").strip()
            if not any(parts) and not quantity_text:
                continue
            data, slot_errors = load_form(
                _MilestoneSchema(),
                {
                    f"{name}-day": parts[0],
                    f"{name}-month": parts[1],
                    f"{name}-year": parts[2],
                    "due_on": None,
                    "quantity": quantity_text,
                    "_name": name,
                },
            )
            if slot_errors:
                for key, messages in slot_errors.items():
                    target = name if key == "due_on" else f"{name}_quantity"
                    errors.setdefault(target, []).extend(messages)
                continue
            milestones.append((data["due_on"], data["quantity"]))
    if errors:
        return {}, errors
    return {"accrual": accrual, "milestones": milestones, "version": version.get("version")}, {}


class _VersionOnly(FormSchema):
    version = FormVersion(load_default=None)


class _MilestoneSchema(FormSchema):
    due_on = GovDate(name="the milestone date", required=True)
    quantity = DecimalText(
        name="the cumulative quantity",
        minimum=Decimal(0),
        maximum=Decimal(10) ** 12 - 1,
        places=6,
        example="3",
        required=True,
    )

    def load(self, data: Mapping[str, Any], **kwargs: Any) -> Any:  # type: ignore[override]
        data = dict(data)
        name = data.pop("_name")
        data["due_on"] = {
            "day": data.pop(f"{name}-day"),
            "month": data.pop(f"{name}-month"),
            "year": data.pop(f"{name}-year"),
        }
        return super().load(data, **kwargs)
