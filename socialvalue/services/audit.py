"""Append-only audit events, chained by SHA-256 so that any alteration or deletion is detectable."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from socialvalue.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from socialvalue.models.base import utcnow
from socialvalue.models.user import User

SYSTEM_ACTOR = "system"


def to_jsonable(value: Any) -> Any:
    """Plain JSON for before/after snapshots: exact numbers become strings, dates ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal | Fraction):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _event_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "tender_id": event.tender_id,
        "contract_id": event.contract_id,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def compute_event_hash(event: AuditEvent) -> str:
    return "sha256:" + hashlib.sha256(_canonical(_event_payload(event))).hexdigest()


_HEAD = AuditChainHead.__table__
_EVENTS = AuditEvent.__table__
# Built once: every save in the application runs these three, and building a statement costs
# more than running it.
_NEXT_SEQUENCE = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_sequence=_HEAD.c.last_sequence + 1)
    .returning(_HEAD.c.last_sequence, _HEAD.c.last_hash)
)
_INSERT_EVENT = sa.insert(_EVENTS).returning(_EVENTS.c.id)
_SET_HEAD_HASH = sa.update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=sa.bindparam("hash"))
_EVENT_COLUMNS = tuple(column.key for column in _EVENTS.columns if column.key != "id")
# PostgreSQL runs both in one statement (an INSERT in a WITH clause): one round trip fewer
# while every other writer waits for the chain head's lock. SQLite has no DML in WITH.
_INSERTED_EVENT = (
    sa.insert(_EVENTS)
    .values({key: sa.bindparam(key, type_=_EVENTS.c[key].type) for key in _EVENT_COLUMNS})
    .returning(_EVENTS.c.id)
    .cte("inserted_event")
)
_INSERT_EVENT_SET_HEAD_HASH = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_hash=sa.bindparam("hash"))
    .add_cte(_INSERTED_EVENT)
    .returning(sa.select(_INSERTED_EVENT.c.id).scalar_subquery())
)


def _lock_chain_head(session: Session) -> tuple[int, str]:
    """Take the next sequence number; returns it with the hash of the event before it."""
    # Taking the write lock first (an UPDATE, not a SELECT) serialises appends across app
    # servers on PostgreSQL and across connections on SQLite, so the chain never forks. The
    # UPDATE returns the locked row itself: every append waits for the one before it to commit,
    # so each round trip made while holding the lock is paid by every writer queued behind it.
    row = session.execute(_NEXT_SEQUENCE).one_or_none()
    if row is None:
        session.execute(sa.insert(_HEAD).values(id=1, last_sequence=1, last_hash=GENESIS_HASH))
        return 1, GENESIS_HASH
    return row.last_sequence, row.last_hash


def record_event(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    summary: str = "",
    tender_id: int | None = None,
    contract_id: int | None = None,
) -> AuditEvent:
    """Append one audit event (who, when, what, before/after) to the chain and flush.

    The event and the chain head are written with plain INSERT and UPDATE statements, not
    through the ORM's unit of work: every save in the application ends here, and these rows
    are never changed afterwards, so there is nothing for the unit of work to track. The
    returned event carries every column, its id included, but is not in the session.
    """
    sequence, prev_hash = _lock_chain_head(session)
    event = AuditEvent(
        sequence=sequence,
        occurred_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=f"{actor.display_name} <{actor.email}>" if actor is not None else SYSTEM_ACTOR,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        tender_id=tender_id,
        contract_id=contract_id,
        summary=summary,
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        prev_hash=prev_hash,
    )
    event.event_hash = compute_event_hash(event)
    values = {column: getattr(event, column) for column in _EVENT_COLUMNS}
    if session.get_bind().dialect.name == "postgresql":
        event.id = session.execute(
            _INSERT_EVENT_SET_HEAD_HASH, {**values, "hash": event.event_hash}
        ).scalar_one()
    else:
        event.id = session.execute(_INSERT_EVENT, values).scalar_one()
        session.execute(_SET_HEAD_HASH, {"hash": event.event_hash})
    # Whatever the caller changed before recording the event goes in the same transaction.
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    ok: bool
    first_broken_sequence: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Anchor:
    """A chain position published outside the database (a report, a backup log, an email):
    the event ``sequence`` (None: any position) must still carry ``event_hash``."""

    sequence: int | None
    event_hash: str

    def __str__(self) -> str:
        return self.event_hash if self.sequence is None else f"{self.sequence}:{self.event_hash}"


_ANCHOR = re.compile(r"(?:(?P<sequence>[1-9][0-9]{0,17}):)?(?P<hash>sha256:[0-9a-f]{64})")


def parse_anchor(text: str) -> Anchor:
    """``SEQUENCE:sha256:HEX`` or ``sha256:HEX``, as ``flask audit head`` prints it."""
    match = _ANCHOR.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not a chain position: give SEQUENCE:sha256:<64 hex digits>, "
            "as `flask audit head` prints it"
        )
    sequence = match.group("sequence")
    return Anchor(int(sequence) if sequence else None, match.group("hash"))


def chain_head(session: Session) -> Anchor | None:
    """The last event's position, to publish outside the database (None: no events yet)."""
    row = session.execute(
        sa.select(AuditEvent.sequence, AuditEvent.event_hash)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    ).first()
    return Anchor(row.sequence, row.event_hash) if row is not None else None


def _iter_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = None
    while True:
        query = sa.select(AuditEvent).order_by(AuditEvent.sequence).limit(batch)
        if last is not None:
            query = query.where(AuditEvent.sequence > last)
        rows = list(session.execute(query).scalars())
        if not rows:
            return
        yield from rows
        last = rows[-1].sequence
        session.expunge_all()


def verify_chain(session: Session, anchors: Sequence[Anchor] = ()) -> ChainReport:
    """Walk the chain in order; report the first link that does not hold, if any.

    Each event must be the next in sequence, point at its predecessor's hash and hash to what
    it records; the chain head row must agree with the last event. That catches any edit,
    deletion, insertion or reordering of rows by someone who does not recompute the hashes.
    Someone who can write to the database can recompute them, or delete the newest events and
    move the head back: ``anchors`` (positions published outside the database) catch that for
    every event up to the newest anchor.
    """
    by_sequence = {a.sequence: a for a in anchors if a.sequence is not None}
    by_hash = {a.event_hash: a for a in anchors if a.sequence is None}
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in _iter_events(session):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                False,
                expected_sequence,
                f"event {expected_sequence} is missing (the next present is {event.sequence}): "
                "a row was deleted, or renumbered",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                False,
                event.sequence,
                f"event {event.sequence} does not point at the hash of event "
                f"{event.sequence - 1}: the chain was altered",
            )
        recomputed = compute_event_hash(event)
        if recomputed != event.event_hash:
            return ChainReport(
                checked,
                False,
                event.sequence,
                f"event {event.sequence} ({event.action}) was altered: its content hashes to "
                f"{recomputed}, but it records {event.event_hash}",
            )
        anchor = by_sequence.get(event.sequence)
        if anchor is not None and anchor.event_hash != event.event_hash:
            return ChainReport(
                checked,
                False,
                event.sequence,
                f"event {event.sequence} does not carry the hash published for it "
                f"({anchor.event_hash}): it or an earlier event was rewritten and the chain "
                "re-hashed",
            )
        by_hash.pop(event.event_hash, None)
        expected_prev = event.event_hash
        expected_sequence += 1
        checked += 1
    # populate_existing: appends update the head row with plain statements (see record_event).
    head = session.get(AuditChainHead, 1, populate_existing=True)
    if head is None and checked:
        return ChainReport(checked, False, checked, "the chain head row is missing: it was deleted")
    if head is not None and head.last_sequence > checked:
        return ChainReport(
            checked,
            False,
            checked + 1,
            f"the chain records {head.last_sequence} events but {checked} are present: "
            "the most recent events were deleted",
        )
    if head is not None and head.last_sequence < checked:
        return ChainReport(
            head.last_sequence,
            False,
            head.last_sequence + 1,
            f"the chain records {head.last_sequence} events but {checked} are present: "
            f"event {head.last_sequence + 1} onwards were added outside the application",
        )
    if head is not None and checked and head.last_hash != expected_prev:
        return ChainReport(checked, False, checked, "the chain head does not match the last event")
    missing = sorted(
        (a for a in by_sequence.values() if a.sequence is not None and a.sequence > checked),
        key=lambda a: a.sequence or 0,
    )
    if missing:
        return ChainReport(
            checked,
            False,
            checked + 1,
            f"event {missing[-1].sequence} was published with hash {missing[-1].event_hash}, "
            f"but the chain ends at event {checked}: the most recent events were deleted",
        )
    if by_hash:
        lost = next(iter(by_hash))
        return ChainReport(
            checked,
            False,
            None,
            f"no event carries the published hash {lost}: events were deleted from the end, "
            "or the chain was rewritten and re-hashed",
        )
    return ChainReport(checked, True)
