"""Validate a tender bundle, reporting every problem at once.

``validate_bundle`` returns the full list of problems; ``score_tender`` raises one
``BundleValidationError`` carrying all of them, so an officer fixes a bundle in one round rather
than one error at a time. Each problem names where it is (``bids[2].price``,
``individual_scores[5]``) and says what is wrong in plain English.

The same pass also builds the lookup tables the engine scores from (``Prepared``), because
walking hundreds of thousands of individual scores twice would double the cost of scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import compress, pairwise
from math import lcm
from operator import attrgetter, mul
from typing import Final, NamedTuple

from .exact import show, to_fraction
from .types import (
    EVALUATOR_ROLES,
    FORMAT_VERSION,
    GROUPS,
    KINDS,
    MODERATION_MODES,
    PRICE_METHODS,
    QUANTITATIVE_METHODS,
    SCORE_GROUPS,
    TIE_BREAK_KEYS,
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    Gate,
    IndividualScore,
    MeasureRef,
    TenderBundle,
)

__all__ = [
    "BundleValidationError",
    "PairData",
    "Prepared",
    "Problem",
    "prepare",
    "validate_bundle",
]

_ZERO: Final = Fraction(0)
_ONE: Final = Fraction(1)
_HUNDRED: Final = Fraction(100)
_ROLES: Final = frozenset(EVALUATOR_ROLES)
_SCORE_TYPES: Final = (Decimal, int, str)
_NOT_A_NUMBER: Final = 'must be a decimal number (Decimal, int or a string such as "3.5")'


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bundle: where it is and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class BundleValidationError(ValueError):
    """A bundle that cannot be scored. ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"the tender bundle has {count} problem{'s' if count != 1 else ''}:\n{lines}"
        )


class PairData(NamedTuple):
    """One bid x criterion pair's individual scores, summarised with integer arithmetic.

    Values are integers over ``Prepared.denominator``; ``spread`` is max - min. The panel
    figures are only filled in for the group a panel share applies to.
    """

    scores: tuple[IndividualScore, ...]
    size: int
    total: int
    squares: int
    spread: int
    panel_total: int
    panel_count: int


@dataclass(slots=True)
class Prepared:
    """Lookup tables built while validating; only meaningful for a bundle without problems."""

    bundle: TenderBundle
    group_weights: dict[str, Fraction] = field(default_factory=dict)
    criteria: dict[str, Criterion] = field(default_factory=dict)
    weights: dict[str, Fraction] = field(default_factory=dict)
    #: Effective quantitative method of each quantitative criterion.
    methods: dict[str, str] = field(default_factory=dict)
    minimums: dict[str, Fraction] = field(default_factory=dict)
    targets: dict[str, Fraction] = field(default_factory=dict)
    proxies: dict[str, Fraction] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    bids: dict[str, Bid] = field(default_factory=dict)
    prices: dict[str, Fraction] = field(default_factory=dict)
    commitments: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    gate_answers: dict[str, dict[str, bool]] = field(default_factory=dict)
    #: Per criterion id, then bid id: the pair's scores as a tuple and integer sums of their
    #: values over ``denominator`` (see ``PairData``), computed in the same pass as the sort.
    pair_data: dict[str, dict[str, PairData]] = field(default_factory=dict)
    #: Common denominator of every individual score value (scores become integers over it).
    denominator: int = 1
    #: Consensus scores by criterion id, then bid id.
    consensus: dict[str, dict[str, ConsensusScore]] = field(default_factory=dict)
    #: Every distinct individual or consensus score value seen, as an exact Fraction.
    score_values: dict[object, Fraction] = field(default_factory=dict)
    flag_fraction: Fraction = Fraction(2, 5)
    panel_share: Fraction | None = None


def validate_bundle(bundle: TenderBundle) -> list[Problem]:
    """Every problem that stops ``bundle`` being scored; an empty list when it is valid."""
    problems, _ = prepare(bundle)
    return problems


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _describe(value: object) -> str:
    if isinstance(value, float):
        return f'{value!r} is a float (inexact); use a Decimal or a string such as "3.5"'
    return f"{value!r} {_NOT_A_NUMBER}"


class _Checker:
    """Collects problems while walking a bundle."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def text(self, path: str, value: object, what: str) -> bool:
        if _is_text(value):
            return True
        self.add(path, f"{what} must be non-empty text")
        return False

    def number(
        self,
        path: str,
        value: object,
        what: str,
        *,
        minimum: Fraction | None = None,
        positive: bool = False,
        maximum: Fraction | None = None,
    ) -> Fraction | None:
        amount = to_fraction(value) if type(value) is not Fraction else None
        if amount is None:
            self.add(path, f"{what}: {_describe(value)}")
            return None
        if positive and amount <= _ZERO:
            self.add(path, f"{what} must be more than 0 (it is {show(amount)})")
            return None
        if minimum is not None and amount < minimum:
            if minimum == _ZERO:
                self.add(path, f"{what} must not be negative (it is {show(amount)})")
            else:
                self.add(path, f"{what} must be at least {show(minimum)} (it is {show(amount)})")
            return None
        if maximum is not None and amount > maximum:
            self.add(path, f"{what} must be at most {show(maximum)} (it is {show(amount)})")
            return None
        return amount

    def ratio(self, path: str, value: object, what: str) -> Fraction | None:
        amount = to_fraction(value)
        if amount is None:
            self.add(path, f"{what}: {_describe(value)} (a Fraction is also accepted)")
        return amount


def prepare(bundle: TenderBundle) -> tuple[list[Problem], Prepared]:
    """Validate ``bundle`` and build the engine's lookup tables in the same pass.

    Returns ``(problems, prepared)``; ``prepared`` must not be used when there are problems.
    """
    check = _Checker()
    prepared = Prepared(bundle)
    if not isinstance(bundle, TenderBundle):
        check.add("$", f"expected a TenderBundle, got {type(bundle).__name__}")
        return check.problems, prepared
    if bundle.format_version != FORMAT_VERSION:
        check.add(
            "format_version",
            f"format version {bundle.format_version!r} is not supported "
            f"(this engine reads version {FORMAT_VERSION})",
        )
    plan = bundle.plan
    if not isinstance(plan, EvaluationPlan):
        check.add("plan", f"expected an EvaluationPlan, got {type(plan).__name__}")
        return check.problems, prepared
    _check_plan(check, plan, prepared)
    _check_bids(check, bundle.bids, prepared)
    scales = _ScaleChecks(prepared)
    _check_individual_scores(check, bundle, prepared, scales)
    _check_consensus(check, bundle.consensus, prepared, scales)
    return check.problems, prepared


def _check_plan(check: _Checker, plan: EvaluationPlan, prepared: Prepared) -> None:
    check.text("plan.tender_id", plan.tender_id, "tender id")
    check.text("plan.title", plan.title, "title")
    if not (isinstance(plan.currency, str) and len(plan.currency) == 3 and plan.currency.isupper()):
        check.add("plan.currency", f"currency {plan.currency!r} must be a 3-letter code like GBP")

    weights_ok = True
    for group in GROUPS:
        value = getattr(plan.group_weights, group, None)
        weight = check.number(
            f"plan.group_weights.{group}",
            value,
            f"{group} group weight",
            minimum=_ZERO,
            maximum=_HUNDRED,
        )
        if weight is None:
            weights_ok = False
        else:
            prepared.group_weights[group] = weight
    if weights_ok:
        total = sum(prepared.group_weights.values(), _ZERO)
        if total != _HUNDRED:
            check.add(
                "plan.group_weights",
                f"group weights must sum to exactly 100 (they sum to {show(total)})",
            )

    if plan.price_method not in PRICE_METHODS:
        check.add(
            "plan.price_method",
            f"unknown price method {plan.price_method!r} (known: {', '.join(PRICE_METHODS)})",
        )
    elif (
        plan.price_method == "price_per_quality_point"
        and prepared.group_weights.get("price", _ZERO) != _ZERO
    ):
        check.add(
            "plan.group_weights.price",
            "price_per_quality_point ranks bids by price per quality and social value point, "
            "so price is not scored as points: the price group weight must be 0 "
            f"(it is {show(prepared.group_weights['price'])})",
        )
    if plan.quantitative_method not in QUANTITATIVE_METHODS:
        check.add(
            "plan.quantitative_method",
            f"unknown quantitative method {plan.quantitative_method!r} "
            f"(known: {', '.join(QUANTITATIVE_METHODS)})",
        )

    _check_moderation(check, plan, prepared)
    framework_hashes: dict[tuple[str, str], str] = {}
    _check_criteria(check, plan, prepared, framework_hashes)
    _check_gates(check, plan, prepared, framework_hashes)

    seen_keys: set[str] = set()
    for position, key in enumerate(plan.tie_break):
        path = f"plan.tie_break[{position}]"
        if key not in TIE_BREAK_KEYS:
            check.add(path, f"unknown tie-break rule {key!r} (known: {', '.join(TIE_BREAK_KEYS)})")
        elif key in seen_keys:
            check.add(path, f"tie-break rule {key!r} is declared twice")
        seen_keys.add(key)
    if not isinstance(plan.require_rationale, bool):
        check.add("plan.require_rationale", "require_rationale must be true or false")


def _check_moderation(check: _Checker, plan: EvaluationPlan, prepared: Prepared) -> None:
    rule = plan.moderation
    if rule.mode not in MODERATION_MODES:
        check.add(
            "plan.moderation.mode",
            f"unknown moderation mode {rule.mode!r} (known: {', '.join(MODERATION_MODES)})",
        )
    fraction = check.ratio(
        "plan.moderation.flag_range_fraction", rule.flag_range_fraction, "flag range fraction"
    )
    if fraction is not None:
        if not _ZERO < fraction <= _ONE:
            check.add(
                "plan.moderation.flag_range_fraction",
                f"flag range fraction must be more than 0 and at most 1 (it is {show(fraction)})",
            )
        else:
            prepared.flag_fraction = fraction
    if plan.panel_share is not None:
        share = check.ratio("plan.panel_share.share", plan.panel_share.share, "panel share")
        if share is not None:
            if not _ZERO <= share <= _ONE:
                check.add(
                    "plan.panel_share.share",
                    f"panel share must be between 0 and 1 (it is {show(share)})",
                )
            else:
                prepared.panel_share = share
        if plan.panel_share.applies_to_group not in SCORE_GROUPS:
            check.add(
                "plan.panel_share.applies_to_group",
                f"panel share group {plan.panel_share.applies_to_group!r} must be one of "
                f"{', '.join(SCORE_GROUPS)}",
            )


def _check_measure(
    check: _Checker, path: str, measure: MeasureRef, hashes: dict[tuple[str, str], str]
) -> None:
    if not isinstance(measure, MeasureRef):
        check.add(path, f"expected a MeasureRef, got {type(measure).__name__}")
        return
    ok = check.text(f"{path}.framework_id", measure.framework_id, "framework id")
    ok = check.text(f"{path}.framework_version", measure.framework_version, "version") and ok
    ok = check.text(f"{path}.framework_hash", measure.framework_hash, "framework hash") and ok
    check.text(f"{path}.measure_code", measure.measure_code, "measure code")
    if not ok:
        return
    key = (measure.framework_id, measure.framework_version)
    known = hashes.setdefault(key, measure.framework_hash)
    if known != measure.framework_hash:
        check.add(
            f"{path}.framework_hash",
            f"framework {measure.framework_id} version {measure.framework_version} is referenced "
            f"with two different content hashes ({known} and {measure.framework_hash}); one "
            "plan must use one exact framework version",
        )


def _check_criteria(
    check: _Checker,
    plan: EvaluationPlan,
    prepared: Prepared,
    hashes: dict[tuple[str, str], str],
) -> None:
    sums: dict[str, Fraction] = {group: _ZERO for group in SCORE_GROUPS}
    sums_ok = True
    for position, criterion in enumerate(plan.criteria):
        path = f"plan.criteria[{position}]"
        if not isinstance(criterion, Criterion):
            check.add(path, f"expected a Criterion, got {type(criterion).__name__}")
            sums_ok = False
            continue
        if check.text(f"{path}.id", criterion.id, "criterion id"):
            if criterion.id in prepared.criteria:
                check.add(f"{path}.id", f"criterion id {criterion.id!r} is used twice")
            else:
                prepared.criteria[criterion.id] = criterion
        name = f"criterion {criterion.id}"
        check.text(f"{path}.title", criterion.title, f"{name} title")
        group_ok = criterion.group in SCORE_GROUPS
        if not group_ok:
            check.add(
                f"{path}.group",
                f"{name} group {criterion.group!r} must be one of {', '.join(SCORE_GROUPS)} "
                "(price is scored from the bid price, not from criteria)",
            )
        weight = check.number(f"{path}.weight", criterion.weight, f"{name} weight", minimum=_ZERO)
        if weight is None or not group_ok:
            sums_ok = False
        else:
            sums[criterion.group] += weight
            prepared.weights[criterion.id] = weight
        if criterion.measure is not None:
            _check_measure(check, f"{path}.measure", criterion.measure, hashes)
        if criterion.kind == "qualitative":
            _check_qualitative(check, path, criterion, prepared)
        elif criterion.kind == "quantitative":
            _check_quantitative(check, path, criterion, plan, prepared)
        else:
            check.add(f"{path}.kind", f"{name} kind {criterion.kind!r} must be one of {KINDS}")
    if sums_ok and len(prepared.group_weights) == len(GROUPS):
        for group in SCORE_GROUPS:
            expected = prepared.group_weights[group]
            if sums[group] != expected:
                name = group.replace("_", " ")
                check.add(
                    "plan.criteria",
                    f"{name} criteria weights sum to {show(sums[group])} but the {name} group "
                    f"weight is {show(expected)}; they must be equal",
                )


def _check_qualitative(
    check: _Checker, path: str, criterion: Criterion, prepared: Prepared
) -> None:
    name = f"criterion {criterion.id}"
    scale = criterion.scale
    scale_ok = False
    if scale is None:
        check.add(f"{path}.scale", f"qualitative {name} needs a scale to be scored on")
    elif not (type(scale.minimum) is int and type(scale.maximum) is int):
        check.add(f"{path}.scale", f"{name} scale minimum and maximum must be whole numbers")
    elif scale.minimum >= scale.maximum:
        check.add(
            f"{path}.scale",
            f"{name} scale maximum ({scale.maximum}) must be more than its minimum "
            f"({scale.minimum})",
        )
    else:
        scale_ok = True
        seen: set[int] = set()
        for index, descriptor in enumerate(scale.descriptors):
            where = f"{path}.scale.descriptors[{index}]"
            value = getattr(descriptor, "value", None)
            if type(value) is not int or not scale.minimum <= value <= scale.maximum:
                check.add(
                    where,
                    f"descriptor value {value!r} must be a whole number on the "
                    f"{scale.label()} scale",
                )
            elif value in seen:
                check.add(where, f"descriptor value {value} is described twice")
            else:
                seen.add(value)
            check.text(f"{where}.label", getattr(descriptor, "label", None), "descriptor label")
    for attribute, what in (
        ("quantitative_method", "a quantitative method"),
        ("proxy_value_gbp", "a proxy value"),
        ("target", "a target"),
    ):
        if getattr(criterion, attribute) is not None:
            check.add(
                f"{path}.{attribute}",
                f"qualitative {name} is scored by evaluators, so {what} does not apply",
            )
    if criterion.minimum_score is not None and scale_ok and scale is not None:
        minimum = check.number(
            f"{path}.minimum_score",
            criterion.minimum_score,
            f"{name} minimum score",
            minimum=Fraction(scale.minimum),
            maximum=Fraction(scale.maximum),
        )
        if minimum is not None:
            prepared.minimums[criterion.id] = minimum


def _check_quantitative(
    check: _Checker, path: str, criterion: Criterion, plan: EvaluationPlan, prepared: Prepared
) -> None:
    name = f"criterion {criterion.id}"
    if not _is_text(criterion.unit):
        check.add(
            f"{path}.unit",
            f'quantitative {name} needs a unit (e.g. "FTE-years") for its commitments',
        )
    if criterion.scale is not None:
        check.add(
            f"{path}.scale",
            f"quantitative {name} is scored from commitments, so it has no scale",
        )
    method = criterion.quantitative_method or plan.quantitative_method
    if criterion.quantitative_method is not None and method not in QUANTITATIVE_METHODS:
        check.add(
            f"{path}.quantitative_method",
            f"unknown quantitative method {method!r} for {name} "
            f"(known: {', '.join(QUANTITATIVE_METHODS)})",
        )
    elif method in QUANTITATIVE_METHODS:
        prepared.methods[criterion.id] = method
    if criterion.proxy_value_gbp is not None:
        proxy = check.number(
            f"{path}.proxy_value_gbp",
            criterion.proxy_value_gbp,
            f"{name} proxy value",
            positive=True,
        )
        if proxy is not None:
            prepared.proxies[criterion.id] = proxy
    elif method == "monetised":
        check.add(
            f"{path}.proxy_value_gbp",
            f"{name} uses the monetised method, so it needs a proxy value in GBP per unit",
        )
    if method == "monetised" and criterion.group != "social_value":
        check.add(
            f"{path}.group",
            f"{name} uses the monetised method, which pools social value offers in £; "
            "it must be in the social_value group",
        )
    if criterion.target is not None:
        target = check.number(f"{path}.target", criterion.target, f"{name} target", positive=True)
        if target is not None:
            prepared.targets[criterion.id] = target
    elif method == "against_target":
        check.add(f"{path}.target", f"{name} uses the against_target method, so it needs a target")
    if criterion.minimum_score is not None:
        minimum = check.number(
            f"{path}.minimum_score",
            criterion.minimum_score,
            f"{name} minimum commitment",
            minimum=_ZERO,
        )
        if minimum is not None:
            prepared.minimums[criterion.id] = minimum


def _check_gates(
    check: _Checker,
    plan: EvaluationPlan,
    prepared: Prepared,
    hashes: dict[tuple[str, str], str],
) -> None:
    for position, gate in enumerate(plan.gates):
        path = f"plan.gates[{position}]"
        if not isinstance(gate, Gate):
            check.add(path, f"expected a Gate, got {type(gate).__name__}")
            continue
        if check.text(f"{path}.id", gate.id, "gate id"):
            if gate.id in prepared.gates:
                check.add(f"{path}.id", f"gate id {gate.id!r} is used twice")
            elif gate.id in prepared.criteria:
                check.add(f"{path}.id", f"gate id {gate.id!r} is also a criterion id")
            else:
                prepared.gates[gate.id] = gate
        check.text(f"{path}.title", gate.title, f"gate {gate.id} title")
        if gate.measure is not None:
            _check_measure(check, f"{path}.measure", gate.measure, hashes)


def _pairs_of(check: _Checker, path: str, value: object, what: str) -> list[tuple[object, object]]:
    if not isinstance(value, Mapping):
        check.add(path, f"{what}s must be a mapping of id -> value")
        return []
    for key in getattr(value, "duplicates", ()):
        check.add(f"{path}.{key}", f"{what} for {key!r} is given twice")
    return list(value.items())


def _check_bids(check: _Checker, bids: tuple[Bid, ...], prepared: Prepared) -> None:
    criteria = prepared.criteria
    gates = prepared.gates
    quantitative = [cid for cid, c in criteria.items() if c.kind == "quantitative"]
    if not bids:
        check.add("bids", "there are no bids to score")
    for position, bid in enumerate(bids):
        path = f"bids[{position}]"
        if not isinstance(bid, Bid):
            check.add(path, f"expected a Bid, got {type(bid).__name__}")
            continue
        if check.text(f"{path}.id", bid.id, "bid id"):
            if bid.id in prepared.bids:
                check.add(f"{path}.id", f"bid id {bid.id!r} is used twice")
            else:
                prepared.bids[bid.id] = bid
        if not isinstance(bid.label, str):
            check.add(f"{path}.label", "label must be text")
        if not isinstance(bid.supplier, str):
            check.add(f"{path}.supplier", "supplier must be text")
        price = check.number(f"{path}.price", bid.price, f"bid {bid.id} price", positive=True)
        if price is not None:
            prepared.prices[bid.id] = price

        commitments: dict[str, Fraction] = {}
        for key, value in _pairs_of(check, f"{path}.commitments", bid.commitments, "commitment"):
            where = f"{path}.commitments.{key}"
            if not isinstance(key, str):
                check.add(where, f"commitment key {key!r} must be a criterion id")
                continue
            criterion = criteria.get(key)
            if criterion is None:
                if key in gates:
                    check.add(
                        where,
                        f"{key!r} is a pass/fail gate: record it in gate_answers, "
                        "not as a commitment",
                    )
                else:
                    check.add(where, f"commitment for {key!r}, which is not a criterion")
            elif criterion.kind != "quantitative":
                check.add(
                    where,
                    f"criterion {key} is qualitative: it is scored by evaluators, "
                    "not from a commitment",
                )
            else:
                amount = check.number(
                    where, value, f"bid {bid.id} commitment for {key}", minimum=_ZERO
                )
                if amount is not None:
                    commitments[key] = amount
        for cid in quantitative:
            if cid not in commitments and bid.commitment(cid) is None:
                check.add(
                    f"{path}.commitments",
                    f"bid {bid.id} has no commitment for quantitative criterion {cid} "
                    "(record 0 if it offers none)",
                )
        prepared.commitments[bid.id] = commitments

        answers: dict[str, bool] = {}
        for key, value in _pairs_of(check, f"{path}.gate_answers", bid.gate_answers, "gate answer"):
            where = f"{path}.gate_answers.{key}"
            if not (isinstance(key, str) and key in gates):
                check.add(where, f"answer for {key!r}, which is not a gate in the plan")
            elif type(value) is not bool:
                check.add(where, f"gate {key} answer must be true (pass) or false (fail)")
            else:
                answers[key] = value
        for gate_id in gates:
            if gate_id not in answers and bid.gate_answer(gate_id) is None:
                check.add(f"{path}.gate_answers", f"bid {bid.id} has no answer for gate {gate_id}")
        prepared.gate_answers[bid.id] = answers


def _score_value(value: object, lowest: int, highest: int) -> Fraction | None:
    amount = to_fraction(value)
    if amount is None or not lowest <= amount <= highest:
        return None
    return amount


_UNSEEN: Final = object()
_by_evaluator: Final = attrgetter("evaluator_id")
_by_value: Final = attrgetter("score")
_by_role: Final = attrgetter("evaluator_role")
_PANEL: Final = "panel"


class _ZeroForMissing(dict[object, int]):
    """A dict whose missing keys read as 0 (lookups that hit stay at C speed)."""

    def __missing__(self, key: object) -> int:
        return 0


class _ScaleChecks:
    """Checks score values against criteria scales, once per distinct value and criterion."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.by_criterion: dict[str, dict[object, Fraction | None]] = {}

    def cache(self, criterion_id: str) -> dict[object, Fraction | None]:
        """The value -> Fraction (None when invalid) cache of one qualitative criterion."""
        cache = self.by_criterion.get(criterion_id)
        if cache is None:
            cache = self.by_criterion[criterion_id] = {}
        return cache

    def value(
        self, cache: dict[object, Fraction | None], criterion_id: str, value: object
    ) -> Fraction | None:
        """Check one score value (the slow path: first sighting, or an unusual type)."""
        # Only Decimal, int and str are numbers here; a float or bool that compares equal to a
        # cached Decimal must not borrow its verdict, so those never reach the cache.
        if type(value) not in _SCORE_TYPES:
            return None
        amount = cache.get(value, _UNSEEN)
        if amount is _UNSEEN:
            scale = self.prepared.criteria[criterion_id].scale
            assert scale is not None
            amount = cache[value] = _score_value(value, scale.minimum, scale.maximum)
            if amount is not None:
                self.prepared.score_values[value] = amount
        assert amount is None or isinstance(amount, Fraction)
        return amount


def _check_individual_scores(
    check: _Checker, bundle: TenderBundle, prepared: Prepared, scales: _ScaleChecks
) -> None:
    """Validate and group the individual scores: the hot loop for large tenders.

    Written for speed: each criterion is checked once, each (bid, criterion) pair when first
    seen, each score value once per criterion and each evaluator's role once, so the common
    case (everything valid) is a handful of dictionary lookups per score. Scores are grouped by
    criterion and then bid (nested dictionaries are cheaper here than tuple keys).
    """
    criteria = prepared.criteria
    bids = prepared.bids
    require_rationale = bundle.plan.require_rationale is True
    # Grouped by criterion id, then bid id; summarised into prepared.pair_data below, after
    # which these lists are dropped (the summaries hold the scores as tuples).
    groups: dict[str, dict[str, list[IndividualScore]]] = {}
    # criterion id -> (its groups by bid, its value cache, why it cannot be scored or "")
    states: dict[
        object, tuple[dict[str, list[IndividualScore]], dict[object, Fraction | None], str]
    ]
    states = {}
    roles: dict[str, str] = {}
    roles_get = roles.get
    add = check.add
    decimal = Decimal
    unseen = _UNSEEN
    last_criterion: object = unseen
    by_bid: dict[str, list[IndividualScore]] = {}
    cache: dict[object, Fraction | None] = {}
    criterion_problem = ""
    for position, score in enumerate(bundle.individual_scores):
        try:
            criterion_id = score.criterion_id
            if criterion_id is not last_criterion:
                state = states.get(criterion_id)
                if state is None:
                    problem = _criterion_problem(criterion_id, criteria)
                    if problem:
                        state = ({}, {}, problem)
                    else:
                        state = (
                            groups.setdefault(criterion_id, {}),
                            scales.cache(criterion_id),
                            "",
                        )
                    states[criterion_id] = state
                by_bid, cache, criterion_problem = state
                last_criterion = criterion_id
            bid_id = score.bid_id
            group = by_bid.get(bid_id)
            if group is None:
                reasons = [] if bid_id in bids else [f"bid {bid_id!r} is not in the bundle"]
                if criterion_problem:
                    reasons.append(criterion_problem)
                if reasons:
                    add(
                        f"individual_scores[{position}]",
                        f"individual score for bid {bid_id!r} on {criterion_id!r}: "
                        + "; ".join(reasons),
                    )
                    continue
                group = by_bid[bid_id] = []
            value = score.score
            amount = cache.get(value, unseen) if type(value) is decimal else unseen
            if amount is unseen:
                amount = scales.value(cache, criterion_id, value)
            if amount is None:
                _score_problem(
                    check,
                    f"individual_scores[{position}].score",
                    value,
                    (bid_id, criterion_id),
                    criteria,
                )
            role = score.evaluator_role
            evaluator = score.evaluator_id
            if roles_get(evaluator) != role:
                _check_evaluator(check, position, evaluator, role, roles)
            if require_rationale:
                rationale = score.rationale
                if not rationale or rationale.isspace():
                    add(
                        f"individual_scores[{position}].rationale",
                        f"evaluator {evaluator} gave bid {bid_id} a score on {criterion_id} "
                        "without a rationale (the plan requires one for every score)",
                    )
            group.append(score)
        except (AttributeError, TypeError) as error:
            add(
                f"individual_scores[{position}]",
                f"not a well-formed IndividualScore (ids and rationale must be text): {error}",
            )
    _summarise_pairs(check, bundle, prepared, scales, groups)


def _criterion_problem(criterion_id: object, criteria: dict[str, Criterion]) -> str:
    criterion = criteria.get(criterion_id) if isinstance(criterion_id, str) else None
    if criterion is None:
        return f"criterion {criterion_id!r} is not in the plan"
    if criterion.kind != "qualitative":
        return (
            f"criterion {criterion_id} is quantitative: it is scored from the bids' "
            "commitments, not by evaluators"
        )
    scale = criterion.scale
    if (
        scale is None
        or not (type(scale.minimum) is type(scale.maximum) is int)
        or (scale.minimum >= scale.maximum)
    ):
        return f"criterion {criterion_id} has no valid scale to score on"
    return ""


def _check_evaluator(
    check: _Checker, position: int, evaluator: object, role: object, roles: dict[str, str]
) -> None:
    """The slow path for an evaluator not seen before, or seen with another role."""
    if not isinstance(evaluator, str) or not evaluator.strip():
        check.add(
            f"individual_scores[{position}].evaluator_id", "evaluator id must be non-empty text"
        )
        return
    if role not in _ROLES:
        check.add(
            f"individual_scores[{position}].evaluator_role",
            f"evaluator role {role!r} must be one of {', '.join(EVALUATOR_ROLES)}",
        )
        return
    assert isinstance(role, str)
    known = roles.setdefault(evaluator, role)
    if known != role:
        check.add(
            f"individual_scores[{position}].evaluator_role",
            f"evaluator {evaluator} is recorded as both {known} and {role}",
        )


def _pair_problem(
    key: tuple[object, object],
    bids: dict[str, Bid],
    criteria: dict[str, Criterion],
    what: str,
) -> str:
    bid_id, criterion_id = key
    reasons = []
    if not (isinstance(bid_id, str) and bid_id in bids):
        reasons.append(f"bid {bid_id!r} is not in the bundle")
    problem = _criterion_problem(criterion_id, criteria)
    if problem:
        reasons.append(problem)
    if not reasons:
        return ""
    return f"{what} for bid {bid_id!r} on {criterion_id!r}: " + "; ".join(reasons)


def _score_problem(
    check: _Checker,
    path: str,
    value: object,
    key: tuple[str, str],
    criteria: dict[str, Criterion],
) -> None:
    scale = criteria[key[1]].scale
    assert scale is not None
    amount = to_fraction(value)
    if amount is None:
        check.add(path, f"score {_describe(value)}")
    else:
        check.add(
            path,
            f"score {show(amount)} for bid {key[0]} on {key[1]} is outside the "
            f"{scale.label()} scale",
        )


def _summarise_pairs(
    check: _Checker,
    bundle: TenderBundle,
    prepared: Prepared,
    scales: _ScaleChecks,
    groups: dict[str, dict[str, list[IndividualScore]]],
) -> None:
    """Sort each pair's scores by evaluator id (so input order never matters), report an
    evaluator who scored a pair twice, and sum the pair's values as integers.

    All three happen in one pass per pair so each score object is fetched from memory once;
    on large tenders that matters more than the arithmetic.
    """
    values: dict[object, Fraction] = {}
    for cache in scales.by_criterion.values():
        for value, amount in cache.items():
            if amount is not None:
                values[value] = amount
    denominator = lcm(*(amount.denominator for amount in values.values())) if values else 1
    # Invalid values (already reported) count as 0 so that summarising never fails.
    scaled = _ZeroForMissing(
        (value, a.numerator * (denominator // a.denominator)) for value, a in values.items()
    )
    prepared.denominator = denominator
    share = bundle.plan.panel_share
    panel_group = share.applies_to_group if share is not None else None
    criteria = prepared.criteria
    positions: dict[int, int] | None = None
    for criterion_id, by_bid in groups.items():
        blended = panel_group is not None and criteria[criterion_id].group == panel_group
        summaries: dict[str, PairData] = {}
        prepared.pair_data[criterion_id] = summaries
        for bid_id, scores in by_bid.items():
            if len(scores) > 1:
                scores.sort(key=_by_evaluator)
                if len(set(map(_by_evaluator, scores))) != len(scores):
                    if positions is None:
                        # Rare: only now map each score back to its position for the message.
                        positions = {
                            id(score): i for i, score in enumerate(bundle.individual_scores)
                        }
                    for before, score in pairwise(scores):
                        if before.evaluator_id == score.evaluator_id:
                            check.add(
                                f"individual_scores[{positions[id(score)]}]",
                                f"evaluator {score.evaluator_id} scored bid {bid_id} on "
                                f"{criterion_id} more than once",
                            )
            xs = list(map(scaled.__getitem__, map(_by_value, scores)))
            panel_total = panel_count = 0
            if blended:
                panel = list(map(_PANEL.__eq__, map(_by_role, scores)))
                panel_total = sum(compress(xs, panel))
                panel_count = sum(panel)
            summaries[bid_id] = PairData(
                tuple(scores),
                len(xs),
                sum(xs),
                sum(map(mul, xs, xs)),
                max(xs) - min(xs),
                panel_total,
                panel_count,
            )


def _check_consensus(
    check: _Checker,
    consensus: tuple[ConsensusScore, ...],
    prepared: Prepared,
    scales: _ScaleChecks,
) -> None:
    criteria = prepared.criteria
    groups = prepared.pair_data
    recorded = prepared.consensus
    for position, record in enumerate(consensus):
        path = f"consensus[{position}]"
        if not isinstance(record, ConsensusScore):
            check.add(path, f"expected a ConsensusScore, got {type(record).__name__}")
            continue
        bid_id, criterion_id = record.bid_id, record.criterion_id
        try:
            known_pair = bid_id in groups.get(criterion_id, {})
        except TypeError:
            check.add(path, "bid and criterion ids must be text")
            continue
        if not known_pair:
            # Pairs with individual scores were checked already; only the others need it.
            message = _pair_problem(
                (bid_id, criterion_id), prepared.bids, criteria, "consensus score"
            )
            if message:
                check.add(path, message)
                continue
        value = record.score
        cache = scales.cache(criterion_id)
        amount = cache.get(value, _UNSEEN) if type(value) is Decimal else _UNSEEN
        if amount is _UNSEEN:
            amount = scales.value(cache, criterion_id, value)
        if amount is None:
            _score_problem(check, f"{path}.score", value, (bid_id, criterion_id), criteria)
        reason = record.reason
        if not isinstance(reason, str) or not reason or reason.isspace():
            check.add(
                f"{path}.reason",
                f"consensus score for bid {bid_id} on {criterion_id} needs a written reason",
            )
        by_bid = recorded.setdefault(criterion_id, {})
        if bid_id in by_bid:
            check.add(path, f"bid {bid_id} has more than one consensus score on {criterion_id}")
        else:
            by_bid[bid_id] = record
