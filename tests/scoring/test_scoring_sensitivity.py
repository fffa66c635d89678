"""Sensitivity: hand-checked break-even points, confirmed by re-scoring either side of them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from scoring_builders import ZERO_TO_FIVE, s1_bundle, s2_bundle, s3_bundle

from socialvalue.scoring import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    GroupWeights,
    TenderBundle,
    WeightMove,
    score_tender,
)

D = Decimal
F = Fraction


def winner(bundle: TenderBundle) -> str | None:
    return score_tender(bundle).winner_id


def with_commitment(bundle: TenderBundle, bid_id: str, criterion: str, amount: str) -> TenderBundle:
    bids = tuple(
        replace(b, commitments={**dict(b.commitments), criterion: D(amount)})
        if b.id == bid_id
        else b
        for b in bundle.bids
    )
    return replace(bundle, bids=bids)


def with_consensus(bundle: TenderBundle, bid_id: str, criterion: str, score: str) -> TenderBundle:
    return replace(
        bundle,
        consensus=tuple(
            replace(c, score=D(score)) if (c.bid_id, c.criterion_id) == (bid_id, criterion) else c
            for c in bundle.consensus
        ),
    )


def s1_with_weights(price: str, quality: str, social: str) -> TenderBundle:
    """S1 with new group weights, criterion weights scaled in proportion (25:15, 10:10)."""
    bundle = s1_bundle()
    q, s = D(quality), D(social)
    share = {"Q1": q * 25 / 40, "Q2": q * 15 / 40, "SV1": s / 2, "SV2": s / 2}
    criteria = tuple(replace(c, weight=share[c.id]) for c in bundle.plan.criteria)
    plan = replace(bundle.plan, group_weights=GroupWeights(D(price), q, s), criteria=criteria)
    return replace(bundle, plan=plan)


# -- S1: weights ----------------------------------------------------------------------------


def test_s1_smallest_weight_change_moves_social_value_points_to_quality_for_c() -> None:
    report = score_tender(s1_bundle()).sensitivity
    assert report is not None
    assert report.status == "computed"
    assert report.winner_id == "B"
    assert not report.weights_robust
    smallest = report.smallest_weight_change
    assert smallest is not None
    assert smallest.challenger_id == "C"
    # Shares of each group's weight: B price 20/21, quality 4/5, social value 17/20;
    # C 4/5, 1, 9/40. Gap 1829/21 - 153/2 = 445/42. Moving a point from social value to
    # quality gains C (1 - 4/5) + (17/20 - 9/40) = 33/40 on B: 445/42 / (33/40) = 8900/693.
    assert smallest.points == F(8900, 693)
    assert smallest.moves == (WeightMove("social_value", "quality", F(8900, 693)),)
    assert smallest.new_weights is not None
    assert smallest.new_weights.quality == 40 + F(8900, 693)
    assert "12.84 points (exactly 8900/693) from social value to quality" in smallest.explanation


def test_s1_points_from_price_to_quality_that_would_make_c_win() -> None:
    report = score_tender(s1_bundle()).sensitivity
    assert report is not None
    c = next(item for item in report.weights if item.challenger_id == "C")
    single = {(a, b): points for a, b, points in c.single_moves}
    # Per point moved from price to quality C gains (1 - 4/5) - (4/5 - 20/21) = 37/105:
    # 445/42 / (37/105) = 15575/518 = 30.07 points (within the 40 price points available).
    assert single[("price", "quality")] == F(15575, 518)
    assert single[("quality", "price")] is None  # moving towards price only helps B
    # Confirm by re-scoring (criterion weights scaled in proportion): 30.1 moved -> C wins,
    # 30.0 moved -> B still wins.
    assert winner(s1_with_weights("9.9", "70.1", "20")) == "C"
    assert winner(s1_with_weights("10.0", "70.0", "20")) == "B"


def test_s1_weight_break_even_confirmed_by_rescoring() -> None:
    # 8900/693 = 12.843 points from social value to quality.
    assert winner(s1_with_weights("40", "52.85", "7.15")) == "C"
    assert winner(s1_with_weights("40", "52.8", "7.2")) == "B"


def test_s1_a_needs_points_from_two_groups() -> None:
    report = score_tender(s1_bundle()).sensitivity
    assert report is not None
    a = next(item for item in report.weights if item.challenger_id == "A")
    # Gap 212/21. Into price (A's best group): from social value at 167/420 per point, all 20
    # available points give 167/21; the remaining 15/7 from quality at 29/168 takes 360/29.
    assert a.moves == (
        WeightMove("social_value", "price", F(20)),
        WeightMove("quality", "price", F(360, 29)),
    )
    assert a.points == F(940, 29)
    assert winner(s1_with_weights("72.5", "27.5", "0")) == "A"
    assert winner(s1_with_weights("72.4", "27.6", "0")) == "B"


# -- S1: single scores ----------------------------------------------------------------------


def test_s1_runner_up_must_move_the_sv2_benchmark() -> None:
    report = score_tender(s1_bundle()).sensitivity
    assert report is not None
    by_bid = {item.bid_id: item for item in report.scores}
    a, c = by_bid["A"], by_bid["C"]
    assert a.gap == F(212, 21)
    # No qualitative score can make up 10.10 points (A's headroom: Q1 10, Q2 3, SV1 5), and
    # raising SV2 to the best (8) gains only 5. Above 8, SV2 becomes the benchmark: A gets
    # the full 10 (total 82) and B's SV2 becomes 80/x. 82 = 1619/21 + 80/x -> x = 1680/103.
    assert (a.criterion_id, a.current, a.required) == ("SV2", F(4), F(1680, 103))
    assert a.moves_benchmark
    assert not a.robust
    assert a.share_of_range == (F(1680, 103) - 4) / 8
    # C: 84 = 1619/21 + 80/x -> x = 336/29 = 11.586 FTE-years.
    assert (c.criterion_id, c.current, c.required) == ("SV2", F(2), F(336, 29))
    assert winner(with_commitment(s1_bundle(), "C", "SV2", "11.6")) == "C"
    assert winner(with_commitment(s1_bundle(), "C", "SV2", "11.5")) == "B"
    assert winner(with_commitment(s1_bundle(), "A", "SV2", "16.32")) == "A"
    assert winner(with_commitment(s1_bundle(), "A", "SV2", "16.3")) == "B"


def test_s3_runner_up_can_win_on_one_qualitative_score() -> None:
    result = score_tender(s3_bundle())
    assert result.winner_id == "A"
    assert result.sensitivity is not None
    (b,) = result.sensitivity.scores
    # B is 4 points behind; Q1 (weight 40 on 0-5) gives 8 points per scale point: +1/2.
    assert (b.criterion_id, b.current, b.required, b.change) == ("Q1", F(3), F(7, 2), F(1, 2))
    assert b.share_of_range == F(1, 10)
    assert winner(with_consensus(s3_bundle(), "B", "Q1", "3.6")) == "B"
    assert winner(with_consensus(s3_bundle(), "B", "Q1", "3.4")) == "A"


def quantitative_tender(method: str, **extra: object) -> TenderBundle:
    plan = EvaluationPlan(
        tender_id="Q",
        title="Quantitative sensitivity",
        group_weights=GroupWeights(D(50), D(30), D(20)),
        criteria=(
            Criterion("Q1", "Quality", "quality", "qualitative", D(30), ZERO_TO_FIVE),
            Criterion(
                "SV2",
                "Commitment",
                "social_value",
                "quantitative",
                D(20),
                unit="hours",
                quantitative_method=method,
                **extra,  # type: ignore[arg-type]
            ),
        ),
    )
    bids = (
        Bid("A", "A", "A Ltd", D(100), {"SV2": D(100 if method == "monetised" else 10)}),
        Bid("B", "B", "B Ltd", D(100), {"SV2": D(50 if method == "monetised" else 6)}),
    )
    consensus = (
        ConsensusScore("A", "Q1", D(4), "agreed"),
        ConsensusScore("B", "Q1", D(5), "agreed"),
    )
    return TenderBundle(plan, bids, (), consensus)


def test_against_target_commitment_rise() -> None:
    bundle = quantitative_tender("against_target", target=D(10))
    result = score_tender(bundle)
    # A: 50 + 24 + 20 = 94; B: 50 + 30 + 12 = 92. B gains 2 points per hour up to the target:
    # 1 more hour (6 -> 7) draws level.
    assert result.sensitivity is not None
    (b,) = result.sensitivity.scores
    assert (b.criterion_id, b.current, b.required) == ("SV2", F(6), F(7))
    assert winner(with_commitment(bundle, "B", "SV2", "7.5")) == "B"
    assert winner(with_commitment(bundle, "B", "SV2", "6.5")) == "A"


def test_monetised_offer_rise() -> None:
    bundle = quantitative_tender("monetised", proxy_value_gbp=D(1000))
    result = score_tender(bundle)
    # A: offer £100,000 (best) -> 20, total 94; B: £50,000 -> 10, total 90. B needs 4 points:
    # 4/20 of the best offer = £20,000 = 20 hours at £1,000 (50 -> 70).
    assert result.sensitivity is not None
    (b,) = result.sensitivity.scores
    assert (b.criterion_id, b.current, b.required) == ("SV2", F(50), F(70))
    assert "£50,000.00 to £70,000.00" in b.explanation
    assert winner(with_commitment(bundle, "B", "SV2", "71")) == "B"
    assert winner(with_commitment(bundle, "B", "SV2", "69")) == "A"


def test_zero_benchmark_means_any_commitment_wins_the_whole_weight() -> None:
    bundle = s1_bundle()
    for bid in "ABC":
        bundle = with_commitment(bundle, bid, "SV2", "0")
    result = score_tender(bundle)
    assert result.winner_id == "B"  # 800/21 + 32 + 7 = 77.10
    assert result.sensitivity is not None
    c = next(item for item in result.sensitivity.scores if item.bid_id == "C")
    assert (c.criterion_id, c.required, c.change, c.moves_benchmark) == ("SV2", F(0), F(0), True)
    assert "any SV2 commitment above 0" in c.explanation
    assert winner(with_commitment(bundle, "C", "SV2", "0.1")) == "C"


# -- robust and special cases ---------------------------------------------------------------


def test_a_dominant_winner_is_reported_robust() -> None:
    plan = EvaluationPlan(
        tender_id="R",
        title="Dominant winner",
        group_weights=GroupWeights(D(40), D(40), D(20)),
        criteria=(
            Criterion("Q1", "Quality", "quality", "qualitative", D(40), ZERO_TO_FIVE),
            Criterion("SV1", "Social", "social_value", "qualitative", D(20), ZERO_TO_FIVE),
        ),
    )
    bids = (Bid("A", "A", "A Ltd", D(100)), Bid("B", "B", "B Ltd", D(200)))
    consensus = (
        ConsensusScore("A", "Q1", D(5), "r"),
        ConsensusScore("A", "SV1", D(5), "r"),
        ConsensusScore("B", "Q1", D(1), "r"),
        ConsensusScore("B", "SV1", D(1), "r"),
    )
    report = score_tender(TenderBundle(plan, bids, (), consensus)).sensitivity
    assert report is not None
    assert report.weights_robust
    assert report.smallest_weight_change is None
    (weights,) = report.weights
    assert weights.robust
    assert weights.explanation.startswith("robust")
    (scores,) = report.scores
    # B: 20 + 8 + 4 = 32 against 100; no single criterion can make up 68 points.
    assert scores.robust
    assert scores.explanation.startswith("robust")
    assert "Weights: robust." in report.summary


def test_tied_runner_up_needs_only_the_smallest_move() -> None:
    report = score_tender(s2_bundle()).sensitivity
    assert report is not None
    (d,) = report.weights
    assert d.challenger_id == "D"
    assert d.points == 0
    assert "level with E" in d.explanation
    (scores,) = report.scores
    assert scores.gap == 0
    assert scores.change == 0


def test_price_per_quality_point_sensitivity() -> None:
    plan = EvaluationPlan(
        tender_id="P",
        title="Price per point",
        group_weights=GroupWeights(D(0), D(60), D(40)),
        criteria=(
            Criterion("Q1", "Quality", "quality", "qualitative", D(60), ZERO_TO_FIVE),
            Criterion("SV1", "Social", "social_value", "qualitative", D(40), ZERO_TO_FIVE),
        ),
        price_method="price_per_quality_point",
    )
    bids = (Bid("A", "A", "A", D(100000)), Bid("C", "C", "C", D(120000)))
    rows = {("A", "Q1"): 4, ("A", "SV1"): 3, ("C", "Q1"): 5, ("C", "SV1"): 5}
    consensus = tuple(ConsensusScore(b, c, D(v), "r") for (b, c), v in rows.items())
    bundle = TenderBundle(plan, bids, (), consensus)
    result = score_tender(bundle)
    assert result.winner_id == "C"  # £1,200.00 per point against A's £1,388.89
    assert result.sensitivity is not None
    (a,) = result.sensitivity.scores
    # A needs 100 x 100000/120000 - 72 = 34/3 more points: Q1 +34/3/60 x 5 = 17/18.
    assert a.gap == F(34, 3)
    assert (a.criterion_id, a.required) == ("Q1", 4 + F(17, 18))
    assert winner(with_consensus(bundle, "A", "Q1", "4.95")) == "A"
    assert winner(with_consensus(bundle, "A", "Q1", "4.94")) == "C"
    # Even all 40 social value points moved to quality leave A at £1,250 per point: robust.
    assert result.sensitivity.weights_robust


def test_single_compliant_bid_has_no_contest() -> None:
    bundle = s3_bundle()
    bundle = replace(
        bundle,
        bids=bundle.bids[:1],
        individual_scores=tuple(s for s in bundle.individual_scores if s.bid_id == "A"),
        consensus=tuple(c for c in bundle.consensus if c.bid_id == "A"),
    )
    report = score_tender(bundle).sensitivity
    assert report is not None
    assert report.status == "no_contest"
    assert report.weights == ()
    assert report.scores == ()
