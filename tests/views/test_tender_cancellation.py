"""Cancelling a tender (terminating the procurement): the confirmation page, what is kept, who
may do it, and that nothing on the tender can move afterwards."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    audit_actions,
    audit_count,
    csrf_token,
    fingerprint,
    make_s1_tender,
    make_tender,
    post,
    post_form,
    text,
)

from socialvalue.extensions import db
from socialvalue.models import AuditEvent, Tender
from socialvalue.models.tender import TenderStatus
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.errors import StateConflict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "exports"))
from exports_support import ocds_errors

pytestmark = pytest.mark.usefixtures("synced_frameworks")

REASON = "The service is being brought in house; the budget was withdrawn on 1 December."


def fresh(tender_id: int) -> Tender:
    db.session.expire_all()
    tender = db.session.get(Tender, tender_id)
    assert tender is not None
    return tender


def receiving_bids(people: Any) -> Tender:
    """S1 published, with bids A, B and C in, an invited supplier and bidding still open."""
    return make_s1_tender(
        db.session,
        people.officer,
        evaluators=(people.officer2,),
        suppliers=(people.supplier,),
        close=False,
    )


def test_an_officer_cancels_a_tender_receiving_bids(people: Any, client_for: Any) -> None:
    tender = receiving_bids(people)
    client = client_for(people.officer)
    show = text(client.get(f"/tenders/{tender.id}/"))
    assert f'href="/tenders/{tender.id}/cancel"' in show
    page = text(client.get(f"/tenders/{tender.id}/cancel"))
    assert "Cancel this tender" in page and "Cancelling cannot be undone" in page
    assert "3 bids have been submitted" in page
    assert 'for="reason">Why is the tender being cancelled?' in page

    response = post_form(client, f"/tenders/{tender.id}/cancel", {"reason": f"  {REASON}  "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tenders/{tender.id}/")
    cancelled = fresh(tender.id)
    assert cancelled.status == TenderStatus.CANCELLED
    assert cancelled.cancellation_reason == REASON
    assert cancelled.cancelled_by_id == people.officer.id
    assert cancelled.cancelled_at is not None
    assert len(cancelled.bids) == 3  # kept, for the record
    assert audit_actions(tender.id)[-1] == "tender.cancelled"
    event = (
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.tender_id == tender.id)
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert event is not None and event.actor_id == people.officer.id
    assert event.before == {"status": "published", "cancellation_reason": ""}
    assert event.after == {"status": "cancelled", "cancellation_reason": REASON}

    show = text(client.get(f"/tenders/{tender.id}/"))
    assert f"Tender {tender.reference} is cancelled." in show
    assert "This tender was cancelled on" in show and "by Olu Officer" in show
    assert f"Reason: {REASON}" in show
    assert f'href="/tenders/{tender.id}/cancel"' not in show
    assert "Set up the tender" not in show  # nothing left to set up
    listed = text(client.get("/tenders/?status=cancelled"))
    assert tender.reference in listed


def test_after_cancelling_nobody_can_bid_score_or_change_the_tender(
    people: Any, client_for: Any
) -> None:
    tender = receiving_bids(people)
    evaluation_service.declare_interests(
        db.session, people.officer2, tender, has_conflict=False, details=""
    )
    tender_service.assign_member(
        db.session,
        people.officer,
        tender,
        people.panel,
        "panel",
        [next(c.id for c in tender.criteria if c.code == "SV1")],
    )
    tender_service.cancel_tender(db.session, people.officer, tender, REASON)
    db.session.commit()
    before = fingerprint()

    supplier = client_for(people.supplier)
    bid_page = text(supplier.get(f"/supplier/tenders/{tender.id}/bid"))
    assert "The buyer cancelled this tender on" in bid_page and REASON in bid_page
    assert "This tender was cancelled: it is not accepting bids" in bid_page
    assert "Cancelled" in text(supplier.get("/supplier/"))
    refused = post(supplier, f"/supplier/tenders/{tender.id}/bid", {"action": "submit"})
    assert refused.status_code in (403, 409)

    evaluator = client_for(people.officer2)
    worklist = text(evaluator.get(f"/tenders/{tender.id}/evaluate"))
    assert "This tender was cancelled, so there is nothing to score" in worklist
    undeclared = client_for(people.panel).get(f"/tenders/{tender.id}/declaration")
    assert undeclared.status_code == 403
    assert "This tender was cancelled" in text(undeclared)

    officer = client_for(people.officer)
    details = post(officer, f"/tenders/{tender.id}/details", {"title": "Renamed"})
    assert details.status_code in (409, 422)
    invite = {"form_name": "supplier", "user_id": str(people.supplier2.id)}
    people_page = post(officer, f"/tenders/{tender.id}/people", invite)
    assert people_page.status_code == 409
    assert "This tender was cancelled and can no longer be changed" in text(people_page)
    again = post(officer, f"/tenders/{tender.id}/cancel", {"reason": "Twice"})
    assert again.status_code == 409
    assert "This tender has already been cancelled" in text(again)
    assert fingerprint() == before  # nothing moved


def test_a_cancelled_draft_can_no_longer_be_set_up_or_published(people: Any) -> None:
    tender = make_tender(db.session, people.officer)
    tender_service.cancel_tender(db.session, people.officer, tender, REASON)
    db.session.commit()
    with pytest.raises(StateConflict, match="This tender was cancelled"):
        tender_service.update_plan_rules(db.session, people.officer, tender, {})
    with pytest.raises(StateConflict, match="This tender was cancelled"):
        tender_service.publish_plan(db.session, people.officer, tender)
    with pytest.raises(StateConflict, match="This tender was cancelled"):
        tender_service.assign_member(db.session, people.officer, tender, people.panel, "panel")
    db.session.rollback()
    assert fresh(tender.id).status == TenderStatus.CANCELLED


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why the tender is being cancelled"),
        ("   ", "Enter why the tender is being cancelled"),
        ("x" * 2_001, "must be 2,000 characters or fewer"),
    ],
)
def test_a_cancellation_needs_a_reason_and_saves_nothing_without_one(
    people: Any, client_for: Any, reason: str, message: str
) -> None:
    tender = receiving_bids(people)
    before = audit_count()
    response = post_form(
        client_for(people.officer), f"/tenders/{tender.id}/cancel", {"reason": reason}
    )
    html = text(response)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    assert 'href="#reason"' in html
    assert fresh(tender.id).status == TenderStatus.PUBLISHED and audit_count() == before


def test_a_cancellation_from_an_out_of_date_page_is_refused(people: Any, client_for: Any) -> None:
    tender = receiving_bids(people)
    client = client_for(people.officer)
    page = text(client.get(f"/tenders/{tender.id}/cancel"))
    # Someone else changes the tender while the page is open.
    tender_service.update_tender_details(
        db.session,
        people.officer2,
        tender,
        {name: getattr(tender, name) for name in tender_service.TENDER_DETAIL_FIELDS}
        | {"title": "Changed meanwhile"},
    )
    db.session.commit()
    version = page.split('name="version" value="')[1].split('"')[0]
    response = client.post(
        f"/tenders/{tender.id}/cancel",
        data={"csrf_token": csrf_token(page), "version": version, "reason": REASON},
    )
    assert response.status_code == 412
    assert fresh(tender.id).status == TenderStatus.PUBLISHED


def test_an_awarded_tender_cannot_be_cancelled(people: Any) -> None:
    tender = make_tender(db.session, people.officer)
    tender.status = TenderStatus.AWARDED
    db.session.flush()
    with pytest.raises(StateConflict, match="has been awarded, so it cannot be cancelled"):
        tender_service.cancel_tender(db.session, people.officer, tender, REASON)


@pytest.mark.parametrize("role", ["panel", "supplier", "auditor"])
def test_only_officers_and_admins_may_cancel(people: Any, client_for: Any, role: str) -> None:
    tender = receiving_bids(people)
    client = client_for(getattr(people, role))
    assert client.get(f"/tenders/{tender.id}/cancel").status_code == 403
    assert post(client, f"/tenders/{tender.id}/cancel", {"reason": REASON}).status_code == 403
    assert fresh(tender.id).status == TenderStatus.PUBLISHED


def test_the_open_data_release_says_the_tender_was_cancelled_and_why(
    people: Any, client_for: Any
) -> None:
    tender = receiving_bids(people)
    tender_service.cancel_tender(db.session, people.officer, tender, REASON)
    db.session.commit()
    package = client_for(people.auditor).get(f"/tenders/{tender.id}/ocds.json").get_json()
    assert ocds_errors(package) == []
    release = package["releases"][0]
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    assert release["tender"]["statusDetails"] == REASON
    cancelled_at = fresh(tender.id).cancelled_at
    assert cancelled_at is not None
    assert release["date"].startswith(cancelled_at.strftime("%Y-%m-%dT%H:%M:%S"))
