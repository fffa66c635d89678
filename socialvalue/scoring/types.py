"""Input dataclasses for the scoring engine: the evaluation plan, the bids and the scores.

These names are a contract with the web application, which builds them from the database.
Everything is a frozen dataclass so that an input can never change underneath a result.

Numbers are ``Decimal``, ``int`` or decimal strings (never ``float``: binary floating point
cannot represent 0.1 exactly). The engine converts them to ``fractions.Fraction`` and does all
of its arithmetic exactly; nothing is rounded except for display.

Containers are tuples; the constructors also accept lists. Where a mapping is natural
(``Bid.commitments``, ``Bid.gate_answers``) pass a ``dict`` (or ``(key, value)`` pairs): it is
stored as a ``FrozenMap`` so that every object stays immutable and hashable. A key repeated in
pairs is kept once and reported by validation rather than silently overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias, TypeVar

__all__ = [
    "DEFAULT_FLAG_RANGE_FRACTION",
    "EVALUATOR_ROLES",
    "FORMAT_VERSION",
    "GROUPS",
    "KINDS",
    "MODERATION_MODES",
    "PRICE_METHODS",
    "QUANTITATIVE_METHODS",
    "SCORE_GROUPS",
    "TIE_BREAK_KEYS",
    "Bid",
    "ConsensusScore",
    "Criterion",
    "EvaluationPlan",
    "FrozenMap",
    "Gate",
    "GroupWeights",
    "IndividualScore",
    "MeasureRef",
    "ModerationRule",
    "Number",
    "PanelShare",
    "Ratio",
    "Scale",
    "ScaleDescriptor",
    "TenderBundle",
]

#: A decimal input: ``Decimal``, ``int`` or a decimal string such as ``"105000.00"``.
Number: TypeAlias = Decimal | int | str
#: A ratio input (moderation threshold, panel share): also accepts an exact ``Fraction``.
Ratio: TypeAlias = Fraction | Decimal | int | str

FORMAT_VERSION: Final = 1

#: The three weighting groups, in presentation order.
GROUPS: Final = ("price", "quality", "social_value")
#: The groups a criterion can belong to (price has no criteria: it is scored from the bid price).
SCORE_GROUPS: Final = ("quality", "social_value")
KINDS: Final = ("qualitative", "quantitative")
EVALUATOR_ROLES: Final = ("officer", "panel")
MODERATION_MODES: Final = ("consensus_required", "mean_for_unflagged")
PRICE_METHODS: Final = ("lowest_price_ratio", "linear_deviation", "price_per_quality_point")
QUANTITATIVE_METHODS: Final = ("relative_to_best", "against_target", "monetised")
#: Tie-break vocabulary; a plan declares an ordered selection of these up front.
TIE_BREAK_KEYS: Final = (
    "highest_social_value",
    "highest_quality",
    "lowest_price",
    "highest_total_unrounded",
)
#: Default moderation trigger: a range of 2 or more points on a 0-5 scale (40% of the scale).
DEFAULT_FLAG_RANGE_FRACTION: Final = Fraction(2, 5)


def _tuple(items: Iterable[object]) -> tuple[object, ...]:
    return items if isinstance(items, tuple) else tuple(items)


K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping that keeps insertion order.

    Built from a mapping or from (key, value) pairs. When pairs repeat a key the first value is
    kept and the key is listed in ``duplicates`` so that validation can report it (a plain dict
    would silently keep the last one).
    """

    __slots__ = ("_data", "_hash", "duplicates")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        data: dict[K, V] = {}
        duplicates: list[K] = []
        pairs = items.items() if isinstance(items, Mapping) else items
        for key, value in pairs:
            if key in data:
                duplicates.append(key)
            else:
                data[key] = value
        self._data = data
        self._hash: int | None = None
        self.duplicates: tuple[K, ...] = tuple(duplicates)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data and self.duplicates == other.duplicates
        if isinstance(other, Mapping):
            return not self.duplicates and self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


@dataclass(frozen=True, slots=True)
class ScaleDescriptor:
    """What a point on a scoring scale means, as published to bidders."""

    value: int
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True, init=False)
class Scale:
    """A scoring scale ``minimum..maximum`` (0-4, 0-5, 0-10 and 0-100 are common).

    Scores may be whole or decimal numbers within the closed range. Construct it as
    ``Scale(maximum=5)``, ``Scale(0, 5)`` or ``Scale(minimum=1, maximum=10)``.
    """

    minimum: int
    maximum: int
    descriptors: tuple[ScaleDescriptor, ...]

    def __init__(
        self,
        minimum: int = 0,
        maximum: int | None = None,
        descriptors: Iterable[ScaleDescriptor] = (),
    ) -> None:
        if maximum is None:
            # A dataclass cannot give ``minimum`` a default yet require ``maximum``; a scale
            # without a maximum is meaningless, so insist on it here.
            raise TypeError("Scale() needs a maximum, e.g. Scale(maximum=5)")
        object.__setattr__(self, "minimum", minimum)
        object.__setattr__(self, "maximum", maximum)
        object.__setattr__(self, "descriptors", _tuple(descriptors))

    def label(self) -> str:
        """The scale as people write it, e.g. ``"0-5"``."""
        return f"{self.minimum}-{self.maximum}"


@dataclass(frozen=True, slots=True)
class MeasureRef:
    """A measure in a versioned, content-hashed framework file (see docs/frameworks.md)."""

    framework_id: str
    framework_version: str
    framework_hash: str
    measure_code: str


@dataclass(frozen=True, slots=True)
class Criterion:
    """An award criterion in the quality or social value group.

    ``kind="qualitative"`` criteria are scored by evaluators on ``scale``;
    ``kind="quantitative"`` ones from the bids' numeric commitments (in ``unit``), using
    ``quantitative_method`` or, when that is ``None``, the plan's default.
    ``minimum_score`` is a threshold on the final raw score (the scale score or the commitment):
    a bid below it is excluded.
    """

    id: str
    title: str
    group: str
    kind: str
    weight: Number
    scale: Scale | None = None
    measure: MeasureRef | None = None
    unit: str | None = None
    proxy_value_gbp: Number | None = None
    minimum_score: Number | None = None
    target: Number | None = None
    quantitative_method: str | None = None


@dataclass(frozen=True, slots=True)
class Gate:
    """A pass/fail requirement. Failing any gate disqualifies the bid (Procurement Act 2023
    s.23(3)(a)): it is excluded before scoring and cannot set a benchmark."""

    id: str
    title: str
    measure: MeasureRef | None = None
    evidence_expected: str = ""


@dataclass(frozen=True, slots=True)
class ModerationRule:
    """When individual scores must be moderated to a consensus.

    A bid x criterion pair is *flagged* when ``(max - min) / (scale max - scale min)`` of its
    individual scores is at least ``flag_range_fraction`` (default 2/5: a range of 2 or more on
    a 0-5 scale). ``consensus_required`` (default): every pair needs a consensus score.
    ``mean_for_unflagged``: unflagged pairs may use the mean of the individual scores; flagged
    ones still need a consensus score.
    """

    mode: str = "consensus_required"
    flag_range_fraction: Ratio = DEFAULT_FLAG_RANGE_FRACTION


@dataclass(frozen=True, slots=True)
class PanelShare:
    """Blend a citizen/VCSE panel's view into qualitative scores of one group.

    Final raw score = ``share`` x (mean of panel-member scores)
    + (1 - ``share``) x (officer consensus score, or officers' mean where the moderation rule
    allows a mean).
    """

    share: Ratio
    applies_to_group: str = "social_value"


@dataclass(frozen=True, slots=True)
class GroupWeights:
    """Percentage weights of the three groups; they must sum to exactly 100."""

    price: Number
    quality: Number
    social_value: Number


@dataclass(frozen=True, slots=True)
class EvaluationPlan:
    """Everything decided before bids are opened: weights, criteria, gates, methods, rules."""

    tender_id: str
    title: str
    group_weights: GroupWeights
    criteria: tuple[Criterion, ...]
    gates: tuple[Gate, ...] = ()
    price_method: str = "lowest_price_ratio"
    quantitative_method: str = "relative_to_best"
    moderation: ModerationRule = field(default_factory=ModerationRule)
    panel_share: PanelShare | None = None
    tie_break: tuple[str, ...] = ()
    require_rationale: bool = True
    currency: str = "GBP"

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", _tuple(self.criteria))
        object.__setattr__(self, "gates", _tuple(self.gates))
        object.__setattr__(self, "tie_break", _tuple(self.tie_break))


@dataclass(frozen=True, slots=True)
class Bid:
    """A tender response.

    ``commitments`` holds the numeric commitment for each quantitative criterion (criterion id
    -> amount in the criterion's unit); ``gate_answers`` whether the bid passes each gate
    (gate id -> bool). Pass a dict (or (key, value) pairs); both are stored as an immutable,
    hashable ``FrozenMap``.
    """

    id: str
    label: str
    supplier: str
    price: Number
    commitments: Mapping[str, Number] = field(default_factory=FrozenMap)
    gate_answers: Mapping[str, bool] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        for name in ("commitments", "gate_answers"):
            value = getattr(self, name)
            if not isinstance(value, FrozenMap):
                object.__setattr__(self, name, FrozenMap(value))

    def commitment(self, criterion_id: str) -> Number | None:
        """The commitment for one criterion, or None."""
        return self.commitments.get(criterion_id)

    def gate_answer(self, gate_id: str) -> bool | None:
        """The answer for one gate, or None when it was not answered."""
        return self.gate_answers.get(gate_id)


@dataclass(frozen=True, slots=True)
class IndividualScore:
    """One evaluator's score for one bid on one qualitative criterion, with the reason."""

    bid_id: str
    criterion_id: str
    evaluator_id: str
    evaluator_role: str
    score: Number
    rationale: str


@dataclass(frozen=True, slots=True)
class ConsensusScore:
    """The moderated score agreed for one bid on one qualitative criterion, with the reason.

    Under a panel share it is the *officers'* consensus; the panel's mean is blended in.
    """

    bid_id: str
    criterion_id: str
    score: Number
    reason: str
    recorded_by: str = ""


@dataclass(frozen=True, slots=True)
class TenderBundle:
    """Everything needed to score a tender, and nothing else: the unit an auditor re-runs."""

    plan: EvaluationPlan
    bids: tuple[Bid, ...]
    individual_scores: tuple[IndividualScore, ...] = ()
    consensus: tuple[ConsensusScore, ...] = ()
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "bids", _tuple(self.bids))
        object.__setattr__(self, "individual_scores", _tuple(self.individual_scores))
        object.__setattr__(self, "consensus", _tuple(self.consensus))
