"""Builders for the scoring scenarios (S1, S2, S3) used by the tests and the example bundles.

Kept as plain functions so every test starts from the same, readable data; the example files
in examples/bundles/ are these bundles written with ``bundle_to_json`` (a test checks they
have not drifted apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from socialvalue.scoring import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
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

D = Decimal

# An illustrative framework reference (the hash is that of the text "socialvalue example").
FRAMEWORK = ("gm-social-value", "2024.1", "sha256:" + "5" * 64)


def measure(code: str) -> MeasureRef:
    """A measure in the illustrative framework."""
    return MeasureRef(FRAMEWORK[0], FRAMEWORK[1], FRAMEWORK[2], code)


ZERO_TO_FIVE = Scale(
    0,
    5,
    (
        ScaleDescriptor(0, "No response"),
        ScaleDescriptor(1, "Poor"),
        ScaleDescriptor(2, "Weak"),
        ScaleDescriptor(3, "Satisfactory"),
        ScaleDescriptor(4, "Good"),
        ScaleDescriptor(5, "Excellent"),
    ),
)
ZERO_TO_HUNDRED = Scale(maximum=100)


def consensus_for(
    rows: Iterable[tuple[str, str, int | str]], reason: str = "Agreed at moderation."
) -> tuple[ConsensusScore, ...]:
    """Consensus scores from (bid, criterion, score) rows."""
    return tuple(
        ConsensusScore(bid, criterion, D(score), reason, "Lead officer")
        for bid, criterion, score in rows
    )


def s1_bundle() -> TenderBundle:
    """S1: price 40, quality 40 (Q1 25, Q2 15 on 0-5), social value 20 (SV1 0-100 weight 10,
    SV2 local employment FTE-years, quantitative weight 10)."""
    plan = EvaluationPlan(
        tender_id="S1",
        title="S1: community transport",
        group_weights=GroupWeights(D(40), D(40), D(20)),
        criteria=(
            Criterion("Q1", "Delivery approach", "quality", "qualitative", D(25), ZERO_TO_FIVE),
            Criterion("Q2", "Quality assurance", "quality", "qualitative", D(15), ZERO_TO_FIVE),
            Criterion(
                "SV1",
                "Social value delivery plan",
                "social_value",
                "qualitative",
                D(10),
                ZERO_TO_HUNDRED,
                measure=measure("SV-PLAN"),
            ),
            Criterion(
                "SV2",
                "Local employment",
                "social_value",
                "quantitative",
                D(10),
                measure=measure("NT1"),
                unit="FTE-years",
            ),
        ),
    )
    rows = {
        "A": ("100000.00", 3, 4, 50, "4"),
        "B": ("105000.00", 4, 4, 70, "8"),
        "C": ("125000.00", 5, 5, 20, "2"),
    }
    bids = tuple(
        Bid(bid, f"Bid {bid}", f"Supplier {bid} Ltd", D(price), {"SV2": D(sv2)})
        for bid, (price, _q1, _q2, _sv1, sv2) in rows.items()
    )
    consensus = consensus_for(
        (bid, criterion, score)
        for bid, (_p, q1, q2, sv1, _s) in rows.items()
        for criterion, score in (("Q1", q1), ("Q2", q2), ("SV1", sv1))
    )
    return TenderBundle(plan, bids, (), consensus)


GEC_TITLE = "Supplier is a Good Employment Charter Supporter or Member"


def s2_bundle() -> TenderBundle:
    """S2: price 50, quality 30 (Q1 0-5, minimum 2), social value 20 (SV1 0-100), a Good
    Employment Charter gate, tie-break highest social value then lowest price."""
    plan = EvaluationPlan(
        tender_id="S2",
        title="S2: grounds maintenance",
        group_weights=GroupWeights(D(50), D(30), D(20)),
        criteria=(
            Criterion(
                "Q1",
                "Method statement",
                "quality",
                "qualitative",
                D(30),
                ZERO_TO_FIVE,
                minimum_score=D(2),
            ),
            Criterion(
                "SV1", "Social value offer", "social_value", "qualitative", D(20), ZERO_TO_HUNDRED
            ),
        ),
        gates=(
            Gate(
                "GEC",
                GEC_TITLE,
                measure=measure("GEC"),
                evidence_expected="Charter membership number or supporter confirmation",
            ),
        ),
        tie_break=("highest_social_value", "lowest_price"),
    )
    rows = {
        "D": ("200000", True, 4, 50),
        "E": ("200000", True, 3, 80),
        "F": ("150000", False, 5, 90),
        "G": ("180000", True, 1, 90),
    }
    bids = tuple(
        Bid(bid, f"Bid {bid}", f"Supplier {bid} Ltd", D(price), {}, {"GEC": passed})
        for bid, (price, passed, _q1, _sv1) in rows.items()
    )
    consensus = consensus_for(
        (bid, criterion, score)
        for bid, (_p, _g, q1, sv1) in rows.items()
        for criterion, score in (("Q1", q1), ("SV1", sv1))
    )
    return TenderBundle(plan, bids, (), consensus)


def s3_plan(
    moderation: ModerationRule | None = None, panel_share: PanelShare | None = None
) -> EvaluationPlan:
    """S3's plan: price 40, quality 40 (Q1 0-5), social value 20 (SV1 0-5)."""
    return EvaluationPlan(
        tender_id="S3",
        title="S3: day opportunities (moderation)",
        group_weights=GroupWeights(D(40), D(40), D(20)),
        criteria=(
            Criterion(
                "Q1", "Person-centred support", "quality", "qualitative", D(40), ZERO_TO_FIVE
            ),
            Criterion(
                "SV1", "Community benefit", "social_value", "qualitative", D(20), ZERO_TO_FIVE
            ),
        ),
        moderation=moderation or ModerationRule(),
        panel_share=panel_share,
    )


# (bid, criterion) -> scores by evaluator: O1 is an officer, P1 and P2 citizen panel members.
S3_SCORES: dict[tuple[str, str], tuple[int, int, int]] = {
    ("A", "Q1"): (2, 4, 3),  # mean 3, range 2: flagged under the default rule
    ("A", "SV1"): (3, 4, 4),
    ("B", "Q1"): (3, 3, 4),
    ("B", "SV1"): (2, 2, 3),
}
S3_ROLES = (("O1", "officer"), ("P1", "panel"), ("P2", "panel"))


def s3_scores(
    overrides: dict[tuple[str, str], tuple[int, int, int]] | None = None,
) -> tuple[IndividualScore, ...]:
    """S3's individual scores, each with a rationale."""
    table = {**S3_SCORES, **(overrides or {})}
    return tuple(
        IndividualScore(
            bid,
            criterion,
            evaluator,
            role,
            D(values[index]),
            f"{evaluator} on {bid}/{criterion}: evidence weighed against the descriptors.",
        )
        for (bid, criterion), values in table.items()
        for index, (evaluator, role) in enumerate(S3_ROLES)
    )


S3_CONSENSUS = {("A", "Q1"): 3, ("A", "SV1"): 4, ("B", "Q1"): 3, ("B", "SV1"): 2}


def s3_bundle(
    *,
    consensus: dict[tuple[str, str], int] | None = None,
    scores: dict[tuple[str, str], tuple[int, int, int]] | None = None,
    moderation: ModerationRule | None = None,
    panel_share: PanelShare | None = None,
) -> TenderBundle:
    """S3: officer 2, panel 4, panel 3 on A/Q1 (flagged); consensus as given (default: all)."""
    chosen = S3_CONSENSUS if consensus is None else consensus
    bids = (
        Bid("A", "Bid A", "Supplier A CIC", D("100000.00")),
        Bid("B", "Bid B", "Supplier B Ltd", D("90000.00")),
    )
    return TenderBundle(
        s3_plan(moderation, panel_share),
        bids,
        s3_scores(scores),
        consensus_for(
            ((bid, criterion, score) for (bid, criterion), score in chosen.items()),
            reason="Moderation meeting: evidence reviewed together and score agreed.",
        ),
    )


HALF = Fraction(1, 2)
