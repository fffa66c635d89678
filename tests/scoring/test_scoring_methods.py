"""Each price and quantitative method against a hand-worked example."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from scoring_builders import ZERO_TO_FIVE

from socialvalue.scoring import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    Gate,
    GroupWeights,
    Scale,
    TenderBundle,
    score_tender,
    validate_bundle,
)

D = Decimal
F = Fraction


def tender(
    criteria: tuple[Criterion, ...],
    bids: dict[str, tuple[str, dict[str, str]]],
    consensus: dict[tuple[str, str], str],
    *,
    weights: tuple[int, int, int] = (40, 40, 20),
    price_method: str = "lowest_price_ratio",
    quantitative_method: str = "relative_to_best",
    gates: tuple[Gate, ...] = (),
    failing: frozenset[str] = frozenset(),
) -> TenderBundle:
    """A bundle from (price, commitments) per bid and consensus scores per pair."""
    plan = EvaluationPlan(
        tender_id="T",
        title="Method test",
        group_weights=GroupWeights(*(D(w) for w in weights)),
        criteria=criteria,
        gates=gates,
        price_method=price_method,
        quantitative_method=quantitative_method,
    )
    return TenderBundle(
        plan,
        tuple(
            Bid(
                bid,
                f"Bid {bid}",
                f"{bid} Ltd",
                D(price),
                {k: D(v) for k, v in commitments.items()},
                {g.id: bid not in failing for g in gates},
            )
            for bid, (price, commitments) in bids.items()
        ),
        (),
        tuple(
            ConsensusScore(bid, criterion, D(score), "agreed")
            for (bid, criterion), score in consensus.items()
        ),
    )


def quality(weight: int = 40) -> Criterion:
    return Criterion("Q1", "Quality", "quality", "qualitative", D(weight), ZERO_TO_FIVE)


def social(weight: int = 20) -> Criterion:
    return Criterion("SV1", "Social value", "social_value", "qualitative", D(weight), ZERO_TO_FIVE)


def all_fives(
    bids: list[str], criteria: tuple[str, ...] = ("Q1", "SV1")
) -> dict[tuple[str, str], str]:
    return {(bid, c): "5" for bid in bids for c in criteria}


# -- price ----------------------------------------------------------------------------------


def test_lowest_price_ratio() -> None:
    bundle = tender(
        (quality(), social()),
        {"A": ("100000", {}), "B": ("125000", {}), "C": ("80000", {})},
        all_fives(["A", "B", "C"]),
    )
    result = score_tender(bundle)
    # lowest 80,000: A 40 x 80000/100000 = 32; B 40 x 80000/125000 = 25.6; C 40
    assert result.score("A", "price").weighted == 32
    assert result.score("B", "price").weighted == F(128, 5)
    assert result.score("C", "price").weighted == 40


def test_linear_deviation() -> None:
    bundle = tender(
        (quality(), social()),
        {"A": ("100000", {}), "B": ("105000", {}), "C": ("250000", {})},
        all_fives(["A", "B", "C"]),
        price_method="linear_deviation",
    )
    result = score_tender(bundle)
    # A is lowest: 40. B: 40 x (1 - 5000/100000) = 40 x 0.95 = 38.
    # C: 40 x max(0, 1 - 150000/100000) = 40 x max(0, -0.5) = 0.
    assert result.score("A", "price").weighted == 40
    assert result.score("B", "price").weighted == 38
    assert result.score("C", "price").weighted == 0
    assert result.score("B", "price").explanation == (
        "40 × max(0, 1 − (105000 − 100000) / 100000) = 38"
    )


def test_price_per_quality_point_ranks_by_price_per_point() -> None:
    bundle = tender(
        (quality(60), social(40)),
        {"A": ("100000", {}), "B": ("80000", {}), "C": ("120000", {})},
        {
            ("A", "Q1"): "4",  # 4/5 x 60 = 48
            ("A", "SV1"): "3",  # 3/5 x 40 = 24 -> 72 points, 100000/72 = 12500/9 = £1,388.89
            ("B", "Q1"): "3",  # 36
            ("B", "SV1"): "2",  # 16 -> 52 points, 80000/52 = 20000/13 = £1,538.46
            ("C", "Q1"): "5",  # 60
            ("C", "SV1"): "5",  # 40 -> 100 points, 120000/100 = £1,200.00
        },
        weights=(0, 60, 40),
        price_method="price_per_quality_point",
    )
    result = score_tender(bundle)
    assert [item.bid_id for item in result.ranking] == ["C", "A", "B"]
    per_point = {item.bid_id: item.price_per_point for item in result.ranking}
    assert per_point == {"A": F(12500, 9), "B": F(20000, 13), "C": 1200}
    assert {item.bid_id: item.total for item in result.ranking} == {"A": 72, "B": 52, "C": 100}
    assert result.score("A", "price").weighted == 0
    assert result.score("A", "price").normalised is None
    assert result.bid("A").total_explanation == (
        "quality 48 + social value 24 = 72 points; £100,000.00 / 72 = £1,388.89 per point"
    )


def test_price_per_quality_point_requires_a_zero_price_weight() -> None:
    bundle = tender(
        (quality(40), social(20)),
        {"A": ("100000", {})},
        all_fives(["A"]),
        price_method="price_per_quality_point",
    )
    problems = validate_bundle(bundle)
    assert [p.path for p in problems] == ["plan.group_weights.price"]
    assert "price group weight must be 0 (it is 40)" in problems[0].message


# -- quantitative ---------------------------------------------------------------------------


def sv2(method: str | None = None, **extra: object) -> Criterion:
    return Criterion(
        "SV2",
        "Local employment",
        "social_value",
        "quantitative",
        D(10),
        unit="FTE-years",
        quantitative_method=method,
        **extra,  # type: ignore[arg-type]
    )


def test_relative_to_best_uses_only_compliant_commitments() -> None:
    gate = Gate("RLW", "Pays the Real Living Wage")
    bundle = tender(
        (quality(), social(10), sv2()),
        {
            "A": ("100000", {"SV2": "4"}),
            "B": ("100000", {"SV2": "8"}),
            "X": ("100000", {"SV2": "40"}),  # fails the gate: must not set the benchmark
        },
        all_fives(["A", "B", "X"]),
        gates=(gate,),
        failing=frozenset({"X"}),
    )
    result = score_tender(bundle)
    assert result.benchmarks is not None
    assert result.benchmarks.best_commitments == (("SV2", F(8)),)
    assert result.score("A", "SV2").weighted == 5  # 10 x 4/8
    assert result.score("B", "SV2").weighted == 10


def test_relative_to_best_with_a_zero_best_scores_everyone_zero() -> None:
    bundle = tender(
        (quality(), social(10), sv2()),
        {"A": ("100000", {"SV2": "0"}), "B": ("90000", {"SV2": "0.0"})},
        all_fives(["A", "B"]),
    )
    result = score_tender(bundle)
    assert result.score("A", "SV2").weighted == 0
    assert result.score("B", "SV2").weighted == 0
    assert any("best compliant commitment on SV2 is 0" in w for w in result.warnings)


def test_against_target() -> None:
    bundle = tender(
        (quality(), social(10), sv2("against_target", target=D(5))),
        {
            "A": ("100000", {"SV2": "4"}),  # 10 x min(1, 4/5) = 8
            "B": ("100000", {"SV2": "8"}),  # 10 x min(1, 8/5) = 10 (capped)
            "C": ("100000", {"SV2": "2.5"}),  # 10 x 2.5/5 = 5
        },
        all_fives(["A", "B", "C"]),
    )
    result = score_tender(bundle)
    assert [result.score(b, "SV2").weighted for b in "ABC"] == [8, 10, 5]
    assert result.score("A", "SV2").explanation == "10 × min(1, 4 / 5 target) = 8"


def test_monetised_pool() -> None:
    criteria = (
        quality(),
        Criterion("SV1", "Plan", "social_value", "qualitative", D(5), ZERO_TO_FIVE),
        Criterion(
            "SV2",
            "Local jobs",
            "social_value",
            "quantitative",
            D(10),
            unit="FTE-years",
            proxy_value_gbp=D("30000"),
        ),
        Criterion(
            "SV3",
            "Apprenticeships",
            "social_value",
            "quantitative",
            D(5),
            unit="weeks",
            proxy_value_gbp=D("250"),
        ),
    )
    gate = Gate("GEC", "Good Employment Charter")
    bundle = tender(
        criteria,
        {
            # offer = FTE x £30,000 + weeks x £250
            "A": ("100000", {"SV2": "4", "SV3": "100"}),  # 120,000 + 25,000 = 145,000
            "B": ("100000", {"SV2": "8", "SV3": "40"}),  # 240,000 + 10,000 = 250,000
            "C": ("100000", {"SV2": "2", "SV3": "400"}),  # 60,000 + 100,000 = 160,000
            "X": ("100000", {"SV2": "30", "SV3": "0"}),  # 900,000 but fails the gate
        },
        all_fives(["A", "B", "C", "X"]),
        quantitative_method="monetised",
        gates=(gate,),
        failing=frozenset({"X"}),
    )
    result = score_tender(bundle)
    assert result.benchmarks is not None
    assert result.benchmarks.best_social_value_offer_gbp == 250000
    assert result.benchmarks.monetised_pool_weight == 15  # 10 + 5
    assert result.bid("A").social_value_offer_gbp == 145000
    assert result.bid("X").social_value_offer_gbp == 900000  # shown, but sets no benchmark
    # Pool score = 15 x offer / 250,000: A 8.7, B 15, C 9.6; split by each criterion's £.
    assert result.score("A", "SV2").weighted == F(36, 5)  # 15 x 120000/250000 = 7.2
    assert result.score("A", "SV3").weighted == F(3, 2)  # 15 x 25000/250000 = 1.5
    assert result.score("A", "SV2").normalised == F(12, 25)  # 120000/250000
    pools = {
        b: result.score(b, "SV2").weighted + result.score(b, "SV3").weighted  # type: ignore[operator]
        for b in "ABC"
    }
    assert pools == {"A": F(87, 10), "B": 15, "C": F(48, 5)}
    assert result.score("A", "SV3").explanation == (
        "pool weight 15 × (100 weeks × £250.00 = £25,000.00) / best compliant offer "
        "£250,000.00 = 1.5"
    )


def test_monetised_needs_a_proxy_value() -> None:
    bundle = tender(
        (quality(), social(10), sv2("monetised")),
        {"A": ("100000", {"SV2": "1"})},
        all_fives(["A"]),
    )
    problems = validate_bundle(bundle)
    assert [p.path for p in problems] == ["plan.criteria[2].proxy_value_gbp"]


def test_minimum_on_a_quantitative_criterion_is_a_minimum_commitment() -> None:
    bundle = tender(
        (quality(), social(10), sv2(minimum_score=D(3))),
        {"A": ("100000", {"SV2": "4"}), "C": ("90000", {"SV2": "2"})},
        all_fives(["A", "C"]),
    )
    result = score_tender(bundle)
    assert [item.reasons for item in result.excluded] == [
        ("SV2 commitment 2 FTE-years below minimum 3",)
    ]
    # C is excluded, so A's price benchmark is its own price.
    assert result.score("A", "price").weighted == 40


def test_qualitative_scale_not_starting_at_zero() -> None:
    criterion = Criterion("Q1", "Quality", "quality", "qualitative", D(40), Scale(1, 10))
    bundle = tender(
        (criterion, social()),
        {"A": ("100", {})},
        {("A", "Q1"): "7", ("A", "SV1"): "5"},
    )
    result = score_tender(bundle)
    # (7 - 1) / (10 - 1) x 40 = 6/9 x 40 = 80/3
    assert result.score("A", "Q1").weighted == F(80, 3)
    assert result.score("A", "Q1").explanation == "(7 − 1) / (10 − 1) × 40 = 80/3 ≈ 26.6667"


def test_decimal_scores_within_the_scale() -> None:
    bundle = tender(
        (quality(), social()),
        {"A": ("100", {})},
        {("A", "Q1"): "3.5", ("A", "SV1"): "4.25"},
    )
    result = score_tender(bundle)
    assert result.score("A", "Q1").weighted == 28  # 3.5/5 x 40
    assert result.score("A", "SV1").weighted == 17  # 4.25/5 x 20


def test_price_per_quality_point_with_no_points_ranks_last_and_ties_break_on_price() -> None:
    bundle = tender(
        (quality(60), social(40)),
        {"A": ("100000", {}), "B": ("80000", {})},
        {("A", "Q1"): "0", ("A", "SV1"): "0", ("B", "Q1"): "0", ("B", "SV1"): "0"},
        weights=(0, 60, 40),
        price_method="price_per_quality_point",
    )
    bundle = replace(bundle, plan=replace(bundle.plan, tie_break=("lowest_price",)))
    result = score_tender(bundle)
    assert [item.bid_id for item in result.ranking] == ["B", "A"]
    assert result.ranking[0].price_per_point is None
    assert result.bid("A").total_explanation.endswith("= 0 points: no price per point, ranked last")
    assert result.sensitivity is not None
    assert "no bid scored any points" in result.sensitivity.summary


def test_social_value_weight_below_ten_percent_is_a_warning_not_an_error() -> None:
    bundle = tender(
        (quality(45), social(5)),
        {"A": ("100", {}), "B": ("120", {})},
        all_fives(["A", "B"]),
        weights=(50, 45, 5),
    )
    result = score_tender(bundle)
    assert result.status == "final"
    (warning,) = result.warnings
    assert "PPN 06/20 / PPN 002 minimum 10% social value weighting" in warning
    assert "5%" in warning
    assert (
        score_tender(tender((quality(), social()), {"A": ("1", {})}, all_fives(["A"]))).warnings
        == ()
    )
