"""Every route of the app, walked as every kind of user, against an explicit table.

The routes come from ``app.url_map``, so a new route fails this test until it has a row here.
Each row gives, for each role, the status a GET must return (and, for routes that take a POST,
what a POST of an empty form with a valid CSRF token returns), on a tender of scenario S1 whose
bidding has closed and whose evaluation is under way, and again once the contract is awarded.

Roles: anonymous; an administrator; the lead officer (not an evaluator on the tender); an officer
who is an evaluator on it; a citizen/VCSE panel member assigned to it and one who is not; an
invited supplier (who submitted bid D) and one who was not invited; an auditor.

Expectations are a status code, or "→/path" for a 302 redirect to that path (anonymous users are
sent to /sign-in). No request may return 500, a POST by a forbidden role must be refused (403,
or sign in first) and no POST of an empty form may change anything in the database. Unknown or
absurd ids in any URL are 404 for a user who could otherwise use the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from factories import (
    S1_BIDS,
    FreshClient,
    csrf_token,
    fingerprint,
    make_s1_tender,
    s1_bid_data,
    text,
)

from socialvalue.extensions import db
from socialvalue.models import Tender, User
from socialvalue.services import api_tokens, report_jobs
from socialvalue.services import bids as bid_service
from socialvalue.services import contracts as contract_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")

ROLES = (
    "anonymous",
    "admin",
    "officer",
    "evaluator",
    "panel",
    "panel_out",
    "supplier",
    "supplier_out",
    "auditor",
)
Expected = int | str
Row = dict[str, Expected]

SIGN_IN = "→/sign-in"
HOME = "→/"
SUPPLIER_HOME = "→/supplier/"


def row(*statuses: Expected) -> Row:
    """One expectation per role, in the order of ROLES."""
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


def everyone(status: Expected) -> Row:
    return dict.fromkeys(ROLES, status)


#             anon     admin officer evaluator panel panel_out supplier supplier_out auditor
MANAGERS = row(SIGN_IN, 200, 200, 200, 403, 403, 403, 403, 403)
READERS = row(SIGN_IN, 200, 200, 200, 403, 403, 403, 403, 200)  # managers and auditors
EVALUATORS = row(SIGN_IN, 403, 403, 200, 200, 403, 403, 403, 403)
SUPPLIERS = row(SIGN_IN, 403, 403, 403, 403, 403, 200, 200, 403)
INVITED = row(SIGN_IN, 403, 403, 403, 403, 403, 200, 403, 403)
MEMBERS = row(SIGN_IN, 200, 200, 200, 200, 403, 200, 403, 200)  # staff and the tender's people
SIGNED_IN = row(SIGN_IN, 200, 200, 200, 200, 200, SUPPLIER_HOME, SUPPLIER_HOME, 200)
NO_GET = everyone(405)  # POST-only routes
OWNER_ONLY = row(SIGN_IN, 403, 200, 403, 403, 403, 403, 403, 403)  # the lead officer's own
NO_CONTRACT = row(SIGN_IN, 404, 404, 404, 403, 403, 403, 403, 404)

# JSON API routes (see tests/api): those with a GET, those with only PUT/POST/DELETE, and
# those taking POST (refused with 401 when no bearer token is sent, whatever the session).
API_GET_ROUTES = (
    "/api/v1/audit-events",
    "/api/v1/contracts",
    "/api/v1/contracts/<int:contract_id>",
    "/api/v1/contracts/<int:contract_id>/kpis",
    "/api/v1/contracts/<int:contract_id>/returns",
    "/api/v1/contracts/<int:contract_id>/returns/<int:return_id>",
    "/api/v1/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>",
    "/api/v1/frameworks",
    "/api/v1/frameworks/<int:version_id>",
    "/api/v1/tenders",
    "/api/v1/tenders/<int:tender_id>",
    "/api/v1/tenders/<int:tender_id>/award",
    "/api/v1/tenders/<int:tender_id>/bids",
    "/api/v1/tenders/<int:tender_id>/bids/<int:bid_id>",
    "/api/v1/tenders/<int:tender_id>/consensus",
    "/api/v1/tenders/<int:tender_id>/consensus/<int:bid_id>/<int:criterion_id>",
    "/api/v1/tenders/<int:tender_id>/my-bid",
    "/api/v1/tenders/<int:tender_id>/result",
    "/api/v1/tenders/<int:tender_id>/scores",
    "/api/v1/tenders/<int:tender_id>/scores/<int:bid_id>/<int:criterion_id>",
)
API_WRITE_ONLY_ROUTES = (
    "/api/v1/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/answer",
    "/api/v1/contracts/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/decision",
    "/api/v1/tenders/<int:tender_id>/criteria",
    "/api/v1/tenders/<int:tender_id>/criteria/<int:criterion_id>",
    "/api/v1/tenders/<int:tender_id>/plan",
    "/api/v1/tenders/<int:tender_id>/publish",
)
API_POST_ROUTES = (
    "/api/v1/contracts/<int:contract_id>/returns",
    "/api/v1/tenders",
    "/api/v1/tenders/<int:tender_id>/award",
    "/api/v1/tenders/<int:tender_id>/bids",
    "/api/v1/tenders/<int:tender_id>/criteria",
    "/api/v1/tenders/<int:tender_id>/publish",
)

# GET, while bidding is closed and evaluation is under way (the evaluator and the panel member
# have declared no interests and submitted all their scores; nothing is moderated yet).
GET_EVALUATING: dict[str, Row] = {
    "/": everyone(200),
    "/accessibility": everyone(200),
    "/healthz": everyone(200),
    "/healthz/db": everyone(200),
    "/static/<path:filename>": everyone(200),
    "/frameworks/": everyone(200),
    "/frameworks/<framework_id>/<version>/": everyone(200),
    "/frameworks/<framework_id>/diff": everyone(200),
    "/sign-in": row(200, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME),
    "/sign-out": NO_GET,
    "/supplier/": SUPPLIERS,
    "/supplier/tenders/<int:tender_id>/bid": INVITED,
    "/tenders/": SIGNED_IN,
    "/tenders/new": MANAGERS,
    "/tenders/<int:tender_id>/": MEMBERS,
    "/tenders/<int:tender_id>/details": MANAGERS,
    "/tenders/<int:tender_id>/plan": MANAGERS,
    "/tenders/<int:tender_id>/criteria": MANAGERS,
    "/tenders/<int:tender_id>/criteria/measure": NO_GET,
    "/tenders/<int:tender_id>/criteria/question": NO_GET,
    "/tenders/<int:tender_id>/criteria/<int:criterion_id>/edit": MANAGERS,
    "/tenders/<int:tender_id>/criteria/<int:criterion_id>/remove": NO_GET,
    "/tenders/<int:tender_id>/gates": NO_GET,
    "/tenders/<int:tender_id>/gates/<int:gate_id>/remove": NO_GET,
    "/tenders/<int:tender_id>/people": MANAGERS,
    "/tenders/<int:tender_id>/publish": MANAGERS,
    "/tenders/<int:tender_id>/close-bidding": MANAGERS,
    "/tenders/<int:tender_id>/cancel": MANAGERS,
    "/tenders/<int:tender_id>/bids": READERS,
    "/tenders/<int:tender_id>/bids/new": MANAGERS,
    "/tenders/<int:tender_id>/bids/<int:bid_id>": READERS,
    "/tenders/<int:tender_id>/bids/<int:bid_id>/edit": MANAGERS,
    "/tenders/<int:tender_id>/declaration": EVALUATORS,
    "/tenders/<int:tender_id>/evaluate": EVALUATORS,
    "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>": EVALUATORS,
    "/tenders/<int:tender_id>/moderation": MANAGERS,
    "/tenders/<int:tender_id>/moderation/<bid_label>/<criterion_code>": MANAGERS,
    "/tenders/<int:tender_id>/result": READERS,
    "/tenders/<int:tender_id>/award": MANAGERS,
    "/tenders/<int:tender_id>/summaries": READERS,
    "/tenders/<int:tender_id>/summaries/<bid_label>": READERS,
    "/tenders/<int:tender_id>/history": READERS,
    # Downloads of the tender's data (tests/exports): officers and auditors.
    "/tenders/<int:tender_id>/bundle.json": READERS,
    "/tenders/<int:tender_id>/commitments.<any(csv, xlsx):fmt>": READERS,
    "/tenders/<int:tender_id>/scores.<any(csv, xlsx):fmt>": READERS,
    "/tenders/<int:tender_id>/ocds.json": READERS,
    "/audit/events.<any(csv, xlsx):fmt>": READERS,
    # PDF reports (tests/exports); a job is seen only by whoever asked for it (the lead
    # officer asked for this one, which has not been produced yet).
    "/tenders/<int:tender_id>/report.pdf": READERS,
    "/tenders/<int:tender_id>/report": NO_GET,
    "/tenders/<int:tender_id>/summaries/<bid_label>.pdf": READERS,
    "/reports/programme.pdf": READERS,
    "/reports/jobs/<int:job_id>": OWNER_ONLY,
    "/reports/jobs/<int:job_id>/download": row(SIGN_IN, 403, 404, 403, 403, 403, 403, 403, 403),
    "/reports/jobs/<int:job_id>/retry": NO_GET,
    # Contract data: there is no contract before the award (its routes are walked by
    # test_contract_routes_by_role.py; these belong to the exports, reports and
    # transparency pages).
    "/contracts/<int:contract_id>/ocds.json": NO_CONTRACT,
    "/contracts/<int:contract_id>/returns.<any(csv, xlsx):fmt>": NO_CONTRACT,
    "/contracts/<int:contract_id>/report.pdf": NO_CONTRACT,
    "/transparency/contracts/<int:contract_id>": everyone(404),
    # Personal API tokens (every signed-in user manages their own).
    "/account/tokens": row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200, 200),
    "/account/tokens/<int:token_id>/revoke": NO_GET,
    # The JSON API authenticates by bearer token only, never by the session cookie: every
    # operation answers 401 here (tests/api covers it with tokens). Its description is public.
    "/api/v1/openapi.json": everyone(200),
    "/api/v1/docs": everyone(200),
    **{rule: everyone(401) for rule in API_GET_ROUTES},
    **{rule: NO_GET for rule in API_WRITE_ONLY_ROUTES},
}

# GET once the contract is awarded: nobody can award again or score any more.
GET_AWARDED: dict[str, Row] = {
    **GET_EVALUATING,
    # The award created the contract: its data is open to officers and auditors, and what it
    # delivers is published for everyone.
    "/contracts/<int:contract_id>/ocds.json": READERS,
    "/contracts/<int:contract_id>/returns.<any(csv, xlsx):fmt>": READERS,
    "/contracts/<int:contract_id>/report.pdf": READERS,
    "/transparency/contracts/<int:contract_id>": everyone(200),
    "/tenders/<int:tender_id>/award": row(SIGN_IN, 403, 403, 403, 403, 403, 403, 403, 403),
    "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>": row(
        SIGN_IN, 403, 403, 403, 403, 403, 403, 403, 403
    ),
}

PUBLIC_POST = "public"  # sign in / sign out: anyone may post (covered by tests/app)

#                   anon     admin officer evaluator panel panel_out supplier supplier_out auditor
MANAGERS_422 = row(SIGN_IN, 422, 422, 422, 403, 403, 403, 403, 403)
MANAGERS_409 = row(SIGN_IN, 409, 409, 409, 403, 403, 403, 403, 403)
EVALUATORS_422 = row(SIGN_IN, 403, 403, 422, 422, 403, 403, 403, 403)

# POST of an empty form (only a valid CSRF token), during evaluation. Forbidden roles are
# refused; allowed roles get the form's errors (422), or 409 where the tender's state forbids
# the change whatever the form says (the plan is locked, bidding is closed).
POST_EVALUATING: dict[str, Row | str] = {
    "/sign-in": PUBLIC_POST,
    "/sign-out": PUBLIC_POST,
    # Bidding has closed: the invited supplier's bid is fixed (409 says so, whatever the form).
    "/supplier/tenders/<int:tender_id>/bid": row(SIGN_IN, 403, 403, 403, 403, 403, 409, 403, 403),
    "/tenders/new": MANAGERS_422,
    "/tenders/<int:tender_id>/details": MANAGERS_422,
    "/tenders/<int:tender_id>/plan": MANAGERS_422,
    "/tenders/<int:tender_id>/criteria/measure": MANAGERS_422,
    "/tenders/<int:tender_id>/criteria/question": MANAGERS_422,
    "/tenders/<int:tender_id>/criteria/<int:criterion_id>/edit": MANAGERS_422,
    "/tenders/<int:tender_id>/criteria/<int:criterion_id>/remove": MANAGERS_409,
    "/tenders/<int:tender_id>/gates": MANAGERS_422,
    "/tenders/<int:tender_id>/gates/<int:gate_id>/remove": MANAGERS_409,
    "/tenders/<int:tender_id>/people": MANAGERS_422,
    "/tenders/<int:tender_id>/publish": MANAGERS_409,
    "/tenders/<int:tender_id>/close-bidding": MANAGERS_409,
    "/tenders/<int:tender_id>/cancel": MANAGERS_422,
    "/tenders/<int:tender_id>/bids/new": MANAGERS_422,
    "/tenders/<int:tender_id>/bids/<int:bid_id>/edit": MANAGERS_422,
    # Evaluators who declared no interests may still declare one later (the form needs an
    # answer); their submitted scores are locked whatever the form says.
    "/tenders/<int:tender_id>/declaration": EVALUATORS_422,
    "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>": row(
        SIGN_IN, 403, 403, 409, 409, 403, 403, 403, 403
    ),
    "/tenders/<int:tender_id>/moderation/<bid_label>/<criterion_code>": MANAGERS_422,
    "/tenders/<int:tender_id>/award": MANAGERS_422,
    "/tenders/<int:tender_id>/report": row(SIGN_IN, 422, 422, 422, 403, 403, 403, 403, 422),
    # Retrying a report that has not failed: its owner is told so on the job's page.
    "/reports/jobs/<int:job_id>/retry": row(
        SIGN_IN, 403, "→/reports/jobs/{job_id}", 403, 403, 403, 403, 403, 403
    ),
    "/account/tokens": row(SIGN_IN, 422, 422, 422, 422, 422, 422, 422, 422),
    # Revoking needs no form: the lead officer's own token is revoked (the one change this
    # walk expects); someone else's token is as unknown as one that does not exist.
    "/account/tokens/<int:token_id>/revoke": row(
        SIGN_IN, 404, "→/account/tokens", 404, 404, 404, 404, 404, 404
    ),
    **{rule: everyone(401) for rule in API_POST_ROUTES},
}

# POSTs that change the database by design even with an empty form: (rule, role).
EXPECTED_CHANGES = {("/account/tokens/<int:token_id>/revoke", "officer")}

POST_AWARDED: dict[str, Row | str] = {
    **POST_EVALUATING,
    "/tenders/<int:tender_id>/award": row(SIGN_IN, 403, 403, 403, 403, 403, 403, 403, 403),
    # An awarded tender cannot be cancelled, whatever the form says.
    "/tenders/<int:tender_id>/cancel": MANAGERS_409,
    "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>": row(
        SIGN_IN, 403, 403, 403, 403, 403, 403, 403, 403
    ),
}


# -- the tender and the people ---------------------------------------------------------------


@dataclass
class World:
    tender_id: int
    users: dict[str, int | None]
    params: dict[str, str]


def build_world(people: Any, *, awarded: bool) -> World:
    """Scenario S1 with a pass/fail gate and a supplier's own bid D; bidding closed; the
    evaluator (Q1, Q2, SV1) and the panel member (SV1) declared and submitted every score.
    ``awarded``: every pair moderated and the contract awarded to bid B."""
    session = db.session
    officer = people.officer
    tender = make_s1_tender(
        session,
        officer,
        evaluators=[people.officer2],
        panel=[people.panel],
        suppliers=[people.supplier],
        publish=False,
        commit=False,
    )
    gate = tender_service.add_gate(
        session, officer, tender, {"title": "Holds Cyber Essentials", "evidence_expected": "Cert"}
    )
    tender_service.publish_plan(session, officer, tender)
    for name, price, sv2 in S1_BIDS:
        bid_service.record_bid(session, officer, tender, s1_bid_data(tender, name, price, sv2))
    bid_service.save_supplier_bid(
        session,
        people.supplier,
        tender,
        s1_bid_data(tender, "Northern Facilities Ltd", Decimal(98000), Decimal(5)),
        submit=True,
    )
    tender_service.close_bidding(session, officer, tender)
    scores = {"Q1": {"A": 3, "B": 4, "C": 5}, "Q2": {"A": 4, "B": 4, "C": 5}}
    scores["SV1"] = {"A": 50, "B": 70, "C": 20}
    bids = bid_service.load_bids(session, tender)
    criteria = {c.code: c for c in tender.criteria}
    for user, codes in ((people.officer2, ("Q1", "Q2", "SV1")), (people.panel, ("SV1",))):
        evaluation_service.declare_interests(session, user, tender, has_conflict=False, details="")
        for code in codes:
            for bid in bids:
                evaluation_service.save_individual_score(
                    session,
                    user,
                    tender,
                    bid,
                    criteria[code],
                    score=Decimal(scores[code].get(bid.label, 2)),
                    rationale=f"{user.display_name} on {bid.label} {code}",
                    submit=True,
                )
    if awarded:
        for code in ("Q1", "Q2", "SV1"):
            for bid in bids:
                evaluation_service.record_consensus(
                    session,
                    officer,
                    tender,
                    bid,
                    criteria[code],
                    score=Decimal(scores[code].get(bid.label, 2)),
                    reason="Agreed at moderation",
                )
        decision = evaluation_service.award_tender(
            session, officer, tender, rationale="Highest score under the published plan"
        )
        assert decision.bid.label == "B"
    job = report_jobs.create_job(
        session, officer, kind="tender", tender=tender, title="Tender evaluation report"
    )
    token, _secret = api_tokens.create_token(session, officer, "Route walk")
    contract = contract_service.contract_for_tender(session, tender.id)
    session.commit()
    by_label = {bid.label: bid for bid in bids}
    assert by_label["D"].supplier_user_id == people.supplier.id
    return World(
        tender_id=tender.id,
        users={
            "anonymous": None,
            "admin": people.admin.id,
            "officer": people.officer.id,
            "evaluator": people.officer2.id,
            "panel": people.panel.id,
            "panel_out": people.panel2.id,
            "supplier": people.supplier.id,
            "supplier_out": people.supplier2.id,
            "auditor": people.auditor.id,
        },
        params={
            "tender_id": str(tender.id),
            "bid_id": str(by_label["A"].id),
            "criterion_id": str(criteria["Q1"].id),
            "gate_id": str(gate.id),
            # Both the evaluator and the panel member score SV1.
            "bid_label": "B",
            "criterion_code": "SV1",
            "framework_id": "gm-social-value-framework",
            "version": "2020",
            "filename": "css/app.css",
            "fmt": "csv",
            "token_id": str(token.id),
            "job_id": str(job.id),
            "version_id": "1",
            # Before the award there is no contract (and the API answers 401 whatever the ids).
            "contract_id": str(contract.id) if contract is not None else "999999",
            "return_id": "999999",
            "line_id": "999999",
        },
    )


PARAMETER = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def fill(rule: str, params: dict[str, str]) -> str:
    return PARAMETER.sub(lambda match: params[match.group(1)], rule)


def app_rules(app: Any) -> dict[str, set[str]]:
    """Every rule of the app with its methods (HEAD and OPTIONS left out)."""
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("contracts."):
            continue  # walked by tests/views/test_contract_routes_by_role.py on a contract
        rules.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return rules


# -- database fingerprint: nothing may change on a refused or empty POST ----------------------


# -- clients ---------------------------------------------------------------------------------


class Walker:
    """One signed-in client per role, each with its CSRF token."""

    def __init__(self, app: Any, world: World) -> None:
        self.world = world
        self.clients: dict[str, FreshClient] = {}
        self.tokens: dict[str, str] = {}
        for role, user_id in world.users.items():
            client = FreshClient(app, app.response_class, use_cookies=True)
            if user_id is not None:
                user = db.session.get(User, user_id)
                assert user is not None
                with client.session_transaction() as session:
                    session["_user_id"] = user.get_id()
                    session["_fresh"] = True
            page = client.get("/sign-in" if user_id is None else "/")
            self.tokens[role] = csrf_token(text(page))
            self.clients[role] = client

    def request(self, role: str, method: str, url: str) -> Any:
        client = self.clients[role]
        db.session.remove()
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": self.tokens[role]})
        response.close()  # static files are streamed from an open file
        db.session.remove()
        return response


def outcome(response: Any) -> Expected:
    """The response as the tables write it: a status, or "→/path" for a redirect."""
    if response.status_code == 302:
        return "→" + urlsplit(response.headers["Location"]).path
    return int(response.status_code)


def walk(
    walker: Walker,
    method: str,
    table: dict[str, Any],
    check: Callable[[str, str, str], None] | None = None,
) -> list[str]:
    problems = []
    for rule, expectations in table.items():
        if expectations == PUBLIC_POST:
            continue
        url = fill(rule, walker.world.params)
        for role in ROLES:
            expected = expectations[role]
            if isinstance(expected, str):
                expected = expected.format(**walker.world.params)
            got = outcome(walker.request(role, method, url))
            if got != expected:
                problems.append(f"{method} {url} as {role}: expected {expected}, got {got}")
            if check is not None:
                check(rule, role, url)
    return problems


# -- the tests -------------------------------------------------------------------------------


def test_every_route_has_an_expectation(app: Any) -> None:
    rules = app_rules(app)
    assert set(rules) == set(GET_EVALUATING), (
        "add the new route to GET_EVALUATING (and POST_EVALUATING if it takes POST): "
        f"missing {sorted(set(rules) - set(GET_EVALUATING))}, "
        f"stale {sorted(set(GET_EVALUATING) - set(rules))}"
    )
    takes_post = {rule for rule, methods in rules.items() if "POST" in methods}
    assert takes_post == set(POST_EVALUATING)
    post_only = {rule for rule, methods in rules.items() if "GET" not in methods}
    assert post_only == {rule for rule, row in GET_EVALUATING.items() if row is NO_GET}
    for table in (GET_EVALUATING, GET_AWARDED, POST_EVALUATING, POST_AWARDED):
        for expectations in table.values():
            assert expectations == PUBLIC_POST or set(expectations) == set(ROLES)


@pytest.mark.parametrize("state", ["evaluating", "awarded"])
def test_get_every_route_as_every_role(app: Any, people: Any, state: str) -> None:
    world = build_world(people, awarded=state == "awarded")
    walker = Walker(app, world)
    table = GET_AWARDED if state == "awarded" else GET_EVALUATING
    problems = walk(walker, "GET", table)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("state", ["evaluating", "awarded"])
def test_post_every_route_as_every_role_changes_nothing(app: Any, people: Any, state: str) -> None:
    world = build_world(people, awarded=state == "awarded")
    walker = Walker(app, world)
    table = POST_AWARDED if state == "awarded" else POST_EVALUATING
    before = fingerprint()
    tender = db.session.get(Tender, world.tender_id)
    assert tender is not None
    status = tender.status
    changed: list[str] = []

    def unchanged(rule: str, role: str, url: str) -> None:
        nonlocal before
        after = fingerprint()
        if (rule, role) in EXPECTED_CHANGES:
            if after == before:
                changed.append(f"POST {url} as {role} was expected to change something")
        elif after != before:
            diff = {
                name: (before[name], after[name]) for name in after if after[name] != before[name]
            }
            changed.append(f"POST {url} as {role} changed {diff}")
        before = after

    problems = walk(walker, "POST", table, check=unchanged)
    assert problems == [], "\n".join(problems)
    assert changed == [], "\n".join(changed)
    tender = db.session.get(Tender, world.tender_id)
    assert tender is not None and tender.status == status


# Unknown and absurd values for each URL parameter.
UNKNOWN = {
    "tender_id": ["999999", "99999999999999999999999"],
    "bid_id": ["999999", "99999999999999999999999"],
    "criterion_id": ["999999", "99999999999999999999999"],
    "gate_id": ["999999", "99999999999999999999999"],
    "bid_label": ["Z", "a" * 300],
    "criterion_code": ["Q99", "%00"],
    "framework_id": ["no-such-framework"],
    "version": ["1999"],
    "filename": ["css/no-such-file.css"],
    "token_id": ["999999", "99999999999999999999999"],
    "job_id": ["999999", "99999999999999999999999"],
    "contract_id": ["999999", "99999999999999999999999"],
    "fmt": ["pdf"],
}
# Who to try the unknown values as: someone who may use the page with the right ids.
AS_ROLE = {
    "/supplier/tenders/<int:tender_id>/bid": "supplier",
    "/tenders/<int:tender_id>/declaration": "evaluator",
    "/tenders/<int:tender_id>/evaluate": "evaluator",
    "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>": "evaluator",
    # The lead officer's own report job and API token.
    "/reports/jobs/<int:job_id>": "officer",
    "/reports/jobs/<int:job_id>/download": "officer",
    "/reports/jobs/<int:job_id>/retry": "officer",
    "/account/tokens/<int:token_id>/revoke": "officer",
}


@pytest.mark.parametrize("state", ["evaluating", "awarded"])
def test_unknown_ids_are_not_found(app: Any, people: Any, state: str) -> None:
    world = build_world(people, awarded=state == "awarded")
    walker = Walker(app, world)
    problems = []
    before = fingerprint()
    for rule, methods in app_rules(app).items():
        if rule.startswith("/api/"):
            continue  # token-authenticated: tests/api checks its unknown ids (404 problems)
        names = PARAMETER.findall(rule)
        role = AS_ROLE.get(rule, "admin")
        if rule == "/tenders/<int:tender_id>/evaluate/<bid_label>/<criterion_code>" and (
            state == "awarded"
        ):
            continue  # nobody may score once awarded (403 before the ids are looked at)
        for name in names:
            for value in UNKNOWN[name]:
                url = fill(rule, {**world.params, name: value})
                for method in sorted(methods & {"GET", "POST"}):
                    got = outcome(walker.request(role, method, url))
                    if got != 404:
                        problems.append(f"{method} {url} as {role}: expected 404, got {got}")
    assert problems == [], "\n".join(problems)
    assert fingerprint() == before
