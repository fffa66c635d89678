"""The benchmark script runs, and its synthetic tender is a realistic, final evaluation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from socialvalue.scoring import score_tender

ROOT = Path(__file__).resolve().parents[2]


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_scoring", ROOT / "benchmarks" / "bench_scoring.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scoring"] = module
    spec.loader.exec_module(module)
    return module


def test_synthetic_tender_scores_final_with_sensitivity() -> None:
    bench = load_benchmark()
    bundle = bench.build_bundle(40, 12, 5, seed=7)
    assert len(bundle.plan.criteria) == 12
    assert len({s.evaluator_id for s in bundle.individual_scores}) == 5
    result = score_tender(bundle)
    assert result.status == "final"
    assert result.sensitivity is not None
    assert result.sensitivity.status == "computed"
    # Deterministic: the same seed builds the same tender.
    assert bench.build_bundle(40, 12, 5, seed=7) == bundle


def test_benchmark_reports_targets(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark()
    code = bench.main(
        [
            "--bids",
            "30",
            "--criteria",
            "8",
            "--evaluators",
            "4",
            "--repeat",
            "1",
            "--repeat-big",
            "1",
            "--scale",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert code in (0, 1)
    for label in ("score_tender at 1x", "peak memory", "ratio 2x / 1x", "baseline", "target 1x"):
        assert label in out
    assert ("PASS" in out) or ("FAIL" in out)
