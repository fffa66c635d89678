"""content_hash, parse_ref, Problem and the FrameworkLibrary look-ups."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from socialvalue.framework_registry import (
    LIFECYCLE_FIELDS,
    FrameworkValidationError,
    Problem,
    content_hash,
    diff_versions,
    framework_from_document,
    jsonable_document,
    load_framework_file,
    load_library,
    parse_ref,
    update_lock,
)

BASE = """\
schema_version: 1
id: hash-demo
title: Hash demo
version: "1"
status: draft
issuer: tests
approved_on: null
approved_on_verification: local
effective_from: 2024-04-01
supersedes: null
superseded_by: null
source_urls: []
licence: test
summary: test
themes:
  - code: T1
    title: Theme
    description: A theme.
    verification: local
    sources: []
    outcomes:
      - code: O1
        title: Outcome
        description: An outcome.
        verification: local
        measures:
          - code: M1
            title: Measure
            description: A measure.
            kind: quantitative
            unit: GBP
            counting_rule: Count it once.
            proxy_value: {amount_gbp: 12.50, source: test, year: 2024}
            verification: local
"""

SAME_CONTENT = """\
# Same content: other key order, flow style, quoting, comments and blank lines.
themes:
- {code: T1, title: Theme, description: A theme., verification: local, sources: [],
   outcomes: [{code: O1, title: Outcome, description: An outcome., verification: local,
     measures: [{verification: local, proxy_value: {year: 2024, source: test,
       amount_gbp: 12.50}, counting_rule: Count it once., unit: GBP, kind: quantitative,
       description: A measure., title: Measure, code: M1}]}]}

summary: 'test'
licence: "test"
superseded_by: ~
supersedes: null
source_urls: []
effective_from: "2024-04-01"   # quoted date: same date
approved_on_verification: local
approved_on:
issuer: tests
status: draft
version: '1'
title: Hash demo
id: hash-demo
schema_version: 1
"""


def load(tmp_path: Path, text: str, name: str = "a") -> str:
    path = tmp_path / name / "hash-demo" / "1.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return load_framework_file(path).content_hash


def test_hash_ignores_key_order_whitespace_comments_and_quoting(tmp_path: Path) -> None:
    assert load(tmp_path, BASE, "a") == load(tmp_path, SAME_CONTENT, "b")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Hash demo", "title: Hash demo!"),
        ("description: A measure.", "description: A measure"),
        ("amount_gbp: 12.50", "amount_gbp: 12.51"),
        ("year: 2024}", "year: 2025}"),
        ("effective_from: 2024-04-01", "effective_from: 2024-04-02"),
        ("unit: GBP", "unit: gbp"),
        ("source_urls: []", "source_urls: [https://example.org/]"),
    ],
)
def test_hash_changes_on_any_content_change(tmp_path: Path, old: str, new: str) -> None:
    assert old in BASE
    assert load(tmp_path, BASE, "a") != load(tmp_path, BASE.replace(old, new), "b")


def test_hash_leaves_out_only_the_lifecycle_fields() -> None:
    document = {"id": "x", "status": "published", "superseded_by": None, "title": "T"}
    retired = {
        **document,
        "status": "retired",
        "superseded_by": "x@2",
        "effective_to": "2026-01-01",
    }
    assert set(LIFECYCLE_FIELDS) == {"status", "superseded_by", "effective_to"}
    assert content_hash(document) == content_hash(retired)
    assert content_hash(document) != content_hash({**document, "title": "U"})


def test_hash_of_python_values_matches_their_json_forms() -> None:
    native = {"d": dt.date(2024, 4, 1), "n": Decimal("12.50"), "t": ("a", "b")}
    text = {"d": "2024-04-01", "n": "12.50", "t": ["a", "b"]}
    assert content_hash(native) == content_hash(text)
    assert content_hash(native).startswith("sha256:")
    assert len(content_hash(native)) == len("sha256:") + 64
    with pytest.raises(TypeError):
        content_hash({"x": object()})


def test_parse_ref() -> None:
    assert parse_ref("gm-social-value-framework@2020") == ("gm-social-value-framework", "2020")
    assert parse_ref("uk-social-value-model@ppn-06-20") == ("uk-social-value-model", "ppn-06-20")
    for bad in ("no-version", "a@b@c", "@2020", "id@", "Upper@1", "id@has space"):
        with pytest.raises(ValueError, match="not a framework reference"):
            parse_ref(bad)


def test_problem_str_and_error_message() -> None:
    problem = Problem("frameworks/x/1.yaml", "themes[2].title", "must not be empty")
    assert str(problem) == "frameworks/x/1.yaml: themes[2].title: must not be empty"
    assert str(Problem("frameworks/x/1.yaml", "", "is empty")) == "frameworks/x/1.yaml: is empty"
    error = FrameworkValidationError([problem])
    assert error.problems == (problem,)
    assert str(error) == "1 problem in framework files:\n  " + str(problem)


def test_library_lookups(s5_dir: Path) -> None:
    library = load_library(s5_dir)
    assert library.ids() == ["demo-framework"]
    assert [v.version for v in library.versions_of("demo-framework")] == ["1", "2"]
    assert library.resolve("demo-framework@1").status == "retired"
    assert library.get("demo-framework", "1") is library.versions[0]
    assert library.get("nope") is None
    assert library.get("demo-framework", "9") is None
    with pytest.raises(KeyError, match="unknown framework 'nope'"):
        library.resolve("nope")
    with pytest.raises(KeyError, match="unknown framework version demo-framework@9"):
        library.resolve("demo-framework@9")
    with pytest.raises(ValueError, match="not a framework reference"):
        library.resolve("demo-framework@")
    version = library.resolve("demo-framework")
    version = library.resolve("demo-framework")
    assert [m.code for m in version.measures()] == [
        "DEMO-LOCAL-JOBS",
        "DEMO-PLAN",
        "DEMO-APPRENTICESHIPS",
        "DEMO-RLW",
    ]
    assert version.theme("DEMO-T1").title == "Good local jobs"
    assert version.source_path.endswith("demo-framework/2.yaml")
    assert version.recommended_gates == ("DEMO-RLW",)
    assert hash(version)  # frozen and hashable despite carrying its document


def test_latest_published_is_by_date_then_version(tmp_path: Path, s5_dir: Path) -> None:
    directory = tmp_path / "lib"
    (directory / "demo-framework").mkdir(parents=True)
    text = (s5_dir / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    for version in ("9", "10"):
        body = text.replace('version: "2"', f'version: "{version}"').replace(
            "supersedes: demo-framework@1", "supersedes: null"
        )
        (directory / "demo-framework" / f"{version}.yaml").write_text(body, encoding="utf-8")
    assert update_lock(directory) == ["demo-framework@10", "demo-framework@9"]
    library = load_library(directory)
    assert [v.version for v in library.versions] == ["9", "10"]  # natural order, same date
    assert library.resolve("demo-framework").version == "10"


def test_self_referencing_yaml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "hash-demo" / "1.yaml"
    path.parent.mkdir()
    path.write_text(BASE + "x-loop: &loop [*loop]\n", encoding="utf-8")
    with pytest.raises(FrameworkValidationError, match="refers to itself"):
        load_framework_file(path)


def test_source_path_is_the_same_on_every_machine(frameworks_dir: Path) -> None:
    framework = load_framework_file(frameworks_dir / "good-employment-charter" / "2019.yaml")
    assert framework.source_path == "frameworks/good-employment-charter/2019.yaml"


def test_a_stored_document_rebuilds_the_same_version(frameworks_dir: Path, s5_dir: Path) -> None:
    for path in [*frameworks_dir.glob("*/*.yaml"), *s5_dir.glob("*/*.yaml")]:
        loaded = load_framework_file(path)
        stored = json.loads(json.dumps(jsonable_document(loaded.document)))  # via a JSON column
        rebuilt = framework_from_document(stored, source_path=loaded.source_path)
        assert rebuilt == loaded
        assert rebuilt.content_hash == loaded.content_hash
        assert diff_versions(loaded, rebuilt).is_empty
        anonymous = framework_from_document(stored)  # no path: the path check is skipped
        assert anonymous.content_hash == loaded.content_hash
        assert anonymous.source_path == "<document>"


def test_a_broken_stored_document_is_refused(s5_dir: Path) -> None:
    loaded = load_framework_file(s5_dir / "demo-framework" / "2.yaml")
    document = jsonable_document(loaded.document)
    document["themes"][0]["outcomes"][0]["measures"][0]["kind"] = "nonsense"
    with pytest.raises(FrameworkValidationError, match="unknown kind 'nonsense'"):
        framework_from_document(document, source_path=loaded.source_path)
    with pytest.raises(FrameworkValidationError, match=r"must be saved as demo-framework/2\.yaml"):
        framework_from_document(loaded.document, source_path="frameworks/other/2.yaml")


def test_proxy_amount_may_be_written_as_numeric_text(tmp_path: Path) -> None:
    quoted = BASE.replace("amount_gbp: 12.50", 'amount_gbp: "12.50"')
    assert load(tmp_path, quoted, "a") == load(tmp_path, BASE, "b")
