"""Framework versions loaded from frameworks/*.yaml (the files are the source of truth)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, utcnow


class FrameworkVersion(Base):
    """One immutable published (or draft/retired) version of a framework, with its content hash."""

    __tablename__ = "framework_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[str] = mapped_column(sa.String(50))
    title: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(20))
    issuer: Mapped[str] = mapped_column(sa.String(300))
    approved_on: Mapped[dt.date | None]
    effective_from: Mapped[dt.date | None]
    effective_to: Mapped[dt.date | None]
    supersedes: Mapped[str | None] = mapped_column(sa.String(160))
    superseded_by: Mapped[str | None] = mapped_column(sa.String(160))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    licence: Mapped[str] = mapped_column(sa.Text, default="")
    content_hash: Mapped[str] = mapped_column(sa.String(80))
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    source_path: Mapped[str] = mapped_column(sa.String(300))
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    themes: Mapped[list[FrameworkTheme]] = relationship(
        back_populates="framework_version",
        order_by="FrameworkTheme.position",
        cascade="all, delete-orphan",
    )
    measures: Mapped[list[FrameworkMeasure]] = relationship(
        back_populates="framework_version",
        order_by="FrameworkMeasure.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "version"),
        sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_known"),
    )

    @property
    def key(self) -> str:
        return f"{self.framework_id}@{self.version}"


class FrameworkTheme(Base):
    """A theme/priority/objective of a framework version (e.g. GM SVF priority P3)."""

    __tablename__ = "framework_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    verification: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int]

    framework_version: Mapped[FrameworkVersion] = relationship(back_populates="themes")

    __table_args__ = (sa.UniqueConstraint("framework_version_id", "code"),)


class FrameworkMeasure(Base):
    """A measure of a framework version: what a tender criterion or KPI points at."""

    __tablename__ = "framework_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(20))
    unit: Mapped[str | None] = mapped_column(sa.String(60))
    counting_rule: Mapped[str | None] = mapped_column(sa.Text)
    proxy_value_gbp: Mapped[Decimal | None]
    proxy_value_source: Mapped[str | None] = mapped_column(sa.Text)
    proxy_value_year: Mapped[int | None]
    scale: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    evidence_expected: Mapped[str | None] = mapped_column(sa.Text)
    verification: Mapped[str] = mapped_column(sa.String(20))
    verification_note: Mapped[str | None] = mapped_column(sa.Text)
    theme_code: Mapped[str] = mapped_column(sa.String(60))
    outcome_code: Mapped[str | None] = mapped_column(sa.String(60))
    outcome_title: Mapped[str | None] = mapped_column(sa.String(300))
    position: Mapped[int]

    framework_version: Mapped[FrameworkVersion] = relationship(back_populates="measures")

    __table_args__ = (
        sa.UniqueConstraint("framework_version_id", "code"),
        sa.CheckConstraint(
            "kind IN ('quantitative', 'qualitative', 'pass_fail')", name="kind_known"
        ),
    )
