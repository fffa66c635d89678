"""Export downloads (officers, admins and auditors only) and the public transparency page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from contract_support import TODAY, build_s4, file_s4_return
from factories import count_queries

from socialvalue.extensions import db
from socialvalue.models import User
from socialvalue.models.tender import TenderStatus
from socialvalue.services import audit as audit_service
from socialvalue.services import contracts as contract_service

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))

from exports_support import EVIL, moderated_s1, ocds_errors

pytestmark = pytest.mark.usefixtures("synced_frameworks")
Client = Callable[[User | None], Any]


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_exports_are_for_officers_admins_and_auditors_only(
    app: Any, people: Any, client_for: Client
) -> None:
    scenario = moderated_s1()
    tid = scenario.tender.id
    urls = [
        f"/tenders/{tid}/scores.csv",
        f"/tenders/{tid}/scores.xlsx",
        f"/tenders/{tid}/commitments.csv",
        f"/tenders/{tid}/commitments.xlsx",
        f"/tenders/{tid}/bundle.json",
        f"/tenders/{tid}/ocds.json",
        "/audit/events.csv",
        f"/audit/events.xlsx?tender={tid}",
    ]
    for url in urls:
        assert client_for(None).get(url).status_code == 302, url  # to the sign-in page
        for user in (people.supplier, people.panel, scenario.panel[0]):
            assert client_for(user).get(url).status_code == 403, (url, user.role)
        for user in (scenario.officer, people.officer, people.admin, people.auditor):
            response = client_for(user).get(url)
            assert response.status_code == 200, (url, user.role)
            assert response.headers["Cache-Control"] == "no-store"
            assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "url",
    [
        "/tenders/999999/scores.csv",
        "/tenders/99999999999999999999/scores.xlsx",
        "/tenders/999999/bundle.json",
        "/tenders/999999/ocds.json",
        "/tenders/1/scores.pdf",
        "/contracts/999999/returns.csv",
        "/contracts/99999999999999999999/ocds.json",
        "/audit/events.csv?tender=abc",
        "/audit/events.csv?tender=999999",
        "/audit/events.csv?tender=99999999999999999999",
        "/audit/events.xlsx?contract=-1",
        "/transparency/contracts/999999",
        "/transparency/contracts/99999999999999999999",
    ],
)
def test_unknown_ids_and_bad_filters_are_not_found(
    app: Any, people: Any, client_for: Client, url: str
) -> None:
    assert client_for(people.auditor).get(url).status_code == 404


def test_an_evaluating_officer_cannot_download_scores_before_submitting_their_own(
    app: Any, people: Any, client_for: Client
) -> None:
    from evaluation_support import build_scenario, declare_all

    scenario = build_scenario(panel_count=1)
    declare_all(scenario)
    response = client_for(scenario.officer).get(f"/tenders/{scenario.tender_id}/scores.csv")
    assert response.status_code == 403
    assert (
        client_for(people.auditor).get(f"/tenders/{scenario.tender_id}/scores.csv").status_code
        == 200
    )


def test_scores_matrix_has_every_individual_and_consensus_score(
    app: Any, people: Any, client_for: Client
) -> None:
    scenario = moderated_s1(suppliers=(EVIL,))
    client = client_for(people.auditor)
    rows = xlsx_rows(client.get(f"/tenders/{scenario.tender_id}/scores.xlsx"))
    # Two evaluators x three criteria x three bids, plus a consensus for each pair.
    assert len(rows) == 18 + 9
    assert sum(r["Score type"] == "Individual" for r in rows) == 18
    assert sum(r["Score type"] == "Consensus" for r in rows) == 9
    b_q1 = [r for r in rows if r["Bid"] == "B" and r["Criterion"] == "Q1"]
    assert {(r["Score type"], r["Score"]) for r in b_q1} == {("Individual", 4), ("Consensus", 4)}
    consensus = next(r for r in b_q1 if r["Score type"] == "Consensus")
    assert consensus["Rationale or reason"] == "Panel agreed 4 for Bid B on Q1"
    assert isinstance(consensus["Recorded at (UTC)"], __import__("datetime").datetime)
    assert {r["Evaluator"] for r in rows if r["Score type"] == "Individual"} == {
        u.display_name for u in scenario.evaluators
    }
    evil = [r for r in rows if r["Bid"] == "A"]
    assert evil and all(r["Supplier"] == "'" + EVIL for r in evil)
    csv_export = csv_rows(client.get(f"/tenders/{scenario.tender_id}/scores.csv"))
    assert len(csv_export) == 27
    assert {r["Supplier"] for r in csv_export if r["Bid"] == "A"} == {"'" + EVIL}


def test_commitments_export(app: Any, people: Any, client_for: Client) -> None:
    scenario = moderated_s1(suppliers=(EVIL,))
    rows = csv_rows(
        client_for(people.officer).get(f"/tenders/{scenario.tender_id}/commitments.csv")
    )
    assert [(r["Bid"], r["Criterion"], r["Committed quantity"]) for r in rows] == [
        ("A", "SV2", "4"),
        ("B", "SV2", "8"),
        ("C", "SV2", "2"),
    ]
    assert rows[0]["Supplier"] == "'" + EVIL
    assert rows[0]["Framework measure"] == "GMSVF-P3-LOCAL-EMPLOYMENT"
    book = xlsx_rows(
        client_for(people.officer).get(f"/tenders/{scenario.tender_id}/commitments.xlsx")
    )
    assert [r["Committed quantity"] for r in book] == [4, 8, 2]


def test_audit_export_carries_the_hash_chain(app: Any, people: Any, client_for: Client) -> None:
    scenario = moderated_s1()
    client = client_for(people.auditor)
    rows = csv_rows(client.get("/audit/events.csv"))
    assert len(rows) > 10
    assert rows[0]["Previous event hash"] == "sha256:" + "0" * 64
    for before, after in itertools.pairwise(rows):
        assert after["Previous event hash"] == before["Event hash"]
        assert int(after["Sequence"]) == int(before["Sequence"]) + 1
    assert all(r["Event hash"].startswith("sha256:") for r in rows)
    assert audit_service.verify_chain(db.session).ok
    only = xlsx_rows(client.get(f"/audit/events.xlsx?tender={scenario.tender_id}"))
    assert only and all(r["Tender id"] == scenario.tender_id for r in only)
    assert {r["Action"] for r in only} >= {"consensus.recorded"}
    assert all(r["Event hash"].startswith("sha256:") for r in only)


def test_contract_returns_and_ocds(app: Any, client_for: Client, people: Any) -> None:
    s4 = build_s4(supplier_name=None)
    file_s4_return(s4)
    contract = s4.contract
    client = client_for(people.auditor)
    rows = xlsx_rows(client.get(f"/contracts/{contract.id}/returns.xlsx"))
    assert len(rows) == 3
    assert {r["Verification status"] for r in rows} == {"Verified"}
    by_measure = {r["Framework measure"]: r["Reported quantity"] for r in rows}
    assert by_measure == {
        "GMSVF-P3-LOCAL-EMPLOYMENT": 1.5,
        "GMSVF-P3-APPRENTICESHIPS": 2,
        "GMSVF-P4-VCSE-SPEND": 5000,
    }
    assert csv_rows(client.get(f"/contracts/{contract.id}/returns.csv"))[0]["Period end"] == (
        "2026-09-30"
    )
    response = client.get(f"/contracts/{contract.id}/ocds.json")
    assert response.status_code == 200
    package = response.get_json()
    assert ocds_errors(package) == []
    assert package["releases"][-1]["tag"] == ["contract", "implementation"]
    assert package["releases"][0]["ocid"].startswith("ocds-socialvalue-dev-")
    for user in (s4.supplier, s4.panel):
        assert client_for(user).get(f"/contracts/{contract.id}/returns.csv").status_code == 403
        assert client_for(user).get(f"/contracts/{contract.id}/ocds.json").status_code == 403


def test_ocid_prefix_is_configurable(app: Any, people: Any, client_for: Client) -> None:
    scenario = moderated_s1()
    app.config["OCID_PREFIX"] = "ocds-gm1234"
    try:
        package = (
            client_for(people.auditor).get(f"/tenders/{scenario.tender_id}/ocds.json").get_json()
        )
    finally:
        app.config["OCID_PREFIX"] = "ocds-socialvalue-dev"
    assert package["releases"][0]["ocid"] == f"ocds-gm1234-{scenario.tender.reference}"
    assert ocds_errors(package) == []


def test_transparency_page_is_public_and_shows_no_personal_data(
    app: Any, client_for: Client
) -> None:
    s4 = build_s4()
    file_s4_return(s4)
    contract = s4.contract
    response = client_for(None).get(f"/transparency/contracts/{contract.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert contract.title in html and contract.supplier_name in html
    assert "Local employment" in html or "FTE-years" in html
    assert "<svg" in html and 'role="img"' in html
    assert "1.50 FTE-years" in html  # verified delivered
    assert "Greater Manchester Combined Authority" in html
    for user in (s4.officer, s4.supplier, s4.panel):
        assert user.email not in html
        assert user.display_name not in html
    assert "@" not in html.replace("@2020", "")  # no e-mail addresses at all
    assert "Six months in." not in html  # the return's narrative is not published
    assert 'style="' not in html


def test_transparency_page_only_for_awarded_contracts(app: Any, client_for: Client) -> None:
    s4 = build_s4()
    contract = s4.contract
    contract.tender.status = TenderStatus.CANCELLED
    db.session.commit()
    assert client_for(None).get(f"/transparency/contracts/{contract.id}").status_code == 404


def test_exports_run_a_constant_number_of_queries(
    app: Any, people: Any, client_for: Client
) -> None:
    from evaluation_support import build_scenario

    counts: dict[str, list[int]] = {}
    for bid_count in (2, 5):
        scenario = build_scenario(panel_count=1, bid_count=bid_count)
        client = client_for(people.auditor)
        for name in ("scores.csv", "commitments.xlsx", "ocds.json", "bundle.json"):
            with count_queries() as statements:
                assert client.get(f"/tenders/{scenario.tender_id}/{name}").status_code == 200
            counts.setdefault(name, []).append(len(statements))
    for name, (few, many) in counts.items():
        assert few == many, (name, few, many)
    # One delivery return against two: the same number of statements.
    for reference, extra in (("GM-S4-A", False), ("GM-S4-B", True)):
        s4 = build_s4(reference=reference)
        file_s4_return(s4)
        if extra:
            contract_service.record_return(
                db.session,
                s4.supplier,
                s4.contract,
                period_end=dt.date(2026, 6, 30),
                quantities=s4.quantities(),
                narrative="Three months in.",
                upload_dir="",
                today=TODAY,
            )
            db.session.commit()
            assert len(s4.contract.returns) == 2
        for kind, url in (
            ("returns", f"/contracts/{s4.contract_id}/returns.xlsx"),
            ("ocds", f"/contracts/{s4.contract_id}/ocds.json"),
            ("transparency", f"/transparency/contracts/{s4.contract_id}"),
        ):
            with count_queries() as statements:
                assert client_for(people.auditor).get(url).status_code == 200
            counts.setdefault(kind, []).append(len(statements))
    for kind in ("returns", "ocds", "transparency"):
        assert counts[kind][0] == counts[kind][1], (kind, counts[kind])


def test_pages_link_to_the_downloads(app: Any, people: Any, client_for: Client) -> None:
    scenario = moderated_s1()
    tid = scenario.tender_id
    client = client_for(people.auditor)
    pages = {
        f"/tenders/{tid}/": [
            f"/tenders/{tid}/commitments.xlsx",
            f"/tenders/{tid}/ocds.json",
            f"/audit/events.csv?tender={tid}",
        ],
        f"/tenders/{tid}/result": [f"/tenders/{tid}/scores.xlsx", f"/tenders/{tid}/bundle.json"],
        f"/tenders/{tid}/history": [f"/audit/events.xlsx?tender={tid}"],
    }
    for page, links in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        for link in links:
            assert f'href="{link}"' in html.replace("&amp;", "&"), (page, link)
            assert client.get(link).status_code == 200, link
    s4 = build_s4()
    html = client.get(f"/contracts/{s4.contract_id}/").get_data(as_text=True)
    for link in (
        f"/transparency/contracts/{s4.contract_id}",
        f"/contracts/{s4.contract_id}/returns.xlsx",
        f"/contracts/{s4.contract_id}/ocds.json",
    ):
        assert f'href="{link}"' in html, link
    supplier_page = client_for(s4.supplier).get(f"/contracts/{s4.contract_id}/")
    assert supplier_page.status_code == 200
    assert "returns.xlsx" not in supplier_page.get_data(as_text=True)
