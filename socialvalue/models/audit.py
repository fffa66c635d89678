"""The append-only, hash-chained audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from socialvalue.models.base import Base, utcnow

GENESIS_HASH = "sha256:" + "0" * 64


class AuditEvent(Base):
    """Who did what, when, to which record, with the state before and after.

    Rows are never updated or deleted by the application. Each row stores the hash of the
    previous row, so altering or removing any row breaks the chain (``flask audit verify``).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(300))
    action: Mapped[str] = mapped_column(sa.String(80))
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[str] = mapped_column(sa.String(80))
    tender_id: Mapped[int | None]
    contract_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(80))
    event_hash: Mapped[str] = mapped_column(sa.String(80), unique=True)

    __table_args__ = (
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
        # A tender's or a contract's history, or one kind of event, newest first: the page is
        # read from the index in order instead of fetching every matching row to sort it.
        sa.Index("ix_audit_events_tender_id_sequence", "tender_id", "sequence"),
        sa.Index("ix_audit_events_contract_id_sequence", "contract_id", "sequence"),
        sa.Index("ix_audit_events_action_sequence", "action", "sequence"),
    )


class AuditChainHead(Base):
    """A single row holding the chain's tip; appends lock it so the chain never forks."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(80), default=GENESIS_HASH)
