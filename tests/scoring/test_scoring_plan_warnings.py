"""Warnings about a plan before any bid exists."""

from __future__ import annotations

import dataclasses

from scoring_builders import s1_bundle

from socialvalue.scoring import GroupWeights, plan_warnings, score_tender


def test_no_warning_at_or_above_ten_percent() -> None:
    assert plan_warnings(s1_bundle().plan) == ()


def test_low_social_value_weight_names_the_policy_and_matches_the_result() -> None:
    bundle = s1_bundle()
    # S1 with social value cut to 8 points (SV1 4, SV2 4) and price raised to 52.
    criteria = tuple(
        dataclasses.replace(c, weight=4) if c.id in ("SV1", "SV2") else c
        for c in bundle.plan.criteria
    )
    low = dataclasses.replace(
        bundle.plan,
        group_weights=GroupWeights(price=52, quality=40, social_value=8),
        criteria=criteria,
    )
    warnings = plan_warnings(low)
    assert len(warnings) == 1
    assert "PPN 06/20 / PPN 002 minimum 10% social value weighting" in warnings[0]
    assert "8%" in warnings[0]
    # The scored result carries exactly the same warning.
    result = score_tender(dataclasses.replace(bundle, plan=low))
    assert warnings[0] in result.warnings


def test_an_unfinished_plan_still_gets_its_weight_warning() -> None:
    unfinished = dataclasses.replace(
        s1_bundle().plan,
        criteria=(),
        group_weights=GroupWeights(price=60, quality=35, social_value=5),
    )
    assert "5%" in plan_warnings(unfinished)[0]
