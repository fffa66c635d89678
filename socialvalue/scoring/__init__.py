"""The socialvalue scoring engine: a pure, standard-library-only package.

Score tender bids on price, quality and social value, with evaluator moderation, citizen/VCSE
panel shares, pass/fail gates and minimum-score thresholds, exactly (``fractions.Fraction``
throughout; rounding only for display) and with an explanation for every number.

    from socialvalue.scoring import load_bundle, score_tender, result_to_json
    result = score_tender(load_bundle(open("bundle.json").read()))

It never imports Flask, SQLAlchemy, marshmallow, pandas or PyYAML, so an auditor can re-run a
tender bundle with nothing but Python (``socialvalue score bundle.json``).
"""

from .bundle import bundle_to_dict, bundle_to_json, load_bundle, result_to_json
from .engine import plan_warnings, score_tender
from .results import (
    Benchmarks,
    BidResult,
    CriterionScore,
    EvaluationResult,
    ExcludedBid,
    FrameworkRef,
    GateResult,
    GroupScores,
    MethodSummary,
    MissingItem,
    ModerationDetail,
    RankedBid,
    ScoreSensitivity,
    SensitivityReport,
    TieBreak,
    TieBreakStep,
    WeightMove,
    WeightSensitivity,
)
from .types import (
    EVALUATOR_ROLES,
    FORMAT_VERSION,
    GROUPS,
    KINDS,
    MODERATION_MODES,
    PRICE_METHODS,
    QUANTITATIVE_METHODS,
    TIE_BREAK_KEYS,
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
from .validation import BundleValidationError, Problem, validate_bundle

__all__ = [
    "EVALUATOR_ROLES",
    "FORMAT_VERSION",
    "GROUPS",
    "KINDS",
    "MODERATION_MODES",
    "PRICE_METHODS",
    "QUANTITATIVE_METHODS",
    "TIE_BREAK_KEYS",
    "Benchmarks",
    "Bid",
    "BidResult",
    "BundleValidationError",
    "ConsensusScore",
    "Criterion",
    "CriterionScore",
    "EvaluationPlan",
    "EvaluationResult",
    "ExcludedBid",
    "FrameworkRef",
    "FrozenMap",
    "Gate",
    "GateResult",
    "GroupScores",
    "GroupWeights",
    "IndividualScore",
    "MeasureRef",
    "MethodSummary",
    "MissingItem",
    "ModerationDetail",
    "ModerationRule",
    "PanelShare",
    "Problem",
    "RankedBid",
    "Scale",
    "ScaleDescriptor",
    "ScoreSensitivity",
    "SensitivityReport",
    "TenderBundle",
    "TieBreak",
    "TieBreakStep",
    "WeightMove",
    "WeightSensitivity",
    "bundle_to_dict",
    "bundle_to_json",
    "load_bundle",
    "plan_warnings",
    "result_to_json",
    "score_tender",
    "validate_bundle",
]
