"""Input schemas for the evaluation pages: declarations, scores, consensus and the award."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from socialvalue.schemas.common import BaseInputSchema

# Scores are typed or chosen as plain decimals: no exponents, no thousands separators, at most
# two decimal places. A sign is allowed so that "-1" gets the "must be between" message.
SCORE_PATTERN = re.compile(r"-?\d{1,7}(\.\d{1,2})?")
MAX_TEXT = 20_000
STALE_FORM = "The form was out of date or incomplete: reload the page and try again"


class ScoreField(fields.Field[Decimal | None]):
    """A score typed or chosen on a form: blank -> None, otherwise an exact Decimal."""

    default_error_messages = {
        "invalid": "Enter the score as a number, for example 3 or 72.5",
        "required": "Choose a score",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = value.strip()
        if text == "":
            return None
        if not SCORE_PATTERN.fullmatch(text):
            raise self.make_error("invalid")
        return Decimal(text)


def _version_field() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=0, max=2**31 - 1, error=STALE_FORM),
        error_messages={"invalid": STALE_FORM},
    )


class VersionedInputSchema(BaseInputSchema):
    """A form carrying the record's version for optimistic concurrency (0: no record yet)."""

    version = _version_field()

    @pre_load
    def blank_version_is_missing(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and str(data.get("version", "")).strip() == "":
            data = {key: value for key, value in data.items() if key != "version"}
        return data


class DeclarationInputSchema(BaseInputSchema):
    """Conflict-of-interest declaration (Procurement Act 2023 ss.81-83)."""

    has_interest = fields.String(
        required=True,
        validate=validate.OneOf(
            ("no", "yes"), error="Select whether you have an interest to declare"
        ),
        error_messages={"required": "Select whether you have an interest to declare"},
    )
    conflict_details = fields.String(
        load_default="",
        validate=validate.Length(
            max=MAX_TEXT, error=f"Describe the interest in {MAX_TEXT:,} characters or fewer"
        ),
    )

    @validates_schema
    def details_when_interest(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("has_interest") == "yes" and not data.get("conflict_details", "").strip():
            raise ValidationError(
                "Describe the interest you are declaring", field_name="conflict_details"
            )

    @post_load
    def to_service_arguments(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        has_conflict = data["has_interest"] == "yes"
        return {
            "has_conflict": has_conflict,
            "details": data.get("conflict_details", "").strip() if has_conflict else "",
        }


class ScoreInputSchema(VersionedInputSchema):
    """An evaluator's own score: saved as a draft or submitted (then locked)."""

    score = ScoreField(load_default=None)
    rationale = fields.String(
        load_default="",
        validate=validate.Length(
            max=MAX_TEXT, error=f"Write the justification in {MAX_TEXT:,} characters or fewer"
        ),
    )
    action = fields.String(
        load_default="draft",
        validate=validate.OneOf(("draft", "submit"), error="Choose Save as draft or Submit score"),
    )


class ConsensusInputSchema(VersionedInputSchema):
    """The moderated consensus score for one bid on one criterion, with the agreed reason."""

    score = ScoreField(required=True, error_messages={"required": "Enter the consensus score"})
    reason = fields.String(
        load_default="",
        validate=validate.Length(
            max=MAX_TEXT, error=f"Write the reason in {MAX_TEXT:,} characters or fewer"
        ),
    )

    @validates_schema(skip_on_field_errors=False)
    def score_and_reason(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if "score" in data and data["score"] is None:
            errors["score"] = ["Enter the consensus score"]
        if not data.get("reason", "").strip():
            errors["reason"] = ["Record the reason for the consensus score"]
        if errors:
            raise ValidationError(errors)


class AwardInputSchema(VersionedInputSchema):
    """The award decision's rationale."""

    rationale = fields.String(
        load_default="",
        validate=validate.Length(
            max=MAX_TEXT, error=f"Write the reasons in {MAX_TEXT:,} characters or fewer"
        ),
    )

    @validates_schema(skip_on_field_errors=False)
    def rationale_required(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("rationale", "").strip():
            raise ValidationError(
                "Record the reasons for the award decision", field_name="rationale"
            )
