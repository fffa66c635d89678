"""Properties that must hold for any tender, checked on generated ones with hypothesis."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from socialvalue.scoring import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    Gate,
    GroupWeights,
    IndividualScore,
    ModerationRule,
    PanelShare,
    Scale,
    TenderBundle,
    bundle_to_json,
    load_bundle,
    result_to_json,
    score_tender,
)

D = Decimal
SETTINGS = settings(max_examples=60, deadline=None)
PRICE_METHODS = ("lowest_price_ratio", "linear_deviation", "price_per_quality_point")
QUANT_METHODS = ("relative_to_best", "against_target", "monetised")


def split(total: int, parts: int, draw: st.DrawFn) -> list[int]:
    """``parts`` non-negative integers adding up to ``total``."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    edges = [0, *cuts, total]
    return [edges[i + 1] - edges[i] for i in range(parts)]


@st.composite
def tenders(draw: st.DrawFn) -> TenderBundle:
    price_method = draw(st.sampled_from(PRICE_METHODS))
    social = draw(st.integers(5, 60))
    price = 0 if price_method == "price_per_quality_point" else draw(st.integers(0, 100 - social))
    quality = 100 - social - price
    n_quality = draw(st.integers(1, 3))
    n_social_qual = draw(st.integers(0, 2))
    n_social_quant = draw(st.integers(1 if n_social_qual == 0 else 0, 2))
    scales = [draw(st.sampled_from([(0, 5), (0, 10), (1, 4), (0, 100)])) for _ in range(5)]
    criteria: list[Criterion] = []
    for i, weight in enumerate(split(quality, n_quality, draw)):
        criteria.append(
            Criterion(
                f"Q{i + 1}",
                f"Quality {i + 1}",
                "quality",
                "qualitative",
                D(weight),
                Scale(*scales[i]),
                minimum_score=D(scales[i][0] + 1) if draw(st.booleans()) and i == 0 else None,
            )
        )
    social_weights = split(social, n_social_qual + n_social_quant, draw)
    for i in range(n_social_qual):
        criteria.append(
            Criterion(
                f"SV{i + 1}",
                f"Social {i + 1}",
                "social_value",
                "qualitative",
                D(social_weights[i]),
                Scale(*scales[3 + i]),
            )
        )
    for i in range(n_social_quant):
        method = draw(st.sampled_from(QUANT_METHODS))
        criteria.append(
            Criterion(
                f"SQ{i + 1}",
                f"Commitment {i + 1}",
                "social_value",
                "quantitative",
                D(social_weights[n_social_qual + i]),
                unit="FTE-years",
                quantitative_method=method,
                target=D(draw(st.integers(1, 20))) if method == "against_target" else None,
                proxy_value_gbp=D(draw(st.integers(100, 40000))) if method == "monetised" else None,
            )
        )
    gates = (Gate("GEC", "Good Employment Charter"),) if draw(st.booleans()) else ()
    mode = draw(st.sampled_from(["consensus_required", "mean_for_unflagged"]))
    panel = PanelShare(Fraction(draw(st.integers(0, 4)), 4)) if draw(st.booleans()) else None
    plan = EvaluationPlan(
        tender_id="P",
        title="Generated tender",
        group_weights=GroupWeights(D(price), D(quality), D(social)),
        criteria=tuple(criteria),
        gates=gates,
        price_method=price_method,
        moderation=ModerationRule(mode),
        panel_share=panel,
        tie_break=tuple(draw(st.permutations(["highest_social_value", "lowest_price"]))),
    )
    n_bids = draw(st.integers(1, 5))
    bids: list[Bid] = []
    scores: list[IndividualScore] = []
    consensus: list[ConsensusScore] = []
    evaluators = [("O1", "officer"), ("O2", "officer"), ("P1", "panel"), ("P2", "panel")]
    for b in range(n_bids):
        bid_id = f"B{b}"
        commitments = {
            c.id: D(draw(st.integers(0, 400))) / 10 for c in criteria if c.kind == "quantitative"
        }
        answers = {"GEC": draw(st.booleans()) or b == 0} if gates else {}
        price_value = D(draw(st.integers(1, 10**7))) / 100
        bids.append(Bid(bid_id, f"Bid {b}", f"S{b}", price_value, commitments, answers))
        for c in criteria:
            if c.kind != "qualitative":
                continue
            assert c.scale is not None
            values = st.integers(c.scale.minimum, c.scale.maximum)
            for evaluator, role in evaluators:
                scores.append(
                    IndividualScore(bid_id, c.id, evaluator, role, D(draw(values)), "reasons")
                )
            if draw(st.integers(0, 3)):  # sometimes missing: incomplete results, means
                consensus.append(ConsensusScore(bid_id, c.id, D(draw(values)), "agreed"))
    return TenderBundle(plan, tuple(bids), tuple(scores), tuple(consensus))


@SETTINGS
@given(bundle=tenders(), data=st.data())
def test_order_of_bids_criteria_and_scores_never_changes_the_result(
    bundle: TenderBundle, data: st.DataObject
) -> None:
    shuffled = replace(
        bundle,
        plan=replace(bundle.plan, criteria=tuple(data.draw(st.permutations(bundle.plan.criteria)))),
        bids=tuple(
            replace(bid, commitments=dict(reversed(list(bid.commitments.items()))))
            for bid in data.draw(st.permutations(bundle.bids))
        ),
        individual_scores=tuple(data.draw(st.permutations(bundle.individual_scores))),
        consensus=tuple(data.draw(st.permutations(bundle.consensus))),
    )
    assert result_to_json(score_tender(shuffled)) == result_to_json(score_tender(bundle))


@SETTINGS
@given(bundle=tenders(), factor=st.sampled_from(["0.5", "2", "3", "1.07", "100"]))
def test_scaling_every_price_leaves_price_scores_unchanged(
    bundle: TenderBundle, factor: str
) -> None:
    scaled = replace(
        bundle, bids=tuple(replace(b, price=D(b.price) * D(factor)) for b in bundle.bids)
    )
    before, after = score_tender(bundle), score_tender(scaled)
    for bid in before.bids:
        old, new = before.score(bid.bid_id, "price"), after.score(bid.bid_id, "price")
        assert (old.normalised, old.weighted) == (new.normalised, new.weighted)
        assert bid.total == after.bid(bid.bid_id).total
    assert [r.bid_id for r in before.ranking] == [r.bid_id for r in after.ranking]


@SETTINGS
@given(bundle=tenders())
def test_totals_equal_the_sum_of_the_breakdown(bundle: TenderBundle) -> None:
    result = score_tender(bundle)
    for bid in result.bids:
        if bid.status != "ranked":
            assert bid.total is None
            continue
        assert bid.subtotals is not None
        assert bid.total is not None
        by_group: dict[str, Fraction] = {
            "price": Fraction(0),
            "quality": Fraction(0),
            "social_value": Fraction(0),
        }
        for score in bid.scores:
            assert score.weighted is not None
            if score.criterion_id != "price":
                assert score.normalised is not None  # price has none under price per point
            by_group[score.group] += score.weighted
            if score.normalised is not None:
                assert 0 <= score.normalised <= 1
        assert by_group == {
            "price": bid.subtotals.price,
            "quality": bid.subtotals.quality,
            "social_value": bid.subtotals.social_value,
        }
        assert bid.total == sum(by_group.values())
        assert 0 <= bid.total <= 100


@SETTINGS
@given(bundle=tenders())
def test_result_recomputed_from_its_bundle_json_is_byte_identical(bundle: TenderBundle) -> None:
    reloaded = load_bundle(bundle_to_json(bundle))
    assert result_to_json(score_tender(reloaded)) == result_to_json(score_tender(bundle))


@SETTINGS
@given(bundle=tenders())
def test_ranking_is_by_total_and_excluded_bids_set_no_benchmark(bundle: TenderBundle) -> None:
    result = score_tender(bundle)
    if result.status != "final":
        return
    ranked = [result.bid(item.bid_id) for item in result.ranking]
    if bundle.plan.price_method != "price_per_quality_point":
        totals = [bid.total for bid in ranked]
        assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]
    if ranked and result.benchmarks is not None:
        prices = [bid.price for bid in ranked]
        assert result.benchmarks.lowest_compliant_price == min(prices)
