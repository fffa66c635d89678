"""Benchmark the scoring engine: ``score_tender`` (including sensitivity) on synthetic tenders.

    .venv/bin/python benchmarks/bench_scoring.py [--bids 1000] [--criteria 50] [--evaluators 10]

Generates a deterministic tender (``random.Random(seed)``) in memory: 60% quality criteria
(0-5 and 0-10 scales), 40% social value (0-100 and 0-5 qualitative, plus quantitative
relative_to_best, against_target and monetised commitments), two pass/fail gates, minimum
scores, a 1/3 citizen panel share on social value, every evaluator scoring every qualitative
pair with a rationale, and a consensus score on every pair (the default moderation rule), so the
result is final and the full sensitivity analysis runs.

Targets: at most 1 s at 1x, and the 10x-bids run at most 11x the 1x time (linear in bids).
Timings are the best of several runs (other processes on a shared machine only ever add time)
and exclude building the bundle; peak memory (tracemalloc) is measured in a separate run
because tracing slows Python down several times over. The baseline is the time merely to add up
the same individual score values (as Decimals, and as Fractions).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from socialvalue.scoring import (
    Bid,
    ConsensusScore,
    Criterion,
    EvaluationPlan,
    Gate,
    GroupWeights,
    IndividualScore,
    PanelShare,
    Scale,
    TenderBundle,
    score_tender,
)

TARGET_SECONDS = 1.0
TARGET_RATIO = 11.0


def _split(total: int, count: int) -> list[Decimal]:
    """``count`` decimal weights (2 dp) summing exactly to ``total``."""
    if count == 0:
        return []
    cents = total * 100
    base, extra = divmod(cents, count)
    return [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(count)]


def build_bundle(bids: int, criteria: int, evaluators: int, seed: int = 2024) -> TenderBundle:
    """A deterministic synthetic tender bundle."""
    rng = random.Random(seed)
    quality_count = max(1, round(criteria * 0.6))
    social_count = max(1, criteria - quality_count)
    quantitative_count = max(1, social_count // 3) if social_count > 1 else 0
    qualitative_sv = social_count - quantitative_count
    quality_weights = _split(40, quality_count)
    social_weights = _split(20, social_count)
    plan_criteria: list[Criterion] = []
    for i in range(quality_count):
        top = 5 if i % 3 else 10
        plan_criteria.append(
            Criterion(
                f"Q{i + 1}",
                f"Quality question {i + 1}",
                "quality",
                "qualitative",
                quality_weights[i],
                scale=Scale(maximum=top),
                minimum_score=Decimal(1) if i == 0 else None,
            )
        )
    methods = ("relative_to_best", "against_target", "monetised")
    for i in range(social_count):
        weight = social_weights[i]
        if i < qualitative_sv:
            plan_criteria.append(
                Criterion(
                    f"SV{i + 1}",
                    f"Social value question {i + 1}",
                    "social_value",
                    "qualitative",
                    weight,
                    scale=Scale(maximum=100 if i % 2 else 5),
                )
            )
        else:
            method = methods[i % 3]
            plan_criteria.append(
                Criterion(
                    f"SV{i + 1}",
                    f"Social value commitment {i + 1}",
                    "social_value",
                    "quantitative",
                    weight,
                    unit="FTE-years",
                    quantitative_method=method,
                    target=Decimal(20) if method == "against_target" else None,
                    proxy_value_gbp=Decimal("28432.50") if method == "monetised" else None,
                )
            )
    plan = EvaluationPlan(
        tender_id="BENCH",
        title="Synthetic benchmark tender",
        group_weights=GroupWeights(Decimal(40), Decimal(40), Decimal(20)),
        criteria=tuple(plan_criteria),
        gates=(
            Gate("GEC", "Good Employment Charter Supporter or Member"),
            Gate("RLW", "Pays the Real Living Wage"),
        ),
        panel_share=PanelShare(Fraction(1, 3)),
        tie_break=("highest_social_value", "lowest_price"),
    )
    officers = max(1, evaluators // 3)
    roles = ["officer" if e < officers else "panel" for e in range(evaluators)]
    evaluator_ids = [f"E{e + 1}" for e in range(evaluators)]
    rationale = "Meets the requirement with specific, evidenced commitments."
    reason = "Agreed at moderation meeting after discussing the evidence."
    decimals = {value: Decimal(value) for value in range(101)}
    bid_list: list[Bid] = []
    scores: list[IndividualScore] = []
    consensus: list[ConsensusScore] = []
    qualitative = [c for c in plan_criteria if c.kind == "qualitative"]
    quantitative = [c for c in plan_criteria if c.kind == "quantitative"]
    bid_ids = [f"B{b + 1:05d}" for b in range(bids)]
    given: dict[tuple[str, str], list[int]] = {}
    for b, bid_id in enumerate(bid_ids):
        price = Decimal(rng.randrange(8_000_000, 15_000_000)) / 100
        commitments = {c.id: Decimal(rng.randrange(0, 400)) / 10 for c in quantitative}
        answers = {"GEC": rng.random() > 0.02, "RLW": rng.random() > 0.01}
        bid_list.append(
            Bid(bid_id, f"Bid {b + 1}", f"Supplier {b + 1}", price, commitments, answers)
        )
        for criterion in qualitative:
            assert criterion.scale is not None
            top = criterion.scale.maximum
            centre = rng.randint(0, top)
            spread = max(1, top // 5)
            given[(bid_id, criterion.id)] = [
                min(top, max(0, centre + rng.randint(-spread, spread))) for _ in range(evaluators)
            ]
    # Evaluator by evaluator, as scores are entered and as a database would return them.
    for e in range(evaluators):
        for criterion in qualitative:
            for bid_id in bid_ids:
                value = given[(bid_id, criterion.id)][e]
                scores.append(
                    IndividualScore(
                        bid_id, criterion.id, evaluator_ids[e], roles[e], decimals[value], rationale
                    )
                )
    for criterion in qualitative:
        for bid_id in bid_ids:
            values = given[(bid_id, criterion.id)]
            agreed = round(sum(values[:officers]) / officers)
            consensus.append(ConsensusScore(bid_id, criterion.id, decimals[agreed], reason, "E1"))
    return TenderBundle(plan, tuple(bid_list), tuple(scores), tuple(consensus))


def _time(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_memory(function: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=50)
    parser.add_argument("--evaluators", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings at 1x")
    parser.add_argument(
        "--repeat-big", type=int, default=2, help="best of N timings at the larger size"
    )
    parser.add_argument("--scale", type=int, default=10, help="bid multiplier for the ratio")
    args = parser.parse_args(argv)

    small = build_bundle(args.bids, args.criteria, args.evaluators, args.seed)
    result = score_tender(small)
    assert result.status == "final", result.missing[:3]
    assert result.sensitivity is not None
    assert result.sensitivity.status == "computed"
    pairs = len(small.consensus)
    print(
        f"tender: {args.bids} bids x {args.criteria} criteria x {args.evaluators} evaluators = "
        f"{len(small.individual_scores):,} individual scores, {pairs:,} consensus scores"
    )
    print(
        f"result: {len(result.ranking)} ranked, {len(result.excluded)} excluded, winner "
        f"{result.winner_id}; sensitivity over {len(result.sensitivity.weights)} challengers"
    )

    one = _time(lambda: score_tender(small), args.repeat)
    # Scores in the synthetic bundle are all Decimals.
    values = [Decimal(s.score) for s in small.individual_scores]
    decimal_base = _time(lambda: sum(values, Decimal(0)), args.repeat)
    fraction_base = _time(lambda: sum((Fraction(v) for v in values), Fraction(0)), 1)
    peak = _peak_memory(lambda: score_tender(small))
    del result

    big = build_bundle(args.bids * args.scale, args.criteria, args.evaluators, args.seed)
    many = _time(lambda: score_tender(big), args.repeat_big)
    ratio = many / one

    print()
    print(f"score_tender at 1x ({args.bids} bids):  {one:.3f} s (best of {args.repeat})")
    print(f"peak memory at 1x (tracemalloc):       {peak / 2**20:.1f} MiB")
    print(
        f"score_tender at {args.scale}x ({args.bids * args.scale} bids): {many:.3f} s "
        f"(best of {args.repeat_big})"
    )
    print(f"ratio {args.scale}x / 1x:                       {ratio:.2f}")
    print(
        f"baseline, sum the individual scores as Decimals:  {decimal_base:.3f} s "
        f"(score_tender is {one / decimal_base:.1f}x that)"
    )
    print(
        f"baseline, sum the individual scores as Fractions: {fraction_base:.3f} s "
        f"(score_tender is {one / fraction_base:.2f}x that)"
    )
    print()
    time_ok = one <= TARGET_SECONDS
    ratio_ok = ratio <= TARGET_RATIO
    print(f"target 1x <= {TARGET_SECONDS:.0f} s:        {_verdict(time_ok)} ({one:.3f} s)")
    print(f"target ratio <= {TARGET_RATIO:.0f}:        {_verdict(ratio_ok)} ({ratio:.2f})")
    return 0 if time_ok and ratio_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
