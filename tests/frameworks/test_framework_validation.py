"""Bad framework files: every problem is reported, with where and why, and nothing loads."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialvalue.framework_registry import (
    FrameworkValidationError,
    Problem,
    load_framework_file,
    load_library,
    validate_library,
)

MEASURES = "themes[0].outcomes[0].measures"


@pytest.fixture
def base_text(s5_dir: Path) -> str:
    """A valid single-file framework (S5 version 1 as a draft, so the lock plays no part)."""
    text = (s5_dir / "demo-framework" / "1.yaml").read_text(encoding="utf-8")
    text = text.replace("status: retired", "status: draft")
    return text.replace("superseded_by: demo-framework@2", "superseded_by: null")


@pytest.fixture
def library_dir(tmp_path: Path, s5_dir: Path) -> Path:
    """An empty library next to one valid, unrelated, unlocked draft framework."""
    directory = tmp_path / "frameworks"
    other = directory / "other-framework"
    other.mkdir(parents=True)
    text = (s5_dir / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    text = text.replace("id: demo-framework", "id: other-framework").replace(
        'version: "2"', 'version: "1"'
    )
    text = text.replace("status: published", "status: draft").replace(
        "supersedes: demo-framework@1", "supersedes: null"
    )
    (other / "1.yaml").write_text(text, encoding="utf-8")
    return directory


def write(library_dir: Path, text: str, relative: str = "demo-framework/1.yaml") -> Path:
    path = library_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"test setup: {old!r} not in the base file"
        return text.replace(old, new, 1)

    return edit


def edit_data(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = yaml.safe_load(text)
        change(data)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    return edit


def measure(data: dict[str, Any], index: int) -> dict[str, Any]:
    found: dict[str, Any] = data["themes"][0]["outcomes"][0]["measures"][index]
    return found


# (case id, edit of the valid base file, expected (path, reason pattern) problems)
CASES: list[tuple[str, Callable[[str], str], list[tuple[str, str]]]] = [
    (
        "malformed-yaml",
        replace("title: Demo Social Value Framework", "title: [Demo, unclosed"),
        [(r"re:line \d+, column \d+", "malformed YAML")],
    ),
    (
        "duplicate-yaml-key",
        replace("issuer: socialvalue test suite", "issuer: a\nissuer: b"),
        [("issuer", r"duplicate key 'issuer' \(line 8; first given at line 7\)")],
    ),
    (
        "missing-field",
        replace("issuer: socialvalue test suite\n", ""),
        [("issuer", "missing required field 'issuer'")],
    ),
    (
        "wrong-type-version",
        replace('version: "1"', "version: 1"),
        [("version", 'must be text, not a whole number .*quote it, e.g. version: "1"')],
    ),
    (
        "wrong-type-themes",
        edit_data(lambda d: d.update(themes="none")),
        [("themes", "must be a list, not text")],
    ),
    (
        "unknown-field",
        replace("counting_rule:", "counting_rules:"),
        [
            (f"{MEASURES}[0].counting_rules", "unknown field 'counting_rules' for a measure"),
            (f"{MEASURES}[0].counting_rule", "missing required field 'counting_rule'"),
        ],
    ),
    (
        "duplicate-measure-code",
        replace("code: DEMO-RLW", "code: DEMO-PLAN"),
        [
            (
                f"{MEASURES}[2].code",
                "duplicate measure code 'DEMO-PLAN' "
                rf"\(already used at {re.escape(MEASURES)}\[1\]\)",
            ),
            (r"recommended_gates[0]", "refers to measure 'DEMO-RLW', which is not defined"),
        ],
    ),
    (
        "duplicate-theme-code",
        edit_data(lambda d: d["themes"].append(dict(d["themes"][0], outcomes=[]))),
        [("themes[1].code", "duplicate theme code 'DEMO-T1'")],
    ),
    (
        "unknown-kind",
        replace("kind: pass_fail", "kind: yes_no"),
        [
            (
                f"{MEASURES}[2].kind",
                "unknown kind 'yes_no' \\(expected one of: quantitative, qualitative, pass_fail\\)",
            ),
        ],
    ),
    (
        "negative-proxy-value",
        replace("amount_gbp: 1000.50", "amount_gbp: -5"),
        [(f"{MEASURES}[0].proxy_value.amount_gbp", r"must not be negative \(got -5\)")],
    ),
    (
        "proxy-value-not-a-number",
        replace("amount_gbp: 1000.50", "amount_gbp: lots"),
        [(f"{MEASURES}[0].proxy_value.amount_gbp", "must be a number, not text")],
    ),
    (
        "unparseable-date",
        replace("effective_from: 2024-04-01", "effective_from: 2024-13-45"),
        [("effective_from", "is not a valid date: '2024-13-45' \\(write YYYY-MM-DD\\)")],
    ),
    (
        "effective-to-before-effective-from",
        replace("effective_to: 2025-03-31", "effective_to: 2024-03-31"),
        [("effective_to", "effective_to 2024-03-31 is before effective_from 2024-04-01")],
    ),
    (
        "gate-refers-to-undefined-measure",
        replace("  - DEMO-RLW", "  - DEMO-NOPE"),
        [("recommended_gates[0]", "refers to measure 'DEMO-NOPE', which is not defined")],
    ),
    (
        "gate-is-not-pass-fail",
        replace("  - DEMO-RLW", "  - DEMO-PLAN"),
        [("recommended_gates[0]", "only pass_fail measures can be gates")],
    ),
    (
        "supersedes-unknown-version",
        replace("supersedes: null", "supersedes: demo-framework@0"),
        [("supersedes", "refers to demo-framework@0, which is not in the library")],
    ),
    (
        "malformed-reference",
        replace("supersedes: null", "supersedes: demo-framework"),
        [("supersedes", "'demo-framework' is not a reference like 'id@version'")],
    ),
    (
        "id-does-not-match-path",
        replace("id: demo-framework", "id: other-demo"),
        [("", "declares other-demo@1, so it must be saved as other-demo/1.yaml")],
    ),
    (
        "version-does-not-match-path",
        replace('version: "1"', 'version: "9"'),
        [("", "declares demo-framework@9, so it must be saved as demo-framework/9.yaml")],
    ),
    (
        "unknown-status",
        replace("status: draft", "status: adopted"),
        [("status", "unknown status 'adopted' \\(expected one of: draft, published, retired\\)")],
    ),
    (
        "unknown-verification-label",
        replace(
            "    verification: local\n    sources: []",
            "    verification: official\n    sources: []",
        ),
        [("themes[0].verification", "unknown verification label 'official'")],
    ),
    (
        "verified-without-source",
        edit_data(lambda d: measure(d, 2).update(verification="verified")),
        [(f"{MEASURES}[2].source", "a verified item must cite its source")],
    ),
    (
        "quantitative-without-unit",
        replace("            unit: FTE-years\n", ""),
        [
            (
                f"{MEASURES}[0].unit",
                "missing required field 'unit': quantitative measures need a unit",
            )
        ],
    ),
    (
        "qualitative-without-scale",
        edit_data(lambda d: measure(d, 1).pop("scale")),
        [(f"{MEASURES}[1].scale", "qualitative measures need a scale")],
    ),
    (
        "qualitative-minimum-not-below-maximum",
        edit_data(lambda d: measure(d, 1)["scale"].update(maximum=0)),
        [
            (f"{MEASURES}[1].scale.maximum", r"maximum \(0\) must be greater than minimum \(0\)"),
            (f"{MEASURES}[1].scale.descriptors[1].value", "5 is outside the scale 0–0"),
        ],
    ),
    (
        "pass-fail-without-evidence",
        edit_data(lambda d: measure(d, 2).pop("evidence_expected")),
        [(f"{MEASURES}[2].evidence_expected", "pass_fail measures need evidence_expected")],
    ),
    (
        "field-of-another-kind",
        edit_data(lambda d: measure(d, 2).update(unit="people")),
        [
            (
                f"{MEASURES}[2].unit",
                "applies only to quantitative measures; this measure is pass_fail",
            )
        ],
    ),
    (
        "published-without-effective-from",
        edit_data(lambda d: d.update(status="published", effective_from=None, effective_to=None)),
        [("effective_from", "only a draft may leave effective_from empty")],
    ),
    (
        "wrong-schema-version",
        replace("schema_version: 1", "schema_version: 2"),
        [("schema_version", "must be 1")],
    ),
    ("empty-file", lambda text: "# nothing here\n", [("", "is empty")]),
    ("not-a-mapping", lambda text: "- just\n- a list\n", [("", "must be a mapping of fields")]),
]


def matches(problems: list[Problem], path: str, pattern: str) -> bool:
    """A problem at ``path`` (literal, or a regex after "re:") whose reason matches ``pattern``."""
    path_pattern = path[3:] if path.startswith("re:") else re.escape(path)
    return any(
        re.fullmatch(path_pattern, p.path) and re.search(pattern, p.reason) for p in problems
    )


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_is_reported_and_nothing_loads(
    library_dir: Path,
    base_text: str,
    edit: Callable[[str], str],
    expected: list[tuple[str, str]],
) -> None:
    path = write(library_dir, edit(base_text))

    problems = validate_library(library_dir)

    assert problems, "the bad file should have been reported"
    assert {p.file for p in problems} == {path.as_posix()}
    for expected_path, pattern in expected:
        assert matches(problems, expected_path, pattern), (
            f"no problem at {expected_path!r} matching {pattern!r} in:\n"
            + "\n".join(map(str, problems))
        )
    with pytest.raises(FrameworkValidationError) as raised:
        load_library(library_dir)  # the other, valid framework is not loaded either
    assert list(raised.value.problems) == problems


def test_valid_base_file_is_valid(library_dir: Path, base_text: str) -> None:
    write(library_dir, base_text)
    assert validate_library(library_dir) == []
    assert len(load_library(library_dir)) == 2


def test_several_problems_in_one_file_are_all_reported_at_once(
    library_dir: Path, base_text: str
) -> None:
    text = base_text.replace("issuer: socialvalue test suite\n", "")
    text = text.replace("amount_gbp: 1000.50", "amount_gbp: -1")
    text = text.replace("kind: pass_fail", "kind: yes_no")
    text = text.replace("effective_from: 2024-04-01", "effective_from: 1 April 2024")
    text = text.replace("            unit: FTE-years\n", "")
    path = write(library_dir, text)

    with pytest.raises(FrameworkValidationError) as raised:
        load_framework_file(path)

    reasons = [f"{p.path}: {p.reason}" for p in raised.value.problems]
    assert len(reasons) == 5, reasons
    for fragment in (
        "issuer: missing required field 'issuer'",
        "effective_from: is not a valid date: '1 April 2024'",
        f"{MEASURES}[0].unit: missing required field 'unit'",
        f"{MEASURES}[0].proxy_value.amount_gbp: must not be negative",
        f"{MEASURES}[2].kind: unknown kind 'yes_no'",
    ):
        assert any(r.startswith(fragment) for r in reasons), (fragment, reasons)
    message = str(raised.value)
    assert message.startswith("5 problems in framework files:")
    assert f"{path.as_posix()}: issuer: missing required field 'issuer'" in message


def test_problems_across_several_files_are_all_reported(library_dir: Path, base_text: str) -> None:
    write(library_dir, base_text.replace("kind: pass_fail", "kind: yes_no"))
    second = base_text.replace("id: demo-framework", "id: third-framework")
    write(library_dir, second.replace("title: Demo", "title: [x"), "third-framework/1.yaml")
    files = {p.file.rsplit("/", 2)[-2] for p in validate_library(library_dir)}
    assert files == {"demo-framework", "third-framework"}


def test_problem_reasons_carry_the_yaml_line(library_dir: Path, base_text: str) -> None:
    text = base_text.replace("amount_gbp: 1000.50", "amount_gbp: -5")
    path = write(library_dir, text)
    line = 1 + text.splitlines().index("              amount_gbp: -5")
    [problem] = validate_library(library_dir)
    assert str(problem) == (
        f"{path.as_posix()}: {MEASURES}[0].proxy_value.amount_gbp: "
        f"must not be negative (got -5) (line {line})"
    )


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_both_yaml_parsers_give_the_same_hashes(
    monkeypatch: pytest.MonkeyPatch, frameworks_dir: Path, libyaml: bool
) -> None:
    if libyaml and not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(yaml, "__with_libyaml__", libyaml)
    assert validate_library(frameworks_dir) == []  # the lock matches whichever parser ran


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_malformed_yaml_gives_its_line_with_either_parser(
    monkeypatch: pytest.MonkeyPatch, library_dir: Path, base_text: str, libyaml: bool
) -> None:
    if libyaml and not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(yaml, "__with_libyaml__", libyaml)
    lines = base_text.splitlines()
    index = lines.index("summary: An invented framework used to test versioning and diffs.")
    lines[index] = "summary: : : {"
    write(library_dir, "\n".join(lines) + "\n")
    [problem] = validate_library(library_dir)
    assert problem.path.startswith("line ")
    assert problem.reason.startswith("malformed YAML")
    reported = int(problem.path.split()[1].rstrip(","))
    assert index + 1 <= reported <= index + 2


def test_duplicate_id_and_version_in_two_files(library_dir: Path, base_text: str) -> None:
    write(library_dir, base_text)
    write(library_dir, base_text, "demo-framework/1.yml")
    problems = validate_library(library_dir)
    duplicates = [p for p in problems if "duplicate framework version demo-framework@1" in p.reason]
    assert len(duplicates) == 2
    assert any("must be saved as demo-framework/1.yaml" in p.reason for p in problems)


def test_file_at_the_wrong_depth(library_dir: Path, base_text: str) -> None:
    write(library_dir, base_text, "extra/demo-framework/1.yaml")
    problems = validate_library(library_dir)
    assert any("framework files live at" in p.reason for p in problems)


def test_missing_frameworks_directory(tmp_path: Path) -> None:
    [problem] = validate_library(tmp_path / "nowhere")
    assert problem.reason == "frameworks directory not found"


def test_validate_only_some_paths(library_dir: Path, base_text: str, tmp_path: Path) -> None:
    bad = write(library_dir, base_text.replace("kind: pass_fail", "kind: yes_no"))
    good = library_dir / "other-framework" / "1.yaml"
    assert validate_library(library_dir, paths=[good]) == []
    assert {p.file for p in validate_library(library_dir, paths=[bad])} == {bad.as_posix()}


def test_validate_a_path_outside_the_directory(
    library_dir: Path, base_text: str, tmp_path: Path
) -> None:
    outside = write(tmp_path / "elsewhere", base_text, "wrong-folder/1.yaml")
    problems = validate_library(library_dir, paths=[outside])
    assert [p.reason for p in problems] == [
        "declares demo-framework@1, so it must be saved as demo-framework/1.yaml in the "
        "frameworks directory, not as wrong-folder/1.yaml"
    ]


def test_load_framework_file_returns_typed_objects(s5_dir: Path) -> None:
    framework = load_framework_file(s5_dir / "demo-framework" / "1.yaml")
    assert framework.key == "demo-framework@1"
    jobs = framework.measure("DEMO-LOCAL-JOBS")
    assert jobs.proxy_value is not None
    assert str(jobs.proxy_value.amount_gbp) == "1000.50"  # read exactly, never via float
    assert (jobs.theme_code, jobs.outcome_code) == ("DEMO-T1", "DEMO-T1-O1")
    assert framework.document["themes"][0]["outcomes"][0]["measures"][0]["proxy_value"] == {
        "amount_gbp": "1000.50",
        "source": "Illustrative value invented for the test suite",
        "year": 2024,
    }
    assert framework.document["effective_from"] == "2024-04-01"
    with pytest.raises(KeyError):
        framework.measure("NOPE")
