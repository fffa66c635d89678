"""`flask score` is the engine's own command, reachable through the app's CLI."""

from __future__ import annotations

from pathlib import Path

from socialvalue.scoring import load_bundle, result_to_json, score_tender

BUNDLES = Path(__file__).resolve().parents[2] / "examples" / "bundles"


def test_flask_score_prints_the_engine_json_byte_for_byte(runner: object) -> None:
    bundle_path = BUNDLES / "s1.json"
    expected = result_to_json(score_tender(load_bundle(bundle_path.read_text())))
    first = runner.invoke(args=["score", str(bundle_path), "--json"])  # type: ignore[attr-defined]
    second = runner.invoke(args=["score", str(bundle_path), "--json"])  # type: ignore[attr-defined]
    assert first.exit_code == 0, first.output
    assert first.output == second.output == expected


def test_flask_score_table_and_bad_bundle(runner: object, tmp_path: Path) -> None:
    table = runner.invoke(args=["score", str(BUNDLES / "s1.json")])  # type: ignore[attr-defined]
    assert table.exit_code == 0
    assert "87.10" in table.output and "77.00" in table.output and "76.50" in table.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1, "plan": {}}')
    result = runner.invoke(args=["score", str(broken)])  # type: ignore[attr-defined]
    assert result.exit_code == 2
