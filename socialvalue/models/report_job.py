"""Report jobs: a PDF report rendered in the background, its progress and the finished file.

Rows live in the database so any app server can show a job's progress and serve its file,
whichever server's worker thread renders it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from socialvalue.models.base import Base, TimestampMixin
from socialvalue.models.user import User


class ReportJobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportJob(TimestampMixin, Base):
    """One requested report: what, for whom, how far it has got, and the PDF once done."""

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    tender_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    bid_label: Mapped[str | None] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(400))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=ReportJobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    requested_by: Mapped[User] = relationship()
