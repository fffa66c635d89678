"""Officer bid pages: the list of bids, recording a bid, viewing and correcting one, the
deadline after which bids are fixed, optimistic concurrency, and who may see bids."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    audit_actions,
    audit_count,
    bids_by_label,
    count_queries,
    make_s1_tender,
    post,
    post_form,
    s1_bid_data,
    text,
)

from socialvalue.extensions import db
from socialvalue.models import Bid, BidCommitment, BidGateAnswer, Tender
from socialvalue.services import bids as bid_service
from socialvalue.services import tenders as tender_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def open_tender_with_gate(people: Any, **kwargs: Any) -> Tender:
    """S1 plus a pass/fail gate, published and receiving bids (no bids yet)."""
    tender = make_s1_tender(db.session, people.officer, publish=False, commit=False, **kwargs)
    tender_service.add_gate(
        db.session,
        people.officer,
        tender,
        {"title": "Holds Cyber Essentials", "evidence_expected": "Certificate number"},
    )
    tender_service.publish_plan(db.session, people.officer, tender)
    db.session.commit()
    return tender


def codes(tender: Tender) -> dict[str, int]:
    return {c.code: c.id for c in tender.criteria} | {g.code: g.id for g in tender.gates}


def bid_form(tender: Tender, **overrides: str) -> dict[str, str]:
    ids = codes(tender)
    form = {
        "supplier_name": "Acme Care Ltd",
        "price": "£100,000.50",
        f"commitment-{ids['SV2']}": "4.5",
        f"commitment-{ids['SV2']}-narrative": "Hire through Bolton jobcentre",
        f"commitment-{ids['SV2']}-evidence_plan": "Payroll postcodes each quarter",
        f"response-{ids['Q1']}": "Named teams in each borough.",
        f"response-{ids['Q2']}": "Carers paid the Real Living Wage.",
        f"response-{ids['SV1']}": "Apprenticeships for care leavers.",
    }
    if "G1" in ids:
        form[f"gate-{ids['G1']}"] = "yes"
        form[f"gate-{ids['G1']}-evidence"] = "CE-12345"
    form.update(overrides)
    return form


def bid_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Bid)).scalar_one()


def test_record_a_bid(people: Any, client_for: Any) -> None:
    tender = open_tender_with_gate(people)
    client = client_for(people.officer)
    page = text(client.get(f"/tenders/{tender.id}/bids/new"))
    assert "Commitment in FTE-years" in page and "FTE-years" in page
    assert "G1 Holds Cyber Essentials" in page and "Yes, the bid meets this" in page
    assert "Q1 Service delivery approach" in page
    response = post_form(client, f"/tenders/{tender.id}/bids/new", bid_form(tender))
    assert response.status_code == 302
    (bid,) = bids_by_label(db.session, tender).values()
    assert response.headers["Location"] == f"/tenders/{tender.id}/bids/{bid.id}"
    ids = codes(tender)
    assert (bid.label, bid.supplier_name, bid.price) == ("A", "Acme Care Ltd", Decimal("100000.50"))
    assert bid.status == "submitted" and bid.entered_by_officer
    (commitment,) = bid.commitments
    assert (commitment.criterion_id, commitment.quantity) == (ids["SV2"], Decimal("4.5"))
    assert commitment.evidence_plan == "Payroll postcodes each quarter"
    assert {r.criterion_id: r.response for r in bid.responses}[ids["Q2"]].startswith("Carers")
    (answer,) = bid.gate_answers
    assert answer.passed is True and answer.evidence == "CE-12345"
    assert audit_actions(tender.id)[-1] == "bid.recorded"
    shown = text(client.get(response.headers["Location"]))
    assert "Bid A from Acme Care Ltd recorded" in shown and "£100,000.50" in shown
    assert "4.5 FTE-years" in shown and "Meets it" in shown
    listing = text(client.get(f"/tenders/{tender.id}/bids"))
    assert "Bid A" in listing and "Acme Care Ltd" in listing and "An officer" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "", "Enter the bid price"),
        ("price", "0", "The bid price must be more than £0"),
        ("price", "-100", "The bid price must be more than £0"),
        ("price", "cheap", "The bid price must be a number, like 105000"),
        ("price", "1e6", "The bid price must be a number"),
        ("price", "Infinity", "The bid price must be a number"),
        ("price", "9" * 400, "The bid price must be £1,000,000,000,000 or less"),
        ("price", "100.999", "at most 2 decimal places"),
        ("commitment", "-1", "The commitment for SV2 must be 0 or more"),
        ("commitment", "", "Enter the commitment for SV2"),
        ("commitment", "four", "The commitment for SV2 must be a number"),
        ("commitment", "1" * 200, "The commitment for SV2 must be 1,000,000,000,000 or less"),
        ("gate", "", "Answer whether the bid meets G1: Holds Cyber Essentials"),
        ("gate", "maybe", "Answer yes or no for G1"),
        ("supplier_name", "", "Enter the supplier's name"),
        ("supplier_name", "x" * 301, "300 characters or fewer"),
    ],
)
def test_record_bid_validation_saves_nothing(
    people: Any, client_for: Any, field: str, value: str, message: str
) -> None:
    tender = open_tender_with_gate(people)
    ids = codes(tender)
    name = {"commitment": f"commitment-{ids['SV2']}", "gate": f"gate-{ids['G1']}"}.get(field, field)
    before = audit_count()
    response = post_form(
        client_for(people.officer),
        f"/tenders/{tender.id}/bids/new",
        bid_form(tender, **{name: value}),
    )
    html = text(response)
    assert response.status_code == 422, html[-2000:]
    assert message in html.replace("&#39;", "'")
    assert f'href="#{name}"' in html and f'id="{name}-error"' in html
    assert bid_count() == 0 and audit_count() == before


def test_no_bids_before_publication_or_after_the_deadline(people: Any, client_for: Any) -> None:
    client = client_for(people.officer)
    draft = make_s1_tender(db.session, people.officer, publish=False)
    assert "Publish the evaluation plan before recording bids" in text(
        client.get(f"/tenders/{draft.id}/bids/new")
    )
    refused = post(client, f"/tenders/{draft.id}/bids/new", bid_form(draft))
    assert refused.status_code == 409
    assert "Publish the evaluation plan before recording bids" in text(refused)

    closed = make_s1_tender(db.session, people.officer)  # bids recorded, bidding closed
    page = text(client.get(f"/tenders/{closed.id}/bids/new"))
    assert "bids are fixed and cannot be added or changed" in page
    assert "Record bid</button>" not in page
    before = (bid_count(), audit_count())
    late = post(client, f"/tenders/{closed.id}/bids/new", bid_form(closed))
    assert late.status_code == 409
    assert "The deadline for bids has passed" in text(late)
    assert (bid_count(), audit_count()) == before


def test_correct_a_bid_before_the_deadline(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, close=False)
    bid = bids_by_label(db.session, tender)["B"]
    ids = codes(tender)
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/bids/{bid.id}/edit"
    page = text(client.get(url))
    assert 'value="105000"' in page and 'value="8"' in page
    response = post_form(
        client,
        url,
        bid_form(
            tender,
            supplier_name="Supplier B Ltd",
            price="104500",
            **{f"commitment-{ids['SV2']}": "9"},
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    bid = bids_by_label(db.session, tender)["B"]
    assert bid.price == Decimal(104500)
    assert bid.commitments[0].quantity == 9
    assert audit_actions(tender.id)[-1] == "bid.changed"


def test_a_stale_bid_form_saves_nothing(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, close=False)
    bid = bids_by_label(db.session, tender)["A"]
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/bids/{bid.id}/edit"
    page = text(client.get(url))
    stale = page.split('name="version" value="')[1].split('"')[0]
    # A colleague corrects only the commitment: the bid's version still moves on.
    ids = codes(tender)
    data = s1_bid_data(tender, "Supplier A Ltd", Decimal(100000), Decimal(5))
    bid_service.update_bid(db.session, people.officer2, tender, bid, data)
    db.session.commit()
    assert str(bid.version_id) != stale
    before = audit_count()
    response = post(
        client, url, {**bid_form(tender, price="99000", supplier_name="Mine"), "version": stale}
    )
    assert response.status_code == 412
    assert "Someone else changed this bid while you were editing it" in text(response)
    db.session.expire_all()
    bid = bids_by_label(db.session, tender)["A"]
    assert bid.price == Decimal(100000) and bid.supplier_name == "Supplier A Ltd"
    assert {c.criterion_id: c.quantity for c in bid.commitments}[ids["SV2"]] == 5
    assert audit_count() == before


def test_bids_are_fixed_after_the_deadline(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer)
    bid = bids_by_label(db.session, tender)["A"]
    client = client_for(people.officer)
    shown = text(client.get(f"/tenders/{tender.id}/bids/{bid.id}"))
    assert "this bid is fixed" in shown and "Change this bid" not in shown
    page = text(client.get(f"/tenders/{tender.id}/bids/{bid.id}/edit"))
    assert "bids are fixed and cannot be added or changed" in page and "Save changes" not in page
    response = post(client, f"/tenders/{tender.id}/bids/{bid.id}/edit", bid_form(tender, price="1"))
    assert response.status_code == 409
    assert "The deadline for bids has passed" in text(response)
    db.session.expire_all()
    assert bids_by_label(db.session, tender)["A"].price == Decimal(100000)


def test_officers_cannot_change_a_bid_the_supplier_entered(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(
        db.session, people.officer, record_bids=False, close=False, suppliers=[people.supplier]
    )
    own = bid_service.save_supplier_bid(
        db.session,
        people.supplier,
        tender,
        s1_bid_data(tender, "Northern Facilities Ltd", Decimal(99000), Decimal(3)),
        submit=True,
    )
    draft_tender = make_s1_tender(
        db.session, people.officer, record_bids=False, close=False, suppliers=[people.supplier2]
    )
    draft = bid_service.save_supplier_bid(
        db.session,
        people.supplier2,
        draft_tender,
        {"supplier_name": "Pennine", "price": None, "commitments": {}, "responses": {}},
        submit=False,
    )
    db.session.commit()
    client = client_for(people.officer)
    shown = text(client.get(f"/tenders/{tender.id}/bids/{own.id}"))
    assert "The supplier, online" not in shown and "by the supplier, online" in shown
    assert "only the supplier can change it" in shown
    refused = post(client, f"/tenders/{tender.id}/bids/{own.id}/edit", bid_form(tender, price="1"))
    assert refused.status_code == 409 and "only the supplier can change it" in text(refused)
    # A supplier's unsubmitted draft is not a bid yet: officers do not see it.
    assert client.get(f"/tenders/{draft_tender.id}/bids/{draft.id}").status_code == 404
    listing = text(client.get(f"/tenders/{draft_tender.id}/bids"))
    assert "Pennine" not in listing and "1 supplier is still preparing a bid" in listing


def test_who_may_see_bids(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(
        db.session,
        people.officer,
        evaluators=[people.officer2],
        panel=[people.panel],
        suppliers=[people.supplier],
    )
    bid = bids_by_label(db.session, tender)["A"]
    urls = (f"/tenders/{tender.id}/bids", f"/tenders/{tender.id}/bids/{bid.id}")
    for user in (people.officer, people.admin, people.auditor):
        for url in urls:
            assert client_for(user).get(url).status_code == 200, (user, url)
    for user in (people.panel, people.supplier, people.supplier2):
        for url in urls:
            assert client_for(user).get(url).status_code == 403, (user, url)
    # An officer evaluating this tender sees bids only after declaring no conflict.
    blocked = client_for(people.officer2).get(urls[0])
    assert blocked.status_code == 403
    assert "Declare any conflicts of interest" in text(blocked)
    for user in (people.panel, people.supplier, people.auditor):
        assert client_for(user).get(f"/tenders/{tender.id}/bids/{bid.id}/edit").status_code == 403
        assert post(client_for(user), f"/tenders/{tender.id}/bids/{bid.id}/edit").status_code == 403


def test_unknown_or_foreign_bids_are_not_found(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer)
    other = make_s1_tender(db.session, people.officer)
    foreign = bids_by_label(db.session, other)["A"]
    client = client_for(people.officer)
    for path in (
        f"/bids/{foreign.id}",
        "/bids/424242",
        "/bids/99999999999999",
        f"/bids/{foreign.id}/edit",
    ):
        assert client.get(f"/tenders/{tender.id}{path}").status_code == 404, path
    assert client.get("/tenders/424242/bids").status_code == 404
    assert post(client, f"/tenders/{tender.id}/bids/{foreign.id}/edit").status_code == 404


def test_bid_pages_run_a_fixed_number_of_queries(people: Any, client_for: Any) -> None:
    counts: dict[str, list[int]] = {"list": [], "bid": []}
    for extra in (0, 5):
        tender = make_s1_tender(db.session, people.officer, close=False, commit=False)
        for n in range(extra):
            bid_service.record_bid(
                db.session,
                people.officer,
                tender,
                s1_bid_data(tender, f"Extra {n}", Decimal(130000 + n), Decimal(n)),
            )
        db.session.commit()
        bid = bids_by_label(db.session, tender)["A"]
        client = client_for(people.officer)
        client.get("/")
        for key, url in (
            ("list", f"/tenders/{tender.id}/bids"),
            ("bid", f"/tenders/{tender.id}/bids/{bid.id}"),
        ):
            db.session.expire_all()
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts[key].append(len(statements))
    assert counts["list"][0] == counts["list"][1]
    assert counts["bid"][0] == counts["bid"][1]


def test_clearing_a_draft_answer_removes_it(people: Any) -> None:
    """The bids service saves exactly what the form says (a service-level check)."""
    tender = open_tender_with_gate(people, suppliers=[people.supplier])
    ids = codes(tender)
    data = s1_bid_data(tender, "Northern", Decimal(90000), Decimal(2))
    bid_service.save_supplier_bid(db.session, people.supplier, tender, data, submit=False)
    data["commitments"][ids["SV2"]]["quantity"] = None
    data["gate_answers"] = {ids["G1"]: {"passed": None, "evidence": ""}}
    bid = bid_service.save_supplier_bid(db.session, people.supplier, tender, data, submit=False)
    db.session.commit()
    assert bid.status == "draft"
    assert db.session.execute(sa.select(BidCommitment)).first() is None
    assert db.session.execute(sa.select(BidGateAnswer)).first() is None
