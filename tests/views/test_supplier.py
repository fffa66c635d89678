"""The supplier portal: invitations, preparing a bid as a draft, submitting and changing it
until the deadline, read-only afterwards, and never seeing anyone else's bid or tender."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    audit_actions,
    audit_count,
    count_queries,
    make_s1_tender,
    post,
    post_form,
    s1_bid_data,
    text,
)

from socialvalue.extensions import db
from socialvalue.models import Bid, Tender, User
from socialvalue.services import bids as bid_service
from socialvalue.services import tenders as tender_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def invited_tender(people: Any, *suppliers: User, **kwargs: Any) -> Tender:
    """S1 published and receiving bids, with these suppliers invited and a pass/fail gate."""
    tender = make_s1_tender(
        db.session,
        people.officer,
        publish=False,
        commit=False,
        suppliers=suppliers or (people.supplier,),
        **kwargs,
    )
    tender_service.add_gate(db.session, people.officer, tender, {"title": "Holds Cyber Essentials"})
    tender_service.publish_plan(db.session, people.officer, tender)
    db.session.commit()
    return tender


def ids(tender: Tender) -> dict[str, int]:
    return {c.code: c.id for c in tender.criteria} | {g.code: g.id for g in tender.gates}


def complete_form(tender: Tender, **overrides: str) -> dict[str, str]:
    by_code = ids(tender)
    form = {
        "supplier_name": "Northern Facilities Ltd",
        "price": "98,500",
        f"commitment-{by_code['SV2']}": "6",
        f"commitment-{by_code['SV2']}-narrative": "Six local apprentices",
        f"response-{by_code['Q1']}": "Our approach: NORTHERN-SECRET-APPROACH",
        f"response-{by_code['Q2']}": "Our staff",
        f"response-{by_code['SV1']}": "Our community plan",
        f"gate-{by_code['G1']}": "yes",
        f"gate-{by_code['G1']}-evidence": "CE-999",
    }
    form.update(overrides)
    return form


def own_bid(tender: Tender, user: User) -> Bid | None:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Bid).where(Bid.tender_id == tender.id, Bid.supplier_user_id == user.id)
    ).scalar_one_or_none()


def test_index_lists_invitations_with_bid_status(people: Any, client_for: Any) -> None:
    open_tender = invited_tender(people, title="Cleaning civic buildings")
    make_s1_tender(
        db.session, people.officer, publish=False, suppliers=[people.supplier], title="Not yet out"
    )
    make_s1_tender(db.session, people.officer, close=False, title="Someone else's tender")
    client = client_for(people.supplier)
    html = text(client.get("/supplier/"))
    assert "Cleaning civic buildings" in html and "Not started" in html
    assert "Not yet out" not in html and "Someone else" not in html
    assert open_tender.bid_deadline.strftime("%Y") in html
    post_form(
        client,
        f"/supplier/tenders/{open_tender.id}/bid",
        {"action": "draft", "supplier_name": "Northern Facilities Ltd", "price": ""},
    )
    assert "Draft: not submitted" in text(client.get("/supplier/"))
    nobody = text(client_for(people.supplier2).get("/supplier/"))
    assert "You have not been invited to bid for any tender yet" in nobody


def test_portal_is_for_suppliers_only(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    for user in (people.officer, people.panel, people.auditor, people.admin):
        client = client_for(user)
        assert client.get("/supplier/").status_code == 403
        assert client.get(f"/supplier/tenders/{tender.id}/bid").status_code == 403
        assert (
            post(client, f"/supplier/tenders/{tender.id}/bid", complete_form(tender)).status_code
            == 403
        )
    anonymous = client_for(None).get("/supplier/")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_save_a_draft_then_submit(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    client = client_for(people.supplier)
    url = f"/supplier/tenders/{tender.id}/bid"
    page = text(client.get(url))
    assert 'value="Northern Facilities Ltd"' in page  # their organisation, filled in
    assert "Save as draft" in page and "Submit bid" in page and "FTE-years" in page
    draft = post_form(
        client,
        url,
        {
            "action": "draft",
            "supplier_name": "Northern Facilities Ltd",
            "price": "98500",
            f"response-{ids(tender)['Q1']}": "Half written",
        },
    )
    assert draft.status_code == 302
    bid = own_bid(tender, people.supplier)
    assert bid is not None and bid.status == "draft" and bid.price == Decimal(98500)
    assert bid.entered_by_officer is False and bid.submitted_at is None
    assert audit_actions(tender.id)[-1] == "bid.draft_saved"
    page = text(client.get(url))
    assert "Your draft is saved" in page and "Half written" in page

    submitted = post_form(client, url, {"action": "submit", **complete_form(tender)})
    assert submitted.status_code == 302
    bid = own_bid(tender, people.supplier)
    assert (
        bid is not None and bid.status == "submitted" and bid.submitted_by_id == people.supplier.id
    )
    assert bid.price == Decimal(98500) and bid.commitments[0].quantity == 6
    assert bid.gate_answers[0].passed is True
    assert audit_actions(tender.id)[-1] == "bid.submitted"
    page = text(client.get(url))
    assert "Your bid is submitted" in page and "Submit changes" in page
    assert "Save as draft" not in page
    # The officer now sees it among the submitted bids.
    listing = text(client_for(people.officer).get(f"/tenders/{tender.id}/bids"))
    assert "Northern Facilities Ltd" in listing and "The supplier, online" in listing


def test_submitting_an_incomplete_bid_lists_what_is_missing(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    by_code = ids(tender)
    before = audit_count()
    response = post_form(
        client_for(people.supplier),
        f"/supplier/tenders/{tender.id}/bid",
        {"action": "submit", "supplier_name": "Northern Facilities Ltd", "price": ""},
    )
    html = text(response)
    assert response.status_code == 422
    assert "Enter the bid price" in html
    assert "Enter the commitment for SV2" in html and "enter 0 if nothing is offered" in html
    assert "Answer whether the bid meets G1: Holds Cyber Essentials" in html
    for name in ("price", f"commitment-{by_code['SV2']}", f"gate-{by_code['G1']}"):
        assert f'href="#{name}"' in html and f'id="{name}-error"' in html
    assert own_bid(tender, people.supplier) is None and audit_count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "0", "The bid price must be more than £0"),
        ("price", "-1", "The bid price must be more than £0"),
        ("price", "a lot", "The bid price must be a number"),
        ("commitment", "-3", "The commitment for SV2 must be 0 or more"),
        ("commitment", "9" * 100, "The commitment for SV2 must be 1,000,000,000,000 or less"),
    ],
)
def test_bad_numbers_are_refused_even_in_a_draft(
    people: Any, client_for: Any, field: str, value: str, message: str
) -> None:
    tender = invited_tender(people)
    name = f"commitment-{ids(tender)['SV2']}" if field == "commitment" else field
    response = post_form(
        client_for(people.supplier),
        f"/supplier/tenders/{tender.id}/bid",
        {"action": "draft", "supplier_name": "Northern", name: value},
    )
    assert response.status_code == 422 and message in text(response)
    assert own_bid(tender, people.supplier) is None


def test_a_submitted_bid_stays_complete(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    client = client_for(people.supplier)
    url = f"/supplier/tenders/{tender.id}/bid"
    assert post_form(client, url, {"action": "submit", **complete_form(tender)}).status_code == 302
    # A crafted "draft" save cannot strip a submitted bid of its price.
    response = post_form(client, url, {"action": "draft", **complete_form(tender, price="")})
    assert response.status_code == 422 and "Enter the bid price" in text(response)
    changed = post_form(client, url, {"action": "submit", **complete_form(tender, price="97000")})
    assert changed.status_code == 302
    bid = own_bid(tender, people.supplier)
    assert bid is not None and bid.status == "submitted" and bid.price == Decimal(97000)


def test_after_the_deadline_the_bid_is_read_only(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    bid_service.save_supplier_bid(
        db.session,
        people.supplier,
        tender,
        s1_bid_data(tender, "Northern Facilities Ltd", Decimal(98000), Decimal(6)),
        submit=True,
    )
    tender_service.close_bidding(db.session, people.officer, tender)
    db.session.commit()
    client = client_for(people.supplier)
    url = f"/supplier/tenders/{tender.id}/bid"
    page = text(client.get(url))
    assert "The deadline for bids has passed: bids can no longer be changed" in page
    assert "£98,000.00" in page and "6 FTE-years" in page
    assert "Submit bid</button>" not in page and 'name="action"' not in page
    before = audit_count()
    late = post(client, url, {"action": "submit", **complete_form(tender, price="1")})
    assert late.status_code == 409
    assert "The deadline for bids has passed" in text(late)
    bid = own_bid(tender, people.supplier)
    assert bid is not None and bid.price == Decimal(98000) and audit_count() == before


def test_suppliers_see_only_their_own_bid_and_their_own_tenders(
    people: Any, client_for: Any
) -> None:
    tender = invited_tender(people, people.supplier, people.supplier2)
    first = client_for(people.supplier)
    post_form(
        first, f"/supplier/tenders/{tender.id}/bid", {"action": "submit", **complete_form(tender)}
    )
    theirs = own_bid(tender, people.supplier)
    assert theirs is not None
    second = client_for(people.supplier2)
    page = text(second.get(f"/supplier/tenders/{tender.id}/bid"))
    assert "NORTHERN-SECRET-APPROACH" not in page and "98,500" not in page
    assert 'value="Pennine Services Ltd"' in page and "Not started" in page
    # Their own submission creates their own bid, never touching the other one.
    assert (
        post_form(
            second,
            f"/supplier/tenders/{tender.id}/bid",
            {"action": "submit", **complete_form(tender, supplier_name="Pennine", price="120000")},
        ).status_code
        == 302
    )
    assert own_bid(tender, people.supplier).price == Decimal(98500)  # type: ignore[union-attr]
    assert own_bid(tender, people.supplier2).price == Decimal(120000)  # type: ignore[union-attr]
    # Officer pages and other tenders stay closed to suppliers.
    for url in (
        f"/tenders/{tender.id}/bids",
        f"/tenders/{tender.id}/bids/{theirs.id}",
        f"/tenders/{tender.id}/bids/{theirs.id}/edit",
    ):
        assert second.get(url).status_code == 403, url
    other = make_s1_tender(db.session, people.officer, close=False, suppliers=[people.supplier])
    assert second.get(f"/supplier/tenders/{other.id}/bid").status_code == 403
    assert (
        post(second, f"/supplier/tenders/{other.id}/bid", complete_form(tender)).status_code == 403
    )
    assert second.get(f"/tenders/{other.id}/").status_code == 403
    assert second.get("/supplier/tenders/424242/bid").status_code == 404
    assert second.get("/supplier/tenders/99999999999999/bid").status_code == 404


def test_a_stale_supplier_form_saves_nothing(people: Any, client_for: Any) -> None:
    tender = invited_tender(people)
    client = client_for(people.supplier)
    url = f"/supplier/tenders/{tender.id}/bid"
    post_form(client, url, {"action": "draft", "supplier_name": "Northern", "price": "90000"})
    page = text(client.get(url))
    stale = page.split('name="version" value="')[1].split('"')[0]
    bid_service.save_supplier_bid(
        db.session,
        people.supplier,
        tender,
        {"supplier_name": "Northern", "price": Decimal(91000)},
        submit=False,
    )
    db.session.commit()
    response = post(
        client,
        url,
        {"action": "draft", "supplier_name": "Northern", "price": "1", "version": stale},
    )
    assert response.status_code == 412
    assert "Someone else changed this bid" in text(response)
    assert own_bid(tender, people.supplier).price == Decimal(91000)  # type: ignore[union-attr]


def test_supplier_index_runs_a_fixed_number_of_queries(people: Any, client_for: Any) -> None:
    counts = []
    for supplier, invitations in ((people.supplier, 1), (people.supplier2, 4)):
        for _ in range(invitations):
            tender = invited_tender(people, supplier)
            bid_service.save_supplier_bid(
                db.session,
                supplier,
                tender,
                s1_bid_data(tender, "S", Decimal(1000), Decimal(1)),
                submit=False,
            )
            db.session.commit()
        client = client_for(supplier)
        client.get("/")
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get("/supplier/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
