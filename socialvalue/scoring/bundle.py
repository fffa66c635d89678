"""Tender bundle JSON (format version 1) and canonical result JSON.

A *tender bundle* is everything needed to score a tender: the evaluation plan, the bids, the
individual and consensus scores. Its JSON format is described by
``docs/tender-bundle.schema.json`` (JSON Schema draft 2020-12). Decimal numbers are JSON
strings (``"105000.00"``) or integers, never JSON fractions/floats, so nothing is lost;
ratios (moderation threshold, panel share) may also be written as fractions (``"2/5"``).

``load_bundle`` checks the *shape* of the JSON (types, required and unknown keys) and reports
every shape problem at once in a ``BundleValidationError``; whether the content makes sense
(weights summing to 100, scores inside their scale...) is ``validate_bundle``'s job.

``result_to_json`` is canonical: sorted keys, fixed separators and indentation, no floats and
no timestamps, ending in a newline, so the same bundle always produces byte-identical output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final, TypeVar

from .results import EvaluationResult
from .types import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    FrozenMap,
    Gate,
    GroupWeights,
    IndividualScore,
    MeasureRef,
    ModerationRule,
    PanelShare,
    Scale,
    ScaleDescriptor,
    TenderBundle,
)
from .validation import BundleValidationError, Problem

__all__ = ["bundle_to_dict", "bundle_to_json", "canonical_json", "load_bundle", "result_to_json"]

_DECIMAL_RE: Final = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_RATIO_RE: Final = re.compile(r"^-?[0-9]+(\.[0-9]+)?$|^-?[0-9]+/[0-9]+$")

T = TypeVar("T")
JSONObject = dict[str, Any]


def canonical_json(data: object) -> str:
    """Serialise JSON-ready data canonically (sorted keys, 2-space indent, final newline)."""
    return (
        json.dumps(data, sort_keys=True, indent=2, separators=(",", ": "), ensure_ascii=False)
        + "\n"
    )


def result_to_json(result: EvaluationResult) -> str:
    """The canonical JSON of a result: byte-identical every time for the same bundle."""
    return canonical_json(result.to_dict())


def bundle_to_json(bundle: TenderBundle) -> str:
    """The canonical JSON of a bundle (loadable with ``load_bundle``)."""
    return canonical_json(bundle_to_dict(bundle))


# -- reading ------------------------------------------------------------------------------------


class _DuplicateKeys:
    """json object hook that remembers keys given twice in one object (json keeps the last)."""

    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                self.duplicates.append(key)
            result[key] = value
        return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a tender bundle")


def load_bundle(source: str | bytes | Mapping[str, Any]) -> TenderBundle:
    """Read a tender bundle from JSON text (or an already-parsed dict).

    Raises ``BundleValidationError`` listing every problem with the JSON's shape, including
    malformed JSON (with its line and column).
    """
    duplicates = _DuplicateKeys()
    if isinstance(source, (str, bytes)):
        try:
            data = json.loads(
                source,
                object_pairs_hook=duplicates,
                parse_float=Decimal,
                parse_constant=_refuse_constant,
            )
        except json.JSONDecodeError as error:
            raise BundleValidationError(
                [
                    Problem(
                        "$",
                        f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
                    )
                ]
            ) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise BundleValidationError([Problem("$", f"not valid JSON: {error}")]) from None
    else:
        data = source
    reader = _Reader()
    for key in duplicates.duplicates:
        reader.add("$", f"the key {key!r} appears twice in one JSON object")
    bundle = reader.bundle(data)
    if reader.problems or bundle is None:
        raise BundleValidationError(reader.problems)
    return bundle


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def record(
        self, path: str, value: object, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.add(path, f"must be a JSON object, not {_json_type(value)}")
            return None
        for key in required:
            if key not in value:
                self.add(path, f"missing required key {key!r}")
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.add(
                    f"{path}.{key}", f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"
                )
        return value

    def mapping(self, path: str, value: object) -> Mapping[str, Any]:
        """A free-form JSON object (id -> value), such as a bid's commitments."""
        if not isinstance(value, Mapping):
            self.add(path, f"must be a JSON object, not {_json_type(value)}")
            return {}
        return value

    def array(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list):
            self.add(path, f"must be a JSON array, not {_json_type(value)}")
            return []
        return value

    def text(self, path: str, value: object) -> str:
        if not isinstance(value, str):
            self.add(path, f"must be a string, not {_json_type(value)}")
            return ""
        return value

    def optional_text(self, path: str, value: object) -> str | None:
        return None if value is None else self.text(path, value)

    def integer(self, path: str, value: object) -> int:
        if type(value) is not int:
            self.add(path, f"must be a whole number, not {_json_type(value)}")
            return 0
        return value

    def boolean(self, path: str, value: object) -> bool:
        if type(value) is not bool:
            self.add(path, f"must be true or false, not {_json_type(value)}")
            return False
        return value

    def decimal(self, path: str, value: object) -> Decimal:
        if type(value) is int:
            return Decimal(value)
        if isinstance(value, str) and _DECIMAL_RE.match(value):
            return Decimal(value)
        if isinstance(value, (Decimal, float)):
            self.add(
                path,
                f'write decimal numbers as strings to keep them exact, e.g. "{value}" '
                "instead of a bare JSON number",
            )
        else:
            self.add(
                path, f'must be a decimal number as a string (e.g. "105000.00"), not {value!r}'
            )
        return Decimal(0)

    def optional_decimal(self, path: str, value: object) -> Decimal | None:
        return None if value is None else self.decimal(path, value)

    def ratio(self, path: str, value: object) -> Fraction:
        if type(value) is int:
            return Fraction(value)
        if isinstance(value, str) and _RATIO_RE.match(value):
            try:
                return Fraction(value)
            except ZeroDivisionError:
                self.add(path, f"{value!r} divides by zero")
                return Fraction(0)
        self.add(path, f'must be a ratio as a string (e.g. "2/5" or "0.4"), not {value!r}')
        return Fraction(0)

    def items(
        self, path: str, value: object, read: Callable[[str, object], T | None]
    ) -> tuple[T, ...]:
        read_items = (
            read(f"{path}[{index}]", item) for index, item in enumerate(self.array(path, value))
        )
        return tuple(item for item in read_items if item is not None)

    # -- the format ---------------------------------------------------------------------------

    def bundle(self, data: object) -> TenderBundle | None:
        obj = self.record(
            "$", data, ("format_version", "plan", "bids"), ("individual_scores", "consensus")
        )
        if obj is None:
            return None
        version = obj.get("format_version")
        if version != 1 or type(version) is not int:
            self.add("format_version", f"format version {version!r} is not supported (expected 1)")
        plan = self.plan("plan", obj["plan"]) if "plan" in obj else None
        bids = self.items("bids", obj.get("bids", []), self.bid)
        scores = self.items("individual_scores", obj.get("individual_scores", []), self.score)
        consensus = self.items("consensus", obj.get("consensus", []), self.consensus)
        if plan is None:
            return None
        return TenderBundle(plan, bids, scores, consensus, 1)

    def plan(self, path: str, value: object) -> EvaluationPlan | None:
        obj = self.record(
            path,
            value,
            ("tender_id", "title", "group_weights", "criteria"),
            (
                "gates",
                "price_method",
                "quantitative_method",
                "moderation",
                "panel_share",
                "tie_break",
                "require_rationale",
                "currency",
            ),
        )
        if obj is None:
            return None
        weights = self.record(
            f"{path}.group_weights",
            obj.get("group_weights"),
            ("price", "quality", "social_value"),
        )
        group_weights = GroupWeights(
            *(
                self.decimal(f"{path}.group_weights.{group}", (weights or {}).get(group, 0))
                for group in ("price", "quality", "social_value")
            )
        )
        moderation = ModerationRule()
        if obj.get("moderation") is not None:
            rule = self.record(
                f"{path}.moderation", obj["moderation"], (), ("mode", "flag_range_fraction")
            )
            if rule is not None:
                moderation = ModerationRule(
                    self.text(f"{path}.moderation.mode", rule.get("mode", moderation.mode)),
                    self.ratio(
                        f"{path}.moderation.flag_range_fraction",
                        rule.get("flag_range_fraction", "2/5"),
                    ),
                )
        panel_share = None
        if obj.get("panel_share") is not None:
            share = self.record(
                f"{path}.panel_share", obj["panel_share"], ("share",), ("applies_to_group",)
            )
            if share is not None:
                panel_share = PanelShare(
                    self.ratio(f"{path}.panel_share.share", share.get("share", 0)),
                    self.text(
                        f"{path}.panel_share.applies_to_group",
                        share.get("applies_to_group", "social_value"),
                    ),
                )
        return EvaluationPlan(
            tender_id=self.text(f"{path}.tender_id", obj.get("tender_id", "")),
            title=self.text(f"{path}.title", obj.get("title", "")),
            group_weights=group_weights,
            criteria=self.items(f"{path}.criteria", obj.get("criteria", []), self.criterion),
            gates=self.items(f"{path}.gates", obj.get("gates", []), self.gate),
            price_method=self.text(
                f"{path}.price_method", obj.get("price_method", "lowest_price_ratio")
            ),
            quantitative_method=self.text(
                f"{path}.quantitative_method", obj.get("quantitative_method", "relative_to_best")
            ),
            moderation=moderation,
            panel_share=panel_share,
            tie_break=tuple(
                self.text(f"{path}.tie_break[{i}]", key)
                for i, key in enumerate(self.array(f"{path}.tie_break", obj.get("tie_break", [])))
            ),
            require_rationale=self.boolean(
                f"{path}.require_rationale", obj.get("require_rationale", True)
            ),
            currency=self.text(f"{path}.currency", obj.get("currency", "GBP")),
        )

    def measure(self, path: str, value: object) -> MeasureRef | None:
        if value is None:
            return None
        keys = ("framework_id", "framework_version", "framework_hash", "measure_code")
        obj = self.record(path, value, keys)
        if obj is None:
            return None
        return MeasureRef(*(self.text(f"{path}.{key}", obj.get(key, "")) for key in keys))

    def scale(self, path: str, value: object) -> Scale | None:
        if value is None:
            return None
        obj = self.record(path, value, ("maximum",), ("minimum", "descriptors"))
        if obj is None:
            return None
        descriptors = self.items(f"{path}.descriptors", obj.get("descriptors", []), self.descriptor)
        return Scale(
            self.integer(f"{path}.minimum", obj.get("minimum", 0)),
            self.integer(f"{path}.maximum", obj.get("maximum", 0)),
            descriptors,
        )

    def descriptor(self, path: str, value: object) -> ScaleDescriptor | None:
        obj = self.record(path, value, ("value", "label"), ("description",))
        if obj is None:
            return None
        return ScaleDescriptor(
            self.integer(f"{path}.value", obj.get("value", 0)),
            self.text(f"{path}.label", obj.get("label", "")),
            self.text(f"{path}.description", obj.get("description", "")),
        )

    def criterion(self, path: str, value: object) -> Criterion | None:
        obj = self.record(
            path,
            value,
            ("id", "title", "group", "kind", "weight"),
            (
                "scale",
                "measure",
                "unit",
                "proxy_value_gbp",
                "minimum_score",
                "target",
                "quantitative_method",
            ),
        )
        if obj is None:
            return None
        return Criterion(
            id=self.text(f"{path}.id", obj.get("id", "")),
            title=self.text(f"{path}.title", obj.get("title", "")),
            group=self.text(f"{path}.group", obj.get("group", "")),
            kind=self.text(f"{path}.kind", obj.get("kind", "")),
            weight=self.decimal(f"{path}.weight", obj.get("weight", 0)),
            scale=self.scale(f"{path}.scale", obj.get("scale")),
            measure=self.measure(f"{path}.measure", obj.get("measure")),
            unit=self.optional_text(f"{path}.unit", obj.get("unit")),
            proxy_value_gbp=self.optional_decimal(
                f"{path}.proxy_value_gbp", obj.get("proxy_value_gbp")
            ),
            minimum_score=self.optional_decimal(f"{path}.minimum_score", obj.get("minimum_score")),
            target=self.optional_decimal(f"{path}.target", obj.get("target")),
            quantitative_method=self.optional_text(
                f"{path}.quantitative_method", obj.get("quantitative_method")
            ),
        )

    def gate(self, path: str, value: object) -> Gate | None:
        obj = self.record(path, value, ("id", "title"), ("measure", "evidence_expected"))
        if obj is None:
            return None
        return Gate(
            self.text(f"{path}.id", obj.get("id", "")),
            self.text(f"{path}.title", obj.get("title", "")),
            self.measure(f"{path}.measure", obj.get("measure")),
            self.text(f"{path}.evidence_expected", obj.get("evidence_expected", "")),
        )

    def bid(self, path: str, value: object) -> Bid | None:
        obj = self.record(
            path, value, ("id", "price"), ("label", "supplier", "commitments", "gate_answers")
        )
        if obj is None:
            return None
        commitments = self.mapping(f"{path}.commitments", obj.get("commitments", {}))
        answers = self.mapping(f"{path}.gate_answers", obj.get("gate_answers", {}))
        return Bid(
            id=self.text(f"{path}.id", obj.get("id", "")),
            label=self.text(f"{path}.label", obj.get("label", "")),
            supplier=self.text(f"{path}.supplier", obj.get("supplier", "")),
            price=self.decimal(f"{path}.price", obj.get("price", 0)),
            commitments=FrozenMap(
                (key, self.decimal(f"{path}.commitments.{key}", amount))
                for key, amount in commitments.items()
            ),
            gate_answers=FrozenMap(
                (key, self.boolean(f"{path}.gate_answers.{key}", answer))
                for key, answer in answers.items()
            ),
        )

    def score(self, path: str, value: object) -> IndividualScore | None:
        keys = ("bid_id", "criterion_id", "evaluator_id", "evaluator_role", "score")
        obj = self.record(path, value, keys, ("rationale",))
        if obj is None:
            return None
        return IndividualScore(
            self.text(f"{path}.bid_id", obj.get("bid_id", "")),
            self.text(f"{path}.criterion_id", obj.get("criterion_id", "")),
            self.text(f"{path}.evaluator_id", obj.get("evaluator_id", "")),
            self.text(f"{path}.evaluator_role", obj.get("evaluator_role", "")),
            self.decimal(f"{path}.score", obj.get("score", 0)),
            self.text(f"{path}.rationale", obj.get("rationale", "")),
        )

    def consensus(self, path: str, value: object) -> ConsensusScore | None:
        obj = self.record(
            path, value, ("bid_id", "criterion_id", "score"), ("reason", "recorded_by")
        )
        if obj is None:
            return None
        return ConsensusScore(
            self.text(f"{path}.bid_id", obj.get("bid_id", "")),
            self.text(f"{path}.criterion_id", obj.get("criterion_id", "")),
            self.decimal(f"{path}.score", obj.get("score", 0)),
            self.text(f"{path}.reason", obj.get("reason", "")),
            self.text(f"{path}.recorded_by", obj.get("recorded_by", "")),
        )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# -- writing ------------------------------------------------------------------------------------


def _decimal_text(value: object) -> object:
    """A decimal input as the bundle's decimal string; left as is if it is not a number."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return value
        return format(parsed, "f") if parsed.is_finite() else value
    return value


def _ratio_text(value: object) -> object:
    if isinstance(value, Fraction):
        return str(value)
    return _decimal_text(value)


def _optional_decimal(value: object) -> object:
    return None if value is None else _decimal_text(value)


def _measure_dict(measure: MeasureRef | None) -> JSONObject | None:
    if measure is None:
        return None
    return {
        "framework_id": measure.framework_id,
        "framework_version": measure.framework_version,
        "framework_hash": measure.framework_hash,
        "measure_code": measure.measure_code,
    }


def bundle_to_dict(bundle: TenderBundle) -> JSONObject:
    """A bundle as JSON-ready data in the documented format (decimals as strings)."""
    plan = bundle.plan
    criteria: list[JSONObject] = []
    for criterion in plan.criteria:
        scale = criterion.scale
        criteria.append(
            {
                "id": criterion.id,
                "title": criterion.title,
                "group": criterion.group,
                "kind": criterion.kind,
                "weight": _decimal_text(criterion.weight),
                "scale": None
                if scale is None
                else {
                    "minimum": scale.minimum,
                    "maximum": scale.maximum,
                    "descriptors": [
                        {"value": d.value, "label": d.label, "description": d.description}
                        for d in scale.descriptors
                    ],
                },
                "measure": _measure_dict(criterion.measure),
                "unit": criterion.unit,
                "proxy_value_gbp": _optional_decimal(criterion.proxy_value_gbp),
                "minimum_score": _optional_decimal(criterion.minimum_score),
                "target": _optional_decimal(criterion.target),
                "quantitative_method": criterion.quantitative_method,
            }
        )
    share = plan.panel_share
    return {
        "format_version": bundle.format_version,
        "plan": {
            "tender_id": plan.tender_id,
            "title": plan.title,
            "currency": plan.currency,
            "group_weights": {
                "price": _decimal_text(plan.group_weights.price),
                "quality": _decimal_text(plan.group_weights.quality),
                "social_value": _decimal_text(plan.group_weights.social_value),
            },
            "criteria": criteria,
            "gates": [
                {
                    "id": gate.id,
                    "title": gate.title,
                    "measure": _measure_dict(gate.measure),
                    "evidence_expected": gate.evidence_expected,
                }
                for gate in plan.gates
            ],
            "price_method": plan.price_method,
            "quantitative_method": plan.quantitative_method,
            "moderation": {
                "mode": plan.moderation.mode,
                "flag_range_fraction": _ratio_text(plan.moderation.flag_range_fraction),
            },
            "panel_share": None
            if share is None
            else {"share": _ratio_text(share.share), "applies_to_group": share.applies_to_group},
            "tie_break": list(plan.tie_break),
            "require_rationale": plan.require_rationale,
        },
        "bids": [
            {
                "id": bid.id,
                "label": bid.label,
                "supplier": bid.supplier,
                "price": _decimal_text(bid.price),
                "commitments": {
                    key: _decimal_text(value) for key, value in bid.commitments.items()
                },
                "gate_answers": dict(bid.gate_answers.items()),
            }
            for bid in bundle.bids
        ],
        "individual_scores": [
            {
                "bid_id": score.bid_id,
                "criterion_id": score.criterion_id,
                "evaluator_id": score.evaluator_id,
                "evaluator_role": score.evaluator_role,
                "score": _decimal_text(score.score),
                "rationale": score.rationale,
            }
            for score in bundle.individual_scores
        ],
        "consensus": [
            {
                "bid_id": record.bid_id,
                "criterion_id": record.criterion_id,
                "score": _decimal_text(record.score),
                "reason": record.reason,
                "recorded_by": record.recorded_by,
            }
            for record in bundle.consensus
        ],
    }
