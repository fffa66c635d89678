"""Bids, individual scores, consensus, result and award through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from api_support import fields_of, problem
from factories import bids_by_label, count_queries, make_s1_tender, s1_bid_data

from socialvalue.extensions import db
from socialvalue.models import AwardDecision, Contract, Tender
from socialvalue.services import bids as bid_service
from socialvalue.services import evaluation as evaluation_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")

# Consensus scores giving the S1 totals A 77.00, B 87.10, C 76.50 (B wins).
S1_CONSENSUS = {
    "Q1": {"A": 3, "B": 4, "C": 5},
    "Q2": {"A": 4, "B": 4, "C": 5},
    "SV1": {"A": 50, "B": 70, "C": 20},
}


def s1(people: Any, **kwargs: Any) -> Tender:
    return make_s1_tender(
        db.session,
        people.officer,
        evaluators=[people.officer2],
        panel=[people.panel],
        suppliers=[people.supplier],
        **kwargs,
    )


def declare(tender: Tender, *users: Any) -> None:
    for user in users:
        evaluation_service.declare_interests(
            db.session, user, tender, has_conflict=False, details=""
        )
    db.session.commit()


def criteria(tender: Tender) -> dict[str, Any]:
    return {c.code: c for c in tender.criteria}


def test_bids_visibility_by_role(api: Any, people: Any) -> None:
    tender = s1(people)
    url = f"/api/v1/tenders/{tender.id}/bids"
    listing = api("officer").get(url)
    assert listing.status_code == 200
    items = listing.get_json()["items"]
    assert [b["label"] for b in items] == ["A", "B", "C"]
    assert items[0]["supplier_name"] == "Supplier A Ltd" and items[0]["price"] == "100000"
    assert items[0]["commitments"][0]["quantity"] == "4"
    assert api("auditor").get(url).status_code == 200
    # Evaluators see bids only once they have declared no conflict of interest.
    assert "Declare" in problem(api("panel").get(url), 403)["detail"]
    declare(tender, people.panel)
    anonymised = api("panel").get(url).get_json()["items"]
    assert {b["supplier_name"] for b in anonymised} == {None}
    # Suppliers never see the bids; suppliers not invited cannot even see the tender.
    problem(api("supplier").get(url), 403)
    problem(api("supplier2").get(f"/api/v1/tenders/{tender.id}"), 403)
    bid_id = items[1]["id"]
    one = api("officer").get(f"{url}/{bid_id}")
    assert one.get_json()["label"] == "B" and one.headers["ETag"] == f'"bid-{bid_id}-v1"'
    problem(api("officer").get(f"{url}/999999"), 404)
    assert api("officer").get(f"{url}?status=draft").get_json()["total"] == 0


def test_officer_records_and_corrects_bids(api: Any, people: Any) -> None:
    tender = s1(people, record_bids=False, close=False)
    sv2 = criteria(tender)["SV2"]
    officer = api("officer")
    url = f"/api/v1/tenders/{tender.id}/bids"
    body = {
        "supplier_name": "Acme Ltd",
        "price": "99000.50",
        "commitments": [{"criterion_id": sv2.id, "quantity": "3.5", "narrative": "Jobs"}],
        "responses": [{"criterion_id": criteria(tender)["Q1"].id, "response": "We will"}],
    }
    created = officer.post(url, json=body)
    assert created.status_code == 201, created.get_json()
    bid = created.get_json()
    assert bid["label"] == "A" and bid["price"] == "99000.50" and bid["status"] == "submitted"
    # The service's completeness rules: a missing commitment is reported against its field.
    missing = problem(officer.post(url, json={"supplier_name": "Beta", "price": "5"}), 422)
    assert f"commitment-{sv2.id}" in fields_of(missing)
    assert fields_of(problem(officer.post(url, json={"supplier_name": "B", "price": "-1"}), 422))
    etag = created.headers["ETag"]
    change = body | {"price": "98000"}
    problem(officer.put(f"{url}/{bid['id']}", json=change), 428)
    updated = officer.put(f"{url}/{bid['id']}", json=change, headers={"If-Match": etag})
    assert updated.status_code == 200 and updated.get_json()["price"] == "98000"
    problem(officer.put(f"{url}/{bid['id']}", json=body, headers={"If-Match": etag}), 412)
    assert officer.get(f"{url}/{bid['id']}").get_json()["price"] == "98000"
    problem(api("auditor").post(url, json=body), 403)


def test_supplier_portal_isolation(api: Any, people: Any) -> None:
    tender = s1(people, record_bids=False, close=False)
    sv2 = criteria(tender)["SV2"]
    url = f"/api/v1/tenders/{tender.id}/my-bid"
    supplier = api("supplier")
    problem(supplier.get(url), 404)
    draft = supplier.put(url, json={"supplier_name": "Sam's Ltd", "price": "1000"})
    assert draft.status_code == 200, draft.get_json()
    assert draft.get_json()["status"] == "draft"
    etag = draft.headers["ETag"]
    problem(supplier.put(url, json={"supplier_name": "Sam's Ltd"}), 428)
    incomplete = problem(
        supplier.put(
            url, json={"supplier_name": "Sam's Ltd", "submit": True}, headers={"If-Match": etag}
        ),
        422,
    )
    assert "price" in fields_of(incomplete)
    full = {
        "supplier_name": "Sam's Ltd",
        "price": "1000",
        "submit": True,
        "commitments": [{"criterion_id": sv2.id, "quantity": "1"}],
    }
    submitted = supplier.put(url, json=full, headers={"If-Match": etag})
    assert submitted.get_json()["status"] == "submitted"
    assert supplier.get(url).get_json()["supplier_name"] == "Sam's Ltd"
    # Another supplier was not invited, and cannot read or write this bid.
    problem(api("supplier2").get(url), 403)
    problem(api("supplier2").put(url, json=full), 403)
    problem(supplier.get(f"/api/v1/tenders/{tender.id}/bids"), 403)
    problem(api("officer").get(url), 403)


def test_scores_consensus_result_and_award(api: Any, people: Any) -> None:
    tender = s1(people)
    declare(tender, people.officer2, people.panel)
    by_code, bids = criteria(tender), bids_by_label(db.session, tender)
    base = f"/api/v1/tenders/{tender.id}"
    panel, evaluator, officer = api("panel"), api("officer2"), api("officer")
    sv1, q1 = by_code["SV1"], by_code["Q1"]
    score_url = f"{base}/scores/{bids['A'].id}/{sv1.id}"
    # Validation: out of the 0-100 scale (service) and not a number (schema).
    assert fields_of(problem(panel.put(score_url, json={"score": "101"}), 422)) == {"score"}
    assert fields_of(problem(panel.put(score_url, json={"score": "high"}), 422)) == {"score"}
    # Not assigned to Q1.
    problem(panel.put(f"{base}/scores/{bids['A'].id}/{q1.id}", json={"score": "3"}), 422)
    problem(panel.put(f"{base}/scores/999999/{sv1.id}", json={"score": "3"}), 404)
    draft = panel.put(score_url, json={"score": "40", "rationale": "Thin plan"})
    assert draft.status_code == 200 and draft.get_json()["submitted"] is False
    problem(panel.put(score_url, json={"score": "45", "rationale": "x", "submit": True}), 428)
    etag = draft.headers["ETag"]
    final = panel.put(
        score_url,
        json={"score": "45", "rationale": "Plan", "submit": True},
        headers={"If-Match": etag},
    )
    assert final.get_json()["submitted"] is True and final.get_json()["score"] == "45"
    locked = panel.put(
        score_url,
        json={"score": "50", "rationale": "x"},
        headers={"If-Match": final.headers["ETag"]},
    )
    problem(locked, 409)
    mine = panel.get(f"{base}/scores").get_json()
    assert mine["total"] == 1 and mine["items"][0]["score"] == "45"
    problem(api("supplier").get(f"{base}/scores"), 403)
    # An officer who is also an evaluator sees the result only after submitting their scores.
    assert "your own scores" in problem(evaluator.get(f"{base}/result"), 403)["detail"]
    # Officers may not moderate until every evaluator has submitted.
    consensus_url = f"{base}/consensus/{bids['A'].id}/{sv1.id}"
    early = officer.put(consensus_url, json={"score": "50", "reason": "Agreed"})
    assert "waiting for" in problem(early, 409)["detail"]
    result = officer.get(f"{base}/result").get_json()
    assert result["status"] == "incomplete"
    problem(officer.post(f"{base}/award", json={"rationale": "x"}), 428)
    tender_etag = officer.get(base).headers["ETag"]
    problem(
        officer.post(f"{base}/award", json={"rationale": "x"}, headers={"If-Match": tender_etag}),
        409,
    )
    # Everyone scores everything (the panel through the API above for one pair).
    for code in ("Q1", "Q2", "SV1"):
        for label, bid in bids.items():
            value = Decimal(S1_CONSENSUS[code][label])
            evaluation_service.save_individual_score(
                db.session,
                people.officer2,
                tender,
                bid,
                by_code[code],
                score=value,
                rationale="Because",
                submit=True,
            )
            if code == "SV1" and label != "A":
                evaluation_service.save_individual_score(
                    db.session,
                    people.panel,
                    tender,
                    bid,
                    by_code[code],
                    score=value,
                    rationale="Because",
                    submit=True,
                )
    db.session.commit()
    problem(panel.put(consensus_url, json={"score": "50", "reason": "x"}), 403)
    assert fields_of(problem(officer.put(consensus_url, json={"score": "50"}), 422)) == {"reason"}
    for code in ("Q1", "Q2", "SV1"):
        for label, bid in bids.items():
            recorded = officer.put(
                f"{base}/consensus/{bid.id}/{by_code[code].id}",
                json={"score": str(S1_CONSENSUS[code][label]), "reason": "Agreed at moderation"},
            )
            assert recorded.status_code == 200, recorded.get_json()
    revised = officer.put(consensus_url, json={"score": "50", "reason": "Again"})
    problem(revised, 428)
    assert officer.get(f"{base}/consensus").get_json()["total"] == 9
    result = officer.get(f"{base}/result").get_json()
    assert result["status"] == "final"
    ranking = result["result"]["ranking"]
    assert ranking[0]["label"] == "B"
    assert evaluator.get(f"{base}/result").status_code == 200
    assert "sensitivity" in result["result"]
    assert api("auditor").get(f"{base}/result").status_code == 200
    problem(api("supplier").get(f"{base}/result"), 403)
    problem(
        officer.post(f"{base}/award", json={"rationale": " "}, headers={"If-Match": tender_etag}),
        422,
    )
    problem(
        officer.post(f"{base}/award", json={"rationale": "Best"}, headers={"If-Match": '"x"'}), 412
    )
    awarded = officer.post(
        f"{base}/award", json={"rationale": "Highest score"}, headers={"If-Match": tender_etag}
    )
    assert awarded.status_code == 201, awarded.get_json()
    assert awarded.get_json()["bid_label"] == "B"
    assert officer.get(f"{base}/award").get_json()["result_hash"].startswith("sha256:")
    assert (
        db.session.execute(sa.select(sa.func.count()).select_from(AwardDecision)).scalar_one() == 1
    )
    assert db.session.execute(sa.select(sa.func.count()).select_from(Contract)).scalar_one() == 1
    again = officer.post(
        f"{base}/award",
        json={"rationale": "Again"},
        headers={"If-Match": officer.get(base).headers["ETag"]},
    )
    problem(again, 403)
    # Audit events are readable by officers and auditors only.
    listing = api("auditor").get(f"/api/v1/audit-events?tender_id={tender.id}&per_page=5")
    assert listing.status_code == 200, listing.get_data(as_text=True)
    events = listing.get_json()
    assert events["total"] > 5 and len(events["items"]) == 5 and events["next"]
    assert events["items"][0]["action"] == "contract.created" or events["items"][0]["sequence"]
    awarded_events = officer.get("/api/v1/audit-events?action=tender.awarded").get_json()
    assert awarded_events["total"] == 1
    problem(api("panel").get("/api/v1/audit-events"), 403)
    problem(api("supplier").get("/api/v1/audit-events"), 403)


def test_list_queries_do_not_grow_with_the_number_of_bids(api: Any, people: Any) -> None:
    small = s1(people)
    large = make_s1_tender(db.session, people.officer, close=False, reference="GM-MANY")
    for number in range(6):
        bid_service.record_bid(
            db.session,
            people.officer,
            large,
            s1_bid_data(large, f"Extra {number} Ltd", Decimal(90000 + number), Decimal(1)),
        )
    db.session.commit()
    officer = api("officer")
    counts = []
    for tender_id in (small.id, large.id):
        for path in ("bids", "result"):
            officer.get(f"/api/v1/tenders/{tender_id}/{path}")  # warm up
            db.session.remove()
            with count_queries() as statements:
                response = officer.get(f"/api/v1/tenders/{tender_id}/{path}")
            assert response.status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
