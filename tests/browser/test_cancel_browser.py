"""Cancelling a tender in a real browser without JavaScript: the officer is asked why, the
tender says it was cancelled, and the invited supplier sees it on their bid page."""

from __future__ import annotations

from typing import Any

import pytest
from factories import make_s1_tender
from playwright.sync_api import expect

from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.services.accounts import create_user
from tests.browser.conftest import PASSWORD, check_accessibility, screenshot, sign_in

PEOPLE = (
    ("olu.officer@example.org", "Olu Officer", Role.OFFICER, "GMCA"),
    ("sam.supplier@example.org", "Sam Supplier", Role.SUPPLIER, "Northern Facilities Ltd"),
)
REASON = "The budget for this service was withdrawn by the combined authority."


@pytest.fixture
def receiving_bids(site: Any, synced_frameworks: Any) -> dict[str, Any]:
    officer, supplier = (
        create_user(
            db.session,
            email=email,
            display_name=name,
            role=role,
            password=PASSWORD,
            organisation=organisation,
        )
        for email, name, role, organisation in PEOPLE
    )
    tender = make_s1_tender(db.session, officer, suppliers=(supplier,), close=False, commit=False)
    found = {"tender_id": tender.id, "reference": tender.reference}
    # Committed and closed: the live server's requests must not wait on this session.
    db.session.commit()
    db.session.close()
    return found


def test_an_officer_cancels_and_the_supplier_is_told(
    site: Any, receiving_bids: dict[str, Any], open_browser: Any
) -> None:
    tender_url = f"{site.url}/tenders/{receiving_bids['tender_id']}/"
    officer = open_browser()
    sign_in(officer, site, "olu.officer@example.org")
    officer.goto(tender_url)
    officer.get_by_role("link", name="Cancel this tender").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Cancel this tender")
    check_accessibility(officer, "cancel tender")

    # No reason: the error summary links to the empty field, and nothing is cancelled.
    officer.get_by_role("button", name="Cancel the tender").click()
    summary = officer.get_by_role("alert")
    expect(summary).to_contain_text("Enter why the tender is being cancelled")
    check_accessibility(officer, "cancel tender with errors")
    summary.get_by_role("link", name="Enter why the tender is being cancelled").click()
    expect(officer.get_by_label("Why is the tender being cancelled?")).to_be_focused()

    officer.get_by_label("Why is the tender being cancelled?").fill(REASON)
    officer.get_by_role("button", name="Cancel the tender").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Tender {receiving_bids['reference']} is cancelled."
    )
    expect(officer.locator(".govuk-tag--red")).to_have_text("Cancelled")
    expect(officer.locator(".govuk-inset-text").first).to_contain_text(REASON)
    expect(officer.get_by_role("link", name="Cancel this tender")).to_have_count(0)
    check_accessibility(officer, "cancelled tender")
    screenshot(officer, "tender-cancelled")

    supplier = open_browser()
    sign_in(supplier, site, "sam.supplier@example.org")
    supplier.goto(f"{site.url}/supplier/")
    expect(supplier.get_by_role("table")).to_contain_text("Cancelled")
    supplier.goto(f"{site.url}/supplier/tenders/{receiving_bids['tender_id']}/bid")
    expect(supplier.locator(".govuk-warning-text")).to_contain_text(REASON)
    expect(supplier.get_by_role("button", name="Submit bid")).to_have_count(0)
    check_accessibility(supplier, "supplier sees a cancelled tender")
    screenshot(supplier, "supplier-tender-cancelled")
