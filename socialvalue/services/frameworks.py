"""Load the framework library (files are the source of truth) into the database, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue import framework_registry as registry
from socialvalue.models.framework import FrameworkMeasure, FrameworkTheme, FrameworkVersion
from socialvalue.models.user import User
from socialvalue.services.audit import record_event

# Fields of a version that may change after publication without changing its content hash.
LIFECYCLE_FIELDS = ("status", "superseded_by", "effective_to")


class FrameworkSyncError(RuntimeError):
    """The database holds a version whose content differs from the file of the same version."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _measure_rows(version: registry.FrameworkVersion) -> list[FrameworkMeasure]:
    rows = []
    for position, measure in enumerate(version.measures()):
        outcome = _find_outcome(version, measure.theme_code, measure.outcome_code)
        rows.append(
            FrameworkMeasure(
                code=measure.code,
                title=measure.title,
                description=measure.description,
                kind=measure.kind,
                unit=measure.unit,
                counting_rule=measure.counting_rule,
                proxy_value_gbp=measure.proxy_value.amount_gbp if measure.proxy_value else None,
                proxy_value_source=measure.proxy_value.source if measure.proxy_value else None,
                proxy_value_year=measure.proxy_value.year if measure.proxy_value else None,
                scale=_scale_dict(measure.scale),
                evidence_expected=measure.evidence_expected,
                verification=measure.verification,
                verification_note=measure.verification_note,
                theme_code=measure.theme_code,
                outcome_code=measure.outcome_code,
                outcome_title=outcome.title if outcome else None,
                position=position,
            )
        )
    return rows


def _find_outcome(
    version: registry.FrameworkVersion, theme_code: str, outcome_code: str | None
) -> registry.Outcome | None:
    for theme in version.themes:
        if theme.code == theme_code:
            for outcome in theme.outcomes:
                if outcome.code == outcome_code:
                    return outcome
    return None


def _scale_dict(scale: registry.MeasureScale | None) -> dict[str, object] | None:
    if scale is None:
        return None
    return {
        "minimum": scale.minimum,
        "maximum": scale.maximum,
        "descriptors": [
            {"value": d.value, "label": d.label, "description": d.description}
            for d in scale.descriptors
        ],
    }


def _version_row(version: registry.FrameworkVersion) -> FrameworkVersion:
    row = FrameworkVersion(framework_id=version.id, version=version.version)
    _copy_fields(row, version)
    row.themes = [
        FrameworkTheme(
            code=theme.code,
            title=theme.title,
            description=theme.description,
            verification=theme.verification,
            position=position,
        )
        for position, theme in enumerate(version.themes)
    ]
    row.measures = _measure_rows(version)
    return row


def _copy_fields(row: FrameworkVersion, version: registry.FrameworkVersion) -> None:
    row.title = version.title
    row.status = version.status
    row.issuer = version.issuer
    row.approved_on = version.approved_on
    row.effective_from = version.effective_from
    row.effective_to = version.effective_to
    row.supersedes = version.supersedes
    row.superseded_by = version.superseded_by
    row.summary = version.summary
    row.licence = version.licence
    row.content_hash = version.content_hash
    row.document = registry.jsonable_document(version.document)
    row.source_path = version.source_path


def sync_frameworks(
    session: Session, library: registry.FrameworkLibrary, actor: User | None = None
) -> SyncReport:
    """Bring the database in line with the library. Running it twice changes nothing.

    A published version's content never changes in the database: if the file's content hash
    differs from the stored one, the sync refuses (the lock file should have caught it first).
    Drafts are replaced freely; lifecycle fields (status, superseded_by) may move on.
    """
    report = SyncReport()
    existing = {
        (row.framework_id, row.version): row
        for row in session.execute(sa.select(FrameworkVersion)).scalars()
    }
    for version in library.versions:
        row = existing.get((version.id, version.version))
        if row is None:
            session.add(_version_row(version))
            report.added.append(version.key)
            record_event(
                session,
                actor=actor,
                action="framework.synced",
                entity_type="framework_version",
                entity_id=version.key,
                after={"content_hash": version.content_hash, "status": version.status},
                summary=f"Framework {version.key} added to the library",
            )
            continue
        if (
            row.content_hash == version.content_hash
            and row.status == version.status
            and (
                row.superseded_by == version.superseded_by
                and row.effective_to == version.effective_to
            )
        ):
            report.unchanged.append(version.key)
            continue
        if row.content_hash != version.content_hash and row.status != "draft":
            raise FrameworkSyncError(
                f"{version.key} is {row.status} in the database with content hash "
                f"{row.content_hash}, but {version.source_path} now hashes to "
                f"{version.content_hash}. Published versions are immutable: publish a new version."
            )
        before = {
            "content_hash": row.content_hash,
            "status": row.status,
            "superseded_by": row.superseded_by,
        }
        if row.content_hash != version.content_hash:
            session.delete(row)
            session.flush()
            session.add(_version_row(version))
        else:
            _copy_fields(row, version)
        report.updated.append(version.key)
        record_event(
            session,
            actor=actor,
            action="framework.updated",
            entity_type="framework_version",
            entity_id=version.key,
            before=before,
            after={
                "content_hash": version.content_hash,
                "status": version.status,
                "superseded_by": version.superseded_by,
            },
            summary=f"Framework {version.key} updated from its file",
        )
    session.flush()
    return report


def list_framework_versions(session: Session) -> Sequence[FrameworkVersion]:
    return (
        session.execute(
            sa.select(FrameworkVersion).order_by(
                FrameworkVersion.framework_id, FrameworkVersion.version
            )
        )
        .scalars()
        .all()
    )


def get_framework_version(
    session: Session, framework_id: str, version: str
) -> FrameworkVersion | None:
    return session.execute(
        sa.select(FrameworkVersion)
        .where(FrameworkVersion.framework_id == framework_id, FrameworkVersion.version == version)
        .options(selectinload(FrameworkVersion.themes), selectinload(FrameworkVersion.measures))
    ).scalar_one_or_none()


def as_registry_version(row: FrameworkVersion) -> registry.FrameworkVersion:
    """Rebuild the registry's typed view of a stored version (for diffs between stored versions)."""
    return registry.framework_from_document(row.document, source_path=row.source_path)
