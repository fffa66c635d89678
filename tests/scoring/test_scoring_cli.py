"""The ``socialvalue`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scoring_builders import s1_bundle

from socialvalue.scoring import bundle_to_dict, load_bundle, result_to_json, score_tender
from socialvalue.scoring.cli import main

ROOT = Path(__file__).resolve().parents[2]
S1 = ROOT / "examples" / "bundles" / "s1.json"
S2 = ROOT / "examples" / "bundles" / "s2.json"


def test_table_shows_ranking_totals_exclusions_and_sensitivity(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["score", str(S1)]) == 0
    out = capsys.readouterr().out
    assert "Status: final" in out
    lines = [line.split() for line in out.splitlines()]
    rows = [line for line in lines if line and line[0] in {"1", "2", "3"}]
    assert [(row[1], row[-1]) for row in rows] == [("B", "87.10"), ("A", "77.00"), ("C", "76.50")]
    assert rows[0][-4:-1] == ["38.10", "32.00", "17.00"]
    assert "Sensitivity:" in out
    assert "12.84 points" in out

    assert main(["score", str(S2)]) == 0
    out = capsys.readouterr().out
    assert "F (Bid F): failed gate GEC" in out
    assert "G (Bid G): Q1 score 1 below minimum 2" in out
    assert "broken by highest social value score: E > D" in out


def test_json_output_is_byte_identical_and_canonical(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(S1), "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["score", str(S1), "--json"]) == 0
    second = capsys.readouterr().out
    assert first == second
    expected = result_to_json(score_tender(load_bundle(S1.read_text(encoding="utf-8"))))
    assert first == expected


def test_invalid_bundle_exits_2_listing_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bundle_to_dict(s1_bundle())
    data["bids"][0]["price"] = "-1"
    data["plan"]["group_weights"]["price"] = "45"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["score", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cannot be scored: 2 problems" in captured.err
    assert "bids[0].price: bid A price must be more than 0 (it is -1)" in captured.err
    assert "plan.group_weights: group weights must sum to exactly 100 (they sum to 105)" in (
        captured.err
    )
    assert main(["validate", str(path)]) == 2


def test_malformed_or_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    assert main(["score", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_validate_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(S1)]) == 0
    assert "valid tender bundle (3 bids)" in capsys.readouterr().out


def test_incomplete_evaluation_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bundle_to_dict(s1_bundle())
    data["consensus"] = [
        c for c in data["consensus"] if (c["bid_id"], c["criterion_id"]) != ("A", "Q1")
    ]
    path = tmp_path / "incomplete.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Status: incomplete" in out
    assert "bid A, Q1: no individual scores or consensus score recorded" in out


def test_runs_as_a_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "socialvalue.scoring.cli", "score", str(S1), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == result_to_json(score_tender(s1_bundle()))
