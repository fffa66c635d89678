"""Contract follow-up and programme PDF reports with scenario S4: local employment 75% of
expected (amber), apprenticeships 133% (green), VCSE spend 40% (red), the contract red."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from contract_support import PNG, TODAY, build_s4
from pdf_support import client_for, first_page_png, make_user, pdf_text

from socialvalue.exports import documents
from socialvalue.extensions import db
from socialvalue.services import contracts as contract_service
from socialvalue.services.demo import S4_PERIOD_END
from socialvalue.services.evidence import Upload

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]


def _s4_with_return(app: Any) -> Any:
    """S4 with the supplier's return to 30 September 2026 (one evidence file): local jobs and
    apprenticeships verified, VCSE spend queried and answered, then verified."""
    s4 = build_s4()
    session = db.session
    contract = s4.contract
    delivery_return = contract_service.record_return(
        session,
        s4.supplier,
        contract,
        period_end=S4_PERIOD_END,
        quantities=s4.quantities(),
        narrative="Six months in.",
        uploads=[Upload(filename="payroll-postcodes.png", data=PNG)],
        upload_dir=str(app.config["UPLOAD_DIR"]),
        today=TODAY,
    )
    kpis = {k.id: (k.measure_code or k.criterion_code) for k in contract.kpis}
    for line in delivery_return.lines:
        if kpis[line.kpi_id] == "GMSVF-P4-VCSE-SPEND":
            contract_service.decide_line(
                session, s4.officer, contract, line, decision="queried", text="Invoices?"
            )
            contract_service.answer_query(
                session, s4.supplier, contract, line, answer="Three invoices attached."
            )
        contract_service.decide_line(session, s4.officer, contract, line, decision="verified")
    session.commit()
    return s4


def test_s4_contract_follow_up_report(app: Any) -> None:
    s4 = _s4_with_return(app)
    document = documents.contract_report(db.session, s4.contract_id, s4.officer, today=TODAY)
    first_page_png(document.pdf, "s4-contract-report")
    text = pdf_text(document.pdf)
    assert "Contract follow-up report" in text
    assert re.search(r"SV1: .*?75% Amber: behind", text), text
    assert re.search(r"SV2: .*?133% Green: on track", text)
    assert re.search(r"SV3: .*?40% Red: well behind", text)
    assert "Overall status: Red: well behind as at 30 September 2026" in text
    assert "£12,500.00" in text and "£5,000.00" in text  # VCSE spend expected and delivered
    # Evidence with its hash, and the verification trail with the query and its answer.
    assert "payroll-postcodes.png" in text
    assert hashlib.sha256(PNG).hexdigest() in re.sub(r"\s+", "", text)
    assert "Queried by Olu Officer" in text and "“Invoices?”" in text
    assert "Three invoices attached." in text and "Verified by Olu Officer" in text
    assert "Six months in." in text


def test_programme_report_and_routes(app: Any) -> None:
    s4 = _s4_with_return(app)
    document = documents.programme_report(db.session, s4.officer, today=TODAY)
    first_page_png(document.pdf, "programme-report")
    text = pdf_text(document.pdf)
    assert "GM-S4-0001" in text and "Red: well behind" in text
    assert "2. By framework priority" in text and "£5,000.00" in text
    officer = client_for(app, s4.officer)
    auditor = client_for(app, make_user("auditor", "Audrey Auditor"))
    for client in (officer, auditor):
        response = client.get(f"/contracts/{s4.contract_id}/report.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "payroll-postcodes.png" in pdf_text(response.data)
        programme = client.get("/reports/programme.pdf")
        assert programme.status_code == 200 and "GM-S4-0001" in pdf_text(programme.data)
    supplier = client_for(app, s4.supplier)
    panel = client_for(app, s4.panel)
    for client in (supplier, panel):
        assert client.get(f"/contracts/{s4.contract_id}/report.pdf").status_code == 403
        assert client.get("/reports/programme.pdf").status_code == 403
    assert officer.get("/contracts/999999/report.pdf").status_code == 404
    assert officer.get("/contracts/99999999999999999999999/report.pdf").status_code == 404


def test_cli_renders_contract_and_programme_reports(app: Any, tmp_path: Any) -> None:
    s4 = _s4_with_return(app)
    out = tmp_path / "reports"
    result = app.test_cli_runner().invoke(
        args=[
            "reports",
            "render",
            "--contract",
            str(s4.contract_id),
            "--programme",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Rendering reports" in result.output and "2 report(s) written" in result.output
    names = sorted(path.name for path in out.glob("*.pdf"))
    assert names[0] == "GM-S4-0001-follow-up-report.pdf" and names[1].startswith("programme-report")
    assert "payroll-postcodes.png" in pdf_text((out / names[0]).read_bytes())
