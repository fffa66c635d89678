"""Scores: each evaluator's own, the moderated consensus, and the award decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from socialvalue.models.bid import Bid
    from socialvalue.models.tender import Criterion
    from socialvalue.models.user import User


class IndividualScore(TimestampMixin, Base):
    """One evaluator's score for one bid on one criterion; locked once submitted."""

    __tablename__ = "individual_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    evaluator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    evaluator_role: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[Decimal | None]
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    bid: Mapped[Bid] = relationship()
    criterion: Mapped[Criterion] = relationship()
    evaluator: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("bid_id", "criterion_id", "evaluator_id"),
        sa.CheckConstraint("evaluator_role IN ('officer', 'panel')", name="role_known"),
    )

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class ConsensusScore(TimestampMixin, Base):
    """The moderated score for a bid on a criterion, with the reason agreed."""

    __tablename__ = "consensus_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    score: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.UniqueConstraint("bid_id", "criterion_id"),)


class AwardDecision(Base):
    """The award: which bid, who decided, why, and the exact engine result it rests on."""

    __tablename__ = "award_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), unique=True
    )
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"))
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime]
    rationale: Mapped[str] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    result_hash: Mapped[str] = mapped_column(sa.String(80))

    bid: Mapped[Bid] = relationship()
    decided_by: Mapped[User] = relationship()
