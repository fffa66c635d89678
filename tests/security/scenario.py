"""A rich, committed scenario for the security tests, built through the services.

Three tenders (a draft with its plan being written, one open for bids, one under evaluation),
the S4 contract with an unverified return, an evidence file and an open remedial action, one
user of every role with a signed-in test client each, an API token per user and a report job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from contract_support import PNG, TODAY
from factories import FreshClient, csrf_token, make_s1_tender, make_user, sign_in, text

from socialvalue.extensions import db
from socialvalue.models import EvidenceFile, Role, User
from socialvalue.services import api_tokens, report_jobs
from socialvalue.services import bids as bid_service
from socialvalue.services import contracts as contract_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services.demo import S4_PERIOD_END, build_s4_contract
from socialvalue.services.evidence import Upload

ROLES = ("admin", "officer", "evaluator", "panel", "supplier", "auditor")


@dataclass
class World:
    users: dict[str, int]
    tenders: dict[str, int]
    contract_id: int
    params: dict[str, str]
    secrets: dict[str, str]
    clients: dict[str, FreshClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User:
        user = db.session.get(User, self.users[role])
        assert user is not None
        return user


def build_world(app: Any) -> World:
    session = db.session
    people = {
        "admin": make_user(session, Role.ADMIN, name="Alex Admin"),
        "officer": make_user(session, Role.OFFICER, name="Olu Officer", organisation="GMCA"),
        "evaluator": make_user(session, Role.OFFICER, name="Orla Officer", organisation="GMCA"),
        "panel": make_user(session, Role.PANEL, name="Priya Panel", organisation="Salford CVS"),
        "supplier": make_user(
            session, Role.SUPPLIER, name="Sam Supplier", organisation="Northern Facilities Ltd"
        ),
        "auditor": make_user(session, Role.AUDITOR, name="Ada Auditor"),
    }
    officer = people["officer"]
    draft = make_s1_tender(session, officer, publish=False, commit=False)
    open_tender = make_s1_tender(
        session, officer, suppliers=[people["supplier"]], close=False, commit=False
    )
    evaluating = make_s1_tender(
        session,
        officer,
        evaluators=[people["evaluator"]],
        panel=[people["panel"]],
        suppliers=[people["supplier"]],
        commit=False,
    )
    evaluation_service.declare_interests(
        session, people["evaluator"], evaluating, has_conflict=False, details=""
    )
    bids = bid_service.load_bids(session, evaluating)
    criteria = {c.code: c for c in evaluating.criteria}
    evaluation_service.save_individual_score(
        session,
        people["evaluator"],
        evaluating,
        bids[0],
        criteria["Q1"],
        score=Decimal(3),
        rationale="A draft rationale",
        submit=False,
    )
    contract = build_s4_contract(
        session,
        officer,
        reference="GM-SEC-S4",
        supplier_user=people["supplier"],
        panel_user=people["panel"],
    )
    kpis = {k.measure_code or k.criterion_code: k for k in contract.kpis}
    from contract_support import S4_DELIVERED

    delivery_return = contract_service.record_return(
        session,
        people["supplier"],
        contract,
        period_end=S4_PERIOD_END,
        quantities={kpi.id: S4_DELIVERED[code] for code, kpi in kpis.items()},
        narrative="Six months in.",
        uploads=[Upload("payroll.png", PNG)],
        upload_dir=str(app.config["UPLOAD_DIR"]),
        today=TODAY,
    )
    # One figure queried, so the supplier has a query to answer.
    contract_service.decide_line(
        session,
        officer,
        contract,
        delivery_return.lines[1],
        decision="queried",
        text="Which payroll month is this?",
    )
    action = contract_service.add_remedial_action(
        session,
        officer,
        contract,
        {"note": "Catch up", "owner": "Sam", "due_on": S4_PERIOD_END, "kpi_id": None},
    )
    job = report_jobs.create_job(
        session, officer, kind="tender", tender=evaluating, title="Tender evaluation report"
    )
    secrets = {}
    token_ids = {}
    for role, user in people.items():
        token, secret = api_tokens.create_token(session, user, f"{role} token")
        secrets[role] = secret
        token_ids[role] = token.id
    session.commit()
    evidence = session.execute(sa.select(EvidenceFile)).scalar_one()
    world = World(
        users={role: user.id for role, user in people.items()},
        tenders={"draft": draft.id, "open": open_tender.id, "evaluating": evaluating.id},
        contract_id=contract.id,
        params={
            "tender_id": str(evaluating.id),
            "bid_id": str(bids[0].id),
            "bid_label": bids[0].label,
            "criterion_id": str(criteria["Q1"].id),
            "criterion_code": "Q1",
            "gate_id": "999999",
            "contract_id": str(contract.id),
            "kpi_id": str(contract.kpis[0].id),
            "return_id": str(delivery_return.id),
            "line_id": str(delivery_return.lines[0].id),
            "evidence_id": str(evidence.id),
            "action_id": str(action.id),
            "job_id": str(job.id),
            "token_id": str(token_ids["officer"]),
            "framework_id": "gm-social-value-framework",
            "version": "2020",
            "version_id": "1",
            "filename": "css/app.css",
            "fmt": "csv",
        },
        secrets=secrets,
    )
    for role in ("anonymous", *ROLES):
        client = FreshClient(app, app.response_class, use_cookies=True)
        if role != "anonymous":
            sign_in(client, world.user(role))
        world.clients[role] = client
        world.tokens[role] = csrf_token(
            text(client.get("/sign-in" if role == "anonymous" else "/"))
        )
    db.session.remove()
    return world


PARAMETER = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def fill(rule: str, params: dict[str, str]) -> str:
    return PARAMETER.sub(lambda match: params[match.group(1)], rule)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())
