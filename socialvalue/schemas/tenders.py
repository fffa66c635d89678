"""Input schemas for setting up a tender: details, evaluation rules, criteria, gates, people.

Numbers people type are parsed to exact Decimals (never floats), with commas, spaces and a
leading "£" allowed. Dates use the GOV.UK date input pattern: three fields named
``<name>-day``, ``<name>-month`` and ``<name>-year`` (and ``<name>-time`` for a date and time),
combined before validation so that errors are reported against ``<name>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from socialvalue.schemas.common import BaseInputSchema
from socialvalue.scoring import (
    MODERATION_MODES,
    PRICE_METHODS,
    QUANTITATIVE_METHODS,
    TIE_BREAK_KEYS,
)
from socialvalue.uk_time import NotAUkTime, from_uk_clock

# Primary keys are 32-bit integers on PostgreSQL; anything larger cannot name a record.
MAX_ID = 2**31 - 1
# £1 trillion: far above any public contract, far below anything that could overflow storage.
MAX_MONEY = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 12
MAX_TEXT = 20_000
MAX_CANCELLATION_REASON = 2_000
TIE_BREAK_SLOTS = 4
SCALE_CHOICES = (4, 5, 10, 100)
SCORE_GROUPS = ("quality", "social_value")
MEMBER_ROLES = ("evaluator", "panel", "supplier")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def plain_number(number: Decimal) -> str:
    """A number as people write it: 100, 0.5, 1,000,000,000,000 (no rounding)."""
    return f"{number.normalize():,f}"


class DecimalText(fields.Field):
    """A decimal number typed into a form, as an exact Decimal.

    ``name`` is how messages refer to the value ("the bid price"); ``money`` prefixes bounds
    with £. Blank input is None for optional fields and "Enter ..." for required ones.
    """

    def __init__(
        self,
        *,
        name: str,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        above_minimum: bool = False,
        places: int = 2,
        example: str = "10",
        money: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name_text = name
        self.minimum = minimum
        self.maximum = maximum
        self.above_minimum = above_minimum
        self.places = places
        self.example = example
        self.money = money

    def _bound(self, value: Decimal) -> str:
        return ("£" if self.money else "") + plain_number(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal | None:
        text = re.sub(r"[\s,]", "", str(value))
        if text.startswith("£"):
            text = text[1:]
        elif text.startswith("-£"):
            text = "-" + text[2:]
        if text == "":
            if self.required:
                raise ValidationError(f"Enter {self.name_text}")
            return None
        if not _NUMBER.fullmatch(text):
            raise ValidationError(
                f"{_sentence(self.name_text)} must be a number, like {self.example}"
            )
        if len(text.lstrip("+-").split(".")[0].lstrip("0")) > 30 and self.maximum is not None:
            # Far beyond any bound; say so without doing arithmetic on a huge number.
            raise ValidationError(
                f"{_sentence(self.name_text)} must be {self._bound(self.maximum)} or less"
                if not text.startswith("-")
                else f"{_sentence(self.name_text)} must be {self._bound(self.minimum or 0)} or more"
            )
        try:
            number = Decimal(text)
        except InvalidOperation as error:  # pragma: no cover - the pattern above prevents it
            raise ValidationError(
                f"{_sentence(self.name_text)} must be a number, like {self.example}"
            ) from error
        if self.minimum is not None:
            if self.above_minimum and number <= self.minimum:
                raise ValidationError(
                    f"{_sentence(self.name_text)} must be more than {self._bound(self.minimum)}"
                )
            if not self.above_minimum and number < self.minimum:
                raise ValidationError(
                    f"{_sentence(self.name_text)} must be {self._bound(self.minimum)} or more"
                )
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(
                f"{_sentence(self.name_text)} must be {self._bound(self.maximum)} or less"
            )
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            if self.places == 0:
                raise ValidationError(f"{_sentence(self.name_text)} must be a whole number")
            raise ValidationError(
                f"{_sentence(self.name_text)} can have at most {self.places} decimal places"
            )
        return number


class OptionalChoice(fields.String):
    """A choice from ``choices``; a blank answer is None (for "none of these")."""

    def __init__(self, choices: tuple[str, ...], message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = str(value).strip()
        if text == "":
            return None
        if text not in self.choices:
            raise ValidationError(self.message)
        return text


class FormVersion(fields.Field):
    """The record version a form was loaded with (optimistic concurrency); blank is None."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        text = str(value).strip()
        if text == "":
            return None
        if not text.isdecimal() or len(text) > 9:
            raise ValidationError("This form is out of date: reload the page and try again")
        return int(text)


def _digits(text: str, name: str, max_length: int) -> int | None:
    if text == "":
        return None
    if not text.isdecimal() or len(text) > max_length:
        raise ValidationError(f"{_sentence(name)} must be a real date")
    return int(text)


class GovDate(fields.Field):
    """The GOV.UK date input: a mapping of day, month and year, combined by the schema."""

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name_text = name

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, Mapping):
            raise ValidationError(f"Enter {self.name_text}")
        parts = {key: str(value.get(key, "") or "").strip() for key in ("day", "month", "year")}
        if not any(parts.values()):
            raise ValidationError(f"Enter {self.name_text}")
        missing = [key for key in ("day", "month", "year") if not parts[key]]
        if missing:
            raise ValidationError(
                f"{_sentence(self.name_text)} must include a {' and '.join(missing)}"
            )
        day = _digits(parts["day"], self.name_text, 2)
        month = _digits(parts["month"], self.name_text, 2)
        if len(parts["year"]) != 4 or not parts["year"].isdecimal():
            raise ValidationError("The year must include 4 numbers, like 2027")
        year = int(parts["year"])
        try:
            date = dt.date(year, month or 0, day or 0)
        except ValueError as error:
            raise ValidationError(f"{_sentence(self.name_text)} must be a real date") from error
        if not 2000 <= year <= 2200:
            raise ValidationError(f"{_sentence(self.name_text)} must be between 2000 and 2200")
        return date


class GovDateTime(GovDate):
    """A GOV.UK date input plus a 24-hour time ("17:00") on the UK clock, as an aware UTC
    datetime."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:  # type: ignore[override]
        date = super()._deserialize(value, attr, data, **kwargs)
        time_text = str(value.get("time", "") or "").strip()
        if time_text == "":
            raise ValidationError(f"Enter the time of {self.name_text}, like 17:00")
        match = _TIME.fullmatch(time_text)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValidationError(
                f"Enter the time of {self.name_text} on the 24-hour clock, like 17:00"
            )
        try:
            return from_uk_clock(date, dt.time(int(match.group(1)), int(match.group(2))))
        except NotAUkTime as error:
            raise ValidationError(str(error)) from error


def text_field(
    name: str, *, required: bool = True, max_length: int = 300, what: str | None = None
) -> fields.String:
    what = what or name
    messages = {"required": f"Enter {what}"}
    if required:
        return fields.String(
            required=True,
            validate=[
                validate.Length(min=1, error=f"Enter {what}"),
                validate.Length(
                    max=max_length,
                    error=f"{_sentence(what)} must be {max_length:,} characters or fewer",
                ),
            ],
            error_messages=messages,
        )
    return fields.String(
        load_default="",
        validate=validate.Length(
            max=max_length, error=f"{_sentence(what)} must be {max_length:,} characters or fewer"
        ),
    )


def _record_id(message: str, *, required: bool = True) -> fields.Integer:
    return fields.Integer(
        required=required,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error=message),
        error_messages={"required": message, "invalid": message},
    )


class FormSchema(BaseInputSchema):
    """Strips text and combines GOV.UK date inputs before validation."""

    date_fields: tuple[str, ...] = ()
    datetime_fields: tuple[str, ...] = ()

    @pre_load
    def _combine(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        clean = {
            key: value.strip() if isinstance(value, str) else value for key, value in data.items()
        }
        for name in (*self.date_fields, *self.datetime_fields):
            parts = {part: clean.get(f"{name}-{part}", "") for part in ("day", "month", "year")}
            if name in self.datetime_fields:
                parts["time"] = clean.get(f"{name}-time", "")
            clean[name] = parts
        return clean


class TenderDetailsInputSchema(FormSchema):
    date_fields = ("contract_start", "contract_end")
    datetime_fields = ("bid_deadline",)

    reference = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error="Enter the tender reference"),
            validate.Length(max=60, error="The reference must be 60 characters or fewer"),
            validate.Regexp(
                r"[A-Za-z0-9][A-Za-z0-9 ./_-]*",
                error="The reference can only contain letters, numbers, spaces and . / _ -",
            ),
        ],
        error_messages={"required": "Enter the tender reference"},
    )
    title = text_field("title", what="the tender title")
    buyer = text_field("buyer", what="the buying organisation")
    description = text_field(
        "description", required=False, max_length=MAX_TEXT, what="the description"
    )
    estimated_value = DecimalText(
        name="the estimated contract value",
        minimum=Decimal(0),
        maximum=MAX_MONEY,
        money=True,
        example="250000 or 250000.50",
        required=True,
        error_messages={"required": "Enter the estimated contract value"},
    )
    contract_start = GovDate(name="the contract start date", required=True)
    contract_end = GovDate(name="the contract end date", required=True)
    bid_deadline = GovDateTime(name="the bid deadline", required=True)
    version = FormVersion(load_default=None)

    @validates_schema
    def _contract_term(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            raise ValidationError(
                "The contract end date must be after its start date", "contract_end"
            )


class TenderCreateInputSchema(TenderDetailsInputSchema):
    framework_version_id = _record_id("Choose the framework version this tender will use")


class PlanRulesInputSchema(FormSchema):
    weight_price = DecimalText(
        name="the price weight",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=4,
        example="40",
        required=True,
        error_messages={"required": "Enter the price weight"},
    )
    weight_quality = DecimalText(
        name="the quality weight",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=4,
        example="40",
        required=True,
        error_messages={"required": "Enter the quality weight"},
    )
    weight_social_value = DecimalText(
        name="the social value weight",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=4,
        example="20",
        required=True,
        error_messages={"required": "Enter the social value weight"},
    )
    price_method = fields.String(
        required=True,
        validate=validate.OneOf(PRICE_METHODS, error="Choose how price is scored"),
        error_messages={"required": "Choose how price is scored"},
    )
    quantitative_method = fields.String(
        required=True,
        validate=validate.OneOf(QUANTITATIVE_METHODS, error="Choose how commitments are scored"),
        error_messages={"required": "Choose how commitments are scored"},
    )
    moderation_mode = fields.String(
        required=True,
        validate=validate.OneOf(MODERATION_MODES, error="Choose the moderation rule"),
        error_messages={"required": "Choose the moderation rule"},
    )
    flag_range_percent = DecimalText(
        name="the moderation threshold",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=Decimal(100),
        places=2,
        example="40",
        required=True,
        error_messages={"required": "Enter the moderation threshold"},
    )
    panel_share_percent = DecimalText(
        name="the panel share",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=2,
        example="30",
        load_default=None,
    )
    require_rationale = fields.String(
        required=True,
        validate=validate.OneOf(("yes", "no"), error="Choose whether scores need a justification"),
        error_messages={"required": "Choose whether scores need a justification"},
    )
    anonymise_for_panel = fields.String(
        required=True,
        validate=validate.OneOf(("yes", "no"), error="Choose whether to hide supplier names"),
        error_messages={"required": "Choose whether to hide supplier names"},
    )
    version = FormVersion(load_default=None)

    @pre_load
    def _tie_break_slots(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        clean = dict(data)
        clean["tie_break"] = [
            str(clean.get(f"tie_break_{slot}", "") or "").strip()
            for slot in range(1, TIE_BREAK_SLOTS + 1)
        ]
        return clean

    tie_break = fields.List(
        OptionalChoice(TIE_BREAK_KEYS, "Choose a tie-break rule from the list"),
        load_default=list,
    )

    @validates_schema
    def _rules(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        weights = [data.get(n) for n in ("weight_price", "weight_quality", "weight_social_value")]
        if all(w is not None for w in weights):
            total = sum(weights, Decimal(0))
            if total != 100:
                errors["weights"] = [
                    "The price, quality and social value weights must add up to 100: they "
                    f"add up to {plain_number(total)}"
                ]
        if (
            data.get("price_method") == "price_per_quality_point"
            and data.get("weight_price") is not None
            and data["weight_price"] != 0
        ):
            errors.setdefault("weight_price", []).append(
                "Price per quality point ranks bids by cost per point, so price is not scored "
                "as points: set the price weight to 0, or choose another price method"
            )
        chosen = [key for key in data.get("tie_break", []) if key]
        if len(chosen) != len(set(chosen)):
            errors["tie_break"] = ["Use each tie-break rule only once"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_service(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["tie_break"] = [key for key in data.get("tie_break", []) if key]
        data["require_rationale"] = data["require_rationale"] == "yes"
        data["anonymise_for_panel"] = data["anonymise_for_panel"] == "yes"
        return data


def _weight_field(**kwargs: Any) -> DecimalText:
    return DecimalText(
        name="the weight",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=Decimal(100),
        places=4,
        example="10",
        **kwargs,
    )


class QuestionInputSchema(FormSchema):
    """A tender-specific quality question scored on a 0-N scale."""

    title = text_field("title", what="the criterion title")
    question = text_field("question", required=False, max_length=MAX_TEXT, what="the question")
    group = fields.String(
        required=True,
        validate=validate.OneOf(SCORE_GROUPS, error="Choose quality or social value"),
        error_messages={"required": "Choose quality or social value"},
    )
    scale_max = fields.Integer(
        required=True,
        strict=False,
        validate=validate.OneOf(SCALE_CHOICES, error="Choose the scoring scale"),
        error_messages={
            "required": "Choose the scoring scale",
            "invalid": "Choose the scoring scale",
        },
    )
    weight = _weight_field(required=True, error_messages={"required": "Enter the weight"})
    minimum_score = DecimalText(
        name="the minimum score", minimum=Decimal(0), places=2, example="2", load_default=None
    )

    @validates_schema
    def _minimum_on_scale(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        minimum, top = data.get("minimum_score"), data.get("scale_max")
        if minimum is not None and top is not None and minimum > top:
            raise ValidationError(
                f"The minimum score must be on the 0 to {top} scale", "minimum_score"
            )


class MeasureInputSchema(FormSchema):
    """A criterion (or, for a pass/fail measure, a gate) from the pinned framework version."""

    measure_id = _record_id("Choose a measure from the framework")
    group = OptionalChoice(SCORE_GROUPS, "Choose quality or social value", load_default=None)
    weight = _weight_field(load_default=None)
    minimum_score = DecimalText(
        name="the minimum",
        minimum=Decimal(0),
        maximum=MAX_QUANTITY,
        places=4,
        example="2",
        load_default=None,
    )
    target = DecimalText(
        name="the target",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=MAX_QUANTITY,
        places=4,
        example="10",
        load_default=None,
    )
    quantitative_method = OptionalChoice(
        QUANTITATIVE_METHODS, "Choose how commitments are scored", load_default=None
    )


class CriterionEditInputSchema(FormSchema):
    title = text_field("title", what="the criterion title")
    question = text_field("question", required=False, max_length=MAX_TEXT, what="the question")
    weight = _weight_field(required=True, error_messages={"required": "Enter the weight"})
    minimum_score = DecimalText(
        name="the minimum",
        minimum=Decimal(0),
        maximum=MAX_QUANTITY,
        places=4,
        example="2",
        load_default=None,
    )
    target = DecimalText(
        name="the target",
        minimum=Decimal(0),
        above_minimum=True,
        maximum=MAX_QUANTITY,
        places=4,
        example="10",
        load_default=None,
    )
    quantitative_method = OptionalChoice(
        QUANTITATIVE_METHODS, "Choose how commitments are scored", load_default=None
    )


class GateInputSchema(FormSchema):
    title = text_field("title", what="what the bidder must meet")
    evidence_expected = text_field(
        "evidence_expected", required=False, max_length=MAX_TEXT, what="the evidence expected"
    )


class MemberInputSchema(FormSchema):
    """Add a person to the tender; evaluators and panel members also get criteria to score."""

    user_id = _record_id("Choose a person")
    criterion_ids = fields.List(
        fields.Integer(
            strict=False,
            validate=validate.Range(min=1, max=MAX_ID, error="Choose criteria from the list"),
            error_messages={"invalid": "Choose criteria from the list"},
        ),
        load_default=list,
    )


class CancelTenderInputSchema(FormSchema):
    """Cancel a tender: why (kept on the tender and in its history), and the version seen."""

    reason = text_field(
        "reason", max_length=MAX_CANCELLATION_REASON, what="why the tender is being cancelled"
    )
    version = FormVersion(load_default=None)
