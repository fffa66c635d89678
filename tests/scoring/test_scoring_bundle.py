"""Tender bundle JSON: the schema, loading, writing, and canonical result JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scoring_builders import s1_bundle, s2_bundle, s3_bundle

from socialvalue.scoring import (
    BundleValidationError,
    bundle_to_dict,
    bundle_to_json,
    load_bundle,
    result_to_json,
    score_tender,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bundles"
SCHEMA = json.loads((ROOT / "docs" / "tender-bundle.schema.json").read_text(encoding="utf-8"))
BUILDERS = {"s1": s1_bundle, "s2": s2_bundle, "s3": s3_bundle}


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_schema_validates_each_example_bundle(name: str) -> None:
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_example_bundles_match_the_scenarios(name: str) -> None:
    text = (EXAMPLES / f"{name}.json").read_text(encoding="utf-8")
    assert load_bundle(text) == BUILDERS[name]()
    assert bundle_to_json(BUILDERS[name]()) == text  # regenerate with bundle_to_json if changed


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    data: dict[str, Any] = bundle_to_dict(s1_bundle())
    data["bids"][0]["price"] = 100000.5  # a float: inexact
    assert not validator.is_valid(data)
    with pytest.raises(BundleValidationError):
        load_bundle(json.dumps(data))
    data = bundle_to_dict(s1_bundle())
    data["plan"]["surprise"] = True
    assert not validator.is_valid(data)


@pytest.mark.parametrize("builder", [s1_bundle, s2_bundle, s3_bundle])
def test_round_trip_gives_an_identical_result(builder: Any) -> None:
    bundle = builder()
    loaded = load_bundle(bundle_to_json(bundle))
    assert loaded == bundle
    assert result_to_json(score_tender(loaded)) == result_to_json(score_tender(bundle))
    assert load_bundle(bundle_to_dict(bundle)) == bundle  # a dict is accepted too


def test_result_json_is_canonical() -> None:
    first = result_to_json(score_tender(s1_bundle()))
    second = result_to_json(score_tender(s1_bundle()))
    assert first == second
    assert first.endswith("}\n")
    data = json.loads(first, parse_float=lambda text: pytest.fail(f"float in output: {text}"))
    assert json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == first
    assert data["ranking"][0]["total"] == {"display": "87.10", "exact": "1829/21"}
    assert "timestamp" not in first
    assert "generated" not in first


def test_result_json_is_free_of_floats_everywhere() -> None:
    def walk(value: object) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for builder in BUILDERS.values():
        walk(score_tender(builder()).to_dict())


def problems_of(source: str | dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(BundleValidationError) as caught:
        load_bundle(source)
    return [(p.path, p.message) for p in caught.value.problems]


def test_malformed_json_is_reported_with_its_position() -> None:
    assert problems_of('{"format_version": 1,\n "plan": }') == [
        ("$", "not valid JSON: Expecting value at line 2 column 10")
    ]
    assert problems_of("[1, NaN]") == [
        ("$", "not valid JSON: NaN is not allowed in a tender bundle")
    ]


def test_every_shape_problem_is_listed_at_once() -> None:
    data: dict[str, Any] = bundle_to_dict(s1_bundle())
    data["format_version"] = 2
    data["bids"][0]["price"] = "a lot"
    data["bids"][1]["colour"] = "blue"
    data["individual_scores"] = [{"bid_id": "A"}]
    del data["plan"]["title"]
    found = problems_of(data)
    assert ("format_version", "format version 2 is not supported (expected 1)") in found
    assert (
        "bids[0].price",
        "must be a decimal number as a string (e.g. \"105000.00\"), not 'a lot'",
    ) in found
    assert any(path == "bids[1].colour" and "unknown key 'colour'" in m for path, m in found)
    assert ("plan", "missing required key 'title'") in found
    assert any(path == "individual_scores[0]" and "'criterion_id'" in m for path, m in found)


def test_bare_json_numbers_with_fractions_are_refused() -> None:
    text = bundle_to_json(s1_bundle()).replace('"price": "100000.00"', '"price": 100000.00')
    assert problems_of(text) == [
        (
            "bids[0].price",
            'write decimal numbers as strings to keep them exact, e.g. "100000.00" instead of a '
            "bare JSON number",
        )
    ]
    integer = bundle_to_json(s1_bundle()).replace('"price": "100000.00"', '"price": 100000')
    assert load_bundle(integer).bids[0].price == Decimal(100000)


def test_duplicate_keys_are_reported() -> None:
    text = bundle_to_json(s1_bundle()).replace(
        '"commitments": {\n        "SV2": "4"\n      }',
        '"commitments": {"SV2": "4", "SV2": "40"}',
    )
    assert ("$", "the key 'SV2' appears twice in one JSON object") in problems_of(text)
