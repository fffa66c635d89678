"""The framework library inside the application: sync, CLI, pages, and scenario S5."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from socialvalue import framework_registry as registry
from socialvalue.extensions import db
from socialvalue.models import AuditEvent, FrameworkMeasure, FrameworkVersion, Role
from socialvalue.services.accounts import create_user
from socialvalue.services.frameworks import FrameworkSyncError, sync_frameworks

REPO = Path(__file__).resolve().parents[2]
S5 = REPO / "tests" / "frameworks" / "fixtures" / "s5"


def _counts() -> tuple[int, int, int]:
    return (
        db.session.execute(sa.select(sa.func.count()).select_from(FrameworkVersion)).scalar_one(),
        db.session.execute(sa.select(sa.func.count()).select_from(FrameworkMeasure)).scalar_one(),
        db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one(),
    )


def test_sync_loads_every_shipped_version_and_is_idempotent(app: object) -> None:
    library = registry.load_library(REPO / "frameworks")
    first = sync_frameworks(db.session, library)
    db.session.commit()
    assert sorted(first.added) == sorted(v.key for v in library.versions)
    after_first = _counts()
    assert after_first[0] == len(library.versions)
    assert after_first[1] == sum(1 for v in library.versions for _ in v.measures())

    second = sync_frameworks(db.session, library)
    db.session.commit()
    assert second.added == [] and second.updated == []
    assert sorted(second.unchanged) == sorted(v.key for v in library.versions)
    assert _counts() == after_first  # nothing written, not even an audit event


def test_stored_hash_matches_the_file(app: object, synced_frameworks: object) -> None:
    library: registry.FrameworkLibrary = synced_frameworks  # type: ignore[assignment]
    for version in library.versions:
        row = db.session.execute(
            sa.select(FrameworkVersion).where(
                FrameworkVersion.framework_id == version.id,
                FrameworkVersion.version == version.version,
            )
        ).scalar_one()
        assert row.content_hash == version.content_hash
        assert (
            registry.framework_from_document(row.document, row.source_path).content_hash
            == version.content_hash
        )


def test_proxy_values_and_scales_round_trip_exactly(app: object, tmp_path: Path) -> None:
    library = registry.load_library(S5)
    sync_frameworks(db.session, library)
    db.session.commit()
    measure = (
        db.session.execute(
            sa.select(FrameworkMeasure).where(FrameworkMeasure.code == "DEMO-LOCAL-JOBS")
        )
        .scalars()
        .first()
    )
    assert measure is not None
    assert measure.proxy_value_gbp == Decimal("1000.50")
    plan = (
        db.session.execute(sa.select(FrameworkMeasure).where(FrameworkMeasure.code == "DEMO-PLAN"))
        .scalars()
        .first()
    )
    assert plan is not None and plan.scale["maximum"] == 5


def test_sync_refuses_a_changed_published_version(app: object, tmp_path: Path) -> None:
    library = registry.load_library(S5)
    sync_frameworks(db.session, library)
    db.session.commit()
    db.session.execute(
        sa.update(FrameworkVersion)
        .where(FrameworkVersion.framework_id == "demo-framework", FrameworkVersion.version == "2")
        .values(content_hash="sha256:" + "1" * 64)
    )
    db.session.commit()
    before = _counts()
    with pytest.raises(FrameworkSyncError, match="immutable"):
        sync_frameworks(db.session, library)
    db.session.rollback()
    assert _counts() == before


def _published_v1_only(tmp_path: Path) -> Path:
    """The S5 library as it stood before version 2 was published."""
    target = tmp_path / "frameworks"
    (target / "demo-framework").mkdir(parents=True)
    text = (S5 / "demo-framework" / "1.yaml").read_text()
    text = (
        text.replace("status: retired", "status: published")
        .replace("superseded_by: demo-framework@2", "superseded_by: null")
        .replace("effective_to: 2025-03-31", "effective_to: null")
    )
    (target / "demo-framework" / "1.yaml").write_text(text)
    lock = (S5 / "frameworks.lock.json").read_text()
    (target / "frameworks.lock.json").write_text(lock)
    # The lock may only name files that exist: drop version 2 for this "earlier" library.
    import json

    data = json.loads(lock)
    data["published"].pop("demo-framework@2")
    (target / "frameworks.lock.json").write_text(json.dumps(data, indent=2) + "\n")
    return target


def test_s5_a_tender_keeps_its_version_when_a_new_one_is_published(
    app: object, tmp_path: Path
) -> None:
    from socialvalue.services import tenders

    earlier = registry.load_library(_published_v1_only(tmp_path))
    sync_frameworks(db.session, earlier)
    officer = create_user(
        db.session,
        email="o@example.org",
        display_name="Olu",
        role=Role.OFFICER,
        password="correct horse battery staple",
    )
    v1 = db.session.execute(
        sa.select(FrameworkVersion).where(FrameworkVersion.framework_id == "demo-framework")
    ).scalar_one()
    tender = tenders.create_tender(
        db.session,
        officer,
        {
            "framework_version_id": v1.id,
            "reference": "S5-1",
            "title": "S5",
            "buyer": "GMCA",
            "description": "",
            "estimated_value": Decimal(100000),
            "contract_start": dt.date(2026, 4, 1),
            "contract_end": dt.date(2028, 3, 31),
            "bid_deadline": dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC),
        },
    )
    measures = {m.code: m for m in v1.measures}
    criterion = tenders.add_measure_criterion(
        db.session,
        officer,
        tender,
        {"measure_id": measures["DEMO-PLAN"].id, "weight": Decimal(20), "group": "social_value"},
    )
    db.session.commit()
    pinned_hash = tender.framework_hash
    plan_before = tenders.plan_snapshot(tender)

    # Version 2 is published (one measure added, one reworded); version 1 is retired.
    later = registry.load_library(S5)
    report = sync_frameworks(db.session, later)
    db.session.commit()
    assert report.added == ["demo-framework@2"]
    assert report.updated == ["demo-framework@1"]

    db.session.refresh(tender)
    assert tender.framework_version_label == "1"
    assert tender.framework_hash == pinned_hash == v1.content_hash
    assert criterion.title == measures["DEMO-PLAN"].title
    assert tenders.plan_snapshot(tender) == plan_before
    diff = registry.diff_versions(
        later.get("demo-framework", "1"), later.get("demo-framework", "2")
    )
    assert len(diff.added) == 1 and len(diff.changed) == 1 and not diff.removed


def test_cli_list_show_validate_diff_sync(app: object, runner: object) -> None:
    invoke = runner.invoke  # type: ignore[attr-defined]
    listing = invoke(args=["frameworks", "list"])
    assert listing.exit_code == 0
    assert "gm-social-value-framework@2020" in listing.output
    assert "sha256:" in listing.output

    shown = invoke(args=["frameworks", "show", "gm-social-value-framework@2020"])
    assert shown.exit_code == 0
    assert "Keep the clean air in Greater Manchester" in shown.output
    assert "Develop a local, GM-based and resilient supply chain" in shown.output

    missing = invoke(args=["frameworks", "show", "no-such-framework"])
    assert missing.exit_code != 0 and "no framework version" in missing.output

    valid = invoke(args=["frameworks", "validate"])
    assert valid.exit_code == 0, valid.output

    synced = invoke(args=["frameworks", "sync"])
    assert synced.exit_code == 0 and "added" in synced.output
    again = invoke(args=["frameworks", "sync"])
    assert again.exit_code == 0 and again.output.startswith("0 added, 0 updated")


def test_cli_validate_reports_problems_and_exits_nonzero(
    app: object, runner: object, tmp_path: Path
) -> None:
    broken = tmp_path / "frameworks"
    shutil.copytree(REPO / "frameworks", broken)
    target = broken / "gm-social-value-framework" / "2020.yaml"
    target.write_text(
        target.read_text().replace(
            "Keep the clean air in Greater Manchester", "Keep the air clean", 1
        )
    )
    app.config["FRAMEWORKS_DIR"] = str(broken)  # type: ignore[attr-defined]
    try:
        result = runner.invoke(args=["frameworks", "validate"])  # type: ignore[attr-defined]
        assert result.exit_code == 1
        assert "2020.yaml" in result.output and "publish a new version" in result.output
        sync = runner.invoke(args=["frameworks", "sync"])  # type: ignore[attr-defined]
        assert sync.exit_code == 1 and "nothing was loaded" in sync.output
        assert _counts()[0] == 0
    finally:
        app.config["FRAMEWORKS_DIR"] = str(REPO / "frameworks")  # type: ignore[attr-defined]


def test_cli_diff_of_s5_versions(app: object, runner: object) -> None:
    app.config["FRAMEWORKS_DIR"] = str(S5)  # type: ignore[attr-defined]
    try:
        result = runner.invoke(args=["frameworks", "diff", "demo-framework@1", "demo-framework@2"])  # type: ignore[attr-defined]
    finally:
        app.config["FRAMEWORKS_DIR"] = str(REPO / "frameworks")  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("+", "-", "~"))]
    assert len(lines) == 2
    assert lines[0].startswith("+ added") and lines[1].startswith("~ changed")


def test_framework_pages(app: object, client: object, synced_frameworks: object) -> None:
    get = client.get  # type: ignore[attr-defined]
    index = get("/frameworks/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "Greater Manchester Social Value Framework" in html
    page = get("/frameworks/gm-social-value-framework/2020/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Keep the clean air in Greater Manchester" in body
    assert "GMSVF-P3-LOCAL-EMPLOYMENT" in body
    assert "Locally defined" in body  # our own measures are labelled as such
    assert get("/frameworks/gm-social-value-framework/1999/").status_code == 404
    assert get("/frameworks/nope/diff").status_code == 404


def test_framework_diff_page_for_s5(app: object, client: object) -> None:
    sync_frameworks(db.session, registry.load_library(S5))
    db.session.commit()
    get = client.get  # type: ignore[attr-defined]
    page = get("/frameworks/demo-framework/diff?from=1&to=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Added measures (1)" in html and "Changed measures (1)" in html
    assert "Removed measures" not in html
    bad = get("/frameworks/demo-framework/diff?from=1&to=1")
    assert "Select two different versions" in bad.get_data(as_text=True)
    unknown = get("/frameworks/demo-framework/diff?from=1&to=9")
    assert "Select the version to compare to" in unknown.get_data(as_text=True)
