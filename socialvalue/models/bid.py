"""A bid: price, commitments per quantitative criterion, responses and pass/fail answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from socialvalue.models.tender import Criterion, Gate, Tender
    from socialvalue.models.user import User


class BidStatus:
    DRAFT = "draft"  # a supplier is still preparing it
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, SUBMITTED, WITHDRAWN)


class Bid(TimestampMixin, Base):
    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    # "A", "B", "C"...: how panels see the bid when supplier names are hidden.
    label: Mapped[str] = mapped_column(sa.String(8))
    supplier_name: Mapped[str] = mapped_column(sa.String(300))
    supplier_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    price: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=BidStatus.DRAFT)
    entered_by_officer: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    tender: Mapped[Tender] = relationship(back_populates="bids")
    supplier_user: Mapped[User | None] = relationship(foreign_keys=[supplier_user_id])
    commitments: Mapped[list[BidCommitment]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )
    responses: Mapped[list[BidResponse]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )
    gate_answers: Mapped[list[BidGateAnswer]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("tender_id", "label"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'withdrawn')", name="status_known"),
        sa.CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
    )


class BidCommitment(Base):
    """A numeric promise against a quantitative criterion, with how it will be delivered."""

    __tablename__ = "bid_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal]
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_plan: Mapped[str] = mapped_column(sa.Text, default="")

    bid: Mapped[Bid] = relationship(back_populates="commitments")
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "criterion_id"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )


class BidResponse(Base):
    """The bidder's written answer to a qualitative criterion."""

    __tablename__ = "bid_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    response: Mapped[str] = mapped_column(sa.Text, default="")

    bid: Mapped[Bid] = relationship(back_populates="responses")
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (sa.UniqueConstraint("bid_id", "criterion_id"),)


class BidGateAnswer(Base):
    """Whether the bid meets a pass/fail requirement, and the evidence offered."""

    __tablename__ = "bid_gate_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    gate_id: Mapped[int] = mapped_column(sa.ForeignKey("gates.id", ondelete="CASCADE"))
    passed: Mapped[bool]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")

    bid: Mapped[Bid] = relationship(back_populates="gate_answers")
    gate: Mapped[Gate] = relationship()

    __table_args__ = (sa.UniqueConstraint("bid_id", "gate_id"),)
