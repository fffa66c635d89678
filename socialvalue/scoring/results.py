"""Output dataclasses: everything a scored tender produces, each number traceable.

Every computed value is an exact ``Fraction`` and comes with an explanation string showing the
formula and the inputs it used. ``EvaluationResult.to_dict()`` turns the whole result into plain
JSON-ready data: each exact number becomes ``{"exact": "1829/21", "display": "87.10"}`` (the
display value rounded half up to 2 decimal places), so nothing is lost and nothing is a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from .exact import display, exact_str, to_fraction
from .types import ConsensusScore, IndividualScore

__all__ = [
    "RESULT_FORMAT_VERSION",
    "STD_DEV_NOTE",
    "Benchmarks",
    "BidResult",
    "CriterionScore",
    "EvaluationResult",
    "ExcludedBid",
    "FrameworkRef",
    "GateResult",
    "GroupScores",
    "MethodSummary",
    "MissingItem",
    "ModerationDetail",
    "RankedBid",
    "ScoreSensitivity",
    "SensitivityReport",
    "TieBreak",
    "TieBreakStep",
    "WeightMove",
    "WeightSensitivity",
    "number_dict",
]

RESULT_FORMAT_VERSION: Final = 1
STD_DEV_NOTE: Final = (
    "population standard deviation; a square root is irrational in general, so it is the one "
    "value given as a decimal rounded half up to 4 decimal places rather than exactly"
)

JSON = dict[str, Any]


def number_dict(value: Fraction | None) -> JSON | None:
    """An exact number for JSON: the exact fraction as text and a 2 dp display value."""
    if value is None:
        return None
    return {"exact": exact_str(value), "display": display(value)}


def _input_number(value: object) -> JSON | None:
    # Inputs echoed in a result are normalised through Fraction so "3", 3 and Decimal("3.0")
    # serialise identically: the output must not depend on how the bundle spelled a number.
    return number_dict(to_fraction(value))


@dataclass(frozen=True, slots=True)
class GroupScores:
    """One value per weighting group."""

    price: Fraction
    quality: Fraction
    social_value: Fraction

    def get(self, group: str) -> Fraction:
        """The value for a group by name."""
        value: Fraction = getattr(self, group)
        return value

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "price": number_dict(self.price),
            "quality": number_dict(self.quality),
            "social_value": number_dict(self.social_value),
        }


@dataclass(frozen=True, slots=True)
class GateResult:
    """A bid's answer on one pass/fail gate."""

    gate_id: str
    title: str
    passed: bool

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {"gate_id": self.gate_id, "title": self.title, "passed": self.passed}


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """One bid's score on price or on one criterion.

    ``raw`` is the bid price, the final scale score or the commitment; ``source`` says where it
    came from ("price", "consensus", "mean", "panel_share" or "commitment"). ``normalised``
    (0..1) and ``weighted`` (points) are None for an excluded bid, which is not scored.
    """

    criterion_id: str
    group: str
    kind: str
    method: str
    raw: Fraction
    source: str
    normalised: Fraction | None
    weighted: Fraction | None
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "criterion_id": self.criterion_id,
            "group": self.group,
            "kind": self.kind,
            "method": self.method,
            "raw": number_dict(self.raw),
            "source": self.source,
            "normalised": number_dict(self.normalised),
            "weighted": number_dict(self.weighted),
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class BidResult:
    """Everything about one bid: gates, per-criterion scores, subtotals, total and rank.

    ``status`` is "ranked", "excluded" or "pending" (the evaluation is incomplete).
    Under ``price_per_quality_point`` the total is the quality plus social value points and
    ``price_per_point`` is the bid price divided by them (the ranking measure, lower is better).
    """

    bid_id: str
    label: str
    supplier: str
    price: Fraction
    status: str
    exclusion_reasons: tuple[str, ...]
    gates: tuple[GateResult, ...]
    scores: tuple[CriterionScore, ...]
    subtotals: GroupScores | None
    total: Fraction | None
    total_explanation: str
    social_value_offer_gbp: Fraction | None
    price_per_point: Fraction | None
    rank: int | None

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "bid_id": self.bid_id,
            "label": self.label,
            "supplier": self.supplier,
            "price": number_dict(self.price),
            "status": self.status,
            "exclusion_reasons": list(self.exclusion_reasons),
            "gates": [gate.to_dict() for gate in self.gates],
            "scores": [score.to_dict() for score in self.scores],
            "subtotals": None if self.subtotals is None else self.subtotals.to_dict(),
            "total": number_dict(self.total),
            "total_explanation": self.total_explanation,
            "social_value_offer_gbp": number_dict(self.social_value_offer_gbp),
            "price_per_point": number_dict(self.price_per_point),
            "rank": self.rank,
        }


@dataclass(frozen=True, slots=True)
class RankedBid:
    """A compliant bid's place. ``tied_with`` lists bids it is tied with that the declared
    tie-break rules could not separate (they share the rank)."""

    rank: int
    bid_id: str
    label: str
    subtotals: GroupScores
    total: Fraction
    price_per_point: Fraction | None
    tied_with: tuple[str, ...]

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "rank": self.rank,
            "bid_id": self.bid_id,
            "label": self.label,
            "subtotals": self.subtotals.to_dict(),
            "total": number_dict(self.total),
            "price_per_point": number_dict(self.price_per_point),
            "tied_with": list(self.tied_with),
        }


@dataclass(frozen=True, slots=True)
class ExcludedBid:
    """A bid that is not ranked, and every reason why."""

    bid_id: str
    label: str
    reasons: tuple[str, ...]

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {"bid_id": self.bid_id, "label": self.label, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class MissingItem:
    """Something that must be recorded before the result can be final."""

    bid_id: str
    criterion_id: str
    reason: str

    def to_dict(self) -> JSON:
        """JSON-ready form (keys as the web app shows them: bid, criterion, reason)."""
        return {"bid": self.bid_id, "criterion": self.criterion_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ModerationDetail:
    """How one bid x qualitative criterion pair was moderated.

    ``individual_scores`` are the evaluators' scores (sorted by evaluator id) with roles and
    rationales; ``mean``, ``range`` and ``flagged`` are exact; ``std_dev`` is the population
    standard deviation rounded half up to 4 dp (see ``STD_DEV_NOTE``). ``final_score`` is the
    raw score used for scoring (None while it is still missing) and ``source`` where it came from.
    """

    bid_id: str
    criterion_id: str
    scale_minimum: int
    scale_maximum: int
    individual_scores: tuple[IndividualScore, ...]
    mean: Fraction | None
    range: Fraction | None
    std_dev: Decimal | None
    flagged: bool
    consensus: ConsensusScore | None
    panel_mean: Fraction | None
    officer_mean: Fraction | None
    final_score: Fraction | None
    source: str | None
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        consensus = self.consensus
        return {
            "bid_id": self.bid_id,
            "criterion_id": self.criterion_id,
            "scale": f"{self.scale_minimum}-{self.scale_maximum}",
            "individual_scores": [
                {
                    "evaluator_id": score.evaluator_id,
                    "evaluator_role": score.evaluator_role,
                    "score": _input_number(score.score),
                    "rationale": score.rationale,
                }
                for score in self.individual_scores
            ],
            "mean": number_dict(self.mean),
            "range": number_dict(self.range),
            "std_dev": None if self.std_dev is None else str(self.std_dev),
            "flagged": self.flagged,
            "consensus": None
            if consensus is None
            else {
                "score": _input_number(consensus.score),
                "reason": consensus.reason,
                "recorded_by": consensus.recorded_by,
            },
            "panel_mean": number_dict(self.panel_mean),
            "officer_mean": number_dict(self.officer_mean),
            "final_score": number_dict(self.final_score),
            "source": self.source,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class TieBreakStep:
    """One declared rule applied to tied bids: the order it produced (groups of bids it could
    not separate are listed together)."""

    rule: str
    order: tuple[tuple[str, ...], ...]
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "order": [list(group) for group in self.order],
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class TieBreak:
    """Bids that tied on the ranking measure, and how (or whether) the tie was broken."""

    bids: tuple[str, ...]
    tied_value: Fraction
    steps: tuple[TieBreakStep, ...]
    resolved: bool
    unresolved: tuple[tuple[str, ...], ...]
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "bids": list(self.bids),
            "tied_value": number_dict(self.tied_value),
            "steps": [step.to_dict() for step in self.steps],
            "resolved": self.resolved,
            "unresolved": [list(group) for group in self.unresolved],
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class FrameworkRef:
    """A framework version the plan relies on, and which of its measures it uses."""

    framework_id: str
    framework_version: str
    framework_hash: str
    measure_codes: tuple[str, ...]

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "framework_id": self.framework_id,
            "framework_version": self.framework_version,
            "framework_hash": self.framework_hash,
            "measure_codes": list(self.measure_codes),
        }


@dataclass(frozen=True, slots=True)
class MethodSummary:
    """The methods and rules the result was computed with."""

    price_method: str
    quantitative_method: str
    criterion_methods: tuple[tuple[str, str], ...]
    moderation_mode: str
    flag_range_fraction: Fraction
    panel_share: Fraction | None
    panel_share_group: str | None
    tie_break: tuple[str, ...]
    require_rationale: bool

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "price_method": self.price_method,
            "quantitative_method": self.quantitative_method,
            "criterion_methods": dict(self.criterion_methods),
            "moderation_mode": self.moderation_mode,
            "flag_range_fraction": exact_str(self.flag_range_fraction),
            "panel_share": None if self.panel_share is None else exact_str(self.panel_share),
            "panel_share_group": self.panel_share_group,
            "tie_break": list(self.tie_break),
            "require_rationale": self.require_rationale,
        }


@dataclass(frozen=True, slots=True)
class Benchmarks:
    """The values compliant bids set, against which every bid is scored."""

    lowest_compliant_price: Fraction | None
    best_commitments: tuple[tuple[str, Fraction], ...]
    best_social_value_offer_gbp: Fraction | None
    monetised_pool_weight: Fraction | None

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "lowest_compliant_price": number_dict(self.lowest_compliant_price),
            "best_commitments": {key: number_dict(v) for key, v in self.best_commitments},
            "best_social_value_offer_gbp": number_dict(self.best_social_value_offer_gbp),
            "monetised_pool_weight": number_dict(self.monetised_pool_weight),
        }


@dataclass(frozen=True, slots=True)
class WeightMove:
    """Points moved from one group's weight to another's."""

    from_group: str
    to_group: str
    points: Fraction

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "from_group": self.from_group,
            "to_group": self.to_group,
            "points": number_dict(self.points),
        }


@dataclass(frozen=True, slots=True)
class WeightSensitivity:
    """The smallest change of group weights with which ``challenger_id`` would overtake the
    winner, or ``robust`` when no allowed change does.

    ``points`` is the total moved at the break-even point, where the two draw level (there the
    declared tie-break rules decide; any further move puts the challenger ahead). ``moves``
    achieves it; ``single_moves`` lists, for each pair of groups, the points that moving between
    just those two would take (None where that move alone cannot do it).
    """

    challenger_id: str
    robust: bool
    points: Fraction | None
    moves: tuple[WeightMove, ...]
    new_weights: GroupScores | None
    single_moves: tuple[tuple[str, str, Fraction | None], ...]
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "challenger_id": self.challenger_id,
            "robust": self.robust,
            "points": number_dict(self.points),
            "moves": [move.to_dict() for move in self.moves],
            "new_weights": None if self.new_weights is None else self.new_weights.to_dict(),
            "single_moves": [
                {"from_group": a, "to_group": b, "points": number_dict(points)}
                for a, b, points in self.single_moves
            ],
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class ScoreSensitivity:
    """The smallest single-criterion improvement with which a runner-up would win.

    ``required`` is the break-even raw score or commitment (where it draws level with the
    winner; anything above it, within the scale, wins outright), ``change`` the rise from
    ``current`` and ``share_of_range`` that rise as a share of the criterion's measuring range
    (its scale width, its target, or the best compliant commitment or offer); the option with
    the smallest share is reported. ``robust`` when no single criterion can do it.
    """

    bid_id: str
    gap: Fraction
    robust: bool
    criterion_id: str | None
    current: Fraction | None
    required: Fraction | None
    change: Fraction | None
    share_of_range: Fraction | None
    moves_benchmark: bool
    explanation: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        return {
            "bid_id": self.bid_id,
            "gap": number_dict(self.gap),
            "robust": self.robust,
            "criterion_id": self.criterion_id,
            "current": number_dict(self.current),
            "required": number_dict(self.required),
            "change": number_dict(self.change),
            "share_of_range": number_dict(self.share_of_range),
            "moves_benchmark": self.moves_benchmark,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class SensitivityReport:
    """How robust the winner is to changes of weights and of single scores.

    ``status``: "computed", "no_single_winner" (an unresolved tie for first place) or
    "no_contest" (fewer than two compliant bids).
    """

    status: str
    winner_id: str | None
    weights_robust: bool
    smallest_weight_change: WeightSensitivity | None
    weights: tuple[WeightSensitivity, ...]
    scores: tuple[ScoreSensitivity, ...]
    summary: str

    def to_dict(self) -> JSON:
        """JSON-ready form."""
        smallest = self.smallest_weight_change
        return {
            "status": self.status,
            "winner_id": self.winner_id,
            "weights_robust": self.weights_robust,
            "smallest_weight_change": None if smallest is None else smallest.to_dict(),
            "weights": [item.to_dict() for item in self.weights],
            "scores": [item.to_dict() for item in self.scores],
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The scored tender.

    ``status`` is "final" or "incomplete"; when incomplete, ``missing`` lists exactly what must
    still be recorded and nothing is ranked. ``ranking`` holds the compliant bids in order,
    ``excluded`` the others with reasons, ``bids`` the full per-criterion breakdown of every bid.
    """

    tender_id: str
    title: str
    currency: str
    status: str
    missing: tuple[MissingItem, ...]
    methods: MethodSummary
    group_weights: GroupScores
    benchmarks: Benchmarks | None
    ranking: tuple[RankedBid, ...]
    winner_id: str | None
    excluded: tuple[ExcludedBid, ...]
    bids: tuple[BidResult, ...]
    moderation: tuple[ModerationDetail, ...]
    tie_breaks: tuple[TieBreak, ...]
    frameworks: tuple[FrameworkRef, ...]
    warnings: tuple[str, ...]
    sensitivity: SensitivityReport | None
    format_version: int = RESULT_FORMAT_VERSION

    def to_dict(self) -> JSON:
        """The whole result as JSON-ready data (no floats; exact numbers as strings)."""
        return {
            "format_version": self.format_version,
            "tender_id": self.tender_id,
            "title": self.title,
            "currency": self.currency,
            "status": self.status,
            "missing": [item.to_dict() for item in self.missing],
            "methods": self.methods.to_dict(),
            "group_weights": self.group_weights.to_dict(),
            "benchmarks": None if self.benchmarks is None else self.benchmarks.to_dict(),
            "ranking": [item.to_dict() for item in self.ranking],
            "winner_id": self.winner_id,
            "excluded": [item.to_dict() for item in self.excluded],
            "bids": [bid.to_dict() for bid in self.bids],
            "moderation": [detail.to_dict() for detail in self.moderation],
            "std_dev_note": STD_DEV_NOTE,
            "tie_breaks": [tie.to_dict() for tie in self.tie_breaks],
            "frameworks": [ref.to_dict() for ref in self.frameworks],
            "warnings": list(self.warnings),
            "sensitivity": None if self.sensitivity is None else self.sensitivity.to_dict(),
        }

    def bid(self, bid_id: str) -> BidResult:
        """The breakdown of one bid."""
        for item in self.bids:
            if item.bid_id == bid_id:
                return item
        raise KeyError(bid_id)

    def score(self, bid_id: str, criterion_id: str) -> CriterionScore:
        """One bid's score on one criterion (``"price"`` for the price score)."""
        for item in self.bid(bid_id).scores:
            if item.criterion_id == criterion_id:
                return item
        raise KeyError((bid_id, criterion_id))

    def moderation_for(self, bid_id: str, criterion_id: str) -> ModerationDetail:
        """The moderation detail of one pair."""
        for item in self.moderation:
            if item.bid_id == bid_id and item.criterion_id == criterion_id:
                return item
        raise KeyError((bid_id, criterion_id))
