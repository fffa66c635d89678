"""The hash-chained audit log and `flask audit verify`."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from factories import count_queries

from socialvalue.extensions import db
from socialvalue.models import AuditChainHead, AuditEvent
from socialvalue.services.audit import record_event, verify_chain


def _record(n: int) -> None:
    for i in range(n):
        record_event(
            db.session,
            actor=None,
            action="test.event",
            entity_type="thing",
            entity_id=i,
            before={"value": i},
            after={"value": i + 1},
            summary=f"event {i}",
        )
    db.session.commit()


def test_events_chain_and_verify(app: object) -> None:
    _record(5)
    events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.sequence)).scalars().all()
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.event_hash
    report = verify_chain(db.session)
    assert report.ok and report.events_checked == 5


def test_an_event_and_the_chain_head_are_written_together(app: object) -> None:
    """Appending takes the head's lock, then writes the event and the new head hash: in one
    statement on PostgreSQL (fewer round trips while other writers wait), two on SQLite."""
    _record(1)
    with count_queries() as statements:
        event = record_event(
            db.session, actor=None, action="test.event", entity_type="thing", entity_id="x"
        )
    writes = 2 if db.engine.dialect.name == "postgresql" else 3
    assert len(statements) == writes, statements
    db.session.commit()
    stored = db.session.get(AuditEvent, event.id)
    assert stored is not None and stored.sequence == 2 and stored.event_hash == event.event_hash
    head = db.session.execute(sa.select(AuditChainHead)).scalar_one()
    assert (head.last_sequence, head.last_hash) == (2, event.event_hash)
    assert verify_chain(db.session).ok


def test_altered_row_is_reported_with_its_sequence(app: object, runner: object) -> None:
    _record(4)
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.sequence == 3).values(summary="tampered")
    )
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.ok
    assert report.first_broken_sequence == 3
    assert "altered" in report.reason
    result = runner.invoke(args=["audit", "verify"])  # type: ignore[attr-defined]
    assert result.exit_code == 1
    assert "BROKEN at event 3" in result.output


def test_deleted_middle_row_is_reported(app: object) -> None:
    _record(4)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.sequence == 2))
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.ok and report.first_broken_sequence == 2
    assert "deleted" in report.reason


def test_deleted_last_row_is_reported(app: object) -> None:
    _record(3)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.sequence == 3))
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.ok and report.first_broken_sequence == 3


def test_before_and_after_values_are_stored_as_plain_json(app: object) -> None:
    from decimal import Decimal

    record_event(
        db.session,
        actor=None,
        action="test.decimal",
        entity_type="thing",
        entity_id="x",
        before={"price": Decimal("105000.00")},
        after={"price": Decimal("100000.00")},
    )
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent)).scalar_one()
    assert event.before == {"price": "105000.00"}
    assert verify_chain(db.session).ok


def test_cli_reports_an_intact_chain(app: object, runner: object) -> None:
    _record(2)
    result = runner.invoke(args=["audit", "verify"])  # type: ignore[attr-defined]
    assert result.exit_code == 0
    assert "2 events verified" in result.output
