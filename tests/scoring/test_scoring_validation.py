"""Invalid bundles: one error listing every problem, and no result."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from scoring_builders import ZERO_TO_FIVE, s1_bundle, s3_bundle

from socialvalue.scoring import (
    Bid,
    BundleValidationError,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    FrozenMap,
    Gate,
    GroupWeights,
    IndividualScore,
    MeasureRef,
    Problem,
    Scale,
    TenderBundle,
    score_tender,
    validate_bundle,
)

D = Decimal


def bad_bundle() -> TenderBundle:
    plan = EvaluationPlan(
        tender_id="BAD",
        title="Everything wrong",
        group_weights=GroupWeights(D(40), D(40), D(25)),  # sums to 105
        criteria=(
            Criterion("Q1", "Quality", "quality", "qualitative", D(25), ZERO_TO_FIVE),
            Criterion("Q1", "Duplicate", "quality", "qualitative", D(10), ZERO_TO_FIVE),
            Criterion("Q2", "No scale", "quality", "qualitative", D(5)),
            Criterion("SV1", "No unit", "social_value", "quantitative", D(5)),
            Criterion(
                "SV2",
                "No proxy",
                "social_value",
                "quantitative",
                D(5),
                unit="FTE",
                quantitative_method="monetised",
            ),
            Criterion(
                "SV3",
                "No target",
                "social_value",
                "quantitative",
                D(5),
                unit="FTE",
                quantitative_method="against_target",
            ),
            Criterion(
                "SV4",
                "Bad method",
                "social_value",
                "quantitative",
                D(5),
                unit="FTE",
                quantitative_method="best_guess",
            ),
        ),
        gates=(Gate("GEC", "Good Employment Charter"), Gate("GEC", "Duplicate gate")),
        price_method="cheapest_wins",
        quantitative_method="vibes",
        tie_break=("highest_social_value", "coin_toss"),
    )
    bids = (
        Bid("A", "Bid A", "A Ltd", D("-5"), {"GEC": D(1), "Q1": D(2), "SV1": D(-3)}, {}),
        Bid("A", "Bid A again", "A2 Ltd", D(0), {}, {"GEC": True}),
        Bid("B", "Bid B", "B Ltd", D(100), {}, {"GEC": True}),
    )
    scores = (
        IndividualScore("B", "Q9", "E1", "officer", D(3), "fine"),
        IndividualScore("B", "Q1", "E1", "officer", D(6), "out of scale"),
        IndividualScore("B", "Q1", "E1", "officer", D(4), "scored twice"),
        IndividualScore("B", "Q1", "E2", "panel", D(4), "   "),
    )
    consensus = (
        ConsensusScore("Z", "Q1", D(3), "unknown bid"),
        ConsensusScore("B", "Q1", D(3), ""),
    )
    return TenderBundle(plan, bids, scores, consensus)


EXPECTED = [
    ("plan.group_weights", "group weights must sum to exactly 100 (they sum to 105)"),
    ("plan.price_method", "unknown price method 'cheapest_wins'"),
    ("plan.quantitative_method", "unknown quantitative method 'vibes'"),
    ("plan.criteria[1].id", "criterion id 'Q1' is used twice"),
    ("plan.criteria[2].scale", "qualitative criterion Q2 needs a scale"),
    ("plan.criteria[3].unit", "quantitative criterion SV1 needs a unit"),
    ("plan.criteria[4].proxy_value_gbp", "needs a proxy value in GBP"),
    ("plan.criteria[5].target", "uses the against_target method, so it needs a target"),
    ("plan.criteria[6].quantitative_method", "unknown quantitative method 'best_guess'"),
    (
        "plan.criteria",
        "social value criteria weights sum to 20 but the social value group weight is 25",
    ),
    ("plan.gates[1].id", "gate id 'GEC' is used twice"),
    ("plan.tie_break[1]", "unknown tie-break rule 'coin_toss'"),
    ("bids[0].price", "price must be more than 0 (it is -5)"),
    ("bids[0].commitments.GEC", "'GEC' is a pass/fail gate"),
    ("bids[0].commitments.Q1", "criterion Q1 is qualitative"),
    ("bids[0].commitments.SV1", "must not be negative (it is -3)"),
    ("bids[0].gate_answers", "bid A has no answer for gate GEC"),
    ("bids[1].id", "bid id 'A' is used twice"),
    ("bids[1].price", "price must be more than 0 (it is 0)"),
    ("individual_scores[0]", "criterion 'Q9' is not in the plan"),
    ("individual_scores[1].score", "score 6 for bid B on Q1 is outside the 0-5 scale"),
    ("individual_scores[3].rationale", "without a rationale"),
    ("individual_scores[2]", "evaluator E1 scored bid B on Q1 more than once"),
    ("consensus[0]", "bid 'Z' is not in the bundle"),
    ("consensus[1].reason", "needs a written reason"),
]


def test_one_error_lists_every_problem_and_there_is_no_result() -> None:
    bundle = bad_bundle()
    with pytest.raises(BundleValidationError) as caught:
        score_tender(bundle)
    problems = caught.value.problems
    found = [(p.path, p.message) for p in problems]
    for path, fragment in EXPECTED:
        assert any(path == p and fragment in m for p, m in found), (path, fragment, found)
    # The same list from validate_bundle, and every problem in the error's text.
    assert list(problems) == validate_bundle(bundle)
    text = str(caught.value)
    assert all(f"{p.path}: {p.message}" in text for p in problems)
    assert text.startswith(f"the tender bundle has {len(problems)} problems:")


def test_criterion_weights_must_match_their_group_weight() -> None:
    bundle = s1_bundle()
    criteria = (replace(bundle.plan.criteria[0], weight=D(20)), *bundle.plan.criteria[1:])
    bundle = replace(bundle, plan=replace(bundle.plan, criteria=criteria))
    assert validate_bundle(bundle) == [
        Problem(
            "plan.criteria",
            "quality criteria weights sum to 35 but the quality group weight is 40; "
            "they must be equal",
        )
    ]


def test_floats_are_refused_because_they_are_inexact() -> None:
    bundle = s1_bundle()
    bids = (replace(bundle.bids[0], price=100000.0), *bundle.bids[1:])  # type: ignore[arg-type]
    problems = validate_bundle(replace(bundle, bids=bids))
    assert [p.path for p in problems] == ["bids[0].price"]
    assert "float (inexact)" in problems[0].message


def test_individual_score_for_a_quantitative_criterion_is_refused() -> None:
    bundle = s1_bundle()
    score = IndividualScore("A", "SV2", "E1", "officer", D(3), "why")
    problems = validate_bundle(replace(bundle, individual_scores=(score,)))
    assert len(problems) == 1
    assert "SV2 is quantitative: it is scored from the bids' commitments" in problems[0].message


def test_missing_commitment_and_unknown_gate_answer() -> None:
    bundle = s1_bundle()
    bids = (replace(bundle.bids[0], commitments={}, gate_answers={"XYZ": True}), *bundle.bids[1:])
    problems = validate_bundle(replace(bundle, bids=bids))
    assert [(p.path, p.message) for p in problems] == [
        (
            "bids[0].commitments",
            "bid A has no commitment for quantitative criterion SV2 (record 0 if it offers none)",
        ),
        ("bids[0].gate_answers.XYZ", "answer for 'XYZ', which is not a gate in the plan"),
    ]


def test_a_commitment_given_twice_is_reported() -> None:
    bundle = s1_bundle()
    twice = FrozenMap([("SV2", D(4)), ("SV2", D(40))])
    assert dict(twice) == {"SV2": D(4)}
    assert twice.duplicates == ("SV2",)
    bids = (replace(bundle.bids[0], commitments=twice), *bundle.bids[1:])
    problems = validate_bundle(replace(bundle, bids=bids))
    assert [(p.path, p.message) for p in problems] == [
        ("bids[0].commitments.SV2", "commitment for 'SV2' is given twice")
    ]


def test_bids_are_immutable_and_hashable() -> None:
    bid = s1_bundle().bids[0]
    assert hash(bid) == hash(replace(bid))
    assert bid.commitments == {"SV2": D(4)}
    assert bid.commitment("SV2") == D(4)
    with pytest.raises(TypeError):
        bid.commitments["SV2"] = D(5)  # type: ignore[index]


def test_rationale_is_only_required_when_the_plan_says_so() -> None:
    bundle = s3_bundle()
    scores = tuple(replace(s, rationale="") for s in bundle.individual_scores)
    assert len(validate_bundle(replace(bundle, individual_scores=scores))) == len(scores)
    relaxed = replace(bundle.plan, require_rationale=False)
    assert validate_bundle(replace(bundle, plan=relaxed, individual_scores=scores)) == []


def test_evaluator_recorded_with_two_roles() -> None:
    bundle = s3_bundle()
    first = bundle.individual_scores[0]
    changed = replace(first, criterion_id="SV1", bid_id="B", evaluator_role="panel")
    scores = tuple(
        s
        for s in bundle.individual_scores
        if s != first
        and not (
            s.bid_id == "B" and s.criterion_id == "SV1" and s.evaluator_id == first.evaluator_id
        )
    )
    problems = validate_bundle(replace(bundle, individual_scores=(*scores, changed)))
    assert any("recorded as both officer and panel" in p.message for p in problems)


def test_framework_version_with_two_hashes_is_refused() -> None:
    bundle = s1_bundle()
    criteria = list(bundle.plan.criteria)
    assert criteria[2].measure is not None
    criteria[2] = replace(criteria[2], measure=replace(criteria[2].measure, framework_hash="x"))
    problems = validate_bundle(replace(bundle, plan=replace(bundle.plan, criteria=tuple(criteria))))
    assert [p.path for p in problems] == ["plan.criteria[3].measure.framework_hash"]
    assert "two different content hashes" in problems[0].message


def test_scale_and_thresholds_are_checked() -> None:
    plan = EvaluationPlan(
        tender_id="T",
        title="T",
        group_weights=GroupWeights(D(40), D(40), D(20)),
        criteria=(
            Criterion("Q1", "Q", "quality", "qualitative", D(40), Scale(5, 5)),
            Criterion(
                "SV1",
                "S",
                "social_value",
                "qualitative",
                D(20),
                ZERO_TO_FIVE,
                minimum_score=D(6),
            ),
        ),
    )
    problems = validate_bundle(TenderBundle(plan, (Bid("A", "A", "A", D(1)),)))
    assert [(p.path, p.message) for p in problems] == [
        (
            "plan.criteria[0].scale",
            "criterion Q1 scale maximum (5) must be more than its minimum (5)",
        ),
        (
            "plan.criteria[1].minimum_score",
            "criterion SV1 minimum score must be at most 5 (it is 6)",
        ),
    ]


def test_scale_needs_a_maximum() -> None:
    with pytest.raises(TypeError, match="needs a maximum"):
        Scale()
    assert Scale(maximum=5) == Scale(0, 5)


def test_measure_reference_must_be_complete() -> None:
    bundle = s1_bundle()
    gate = Gate("GEC", "Charter", measure=MeasureRef("", "1", "sha256:x", "GEC"))
    bids = tuple(replace(b, gate_answers={"GEC": True}) for b in bundle.bids)
    plan = replace(bundle.plan, gates=(gate,))
    problems = validate_bundle(replace(bundle, plan=plan, bids=bids))
    assert [(p.path, p.message) for p in problems] == [
        ("plan.gates[0].measure.framework_id", "framework id must be non-empty text")
    ]
