"""Published framework versions are immutable; the lock file enforces it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from socialvalue.framework_registry import (
    FrameworkValidationError,
    content_hash,
    load_framework_file,
    load_library,
    update_lock,
    validate_library,
)

SVF = "gm-social-value-framework/2020.yaml"


def read_lock(directory: Path) -> dict[str, str]:
    data = json.loads((directory / "frameworks.lock.json").read_text(encoding="utf-8"))
    published: dict[str, str] = data["published"]
    return published


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_a_published_file_in_place_is_refused(library_copy: Path) -> None:
    path = library_copy / SVF
    locked = read_lock(library_copy)["gm-social-value-framework@2020"]
    edit(path, "title: Greater Manchester Social Value Framework", "title: GM SVF (edited)")
    now = load_framework_file(path).content_hash

    problems = validate_library(library_copy)

    assert [str(p) for p in problems] == [
        f"{path.as_posix()}: published framework versions are immutable: publish a new version "
        f"file instead of editing {path.as_posix()} (lock has {locked}, file now hashes to {now})"
    ]
    with pytest.raises(
        FrameworkValidationError, match="published framework versions are immutable"
    ):
        load_library(library_copy)


def test_editing_a_measure_deep_inside_a_published_file_is_refused(library_copy: Path) -> None:
    edit(library_copy / SVF, "unit: FTE-years", "unit: FTE")
    [problem] = validate_library(library_copy)
    assert "immutable" in problem.reason


def test_editing_a_retired_file_in_place_is_refused(library_copy: Path) -> None:
    edit(library_copy / "gm-social-value-policy/2014.yaml", "raise local", "raise Local")
    [problem] = validate_library(library_copy)
    assert problem.file.endswith("gm-social-value-policy/2014.yaml")
    assert "publish a new version file instead of editing" in problem.reason


def test_comments_and_layout_of_a_published_file_may_change(library_copy: Path) -> None:
    path = library_copy / SVF
    text = path.read_text(encoding="utf-8")
    text = "# A new comment at the top.\n" + text.replace(
        'version: "2020"', "version: '2020'  # quoted"
    )
    path.write_text(
        text.replace("status: published\n", "status:    published\n\n"), encoding="utf-8"
    )
    assert validate_library(library_copy) == []


def add_version_3(directory: Path, status: str = "published") -> Path:
    """demo-framework@3, a copy of version 2 that supersedes it."""
    text = (directory / "demo-framework" / "2.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2"', 'version: "3"').replace(
        "status: published", f"status: {status}"
    )
    text = text.replace("supersedes: demo-framework@1", "supersedes: demo-framework@2")
    path = directory / "demo-framework" / "3.yaml"
    path.write_text(text.replace("effective_from: 2025-04-01", "effective_from: 2026-04-01"))
    return path


def test_retiring_a_published_version_is_allowed(s5_copy: Path) -> None:
    add_version_3(s5_copy)
    assert update_lock(s5_copy) == ["demo-framework@3"]
    # Lifecycle fields (status, superseded_by, effective_to) are outside the locked content,
    # so the old version can be retired and pointed at its successor.
    path = s5_copy / "demo-framework" / "2.yaml"
    edit(path, "status: published", "status: retired")
    edit(path, "superseded_by: null", "superseded_by: demo-framework@3")
    edit(path, "effective_from: 2025-04-01", "effective_from: 2025-04-01\neffective_to: 2026-03-31")
    assert validate_library(s5_copy) == []
    library = load_library(s5_copy)
    assert library.resolve("demo-framework").version == "3"
    assert library.resolve("demo-framework@2").superseded_by == "demo-framework@3"


def test_supersession_must_be_consistent(s5_copy: Path) -> None:
    add_version_3(s5_copy, status="draft")
    edit(
        s5_copy / "demo-framework" / "1.yaml",
        "superseded_by: demo-framework@2",
        "superseded_by: demo-framework@3",
    )
    [problem] = validate_library(s5_copy)
    assert problem.file.endswith("demo-framework/1.yaml")
    assert problem.reason.startswith(
        "says it is superseded by demo-framework@3, but that version supersedes demo-framework@2"
    )


def test_retiring_without_a_successor_is_allowed(s5_copy: Path) -> None:
    path = s5_copy / "demo-framework" / "2.yaml"
    edit(path, "status: published", "status: retired")
    assert validate_library(s5_copy) == []
    assert load_library(s5_copy).resolve("demo-framework@2").status == "retired"


def test_a_locked_version_cannot_go_back_to_draft(s5_copy: Path) -> None:
    edit(s5_copy / "demo-framework" / "2.yaml", "status: published", "status: draft")
    [problem] = validate_library(s5_copy)
    assert problem.path == "status"
    assert "is locked in" in problem.reason
    assert "cannot go back to draft" in problem.reason


def test_a_draft_may_change_freely_and_is_never_locked(s5_copy: Path) -> None:
    draft = add_version_3(s5_copy, status="draft")
    assert validate_library(s5_copy) == []
    edit(draft, "title: Demo Social Value Framework", "title: Demo framework, new wording")
    edit(draft, "unit: starts", "unit: apprenticeship starts")
    assert validate_library(s5_copy) == []
    before = (s5_copy / "frameworks.lock.json").read_bytes()
    assert update_lock(s5_copy) == []
    assert (s5_copy / "frameworks.lock.json").read_bytes() == before
    library = load_library(s5_copy)
    assert library.resolve("demo-framework").version == "2"  # the latest *published* version
    assert library.resolve("demo-framework@3").status == "draft"


def test_publishing_a_new_version(s5_copy: Path) -> None:
    new = add_version_3(s5_copy)
    old_entries = read_lock(s5_copy)

    [problem] = validate_library(s5_copy)
    assert problem.file == new.as_posix()
    assert "demo-framework@3 is published but has no entry in" in problem.reason
    assert "run `flask frameworks lock`" in problem.reason

    assert update_lock(s5_copy) == ["demo-framework@3"]
    entries = read_lock(s5_copy)
    assert entries == {**old_entries, "demo-framework@3": load_framework_file(new).content_hash}
    assert list(entries) == sorted(entries)
    assert validate_library(s5_copy) == []
    assert load_library(s5_copy).resolve("demo-framework").version == "3"
    assert update_lock(s5_copy) == []  # idempotent


def test_update_lock_never_rewrites_an_existing_entry(s5_copy: Path) -> None:
    edit(s5_copy / "demo-framework" / "2.yaml", "title: Demo", "title: Edited demo")
    before = (s5_copy / "frameworks.lock.json").read_bytes()
    with pytest.raises(FrameworkValidationError, match="immutable"):
        update_lock(s5_copy)
    assert (s5_copy / "frameworks.lock.json").read_bytes() == before


def test_update_lock_refuses_an_invalid_library(s5_copy: Path) -> None:
    edit(add_version_3(s5_copy), "kind: pass_fail", "kind: x")
    before = (s5_copy / "frameworks.lock.json").read_bytes()
    with pytest.raises(FrameworkValidationError, match="unknown kind 'x'") as raised:
        update_lock(s5_copy)
    assert not any("flask frameworks lock" in p.reason for p in raised.value.problems)
    assert (s5_copy / "frameworks.lock.json").read_bytes() == before


def test_update_lock_creates_a_missing_lock_file(s5_copy: Path) -> None:
    expected = (s5_copy / "frameworks.lock.json").read_text(encoding="utf-8")
    (s5_copy / "frameworks.lock.json").unlink()
    assert len(validate_library(s5_copy)) == 2
    assert update_lock(s5_copy) == ["demo-framework@1", "demo-framework@2"]
    assert (s5_copy / "frameworks.lock.json").read_text(encoding="utf-8") == expected


def test_a_lock_entry_whose_file_vanished(s5_copy: Path) -> None:
    (s5_copy / "demo-framework" / "1.yaml").unlink()
    problems = validate_library(s5_copy)
    lock_file = (s5_copy / "frameworks.lock.json").as_posix()
    vanished = [p for p in problems if p.file == lock_file]
    assert [p.path for p in vanished] == ['published["demo-framework@1"]']
    assert "locked version demo-framework@1 has no framework file" in vanished[0].reason
    assert "must not be deleted" in vanished[0].reason
    # 2.yaml's "supersedes: demo-framework@1" now dangles too.
    assert any(p.path == "supersedes" for p in problems)


@pytest.mark.parametrize(
    ("lock_text", "path", "reason"),
    [
        ("{not json", "line 1", "not valid JSON"),
        ('{"format": 2, "published": {}}', "format", 'must be a JSON object with "format": 1'),
        ('{"format": 1, "published": []}', "published", "must be a JSON object"),
        (
            '{"format": 1, "published": {"demo-framework@1": "md5:abc"}}',
            'published["demo-framework@1"]',
            "must be a hash like sha256:",
        ),
        (
            '{"format": 1, "published": {"no-at-sign": "sha256:' + "0" * 64 + '"}}',
            'published["no-at-sign"]',
            "is not an id@version reference",
        ),
    ],
)
def test_a_broken_lock_file_is_reported(
    s5_copy: Path, lock_text: str, path: str, reason: str
) -> None:
    (s5_copy / "frameworks.lock.json").write_text(lock_text, encoding="utf-8")
    problems = validate_library(s5_copy)
    assert [(p.file, p.path) for p in problems] == [
        ((s5_copy / "frameworks.lock.json").as_posix(), path)
    ]
    assert reason in problems[0].reason
    with pytest.raises(FrameworkValidationError):
        update_lock(s5_copy)


def test_lock_hashes_are_content_hashes(s5_dir: Path) -> None:
    for key, value in read_lock(s5_dir).items():
        framework_id, version = key.split("@")
        framework = load_framework_file(s5_dir / framework_id / f"{version}.yaml")
        assert value == framework.content_hash == content_hash(framework.document)
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", value)
