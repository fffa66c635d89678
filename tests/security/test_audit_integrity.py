"""Tampering with the audit log is detected by ``flask audit verify``.

The log is seeded by a rich scenario (tenders, bids, scores, a contract with a return,
evidence and a query, API tokens, report jobs) plus events with awkward before/after values,
so it holds events of every kind the services record. Then, one change at a time, each
committed and undone afterwards: every column (except the surrogate key ``id``, which is not
part of the record) of a sample of rows (first, second, middle, last and others) is altered,
the hash columns included; rows are deleted (first, middle, last); forged rows are inserted;
rows are reordered; the chain head is deleted. Each time the command exits 1 and names the
first broken event.

What a chain stored in the same database cannot catch, and the anchors that do: someone able
to write to the database can delete the newest events and move the head back, or rewrite an
event and re-hash everything after it. ``flask audit verify --expect-head SEQUENCE:HASH``,
given a position published earlier (``flask audit head``, or the hash printed in a report),
catches both. Forged events *appended* after the newest published position, with correct
hashes and the head moved on, cannot be told from real ones by any unkeyed hash chain.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from scenario import build_world

from socialvalue.extensions import db
from socialvalue.models import AuditChainHead, AuditEvent
from socialvalue.services.audit import (
    GENESIS_HASH,
    chain_head,
    compute_event_hash,
    record_event,
    verify_chain,
)

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]
EVENTS = AuditEvent.__table__
HEAD = AuditChainHead.__table__
#: The columns that make up the record (``id`` is the table's key and carries no fact).
RECORD_COLUMNS = [c.name for c in EVENTS.columns if c.name != "id"]


@pytest.fixture
def seeded(app: Any) -> list[dict[str, Any]]:
    build_world(app)
    for number, (before, after) in enumerate(
        [
            (None, {"price": Decimal("105000.00"), "when": dt.date(2027, 4, 1)}),
            ({"text": "naïve café – ‘quotes’ 😀", "list": [3, 1, 2]}, None),
            ({"nested": {"a": [1, {"b": None}]}}, {"nested": {"a": [1, {"b": True}]}}),
            ({}, {"empty": ""}),
        ]
    ):
        record_event(
            db.session,
            actor=None,
            action="test.awkward",
            entity_type="thing",
            entity_id=number,
            before=before,
            after=after,
            summary=f"awkward value {number}",
        )
    db.session.commit()
    rows = all_rows()
    assert len(rows) >= 60
    assert len({row["action"] for row in rows}) >= 15, "the scenario should record many kinds"
    assert verify_chain(db.session).ok
    return rows


def all_rows() -> list[dict[str, Any]]:
    db.session.expire_all()
    rows = [
        dict(row._mapping)
        for row in db.session.execute(sa.select(EVENTS).order_by(EVENTS.c.sequence))
    ]
    db.session.rollback()
    return rows


def head_row() -> dict[str, Any]:
    row = db.session.execute(sa.select(HEAD)).one()
    db.session.rollback()
    return dict(row._mapping)


def verify(runner: Any, *anchors: str) -> Any:
    db.session.remove()
    args = ["audit", "verify"]
    for anchor in anchors:
        args += ["--expect-head", anchor]
    return runner.invoke(args=args)


def update(row: dict[str, Any], **values: Any) -> None:
    db.session.execute(sa.update(EVENTS).where(EVENTS.c.id == row["id"]).values(**values))
    db.session.commit()


def restore(row: dict[str, Any]) -> None:
    values = {k: v for k, v in row.items() if k != "id"}
    update(row, **values)


def altered(row: dict[str, Any], column: str, users: list[int]) -> Any:
    """A different value for ``column`` of ``row``, as small a change as the type allows."""
    value = row[column]
    if column == "sequence":
        return value + 1_000_000
    if column == "occurred_at":
        return value + dt.timedelta(microseconds=1)
    if column == "actor_id":
        return next((u for u in users if u != value), None) if value is not None else users[0]
    if column in ("tender_id", "contract_id"):
        return 1 if value is None else value + 1
    if column in ("before", "after"):
        return {"forged": True} if value is None else {**value, "forged": True}
    if column in ("prev_hash", "event_hash"):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    if column == "summary":
        return value + " "
    return value[:-1] + ("x" if not value.endswith("x") else "y")


def sample(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    chosen = {0, 1, len(rows) // 2, len(rows) - 2, len(rows) - 1}
    chosen |= set(random.Random(7731).sample(range(len(rows)), 4))
    for index in sorted(chosen):
        yield rows[index]


def broken_at(result: Any, sequence: int) -> bool:
    return result.exit_code == 1 and f"BROKEN at event {sequence}:" in result.output


def test_altering_any_column_of_any_row_is_detected(
    app: Any, runner: Any, seeded: list[dict[str, Any]]
) -> None:
    users = sorted({r["actor_id"] for r in seeded if r["actor_id"] is not None})
    assert len(users) >= 2
    missed = []
    cases = 0
    rows = list(sample(seeded))
    assert len(rows) >= 7
    for row in rows:
        for column in RECORD_COLUMNS:
            update(row, **{column: altered(row, column, users)})
            result = verify(runner)
            cases += 1
            if not broken_at(result, row["sequence"]):
                missed.append(f"{column} of event {row['sequence']}: {result.output.strip()}")
            restore(row)
    assert cases == len(rows) * len(RECORD_COLUMNS) >= 7 * 14
    assert missed == [], "\n".join(missed)
    assert verify(runner).exit_code == 0


def test_deleting_a_row_is_detected(app: Any, runner: Any, seeded: list[dict[str, Any]]) -> None:
    for row in (seeded[0], seeded[len(seeded) // 2], seeded[-1]):
        db.session.execute(sa.delete(EVENTS).where(EVENTS.c.id == row["id"]))
        db.session.commit()
        result = verify(runner)
        assert broken_at(result, row["sequence"]), result.output
        assert "deleted" in result.output
        db.session.execute(sa.insert(EVENTS).values(**row))
        db.session.commit()
    assert verify(runner).exit_code == 0


def forged_after(previous: dict[str, Any], sequence: int) -> dict[str, Any]:
    event = AuditEvent(
        sequence=sequence,
        occurred_at=previous["occurred_at"] + dt.timedelta(seconds=1),
        actor_id=None,
        actor_label="system",
        action="award.decided",
        entity_type="tender",
        entity_id="1",
        tender_id=previous["tender_id"],
        contract_id=None,
        summary="Awarded to a friend",
        before=None,
        after={"bid": "Z"},
        prev_hash=previous["event_hash"],
    )
    event.event_hash = compute_event_hash(event)
    return {c: getattr(event, c) for c in RECORD_COLUMNS}


def test_inserting_a_forged_row_is_detected(
    app: Any, runner: Any, seeded: list[dict[str, Any]]
) -> None:
    last = seeded[-1]
    cases = {
        # Appended with a correct link and hash, but the head not moved: counted.
        "appended": (forged_after(last, last["sequence"] + 1), last["sequence"] + 1),
        # Appended with a wrong link.
        "unlinked": ({**forged_after(last, last["sequence"] + 1), "prev_hash": GENESIS_HASH}, 0),
        # Before the first event, where the old walk (sequence > 0) never looked.
        "sequence 0": (forged_after(seeded[0], 0), 1),
        "negative": (forged_after(seeded[0], -5), 1),
    }
    for name, (values, expected) in cases.items():
        db.session.execute(sa.insert(EVENTS).values(**values))
        db.session.commit()
        result = verify(runner)
        expected = expected or last["sequence"] + 1
        assert broken_at(result, expected), (name, result.output)
        db.session.execute(sa.delete(EVENTS).where(EVENTS.c.sequence == values["sequence"]))
        db.session.commit()
    assert verify(runner).exit_code == 0


def test_reordering_rows_is_detected(app: Any, runner: Any, seeded: list[dict[str, Any]]) -> None:
    first, second = seeded[10], seeded[11]
    update(first, sequence=-1)
    update(second, sequence=first["sequence"])
    update(first, sequence=second["sequence"])
    result = verify(runner)
    assert broken_at(result, first["sequence"]), result.output
    update(second, sequence=-1)
    restore(first)
    restore(second)
    assert verify(runner).exit_code == 0


def test_deleting_the_chain_head_is_detected(
    app: Any, runner: Any, seeded: list[dict[str, Any]]
) -> None:
    head = head_row()
    db.session.execute(sa.delete(HEAD))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "head row is missing" in result.output
    db.session.execute(sa.insert(HEAD).values(**head))
    db.session.commit()
    assert verify(runner).exit_code == 0


def test_truncating_the_newest_events_needs_a_published_anchor(
    app: Any, runner: Any, seeded: list[dict[str, Any]]
) -> None:
    published = runner.invoke(args=["audit", "head"]).output.strip()
    assert published == f"{seeded[-1]['sequence']}:{seeded[-1]['event_hash']}"
    assert verify(runner, published).exit_code == 0
    keep = seeded[:-3]
    # Deleting the newest three events alone is caught by the head row's count...
    db.session.execute(sa.delete(EVENTS).where(EVENTS.c.sequence > keep[-1]["sequence"]))
    db.session.commit()
    assert broken_at(verify(runner), keep[-1]["sequence"] + 1)
    # ...but not if the head row is moved back too: only the published anchor shows it.
    db.session.execute(
        sa.update(HEAD).values(last_sequence=keep[-1]["sequence"], last_hash=keep[-1]["event_hash"])
    )
    db.session.commit()
    assert verify(runner).exit_code == 0  # the limit of a chain kept in the same database
    result = verify(runner, published)
    assert broken_at(result, keep[-1]["sequence"] + 1), result.output
    assert "most recent events were deleted" in result.output
    hash_only = verify(runner, seeded[-1]["event_hash"])
    assert hash_only.exit_code == 1 and "no event carries the published hash" in hash_only.output


def test_a_rewritten_and_rehashed_chain_needs_a_published_anchor(
    app: Any, runner: Any, seeded: list[dict[str, Any]]
) -> None:
    published = f"{seeded[-1]['sequence']}:{seeded[-1]['event_hash']}"
    middle = seeded[len(seeded) // 2]["sequence"]
    # Rewrite one event's summary, then recompute every hash after it and move the head.
    previous = None
    for row in all_rows():
        if row["sequence"] < middle:
            previous = row["event_hash"]
            continue
        event = AuditEvent(**{c: row[c] for c in RECORD_COLUMNS})
        if row["sequence"] == middle:
            event.summary = "Nothing to see here"
        event.prev_hash = previous
        event.event_hash = compute_event_hash(event)
        update(row, summary=event.summary, prev_hash=event.prev_hash, event_hash=event.event_hash)
        previous = event.event_hash
    db.session.execute(sa.update(HEAD).values(last_hash=previous))
    db.session.commit()
    assert verify(runner).exit_code == 0  # consistent: a pure chain cannot tell
    result = verify(runner, published)
    assert broken_at(result, seeded[-1]["sequence"]), result.output
    assert "re-hashed" in result.output
    # An anchor from before the rewritten event still holds.
    earlier = seeded[len(seeded) // 2 - 1]
    assert verify(runner, f"{earlier['sequence']}:{earlier['event_hash']}").exit_code == 0


def test_anchor_arguments_are_checked(app: Any, runner: Any, seeded: list[dict[str, Any]]) -> None:
    bad = runner.invoke(args=["audit", "verify", "--expect-head", "12:not-a-hash"])
    assert bad.exit_code == 2 and "not a chain position" in bad.output
    head = chain_head(db.session)
    assert head is not None and head.sequence == seeded[-1]["sequence"]
    assert verify(runner, head.event_hash).exit_code == 0
