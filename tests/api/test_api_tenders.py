"""Tenders and evaluation plans through the API: success paths, roles, validation, ETags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from api_support import fields_of, problem
from factories import GM_FRAMEWORK, framework_version, make_s1_tender, measure

from socialvalue.extensions import db
from socialvalue.models import AuditEvent, FrameworkMeasure, Tender
from socialvalue.models.base import utcnow

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def tender_body(version_id: int, **overrides: Any) -> dict[str, Any]:
    deadline = (utcnow() + dt.timedelta(days=30)).replace(microsecond=0)
    body = {
        "framework_version_id": version_id,
        "reference": "GM-API-0001",
        "title": "Facilities management",
        "buyer": "Greater Manchester Combined Authority",
        "description": "Cleaning civic buildings",
        "estimated_value": "450000.00",
        "contract_start": "2027-04-01",
        "contract_end": "2030-03-31",
        "bid_deadline": deadline.isoformat(),
    }
    body.update(overrides)
    return body


def plan_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "weight_price": "40",
        "weight_quality": "40",
        "weight_social_value": "20",
        "price_method": "lowest_price_ratio",
        "quantitative_method": "relative_to_best",
        "moderation_mode": "consensus_required",
        "flag_range_percent": "40",
        "panel_share_percent": None,
        "tie_break": ["highest_social_value", "lowest_price"],
        "require_rationale": True,
        "anonymise_for_panel": True,
    }
    body.update(overrides)
    return body


def create(api: Any, **overrides: Any) -> Any:
    version = framework_version(db.session)
    return api("officer").post("/api/v1/tenders", json=tender_body(version.id, **overrides))


def test_frameworks_are_listed_and_paged(api: Any) -> None:
    officer = api("officer")
    page = officer.get("/api/v1/frameworks?per_page=2")
    assert page.status_code == 200
    body = page.get_json()
    assert body["total"] >= 3 and len(body["items"]) == 2 and body["next"]
    assert 'rel="next"' in page.headers["Link"]
    second = officer.get(body["next"].replace("http://localhost", ""))
    assert second.get_json()["page"] == 2 and second.get_json()["prev"]
    gm = next(
        item
        for item in officer.get("/api/v1/frameworks?per_page=100").get_json()["items"]
        if (item["framework_id"], item["version"]) == GM_FRAMEWORK
    )
    detail = api("panel").get(f"/api/v1/frameworks/{gm['id']}").get_json()
    assert any(m["code"] == "GMSVF-P3-LOCAL-EMPLOYMENT" for m in detail["measures"])
    problem(officer.get("/api/v1/frameworks/999999"), 404)
    problem(officer.get("/api/v1/frameworks?per_page=101"), 422)
    assert fields_of(problem(officer.get("/api/v1/frameworks?page=0"), 422)) == {"page"}


def test_officer_creates_a_tender(api: Any) -> None:
    response = create(api)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["estimated_value"] == "450000.00"
    assert body["framework"] == "gm-social-value-framework@2020"
    assert response.headers["ETag"] == f'"tender-{body["id"]}-v1"'
    assert response.headers["Location"] == f"/api/v1/tenders/{body['id']}"
    tender = db.session.get(Tender, body["id"])
    assert tender is not None and tender.reference == "GM-API-0001"
    actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "tender.created" in actions


@pytest.mark.parametrize("who", ["panel", "supplier", "auditor"])
def test_only_officers_create_tenders(api: Any, who: str) -> None:
    version = framework_version(db.session)
    problem(api(who).post("/api/v1/tenders", json=tender_body(version.id)), 403)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Tender)).scalar_one() == 0


def test_validation_errors_are_listed_per_field(api: Any) -> None:
    body = problem(
        create(
            api,
            reference="",
            estimated_value="lots",
            contract_start="2030-01-01",
            contract_end="2029-01-01",
            bid_deadline="yesterday",
        ),
        422,
    )
    assert {"reference", "estimated_value", "bid_deadline"} <= fields_of(body)
    for error in body["errors"]:
        assert error["message"]
    # Domain rules (the services') come back the same way.
    past = (utcnow() - dt.timedelta(days=1)).isoformat()
    assert fields_of(problem(create(api, bid_deadline=past), 422)) == {"bid_deadline"}
    unknown = problem(create(api, framework_version_id=2**31 - 1), 422)
    assert fields_of(unknown) == {"framework_version_id"}
    huge = problem(create(api, estimated_value="1" + "0" * 400, framework_version_id=10**30), 422)
    assert {"estimated_value", "framework_version_id"} <= fields_of(huge)
    assert create(api).status_code == 201
    assert fields_of(problem(create(api), 422)) == {"reference"}  # already used


def test_malformed_json_is_400(api: Any) -> None:
    response = api("officer").post(
        "/api/v1/tenders", data="{not json", headers={"Content-Type": "application/json"}
    )
    detail = problem(response, 400)["detail"]
    # The client is told where the body stopped being JSON.
    assert "not JSON this service can read" in detail
    assert "line 1 column 2 (char 1)" in detail
    problem(api("officer").post("/api/v1/tenders", json=[1, 2]), 422)


def test_read_update_with_etags(api: Any) -> None:
    officer = api("officer")
    created = create(api).get_json()
    url = f"/api/v1/tenders/{created['id']}"
    read = officer.get(url)
    etag = read.headers["ETag"]
    change = tender_body(created["framework_version_id"], title="Renamed")
    body = problem(officer.put(url, json=change), 428)
    assert "If-Match" in body["detail"]
    updated = officer.put(url, json=change, headers={"If-Match": etag})
    assert updated.status_code == 200 and updated.get_json()["title"] == "Renamed"
    assert updated.headers["ETag"] != etag
    # A second writer still holding the old ETag is refused and changes nothing.
    stale = officer.put(url, json=tender_body(0, title="Clobbered"), headers={"If-Match": etag})
    problem(stale, 412)
    assert officer.get(url).get_json()["title"] == "Renamed"
    problem(officer.put(url, json=change, headers={"If-Match": '"garbage"'}), 412)


def test_roles_and_unknown_ids(api: Any, people: Any) -> None:
    created = create(api).get_json()
    url = f"/api/v1/tenders/{created['id']}"
    assert api("auditor").get(url).status_code == 200
    assert api("officer2").get(url).status_code == 200
    problem(api("panel").get(url), 403)
    problem(api("supplier").get(url), 403)
    problem(api("officer").get("/api/v1/tenders/999999"), 404)
    problem(api("officer").get("/api/v1/tenders/99999999999999999999"), 404)
    problem(api("officer").get("/api/v1/nothing-here"), 404)
    problem(api("officer").delete("/api/v1/tenders"), 405)
    etag = api("officer").get(url).headers["ETag"]
    change = tender_body(0, title="Auditor edit")
    problem(api("auditor").put(url, json=change, headers={"If-Match": etag}), 403)
    # Others only see tenders they are part of.
    assert api("panel").get("/api/v1/tenders").get_json()["total"] == 0
    assert api("auditor").get("/api/v1/tenders").get_json()["total"] == 1


def test_plan_criteria_gates_and_publish(api: Any) -> None:
    officer = api("officer")
    created = create(api).get_json()
    url = f"/api/v1/tenders/{created['id']}"
    etag = officer.get(url).headers["ETag"]
    wrong = problem(
        officer.put(f"{url}/plan", json=plan_body(weight_price="50"), headers={"If-Match": etag}),
        422,
    )
    assert fields_of(wrong) == {"weight_price"} and "add up to 100" in wrong["detail"]
    bad = problem(
        officer.put(
            f"{url}/plan", json=plan_body(price_method="cheapest"), headers={"If-Match": etag}
        ),
        422,
    )
    assert fields_of(bad) == {"price_method"}
    plan = officer.put(f"{url}/plan", json=plan_body(), headers={"If-Match": etag})
    assert plan.status_code == 200
    etag = plan.headers["ETag"]
    # Publishing an empty plan says what is missing.
    missing = problem(officer.post(f"{url}/publish", headers={"If-Match": etag}), 422)
    assert missing["errors"]
    questions = [
        {"title": "Service delivery", "group": "quality", "scale_max": 5, "weight": "40"},
        {"title": "Social value plan", "group": "social_value", "scale_max": 100, "weight": "10"},
    ]
    codes = []
    for question in questions:
        added = officer.post(f"{url}/criteria", json=question)
        assert added.status_code == 201, added.get_json()
        codes.append(added.get_json()["criterion"]["code"])
    assert codes == ["Q1", "SV1"]
    version = framework_version(db.session)
    jobs = measure(db.session, version, "GMSVF-P3-LOCAL-EMPLOYMENT")
    sv2 = officer.post(f"{url}/criteria", json={"measure_id": jobs.id, "weight": "10"})
    assert sv2.get_json()["criterion"]["kind"] == "quantitative"
    pass_fail = db.session.execute(
        sa.select(FrameworkMeasure.id).where(
            FrameworkMeasure.framework_version_id == version.id,
            FrameworkMeasure.kind == "pass_fail",
        )
    ).scalar()
    gate = officer.post(f"{url}/criteria", json={"measure_id": pass_fail})
    assert gate.status_code == 201 and gate.get_json()["kind"] == "gate"
    # A measure of another framework (not the pinned version) is refused by the service.
    gec = db.session.execute(
        sa.select(FrameworkMeasure.id).where(FrameworkMeasure.code == "GEC-SUPPORTER-OR-MEMBER")
    ).scalar_one()
    other = problem(officer.post(f"{url}/criteria", json={"measure_id": gec}), 422)
    assert fields_of(other) == {"measure_id"}
    # A question without a title, group and scale: 422.
    assert fields_of(problem(officer.post(f"{url}/criteria", json={"weight": "5"}), 422)) >= {
        "title",
        "group",
        "scale_max",
    }
    spare = officer.post(
        f"{url}/criteria",
        json={"title": "Spare", "group": "quality", "scale_max": 5, "weight": "1"},
    ).get_json()["criterion"]
    delete_url = f"{url}/criteria/{spare['id']}"
    problem(officer.delete(delete_url), 428)
    etag = officer.get(url).headers["ETag"]
    assert officer.delete(delete_url, headers={"If-Match": etag}).status_code == 204
    problem(officer.delete(delete_url, headers={"If-Match": etag}), 404)
    # Changing the plan changed the tender: the ETag read before it is stale now.
    problem(officer.post(f"{url}/publish", headers={"If-Match": etag}), 412)
    etag = officer.get(url).headers["ETag"]
    published = officer.post(f"{url}/publish", headers={"If-Match": etag})
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"
    # The plan is now locked: 409.
    locked = officer.post(f"{url}/criteria", json=questions[0])
    assert "locked" in problem(locked, 409)["detail"]
    assert api("officer").get("/api/v1/tenders?status=published").get_json()["total"] == 1
    assert api("officer").get("/api/v1/tenders?status=draft").get_json()["total"] == 0


def test_list_filters_and_pages(api: Any, people: Any) -> None:
    for number in range(3):
        make_s1_tender(
            db.session, people.officer, publish=number == 0, reference=f"GM-LIST-{number}"
        )
    officer = api("officer")
    everything = officer.get("/api/v1/tenders?per_page=2").get_json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert everything["next"].endswith("page=2&per_page=2")
    assert officer.get("/api/v1/tenders?status=published").get_json()["total"] == 1
    future = (utcnow() + dt.timedelta(days=1)).isoformat()
    assert (
        officer.get("/api/v1/tenders", query_string={"created_from": future}).get_json()["total"]
        == 0
    )
    assert (
        officer.get("/api/v1/tenders", query_string={"created_to": future}).get_json()["total"] == 3
    )
    assert (
        officer.get("/api/v1/tenders", query_string={"updated_since": future}).get_json()["total"]
        == 0
    )
    problem(officer.get("/api/v1/tenders?status=nonsense"), 422)
    problem(officer.get("/api/v1/tenders?created_from=0001-01-01T00:00:00%2B05:00"), 422)
    assert officer.get("/api/v1/tenders?page=99").get_json()["items"] == []


def test_a_cancelled_tender_says_so_and_cannot_be_changed(api: Any, people: Any) -> None:
    from socialvalue.services import tenders as tender_service

    tender = make_s1_tender(db.session, people.officer, close=False)
    reason = "Budget withdrawn; the service moves in house."
    tender_service.cancel_tender(db.session, people.officer, tender, reason)
    db.session.commit()
    officer = api("officer")
    got = officer.get(f"/api/v1/tenders/{tender.id}")
    assert got.status_code == 200
    body = got.get_json()
    assert body["status"] == "cancelled"
    assert body["cancellation_reason"] == reason
    assert body["cancelled_at"] is not None
    listed = officer.get("/api/v1/tenders?status=cancelled").get_json()["items"]
    assert [item["id"] for item in listed] == [tender.id]
    changed = officer.put(
        f"/api/v1/tenders/{tender.id}",
        json=tender_body(tender.framework_version_id, title="Renamed"),
        headers={"If-Match": got.headers["ETag"]},
    )
    problem(changed, 409)
    db.session.expire_all()
    assert db.session.get(Tender, tender.id).title != "Renamed"
