"""A contract from an award, its KPIs, delivery returns, verification, evidence and actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from socialvalue.models.bid import Bid
    from socialvalue.models.tender import Tender
    from socialvalue.models.user import User


class ReportingFrequency:
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ALL = (MONTHLY, QUARTERLY)


class ContractRole:
    SUPPLIER = "supplier"  # a supplier user who files returns and answers queries
    PANEL = "panel"  # a citizen/VCSE panel member assigned to verify returns
    ALL = (SUPPLIER, PANEL)


class LineStatus:
    PENDING = "pending"
    VERIFIED = "verified"
    QUERIED = "queried"
    REJECTED = "rejected"
    ALL = (PENDING, VERIFIED, QUERIED, REJECTED)


class Contract(TimestampMixin, Base):
    """The contract awarded from a tender: its term, reporting rules and RAG bands."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tenders.id"), unique=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"))
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    buyer: Mapped[str] = mapped_column(sa.String(300))
    supplier_name: Mapped[str] = mapped_column(sa.String(300))
    # Lower-cased, single-spaced supplier name: how a supplier's past contracts are found.
    supplier_key: Mapped[str] = mapped_column(sa.String(300), index=True)
    supplier_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    reporting_frequency: Mapped[str] = mapped_column(
        sa.String(20), default=ReportingFrequency.QUARTERLY
    )
    due_days: Mapped[int] = mapped_column(default=20)
    green_from: Mapped[Decimal] = mapped_column(default=Decimal(90))
    amber_from: Mapped[Decimal] = mapped_column(default=Decimal(60))
    # The last status recorded (green/amber/red/not_due), so every change is an audit event.
    status: Mapped[str] = mapped_column(sa.String(20), default="not_due")
    framework_id: Mapped[str] = mapped_column(sa.String(100))
    framework_version_label: Mapped[str] = mapped_column(sa.String(50))
    framework_hash: Mapped[str] = mapped_column(sa.String(80))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    tender: Mapped[Tender] = relationship()
    bid: Mapped[Bid] = relationship()
    kpis: Mapped[list[Kpi]] = relationship(
        back_populates="contract", order_by="Kpi.position", cascade="all, delete-orphan"
    )
    members: Mapped[list[ContractMember]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    returns: Mapped[list[DeliveryReturn]] = relationship(
        back_populates="contract",
        order_by="DeliveryReturn.period_end",
        cascade="all, delete-orphan",
    )
    actions: Mapped[list[RemedialAction]] = relationship(
        back_populates="contract", order_by="RemedialAction.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "reporting_frequency IN ('monthly', 'quarterly')", name="frequency_known"
        ),
        sa.CheckConstraint("end_date >= start_date", name="term_ordered"),
        # The contracts list, newest start first (pages read from the index).
        sa.Index("ix_contracts_start_date_id", "start_date", "id"),
    )


class ContractMember(Base):
    """A supplier user invited to the contract, or a panel member assigned to verify it."""

    __tablename__ = "contract_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("contract_id", "user_id"),
        sa.CheckConstraint("role IN ('supplier', 'panel')", name="role_known"),
    )


class Kpi(Base):
    """A social value commitment of the winning bid, tracked to delivery."""

    __tablename__ = "kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    criterion_code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    framework_id: Mapped[str] = mapped_column(sa.String(100))
    framework_version_label: Mapped[str] = mapped_column(sa.String(50))
    framework_hash: Mapped[str] = mapped_column(sa.String(80))
    measure_code: Mapped[str | None] = mapped_column(sa.String(80))
    theme_code: Mapped[str] = mapped_column(sa.String(60), default="")
    theme_title: Mapped[str] = mapped_column(sa.String(300), default="")
    unit: Mapped[str] = mapped_column(sa.String(60), default="")
    committed_quantity: Mapped[Decimal]
    proxy_value_gbp: Mapped[Decimal | None]
    committed_value_gbp: Mapped[Decimal | None]
    accrual: Mapped[str] = mapped_column(sa.String(20), default="even")
    version_id: Mapped[int] = mapped_column(default=1)

    contract: Mapped[Contract] = relationship(back_populates="kpis")
    milestones: Mapped[list[KpiMilestone]] = relationship(
        back_populates="kpi", order_by="KpiMilestone.due_on", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "criterion_code"),
        sa.CheckConstraint("accrual IN ('even', 'milestones')", name="accrual_known"),
    )


class KpiMilestone(Base):
    """A dated cumulative quantity the KPI should reach (the "milestones" accrual profile)."""

    __tablename__ = "kpi_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date]
    cumulative_quantity: Mapped[Decimal]

    kpi: Mapped[Kpi] = relationship(back_populates="milestones")

    __table_args__ = (sa.UniqueConstraint("kpi_id", "due_on"),)


class DeliveryReturn(Base):
    """What the supplier delivered in one reporting period (one per contract and period)."""

    __tablename__ = "delivery_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    due_on: Mapped[dt.date]
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Recorded by an officer for the supplier (e.g. from a paper or emailed return, or an import).
    on_behalf: Mapped[bool] = mapped_column(default=False)
    version_id: Mapped[int] = mapped_column(default=1)

    contract: Mapped[Contract] = relationship(back_populates="returns")
    submitted_by: Mapped[User] = relationship()
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="delivery_return", order_by="ReturnLine.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="delivery_return", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.UniqueConstraint("contract_id", "period_end"),)

    @property
    def late(self) -> bool:
        return self.submitted_at.date() > self.due_on


class ReturnLine(Base):
    """One KPI's reported amount in a return, and its verification."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery_returns.id", ondelete="CASCADE"), index=True
    )
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    reported_quantity: Mapped[Decimal]
    status: Mapped[str] = mapped_column(sa.String(20), default=LineStatus.PENDING)
    query_text: Mapped[str] = mapped_column(sa.Text, default="")
    queried_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    queried_at: Mapped[dt.datetime | None]
    answer_text: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None]
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    delivery_return: Mapped[DeliveryReturn] = relationship(back_populates="lines")
    kpi: Mapped[Kpi] = relationship()
    queried_by: Mapped[User | None] = relationship(foreign_keys=[queried_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("return_id", "kpi_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'verified', 'queried', 'rejected')", name="status_known"
        ),
    )

    @property
    def awaiting_answer(self) -> bool:
        return self.status == LineStatus.QUERIED and self.answered_at is None


class EvidenceFile(Base):
    """A file of evidence attached to a return, stored by its SHA-256 under UPLOAD_DIR."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery_returns.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_path: Mapped[str] = mapped_column(sa.String(300))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    delivery_return: Mapped[DeliveryReturn] = relationship(back_populates="evidence")


class RemedialAction(Base):
    """What will be done about a shortfall: a note, who owns it and by when."""

    __tablename__ = "remedial_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    kpi_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kpis.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    contract: Mapped[Contract] = relationship(back_populates="actions")
    kpi: Mapped[Kpi | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.CheckConstraint("status IN ('open', 'done')", name="status_known"),)
