"""Scenario S5 ("framework versions") and the other ways diff_versions reports changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialvalue.framework_registry import (
    FieldChange,
    FrameworkLibrary,
    FrameworkVersion,
    ProxyValue,
    diff_versions,
    load_framework_file,
    load_library,
)


@pytest.fixture
def s5(s5_dir: Path) -> FrameworkLibrary:
    return load_library(s5_dir)


def test_s5_lists_exactly_the_added_and_the_reworded_measure(s5: FrameworkLibrary) -> None:
    old, new = s5.resolve("demo-framework@1"), s5.resolve("demo-framework@2")

    diff = diff_versions(old, new)

    assert (diff.old_key, diff.new_key) == ("demo-framework@1", "demo-framework@2")
    assert [m.code for m in diff.added] == ["DEMO-APPRENTICESHIPS"]
    assert diff.added[0].unit == "starts"
    assert diff.removed == ()
    assert [c.code for c in diff.changed] == ["DEMO-PLAN"]
    assert diff.changed[0].fields == (
        FieldChange(
            field="description",
            old="How convincing the plan is to deliver the commitments.",
            new="How convincing, specific and realistic the plan is to deliver every commitment.",
        ),
    )
    # Nothing else: no theme or outcome changes, no unchanged measures.
    assert (diff.themes_added, diff.themes_removed, diff.themes_changed) == ((), (), ())
    assert (diff.outcomes_added, diff.outcomes_removed, diff.outcomes_changed) == ((), (), ())
    assert not diff.is_empty


def test_s5_the_library_is_valid_and_version_2_is_current(s5: FrameworkLibrary) -> None:
    assert [v.key for v in s5.versions] == ["demo-framework@1", "demo-framework@2"]
    assert s5.resolve("demo-framework").key == "demo-framework@2"
    assert s5.resolve("demo-framework@1").superseded_by == "demo-framework@2"


def test_s5_reverse_diff_removes_the_measure(s5: FrameworkLibrary) -> None:
    diff = diff_versions(s5.resolve("demo-framework@2"), s5.resolve("demo-framework@1"))
    assert [m.code for m in diff.removed] == ["DEMO-APPRENTICESHIPS"]
    assert diff.added == ()
    assert [(c.code, [f.field for f in c.fields]) for c in diff.changed] == [
        ("DEMO-PLAN", ["description"])
    ]


def test_a_version_compared_with_itself_is_empty(s5: FrameworkLibrary) -> None:
    version = s5.resolve("demo-framework@2")
    assert diff_versions(version, version).is_empty


def variant(tmp_path: Path, s5_dir: Path, *edits: tuple[str, str]) -> FrameworkVersion:
    text = (s5_dir / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "demo-framework" / "2.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_framework_file(path)


def test_every_measure_field_is_compared(tmp_path: Path, s5_dir: Path) -> None:
    old = load_framework_file(s5_dir / "demo-framework" / "2.yaml")
    new = variant(
        tmp_path,
        s5_dir,
        ("amount_gbp: 1000.50", "amount_gbp: 1000.75"),
        ("  label: Exceptional", "  label: Outstanding"),
        (
            "kind: pass_fail\n            evidence_expected: Living",
            "kind: pass_fail\n            evidence_expected: A living",
        ),
    )
    diff = diff_versions(old, new)
    changes = {c.code: {f.field: (f.old, f.new) for f in c.fields} for c in diff.changed}
    assert set(changes) == {"DEMO-LOCAL-JOBS", "DEMO-PLAN", "DEMO-RLW"}
    proxy_old, proxy_new = changes["DEMO-LOCAL-JOBS"]["proxy_value"]
    assert isinstance(proxy_old, ProxyValue)
    assert isinstance(proxy_new, ProxyValue)
    assert (str(proxy_old.amount_gbp), str(proxy_new.amount_gbp)) == ("1000.50", "1000.75")
    assert list(changes["DEMO-PLAN"]) == ["scale"]
    assert list(changes["DEMO-RLW"]) == ["evidence_expected"]


def test_moving_a_measure_to_another_theme_is_a_change(tmp_path: Path, s5_dir: Path) -> None:
    old = load_framework_file(s5_dir / "demo-framework" / "2.yaml")
    moved = """          - code: DEMO-RLW
            title: Pays the Real Living Wage
            description: Everyone on the contract earns at least the Real Living Wage.
            kind: pass_fail
            evidence_expected: Living Wage Foundation accreditation or a signed commitment.
            verification: local
"""
    new_theme = (
        """  - code: DEMO-T2
    title: Fair pay
    description: Pay that covers the cost of living.
    verification: local
    sources: []
    outcomes:
      - code: DEMO-T2-O1
        title: Everyone on the contract is fairly paid
        description: Fair pay on the contract.
        verification: local
        measures:
"""
        + moved
    )
    text = (s5_dir / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    assert moved in text
    path = tmp_path / "demo-framework" / "2.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(moved, "") + new_theme, encoding="utf-8")
    new = load_framework_file(path)

    diff = diff_versions(old, new)

    assert diff.added == diff.removed == ()
    [change] = diff.changed
    assert change.code == "DEMO-RLW"
    assert change.fields == (
        FieldChange("theme_code", "DEMO-T1", "DEMO-T2"),
        FieldChange("outcome_code", "DEMO-T1-O1", "DEMO-T2-O1"),
    )
    assert [t.code for t in diff.themes_added] == ["DEMO-T2"]
    assert [o.code for o in diff.outcomes_added] == ["DEMO-T2-O1"]


def test_theme_level_changes(tmp_path: Path, s5_dir: Path) -> None:
    old = load_framework_file(s5_dir / "demo-framework" / "2.yaml")
    new = variant(
        tmp_path, s5_dir, ("    title: Good local jobs", "    title: Good jobs for local people")
    )
    diff = diff_versions(old, new)
    assert (diff.added, diff.removed, diff.changed) == ((), (), ())
    assert [(c.code, c.fields) for c in diff.themes_retitled] == [
        ("DEMO-T1", (FieldChange("title", "Good local jobs", "Good jobs for local people"),))
    ]
    assert diff.themes_changed == diff.themes_retitled


def test_removed_theme_takes_its_measures_with_it(tmp_path: Path, s5_dir: Path) -> None:
    old = load_framework_file(s5_dir / "demo-framework" / "2.yaml")
    text = (s5_dir / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    head = text[: text.index("recommended_gates:")]
    path = tmp_path / "demo-framework" / "2.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(head + "themes: []\n", encoding="utf-8")
    diff = diff_versions(old, load_framework_file(path))
    assert [t.code for t in diff.themes_removed] == ["DEMO-T1"]
    assert [o.code for o in diff.outcomes_removed] == ["DEMO-T1-O1"]
    assert [m.code for m in diff.removed] == [m.code for m in old.measures()]
    assert diff.changed == ()
