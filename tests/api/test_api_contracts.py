"""Contracts, KPIs, delivery returns and verifications through the API."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import ApiClient, fields_of, problem
from contract_support import S4_DELIVERED, build_s4
from factories import FreshClient

from socialvalue.extensions import db
from socialvalue.services.api_tokens import create_token
from socialvalue.services.demo import S4_PERIOD_END

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def client_as(app: Any, user: Any) -> ApiClient:
    secret = create_token(db.session, user, "test")[1]
    db.session.commit()
    return ApiClient(FreshClient(app, app.response_class, use_cookies=True), secret)


def return_body(s4: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "period_end": S4_PERIOD_END.isoformat(),
        "narrative": "Six months in.",
        "quantities": [
            {"kpi_id": kpi.id, "quantity": str(S4_DELIVERED[code])}
            for code, kpi in s4.kpis().items()
        ],
    }
    body.update(overrides)
    return body


def test_contracts_kpis_returns_and_verification(app: Any, api: Any) -> None:
    s4 = build_s4()
    officer, supplier, panel = (client_as(app, u) for u in (s4.officer, s4.supplier, s4.panel))
    base = f"/api/v1/contracts/{s4.contract_id}"
    assert officer.get("/api/v1/contracts").get_json()["total"] == 1
    assert supplier.get("/api/v1/contracts").get_json()["total"] == 1
    assert api("supplier2").get("/api/v1/contracts").get_json()["total"] == 0
    assert api("auditor").get("/api/v1/contracts?status=red").get_json()["total"] == 0
    problem(officer.get("/api/v1/contracts?status=purple"), 422)
    contract = officer.get(base)
    assert contract.status_code == 200
    assert contract.headers["ETag"].startswith(f'"contract-{s4.contract_id}-v')
    assert len(contract.get_json()["kpis"]) == 3
    assert officer.get(f"{base}/kpis").get_json()["total"] == 3
    problem(api("supplier2").get(base), 403)
    problem(officer.get("/api/v1/contracts/999999"), 404)
    # Filing a return: the service validates the figures and the period.
    bad = return_body(
        s4, quantities=[{"kpi_id": k.id, "quantity": "-1"} for k in s4.kpis().values()]
    )
    assert all(
        f.startswith("quantity-")
        for f in fields_of(problem(supplier.post(f"{base}/returns", json=bad), 422))
    )
    problem(panel.post(f"{base}/returns", json=return_body(s4)), 403)
    filed = supplier.post(f"{base}/returns", json=return_body(s4))
    assert filed.status_code == 201, filed.get_json()
    delivery_return = filed.get_json()
    assert delivery_return["on_behalf"] is False and len(delivery_return["lines"]) == 3
    again = problem(supplier.post(f"{base}/returns", json=return_body(s4)), 422)
    assert fields_of(again) == {"period_end"}
    listing = api("auditor").get(f"{base}/returns").get_json()
    assert listing["total"] == 1
    assert officer.get(f"{base}/returns?period_from=2027-01-01").get_json()["total"] == 0
    one = officer.get(f"{base}/returns/{delivery_return['id']}")
    assert one.status_code == 200
    problem(officer.get(f"{base}/returns/999999"), 404)
    # Verification: officers and the assigned panel member decide; suppliers answer queries.
    line = delivery_return["lines"][0]
    decision_url = f"{base}/returns/{delivery_return['id']}/lines/{line['id']}/decision"
    etag = f'"line-{line["id"]}-v{line["version"]}"'
    problem(
        supplier.put(decision_url, json={"decision": "verified"}, headers={"If-Match": etag}), 403
    )
    problem(panel.put(decision_url, json={"decision": "verified"}), 428)
    assert fields_of(
        problem(
            panel.put(decision_url, json={"decision": "queried"}, headers={"If-Match": etag}), 422
        )
    ) == {"query"}
    assert fields_of(
        problem(
            panel.put(decision_url, json={"decision": "maybe"}, headers={"If-Match": etag}), 422
        )
    ) == {"decision"}
    queried = panel.put(
        decision_url,
        json={"decision": "queried", "text": "Payroll extract?"},
        headers={"If-Match": etag},
    )
    assert queried.status_code == 200 and queried.get_json()["status"] == "queried"
    problem(panel.put(decision_url, json={"decision": "verified"}, headers={"If-Match": etag}), 412)
    answer_url = decision_url.replace("/decision", "/answer")
    answered = supplier.put(
        answer_url,
        json={"answer": "Attached in the portal"},
        headers={"If-Match": queried.headers["ETag"]},
    )
    assert answered.status_code == 200, answered.get_json()
    problem(
        panel.put(answer_url, json={"answer": "x"}, headers={"If-Match": answered.headers["ETag"]}),
        403,
    )
    verified = officer.put(
        decision_url, json={"decision": "verified"}, headers={"If-Match": answered.headers["ETag"]}
    )
    assert verified.get_json()["status"] == "verified"
    final = officer.put(
        decision_url,
        json={"decision": "rejected", "text": "No"},
        headers={"If-Match": verified.headers["ETag"]},
    )
    problem(final, 409)
    events = officer.get(f"/api/v1/audit-events?contract_id={s4.contract_id}").get_json()
    assert any(e["action"] == "return_line.verified" for e in events["items"])
