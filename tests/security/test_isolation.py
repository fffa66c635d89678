"""One supplier cannot reach another supplier's data by changing ids, on any route.

Two suppliers, A and B: both invited to tender T1 (each with its own submitted bid), A alone to
tender T2 (with a bid); each has a contract (CA, CB) with a filed return, an evidence file and a
query on one figure; each has an API token. Everything of A's carries the marker ALPHA7731.

Every rule of the URL map that takes an object id (web pages and /api/v1 alike) is requested
by B with A's ids, in three ways: all of A's ids; the shared tender with A's bid in it; and B's
own contract or tender with A's returns, lines, evidence, KPIs, actions and bids under it. GET
and every write method are tried, writes with the form A would really submit (taken from A's
own pages) or A's own JSON. B gets 403 or 404 (or, for a write, exactly what it gets for an id
that does not exist), never any of A's data, and the database does not change. The few routes
where B legitimately sees the shared tender are listed in ``B_MAY_USE`` and are still checked
for A's data. A route whose ids this test does not know fails it until it is classified.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from contract_support import S4_DELIVERED, TODAY
from crawler import crawl, find_form
from factories import (
    FreshClient,
    csrf_token,
    fingerprint,
    make_s1_tender,
    make_user,
    s1_bid_data,
    sign_in,
    text,
)
from html_inspect import buttons, form_data, parse
from scenario import World, fill

from socialvalue.extensions import db
from socialvalue.models import ApiToken, Bid, EvidenceFile, ReturnLine, Role
from socialvalue.services import api_tokens, report_jobs
from socialvalue.services import bids as bid_service
from socialvalue.services import contracts as contract_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.demo import S4_PERIOD_END, S4_SUPPLIERS, build_s4_contract
from socialvalue.services.evidence import Upload

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]

MARK = "ALPHA7731"
A_PRICE = Decimal("123457.89")
#: Text of A's that B must never see, even on pages B may use.
PRIVATE = (MARK, "alpha7731", "123457.89", "123,457.89", "123457", "123,457")
EVIDENCE_BYTES = f"month,jobs,{MARK}\n2026-07,3,{MARK}\n".encode()

#: Route parameters that are not objects anybody owns.
NOT_OBJECTS = {"framework_id", "version", "version_id", "filename", "fmt"}
#: Every kind of object id a route may take (a new kind fails the test until added).
OBJECT_IDS = {
    "tender_id",
    "bid_id",
    "bid_label",
    "criterion_id",
    "criterion_code",
    "gate_id",
    "contract_id",
    "kpi_id",
    "return_id",
    "line_id",
    "evidence_id",
    "action_id",
    "job_id",
    "token_id",
}
#: Ids of records that belong to a tender or contract (the rest are the tender or contract).
CHILD_IDS = OBJECT_IDS - {"tender_id", "contract_id"}
#: (rule, method, way) where B may use the route (the shared tender, B's own bid): B is
#: answered, but A's data must not be in the answer and A's records must not change.
B_MAY_USE = {
    ("/tenders/<int:tender_id>/", "GET", "shared"),
    ("/supplier/tenders/<int:tender_id>/bid", "GET", "shared"),
    ("/supplier/tenders/<int:tender_id>/bid", "POST", "shared"),
    ("/api/v1/tenders/<int:tender_id>", "GET", "shared"),
    ("/api/v1/tenders/<int:tender_id>/my-bid", "GET", "shared"),
    ("/api/v1/tenders/<int:tender_id>/my-bid", "PUT", "shared"),
    ("/transparency/contracts/<int:contract_id>", "GET", "a"),
}
# The published contract page is public by design: its reference and supplier are public.
PUBLIC = {"/transparency/contracts/<int:contract_id>"}
PARAMETER = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


class Isolation:
    def __init__(self, app: Any) -> None:
        session = db.session
        officer = make_user(session, Role.OFFICER, name="Olu Officer")
        panel = make_user(session, Role.PANEL, name="Priya Panel")
        self.a = make_user(
            session, Role.SUPPLIER, email="alpha7731@example.org", name=f"Ann {MARK}"
        )
        self.b = make_user(session, Role.SUPPLIER, email="beta@example.org", name="Ben Beta")
        shared = self._tender(officer, [self.a, self.b])
        alone = self._tender(officer, [self.a])
        a_shared = self._bid(shared, self.a, A_PRICE)
        self._bid(shared, self.b, Decimal("99000"))
        a_alone = self._bid(alone, self.a, A_PRICE)
        contract_a = build_s4_contract(
            session, officer, reference=f"GM-{MARK}", supplier_user=self.a, panel_user=panel
        )
        contract_b = build_s4_contract(
            session,
            officer,
            reference="GM-BETA-0002",
            supplier_user=self.b,
            supplier_name=S4_SUPPLIERS[1][0],
        )
        return_a = self._return(app, contract_a, self.a, officer)
        self._return(app, contract_b, self.b, officer)
        action_a = contract_service.add_remedial_action(
            session,
            officer,
            contract_a,
            {"note": f"{MARK} catch up", "owner": "Ann", "due_on": S4_PERIOD_END, "kpi_id": None},
        )
        job = report_jobs.create_job(
            session, officer, kind="tender", tender=alone, title=f"{MARK} report"
        )
        token_a, self.secret_a = api_tokens.create_token(session, self.a, f"{MARK} token")
        _token_b, self.secret_b = api_tokens.create_token(session, self.b, "beta token")
        session.commit()
        evidence_a = session.execute(
            sa.select(EvidenceFile).where(EvidenceFile.return_id == return_a.id)
        ).scalar_one()
        queried = next(line for line in return_a.lines if line.status == "queried")
        criteria_alone = {c.code: c for c in alone.criteria}
        criteria_shared = {c.code: c for c in shared.criteria}
        a_ids = {
            "contract_id": contract_a.id,
            "kpi_id": contract_a.kpis[0].id,
            "return_id": return_a.id,
            "line_id": queried.id,
            "evidence_id": evidence_a.id,
            "action_id": action_a.id,
            "job_id": job.id,
            "token_id": token_a.id,
        }
        self.ways: dict[str, dict[str, str]] = {
            # Everything A's: A's own tender, bid, contract and its records.
            "a": as_text(
                {
                    **a_ids,
                    "tender_id": alone.id,
                    "bid_id": a_alone.id,
                    "bid_label": a_alone.label,
                    "criterion_id": criteria_alone["Q1"].id,
                    "criterion_code": "Q1",
                    "gate_id": alone.gates[0].id,
                }
            ),
            # The tender B is also invited to, with A's bid in it.
            "shared": as_text(
                {
                    **a_ids,
                    "tender_id": shared.id,
                    "bid_id": a_shared.id,
                    "bid_label": a_shared.label,
                    "criterion_id": criteria_shared["Q1"].id,
                    "criterion_code": "Q1",
                    "gate_id": shared.gates[0].id,
                }
            ),
            # B's own contract with A's records under it.
            "swapped": as_text(
                {
                    **a_ids,
                    "contract_id": contract_b.id,
                    "tender_id": shared.id,
                    "bid_id": a_shared.id,
                    "bid_label": a_shared.label,
                    "criterion_id": criteria_shared["Q1"].id,
                    "criterion_code": "Q1",
                    "gate_id": shared.gates[0].id,
                }
            ),
        }
        self.a_bids = (a_shared.id, a_alone.id)
        self.bodies: dict[tuple[str, str], Any] = {}
        self.a_return = return_a.id
        self.officer = officer
        self.clients = {
            "a": sign_in(FreshClient(app, app.response_class, use_cookies=True), self.a),
            "b": sign_in(FreshClient(app, app.response_class, use_cookies=True), self.b),
            "officer": sign_in(FreshClient(app, app.response_class, use_cookies=True), officer),
        }
        self.tokens = {role: csrf_token(text(c.get("/"))) for role, c in self.clients.items()}
        self.tender_ids = {"shared": shared.id, "alone": alone.id}
        db.session.remove()

    def _tender(self, officer: Any, suppliers: list[Any]) -> Any:
        session = db.session
        tender = make_s1_tender(
            session, officer, suppliers=suppliers, publish=False, record_bids=False, commit=False
        )
        tender_service.add_gate(
            session, officer, tender, {"title": "Holds Cyber Essentials", "evidence_expected": "x"}
        )
        tender_service.publish_plan(session, officer, tender)
        return tender

    def _bid(self, tender: Any, supplier: Any, price: Decimal) -> Bid:
        name = f"Alpha {MARK} Ltd" if supplier is self.a else "Beta Services Ltd"
        data = s1_bid_data(tender, name, price, Decimal(4))
        for commitment in data["commitments"].values():
            commitment["narrative"] = f"{name} promises local jobs"
        return bid_service.save_supplier_bid(db.session, supplier, tender, data, submit=True)

    def _return(self, app: Any, contract: Any, supplier: Any, officer: Any) -> Any:
        session = db.session
        kpis = {k.measure_code or k.criterion_code: k for k in contract.kpis}
        words = MARK if supplier is self.a else "Beta"
        delivery_return = contract_service.record_return(
            session,
            supplier,
            contract,
            period_end=S4_PERIOD_END,
            quantities={kpi.id: S4_DELIVERED[code] for code, kpi in kpis.items()},
            narrative=f"{words} narrative of the half year",
            uploads=[Upload(f"{words.lower()}-payroll.csv", EVIDENCE_BYTES.replace(b"ALPHA", b"X"))]
            if supplier is not self.a
            else [Upload("alpha7731-payroll.csv", EVIDENCE_BYTES)],
            upload_dir=str(app.config["UPLOAD_DIR"]),
            today=TODAY,
        )
        contract_service.decide_line(
            session,
            officer,
            contract,
            delivery_return.lines[1],
            decision="queried",
            text=f"{words}: which months?",
        )
        return delivery_return

    def a_records(self) -> dict[str, Any]:
        """A's bids, return lines, evidence and token as they stand (to prove none changed)."""
        session = db.session
        session.expire_all()
        state = {
            "bids": session.execute(
                sa.select(Bid.id, Bid.version_id, Bid.status, Bid.price, Bid.supplier_name)
                .where(Bid.id.in_(self.a_bids))
                .order_by(Bid.id)
            ).all(),
            "lines": session.execute(
                sa.select(ReturnLine.id, ReturnLine.version_id, ReturnLine.status)
                .where(ReturnLine.return_id == self.a_return)
                .order_by(ReturnLine.id)
            ).all(),
            "evidence": session.execute(
                sa.select(sa.func.count()).select_from(EvidenceFile)
            ).scalar_one(),
            "token": session.execute(
                sa.select(ApiToken.revoked_at).where(ApiToken.user_id == self.a.id)
            ).all(),
        }
        session.rollback()
        return state


def as_text(values: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


def object_rules(app: Any) -> Iterator[tuple[str, set[str]]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        names = set(PARAMETER.findall(rule.rule))
        if names - NOT_OBJECTS:
            rules.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    yield from sorted(rules.items())


def leaked(body: str, rule: str) -> list[str]:
    markers = PRIVATE if rule not in PUBLIC else tuple(m for m in PRIVATE if "7731" not in m)
    found = [m for m in markers if m in body]
    if rule in PUBLIC:
        # The public page may name the contract, but not A's narratives, evidence or answers.
        found += [m for m in ("narrative", "payroll", "which months") if m in body.lower()]
    return found


@pytest.fixture
def world(app: Any) -> Isolation:
    return Isolation(app)


def forms_by_action(app: Any, iso: Isolation) -> dict[str, dict[str, Any]]:
    """The forms A and the officer really submit, by the path they post to."""
    found: dict[str, dict[str, Any]] = {}
    for role in ("a", "officer"):
        for way in ("a", "shared"):
            walk_world = World(
                users={},
                tenders={"t": int(iso.ways[way]["tender_id"])},
                contract_id=int(iso.ways[way]["contract_id"]),
                params={
                    **iso.ways[way],
                    "framework_id": "gm-social-value-framework",
                    "version": "2020",
                    "version_id": "1",
                    "filename": "css/app.css",
                    "fmt": "csv",
                },
                secrets={},
                clients={role: iso.clients[role]},
            )
            for visit in crawl(app, walk_world, role, limit=80):
                if visit.status != 200 or not visit.html:
                    continue
                for form in parse(visit.html).forms:
                    action = urlsplit(form.action or visit.url).path
                    if form.method == "post" and action not in found:
                        current = find_form(visit.html, form, visit.url) or form
                        found[action] = form_data(current, {}, buttons(current)[0])
    return found


DATES = {"contract_start": "2027-04-01", "contract_end": "2029-03-31"}


def minimal_value(schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("enum"):
        return next(v for v in schema["enum"] if v is not None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        names = schema.get("required") or ["title", "group", "weight", "scale_max"]
        return {
            name: DATES.get(name) or minimal_value(schema["properties"][name], schemas)
            for name in names
            if name in schema.get("properties", {})
        }
    return {
        "array": [],
        "integer": 1,
        "number": 1,
        "boolean": False,
    }.get(
        kind,
        {"decimal": "1", "date": "2026-06-30", "date-time": "2027-01-01T12:00:00+00:00"}.get(
            schema.get("format", ""), "Ben was here"
        ),
    )


def minimal_bodies(app: Any, iso: Isolation) -> dict[tuple[str, str], Any]:
    """For each API write, with each way of filling its ids: the smallest valid JSON body."""
    spec = FreshClient(app, app.response_class).get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    bodies = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("put", "post", "delete"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            missing = dict.fromkeys(OBJECT_IDS, "999999")
            for ids in (*iso.ways.values(), missing):
                url = re.sub(r"\{([a-z_]+)\}", lambda m, ids=ids: ids[m.group(1)], path)
                bodies[(method.upper(), url)] = minimal_value(schema, schemas)
    return bodies


def test_every_route_with_an_id_is_classified(app: Any) -> None:
    unknown = {
        rule: sorted(set(PARAMETER.findall(rule)) - NOT_OBJECTS - OBJECT_IDS)
        for rule, _methods in object_rules(app)
        if set(PARAMETER.findall(rule)) - NOT_OBJECTS - OBJECT_IDS
    }
    assert unknown == {}, f"classify these route parameters in OBJECT_IDS or NOT_OBJECTS: {unknown}"
    assert {rule for rule, _m, _w in B_MAY_USE} <= {rule for rule, _m in object_rules(app)}


def test_supplier_b_cannot_reach_supplier_a_data(app: Any, world: Isolation) -> None:
    iso = world
    forms = forms_by_action(app, iso)
    iso.bodies = minimal_bodies(app, iso)
    b = iso.clients["b"]
    problems: list[str] = []
    checked = 0
    used: set[tuple[str, str, str]] = set()
    before_all = fingerprint()
    a_before = iso.a_records()
    for rule, methods in object_rules(app):
        names = set(PARAMETER.findall(rule))
        api = rule.startswith("/api/")
        urls_seen: set[str] = set()
        for way, ids in iso.ways.items():
            if way == "swapped" and not names & CHILD_IDS:
                continue  # nothing of A's under B's own contract or tender: B's own page
            params = {**ids, "framework_id": "x", "version": "1", "version_id": "1", "fmt": "csv"}
            url = fill(rule, params)
            if url in urls_seen:
                continue
            urls_seen.add(url)
            missing = fill(rule, {**params, **dict.fromkeys(names & OBJECT_IDS, "999999")})
            for method in sorted(methods):
                label = f"{method} {url} ({way})"
                allowed = (rule, method, way) in B_MAY_USE
                before = fingerprint()
                response = request(iso, b, method, url, api, forms)
                body = response.get_data(as_text=True)
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"{label}: {response.status_code}")
                problems.extend(f"{label}: shows A's {m!r}" for m in leaked(body, rule))
                if allowed:
                    used.add((rule, method, way))
                    if iso.a_records() != a_before:
                        problems.append(f"{label}: changed A's records")
                        a_before = iso.a_records()
                    continue
                if fingerprint() != before:
                    problems.append(f"{label}: changed the database")
                if response.status_code in (403, 404):
                    continue
                if method != "GET" and response.status_code < 500:
                    # Refused before the ids are even looked at (the body or a precondition is
                    # checked first): fine if an id that does not exist gets the same answer.
                    other = request(iso, b, method, missing, api, forms)
                    if other.status_code == response.status_code and response.status_code >= 400:
                        continue
                problems.append(f"{label}: {response.status_code}, expected 403 or 404")
    assert checked > 150
    assert problems == [], "\n".join(problems)
    assert used == B_MAY_USE, f"B_MAY_USE entries never exercised: {B_MAY_USE - used}"
    # Apart from B's own bid on the shared tender (which B may save), nothing changed.
    after_all = fingerprint()
    changed = {t for t in after_all if after_all[t] != before_all[t]}
    own_bid = {"bids", "bid_commitments", "bid_responses", "bid_gate_answers", "audit_events"}
    assert changed <= own_bid, changed
    assert iso.a_records() == a_before


def request(
    iso: Isolation, client: FreshClient, method: str, url: str, api: bool, forms: dict[str, Any]
) -> Any:
    db.session.remove()
    if api:
        headers = {"Authorization": f"Bearer {iso.secret_b}"}
        body: Any = None
        if method in ("PUT", "POST", "DELETE"):
            # A valid body (so the request gets past validation to the access check) and the
            # ETag A sees for the object, as if B had read it.
            body = iso.bodies.get((method, urlsplit(url).path))
            for read in (url, url.rsplit("/", 1)[0]):
                as_a = iso.clients["a"].get(
                    read, headers={"Authorization": f"Bearer {iso.secret_a}"}
                )
                if as_a.status_code == 200 and as_a.headers.get("ETag"):
                    headers["If-Match"] = as_a.headers["ETag"]
                    break
        response = client.open(url, method=method, headers=headers, json=body)
    elif method == "GET":
        response = client.get(url)
    else:
        data = {**forms.get(urlsplit(url).path, {}), "csrf_token": iso.tokens["b"]}
        response = client.open(url, method=method, data=data)
    response.close()
    db.session.remove()
    return response


def test_api_tokens_are_personal(app: Any, world: Isolation) -> None:
    """B's token sees B's things only; A's token cannot be revoked, or even found, by B."""
    iso = world
    b = iso.clients["b"]
    headers = {"Authorization": f"Bearer {iso.secret_b}"}
    for url in ("/api/v1/tenders", "/api/v1/contracts", "/api/v1/audit-events"):
        response = b.get(url, headers=headers)
        assert response.status_code in (200, 403), (url, response.status_code)
        assert leaked(response.get_data(as_text=True), url) == [], url
    listing = text(b.get("/account/tokens"))
    assert MARK not in listing and "beta token" in listing
    token_id = iso.ways["a"]["token_id"]
    response = b.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": iso.tokens["b"]})
    assert response.status_code == 404
    assert iso.a_records()["token"] == [(None,)]
    # A's token is A's: it works for A and shows A's bid, and only A's.
    mine = iso.clients["a"].get(
        f"/api/v1/tenders/{iso.tender_ids['shared']}/my-bid",
        headers={"Authorization": f"Bearer {iso.secret_a}"},
    )
    assert mine.status_code == 200 and MARK in mine.get_data(as_text=True)
    theirs = b.get(f"/api/v1/tenders/{iso.tender_ids['shared']}/my-bid", headers=headers)
    assert theirs.status_code == 200 and MARK not in theirs.get_data(as_text=True)


def test_listings_show_b_only_its_own(app: Any, world: Isolation) -> None:
    b = world.clients["b"]
    for url in ("/", "/supplier/", "/contracts/", "/tenders/", "/account/tokens"):
        response = b.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert leaked(text(response), url) == [], url
