"""The three acceptance scenarios, with exact values.

Conventions: price score = price weight x lowest compliant price / bid price; a 0-N scale
criterion scores score / N x weight; a quantitative one commitment / best compliant x weight;
only compliant bids set benchmarks; the final score of a criterion is the consensus score.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from scoring_builders import HALF, s1_bundle, s2_bundle, s3_bundle

from socialvalue.scoring import (
    MissingItem,
    ModerationRule,
    PanelShare,
    score_tender,
)

F = Fraction


# -- S1 -------------------------------------------------------------------------------------


def test_s1_price_scores_use_the_lowest_price() -> None:
    result = score_tender(s1_bundle())
    # 40 x 100000 / 100000 = 40; 40 x 100000 / 105000 = 800/21; 40 x 100000 / 125000 = 32
    assert result.score("A", "price").weighted == 40
    assert result.score("B", "price").weighted == F(800, 21)
    assert result.score("C", "price").weighted == 32
    assert result.score("B", "price").explanation == "40 × 100000 / 105000 = 800/21 ≈ 38.0952"


def test_s1_quality_and_social_value_subtotals() -> None:
    result = score_tender(s1_bundle())
    subtotals = {bid.bid_id: bid.subtotals for bid in result.bids}
    # A: 3/5 x 25 + 4/5 x 15 = 15 + 12 = 27; B: 20 + 12 = 32; C: 25 + 15 = 40
    assert {b: s.quality for b, s in subtotals.items() if s} == {"A": 27, "B": 32, "C": 40}
    # A: 50/100 x 10 + 4/8 x 10 = 5 + 5 = 10; B: 7 + 10 = 17; C: 2 + 2.5 = 4.5
    assert {b: s.social_value for b, s in subtotals.items() if s} == {
        "A": 10,
        "B": 17,
        "C": F(9, 2),
    }
    assert result.score("C", "SV2").explanation == "10 × 2 / 8 (best compliant) = 2.5"


def test_s1_totals_and_ranking() -> None:
    result = score_tender(s1_bundle())
    assert result.status == "final"
    totals = {item.bid_id: item.total for item in result.ranking}
    # B: 800/21 + 32 + 17 = 1829/21
    assert totals == {"A": 77, "B": F(1829, 21), "C": F(153, 2)}
    assert [item.bid_id for item in result.ranking] == ["B", "A", "C"]
    assert [item.rank for item in result.ranking] == [1, 2, 3]
    assert result.winner_id == "B"
    data = result.to_dict()
    shown = {item["bid_id"]: item["total"] for item in data["ranking"]}
    assert shown["B"] == {"exact": "1829/21", "display": "87.10"}
    assert shown["A"] == {"exact": "77", "display": "77.00"}
    assert shown["C"] == {"exact": "153/2", "display": "76.50"}
    assert result.excluded == ()


def test_s1_breakdown_sources_and_normalised_values() -> None:
    result = score_tender(s1_bundle())
    q1 = result.score("B", "Q1")
    assert (q1.raw, q1.source, q1.normalised, q1.weighted) == (F(4), "consensus", F(4, 5), F(20))
    assert q1.explanation == "4 / 5 × 25 = 20"
    sv2 = result.score("B", "SV2")
    assert (sv2.raw, sv2.source, sv2.normalised, sv2.weighted) == (F(8), "commitment", F(1), F(10))
    price = result.score("B", "price")
    assert (price.raw, price.source, price.normalised) == (F(105000), "price", F(20, 21))


def test_s1_framework_references_are_reported() -> None:
    result = score_tender(s1_bundle())
    assert len(result.frameworks) == 1
    ref = result.frameworks[0]
    assert (ref.framework_id, ref.framework_version) == ("gm-social-value", "2024.1")
    assert ref.measure_codes == ("NT1", "SV-PLAN")


# -- S2 -------------------------------------------------------------------------------------


def test_s2_gate_failure_and_threshold_exclude_bids_with_reasons() -> None:
    result = score_tender(s2_bundle())
    excluded = {item.bid_id: item.reasons for item in result.excluded}
    assert excluded == {
        "F": ("failed gate GEC (Supplier is a Good Employment Charter Supporter or Member)",),
        "G": ("Q1 score 1 below minimum 2",),
    }
    assert result.bid("F").status == "excluded"
    assert result.bid("F").total is None  # excluded bids are listed, never scored


def test_s2_only_compliant_bids_set_the_price_benchmark() -> None:
    result = score_tender(s2_bundle())
    assert result.benchmarks is not None
    assert result.benchmarks.lowest_compliant_price == 200000
    # Had F (150,000) or G (180,000) set it, D and E would score 37.50 or 45.00.
    assert result.score("D", "price").weighted == 50
    assert result.score("E", "price").weighted == 50


def test_s2_tie_broken_by_declared_social_value_rule() -> None:
    result = score_tender(s2_bundle())
    totals = {item.bid_id: item.total for item in result.ranking}
    # D: 50 + 4/5 x 30 + 50/100 x 20 = 50 + 24 + 10; E: 50 + 18 + 16
    assert totals == {"D": 84, "E": 84}
    assert [item.bid_id for item in result.ranking] == ["E", "D"]
    assert [item.rank for item in result.ranking] == [1, 2]
    (tie,) = result.tie_breaks
    assert tie.resolved
    assert tie.tied_value == 84
    assert [step.rule for step in tie.steps] == ["highest_social_value"]
    assert tie.steps[0].order == (("E",), ("D",))
    assert "E 16, D 10" in tie.steps[0].explanation
    assert result.winner_id == "E"
    assert not any("unresolved" in warning for warning in result.warnings)


def test_s2_tie_that_declared_rules_cannot_break_is_reported_not_hidden() -> None:
    bundle = s2_bundle()
    bundle = replace(bundle, plan=replace(bundle.plan, tie_break=("lowest_price",)))
    result = score_tender(bundle)
    # Same price: lowest_price cannot separate D and E.
    assert [item.rank for item in result.ranking] == [1, 1]
    assert [item.bid_id for item in result.ranking] == ["D", "E"]  # by bid id, but tied
    assert result.ranking[0].tied_with == ("E",)
    (tie,) = result.tie_breaks
    assert not tie.resolved
    assert tie.unresolved == (("D", "E"),)
    assert any("unresolved tie between D and E" in w for w in result.warnings)
    assert result.winner_id is None
    assert result.sensitivity is not None
    assert result.sensitivity.status == "no_single_winner"


# -- S3 -------------------------------------------------------------------------------------


FLAGGED = "flagged for moderation (range 2 on 0-5); consensus score with reason required"


def test_s3_flagged_pair_without_consensus_leaves_the_result_incomplete() -> None:
    consensus = {("A", "SV1"): 4, ("B", "Q1"): 3, ("B", "SV1"): 2}
    result = score_tender(s3_bundle(consensus=consensus))
    assert result.status == "incomplete"
    assert result.missing == (MissingItem("A", "Q1", FLAGGED),)
    assert result.to_dict()["missing"] == [{"bid": "A", "criterion": "Q1", "reason": FLAGGED}]
    assert result.ranking == ()
    assert result.sensitivity is None
    detail = result.moderation_for("A", "Q1")
    assert detail.flagged
    assert (detail.mean, detail.range) == (F(3), F(2))
    assert detail.final_score is None


def test_s3_consensus_makes_it_final_and_is_the_score_used() -> None:
    result = score_tender(s3_bundle())
    assert result.status == "final"
    detail = result.moderation_for("A", "Q1")
    assert [(s.evaluator_id, s.evaluator_role, s.score) for s in detail.individual_scores] == [
        ("O1", "officer", Decimal(2)),
        ("P1", "panel", Decimal(4)),
        ("P2", "panel", Decimal(3)),
    ]
    assert all(s.rationale for s in detail.individual_scores)
    assert (detail.mean, detail.range, detail.flagged) == (F(3), F(2), True)
    # Population standard deviation of 2, 4, 3: sqrt(2/3) = 0.81649... -> 0.8165 (4 dp).
    assert detail.std_dev == Decimal("0.8165")
    assert detail.consensus is not None
    assert detail.consensus.reason.startswith("Moderation meeting")
    assert (detail.final_score, detail.source) == (F(3), "consensus")
    assert result.score("A", "Q1").raw == 3
    assert result.score("A", "Q1").weighted == 24  # 3/5 x 40


def test_s3_the_consensus_wins_whatever_the_mean() -> None:
    result = score_tender(s3_bundle(scores={("A", "Q1"): (2, 4, 4)}))
    detail = result.moderation_for("A", "Q1")
    assert detail.mean == F(10, 3)
    assert result.score("A", "Q1").raw == 3
    assert result.score("A", "Q1").source == "consensus"


def test_s3_consensus_required_needs_consensus_even_when_not_flagged() -> None:
    consensus = {("A", "Q1"): 3, ("A", "SV1"): 4, ("B", "SV1"): 2}
    result = score_tender(s3_bundle(consensus=consensus))
    (item,) = result.missing
    assert (item.bid_id, item.criterion_id) == ("B", "Q1")
    assert item.reason.startswith("consensus score with reason required (moderation rule: ")
    assert not result.moderation_for("B", "Q1").flagged  # range 1 of 5 < 2/5


def test_s3_mean_for_unflagged_uses_the_mean_but_still_needs_consensus_when_flagged() -> None:
    rule = ModerationRule("mean_for_unflagged")
    none_recorded: dict[tuple[str, str], int] = {}
    result = score_tender(s3_bundle(consensus=none_recorded, moderation=rule))
    assert result.status == "incomplete"
    assert result.missing == (MissingItem("A", "Q1", FLAGGED),)
    # Unflagged pairs already have their mean as the final score.
    b_q1 = result.moderation_for("B", "Q1")
    assert (b_q1.final_score, b_q1.source) == (F(10, 3), "mean")

    result = score_tender(s3_bundle(consensus={("A", "Q1"): 3}, moderation=rule))
    assert result.status == "final"
    assert result.score("B", "Q1").raw == F(10, 3)
    assert result.score("B", "Q1").source == "mean"
    assert result.score("B", "Q1").weighted == F(80, 3)  # 10/3 / 5 x 40
    assert result.score("A", "Q1").source == "consensus"


def test_s3_flag_threshold_is_a_share_of_the_scale() -> None:
    # Range 2 on 0-5 is 2/5 of the scale: flagged at the default 2/5 but not at 1/2.
    rule = ModerationRule("consensus_required", Fraction(1, 2))
    result = score_tender(s3_bundle(moderation=rule))
    assert not result.moderation_for("A", "Q1").flagged
    result = score_tender(s3_bundle(moderation=ModerationRule(flag_range_fraction="0.4")))
    assert result.moderation_for("A", "Q1").flagged


def test_s3_panel_share_blends_panel_mean_with_officer_consensus() -> None:
    result = score_tender(s3_bundle(panel_share=PanelShare(HALF)))
    b_sv1 = result.score("B", "SV1")
    # Panel (P1 2, P2 3) mean 5/2; officer consensus 2: 1/2 x 5/2 + 1/2 x 2 = 9/4.
    assert (b_sv1.raw, b_sv1.source) == (F(9, 4), "panel_share")
    assert b_sv1.weighted == 9  # 9/4 / 5 x 20
    detail = result.moderation_for("B", "SV1")
    assert (detail.panel_mean, detail.officer_mean) == (F(5, 2), F(2))
    assert detail.explanation.startswith("1/2 × panel mean 2.5 + 1/2 × officer consensus 2 = 2.25")
    # Quality is outside the panel share's group: plain consensus.
    assert result.score("B", "Q1").source == "consensus"


def test_s3_panel_share_under_mean_for_unflagged_uses_the_officers_mean() -> None:
    consensus = {("A", "Q1"): 3}  # SV1 pairs have no consensus
    rule = ModerationRule("mean_for_unflagged")
    result = score_tender(
        s3_bundle(consensus=consensus, moderation=rule, panel_share=PanelShare("0.25"))
    )
    assert result.status == "final"
    # A/SV1: officer O1 3, panel mean 4: 1/4 x 4 + 3/4 x 3 = 13/4.
    assert result.score("A", "SV1").raw == F(13, 4)
    assert result.score("A", "SV1").source == "panel_share"


def test_s3_pair_with_no_scores_at_all_is_missing() -> None:
    bundle = s3_bundle(consensus={("A", "Q1"): 3, ("A", "SV1"): 4, ("B", "Q1"): 3})
    bundle = replace(
        bundle,
        individual_scores=tuple(
            s for s in bundle.individual_scores if (s.bid_id, s.criterion_id) != ("B", "SV1")
        ),
    )
    result = score_tender(bundle)
    assert result.missing == (
        MissingItem("B", "SV1", "no individual scores or consensus score recorded"),
    )


def test_missing_scores_are_not_demanded_from_bids_already_excluded() -> None:
    bundle = s2_bundle()
    # F failed the gate: nobody scored it, and that does not hold up the result.
    bundle = replace(bundle, consensus=tuple(c for c in bundle.consensus if c.bid_id != "F"))
    result = score_tender(bundle)
    assert result.status == "final"
    assert [item.bid_id for item in result.excluded] == ["F", "G"]


@pytest.mark.parametrize("value", ["3", 3, Decimal("3.0")])
def test_number_spelling_never_changes_the_result(value: str | int | Decimal) -> None:
    from socialvalue.scoring import result_to_json

    base = s3_bundle()
    changed = replace(
        base,
        consensus=tuple(
            replace(c, score=value) if (c.bid_id, c.criterion_id) == ("A", "Q1") else c
            for c in base.consensus
        ),
    )
    assert result_to_json(score_tender(changed)) == result_to_json(score_tender(base))


def test_when_every_bid_is_excluded_nothing_is_ranked() -> None:
    bundle = s2_bundle()
    bundle = replace(
        bundle, bids=tuple(replace(b, gate_answers={"GEC": False}) for b in bundle.bids)
    )
    result = score_tender(bundle)
    assert result.status == "final"
    assert result.ranking == ()
    assert result.winner_id is None
    assert len(result.excluded) == 4
    assert any("no compliant bids" in w for w in result.warnings)
    assert result.sensitivity is not None
    assert result.sensitivity.status == "no_contest"
