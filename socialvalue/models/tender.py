"""A tender and its evaluation plan: criteria, gates, rules and who evaluates what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from socialvalue.models.bid import Bid
    from socialvalue.models.framework import FrameworkMeasure, FrameworkVersion
    from socialvalue.models.user import User


class TenderStatus:
    DRAFT = "draft"  # plan being set up; editable
    PUBLISHED = "published"  # plan locked; bids being received until the deadline
    AWARDED = "awarded"  # award decision recorded
    CANCELLED = "cancelled"
    ALL = (DRAFT, PUBLISHED, AWARDED, CANCELLED)


class Tender(TimestampMixin, Base):
    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    buyer: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    estimated_value: Mapped[Decimal]
    contract_start: Mapped[dt.date]
    contract_end: Mapped[dt.date]
    bid_deadline: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(sa.String(20), default=TenderStatus.DRAFT)

    # The exact framework version this tender is evaluated under, pinned forever.
    framework_version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_versions.id"))
    framework_id: Mapped[str] = mapped_column(sa.String(100))
    framework_version_label: Mapped[str] = mapped_column(sa.String(50))
    framework_hash: Mapped[str] = mapped_column(sa.String(80))

    # Evaluation plan settings (the criteria and gates are child rows).
    weight_price: Mapped[Decimal] = mapped_column(default=Decimal(40))
    weight_quality: Mapped[Decimal] = mapped_column(default=Decimal(40))
    weight_social_value: Mapped[Decimal] = mapped_column(default=Decimal(20))
    price_method: Mapped[str] = mapped_column(sa.String(40), default="lowest_price_ratio")
    quantitative_method: Mapped[str] = mapped_column(sa.String(40), default="relative_to_best")
    moderation_mode: Mapped[str] = mapped_column(sa.String(40), default="consensus_required")
    flag_range_percent: Mapped[Decimal] = mapped_column(default=Decimal(40))
    panel_share_percent: Mapped[Decimal | None]
    tie_break: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    require_rationale: Mapped[bool] = mapped_column(default=True)
    anonymise_for_panel: Mapped[bool] = mapped_column(default=True)

    plan_published_at: Mapped[dt.datetime | None]
    plan_published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # A cancelled (terminated) procurement: when, by whom and why.
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancellation_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    version_id: Mapped[int] = mapped_column(default=1)

    framework_version: Mapped[FrameworkVersion] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="tender", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    gates: Mapped[list[Gate]] = relationship(
        back_populates="tender", order_by="Gate.position", cascade="all, delete-orphan"
    )
    members: Mapped[list[TenderMember]] = relationship(
        back_populates="tender", cascade="all, delete-orphan"
    )
    bids: Mapped[list[Bid]] = relationship(
        back_populates="tender", order_by="Bid.label", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'awarded', 'cancelled')", name="status_known"
        ),
        # The tenders list, newest first, and filtered by status (pages read from the index).
        sa.Index("ix_tenders_created_at_id", "created_at", "id"),
        sa.Index("ix_tenders_status_created_at_id", "status", "created_at", "id"),
    )

    @property
    def plan_locked(self) -> bool:
        return self.status != TenderStatus.DRAFT

    @property
    def framework_key(self) -> str:
        return f"{self.framework_id}@{self.framework_version_label}"


class Criterion(Base):
    """An award criterion: a framework measure or a tender-specific quality question."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    question: Mapped[str] = mapped_column(sa.Text, default="")
    group: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(20))
    weight: Mapped[Decimal]
    scale_min: Mapped[int | None]
    scale_max: Mapped[int | None]
    descriptors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("framework_measures.id"))
    measure_code: Mapped[str | None] = mapped_column(sa.String(80))
    unit: Mapped[str | None] = mapped_column(sa.String(60))
    proxy_value_gbp: Mapped[Decimal | None]
    minimum_score: Mapped[Decimal | None]
    target: Mapped[Decimal | None]
    quantitative_method: Mapped[str | None] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)

    tender: Mapped[Tender] = relationship(back_populates="criteria")
    measure: Mapped[FrameworkMeasure | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("tender_id", "code"),
        sa.CheckConstraint("\"group\" IN ('quality', 'social_value')", name="group_known"),
        sa.CheckConstraint("kind IN ('qualitative', 'quantitative')", name="kind_known"),
    )


class Gate(Base):
    """A pass/fail requirement; failing it disqualifies the bid."""

    __tablename__ = "gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    evidence_expected: Mapped[str] = mapped_column(sa.Text, default="")
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("framework_measures.id"))
    measure_code: Mapped[str | None] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)

    tender: Mapped[Tender] = relationship(back_populates="gates")
    measure: Mapped[FrameworkMeasure | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("tender_id", "code"),)


class MemberRole:
    EVALUATOR = "evaluator"  # an officer who scores
    PANEL = "panel"  # a citizen/VCSE panel member who scores
    SUPPLIER = "supplier"  # a supplier invited to submit its own bid
    ALL = (EVALUATOR, PANEL, SUPPLIER)


class TenderMember(TimestampMixin, Base):
    """A person's part in one tender, and their conflict-of-interest declaration."""

    __tablename__ = "tender_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    # Criteria this evaluator scores (criterion ids); suppliers have none.
    criterion_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    declared_at: Mapped[dt.datetime | None]
    has_conflict: Mapped[bool | None]
    conflict_details: Mapped[str] = mapped_column(sa.Text, default="")
    removed_at: Mapped[dt.datetime | None]
    removed_reason: Mapped[str] = mapped_column(sa.Text, default="")

    tender: Mapped[Tender] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("tender_id", "user_id"),
        sa.CheckConstraint("role IN ('evaluator', 'panel', 'supplier')", name="role_known"),
    )

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def cleared_to_evaluate(self) -> bool:
        """Declared no conflict of interest and still on the panel."""
        return self.active and self.declared_at is not None and self.has_conflict is False
