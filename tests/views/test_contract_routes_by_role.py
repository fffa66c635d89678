"""Every contract route, walked as every kind of user, against an explicit table.

The contract routes come from ``app.url_map`` (every rule of the contracts blueprint; exports
of contract data belong to the exports blueprint and its tests), so a new one fails
this test until it has a row here. The contract is scenario S4 with an unverified return (with
an evidence file) and an open remedial action. Roles: anonymous; an administrator; an officer;
the supplier user invited to the contract and one who was not; the panel member assigned to
verify it and one who was not; an auditor.

No request may return 500; a forbidden role is refused (403, or sign in first); no POST of an
empty form may change the database; unknown or absurd ids are 404.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from contract_support import PNG, build_s4, contract_actions
from factories import FreshClient, csrf_token, fingerprint, make_user, sign_in, text

from socialvalue.extensions import db
from socialvalue.models import EvidenceFile, RemedialAction, Role
from socialvalue.services import contracts as contract_service
from socialvalue.services.demo import S4_PERIOD_END
from socialvalue.services.evidence import Upload

pytestmark = pytest.mark.usefixtures("synced_frameworks")

ROLES = (
    "anonymous",
    "admin",
    "officer",
    "supplier",
    "supplier_out",
    "panel",
    "panel_out",
    "auditor",
)
SIGN_IN = "→/sign-in"


def row(*statuses: Any) -> dict[str, Any]:
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


#              anon     admin officer supplier s_out panel p_out auditor
SIGNED_IN = row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200)
READERS = row(SIGN_IN, 200, 200, 403, 403, 403, 403, 200)
MANAGERS = row(SIGN_IN, 200, 200, 403, 403, 403, 403, 403)
VIEWERS = row(SIGN_IN, 200, 200, 200, 403, 200, 403, 200)
SUBMITTERS = row(SIGN_IN, 200, 200, 200, 403, 403, 403, 403)
NO_GET = dict.fromkeys(ROLES, 405)

GET: dict[str, dict[str, Any]] = {
    "/contracts/": SIGNED_IN,
    "/contracts/programme": READERS,
    "/contracts/import": MANAGERS,
    "/contracts/<int:contract_id>/": VIEWERS,
    "/contracts/<int:contract_id>/history": READERS,
    "/contracts/<int:contract_id>/settings": MANAGERS,
    "/contracts/<int:contract_id>/kpis/<int:kpi_id>": MANAGERS,
    "/contracts/<int:contract_id>/people": MANAGERS,
    "/contracts/<int:contract_id>/returns/new": SUBMITTERS,
    "/contracts/<int:contract_id>/returns/<int:return_id>": VIEWERS,
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/decide": NO_GET,
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/answer": NO_GET,
    "/contracts/<int:contract_id>/evidence/<int:evidence_id>": VIEWERS,
    "/contracts/<int:contract_id>/actions": MANAGERS,
    "/contracts/<int:contract_id>/actions/<int:action_id>/done": NO_GET,
}

BACK = "→/contracts/{contract_id}/"
#                  anon     admin officer supplier s_out panel p_out auditor
MANAGERS_422 = row(SIGN_IN, 422, 422, 403, 403, 403, 403, 403)
POST: dict[str, dict[str, Any]] = {
    "/contracts/import": MANAGERS_422,
    "/contracts/<int:contract_id>/settings": MANAGERS_422,
    "/contracts/<int:contract_id>/kpis/<int:kpi_id>": MANAGERS_422,
    "/contracts/<int:contract_id>/people": MANAGERS_422,
    "/contracts/<int:contract_id>/returns/new": row(SIGN_IN, 422, 422, 422, 403, 403, 403, 403),
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/decide": row(
        SIGN_IN, 422, 422, 403, 403, 422, 403, 403
    ),
    "/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/answer": row(
        SIGN_IN, 422, 422, 422, 403, 403, 403, 403
    ),
    "/contracts/<int:contract_id>/actions": MANAGERS_422,
    # A button without its version changes nothing and says the form was out of date.
    "/contracts/<int:contract_id>/actions/<int:action_id>/done": row(
        SIGN_IN, BACK, BACK, 403, 403, 403, 403, 403
    ),
}

PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def fill(rule: str, params: dict[str, str]) -> str:
    return PARAMETER.sub(lambda match: params[match.group(1)], rule)


def contract_rules(app: Any) -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("contracts."):
            rules.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return rules


@pytest.fixture
def world(app: Any) -> tuple[dict[str, str], dict[str, FreshClient], dict[str, str]]:
    s4 = build_s4()
    session = db.session
    contract = s4.contract
    delivery_return = contract_service.record_return(
        session,
        s4.supplier,
        contract,
        period_end=S4_PERIOD_END,
        quantities=s4.quantities(),
        uploads=[Upload("payroll.png", PNG)],
        upload_dir=str(app.config["UPLOAD_DIR"]),
    )
    action = contract_service.add_remedial_action(
        session,
        s4.officer,
        contract,
        {"note": "Catch up", "owner": "Sam", "due_on": S4_PERIOD_END, "kpi_id": None},
    )
    users = {
        "admin": make_user(session, Role.ADMIN),
        "officer": s4.officer,
        "supplier": s4.supplier,
        "supplier_out": make_user(session, Role.SUPPLIER),
        "panel": s4.panel,
        "panel_out": make_user(session, Role.PANEL),
        "auditor": make_user(session, Role.AUDITOR),
    }
    session.commit()
    evidence = session.execute(sa.select(EvidenceFile)).scalar_one()
    params = {
        "contract_id": str(s4.contract_id),
        "kpi_id": str(contract.kpis[0].id),
        "return_id": str(delivery_return.id),
        "line_id": str(delivery_return.lines[0].id),
        "evidence_id": str(evidence.id),
        "action_id": str(action.id),
    }
    clients: dict[str, FreshClient] = {}
    tokens: dict[str, str] = {}
    for role in ROLES:
        client = FreshClient(app, app.response_class, use_cookies=True)
        if role != "anonymous":
            sign_in(client, users[role])
        tokens[role] = csrf_token(text(client.get("/sign-in" if role == "anonymous" else "/")))
        clients[role] = client
    return params, clients, tokens


def outcome(response: Any) -> Any:
    if response.status_code == 302:
        return "→" + urlsplit(response.headers["Location"]).path
    return response.status_code


def test_every_contract_route_has_an_expectation(app: Any) -> None:
    rules = contract_rules(app)
    assert set(rules) == set(GET)
    assert {r for r, methods in rules.items() if "POST" in methods} == set(POST)
    assert {r for r, methods in rules.items() if "GET" not in methods} == {
        r for r, expected in GET.items() if expected is NO_GET
    }


def test_get_every_contract_route_as_every_role(app: Any, world: Any) -> None:
    params, clients, _tokens = world
    problems = []
    for rule, expectations in GET.items():
        url = fill(rule, params)
        for role in ROLES:
            db.session.remove()
            got = outcome(clients[role].get(url))
            db.session.remove()
            if got != expectations[role]:
                problems.append(f"GET {url} as {role}: expected {expectations[role]}, got {got}")
    assert problems == [], "\n".join(problems)


def test_post_every_contract_route_as_every_role_changes_nothing(app: Any, world: Any) -> None:
    params, clients, tokens = world
    problems = []
    before = fingerprint()
    for rule, expectations in POST.items():
        url = fill(rule, params)
        for role in ROLES:
            db.session.remove()
            got = outcome(clients[role].post(url, data={"csrf_token": tokens[role]}))
            db.session.remove()
            expected = expectations[role]
            if isinstance(expected, str):
                expected = expected.format(**params)
            if got != expected:
                problems.append(f"POST {url} as {role}: expected {expected}, got {got}")
            after = fingerprint()
            if after != before:
                changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
                problems.append(f"POST {url} as {role} changed {changed}")
                before = after
    assert problems == [], "\n".join(problems)
    assert db.session.execute(sa.select(RemedialAction.status)).scalar_one() == "open"


UNKNOWN = ["999999", "99999999999999999999999"]


def test_unknown_ids_are_not_found(app: Any, world: Any) -> None:
    params, clients, tokens = world
    problems = []
    before = fingerprint()
    for rule, methods in contract_rules(app).items():
        for name in PARAMETER.findall(rule):
            for value in UNKNOWN:
                url = fill(rule, {**params, name: value})
                for method in sorted(methods):
                    db.session.remove()
                    if method == "GET":
                        response = clients["admin"].get(url)
                    else:
                        response = clients["admin"].post(url, data={"csrf_token": tokens["admin"]})
                    db.session.remove()
                    if response.status_code != 404:
                        problems.append(f"{method} {url}: {response.status_code}")
    assert problems == [], "\n".join(problems)
    assert fingerprint() == before


def test_uploads_through_the_form_are_audited(app: Any, world: Any) -> None:
    params, clients, tokens = world
    client = clients["officer"]
    response = client.post(
        f"/contracts/{params['contract_id']}/returns/new",
        data={"csrf_token": tokens["officer"], "evidence": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    actions = contract_actions(int(params["contract_id"]))
    assert actions.count("return.submitted") == 1
