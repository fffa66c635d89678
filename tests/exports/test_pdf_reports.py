"""PDF reports: the S1 tender evaluation report and assessment summaries, rendered for real
with WeasyPrint; text extracted and checked; page 1 rendered to PNG in test-artifacts/."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from pdf_support import S1_SUPPLIERS, client_for, final_s1, first_page_png, make_user, pdf_text

from socialvalue.exports import documents
from socialvalue.extensions import db

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]


def _no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_s1_evaluation_report_has_every_key_figure(app: Any) -> None:
    scenario = final_s1(award=True)
    tender = scenario.tender
    document = documents.tender_report(db.session, tender, scenario.officer)
    text = pdf_text(document.pdf)
    # The ranking: B 87.10, A 77.00, C 76.50, with every supplier named.
    assert re.search(r"1 Bid B Supplier B Ltd £105,000.00 38.10 32.00 17.00 87.10", text), text
    assert re.search(r"2 Bid A Supplier A Ltd £100,000.00 40.00 27.00 10.00 77.00", text)
    assert re.search(r"3 Bid C Supplier C Ltd £125,000.00 32.00 40.00 4.50 76.50", text)
    for name in S1_SUPPLIERS:
        assert name in text
    # Plan, weights and the pinned framework version with its content hash.
    assert "Lowest price ÷ bid price × weight" in text
    assert "gm-social-value-framework" in text
    assert "GMSVF-P3-LOCAL-EMPLOYMENT" in _no_spaces(text)
    assert tender.framework_hash in _no_spaces(text)
    # Every individual score with its rationale, and the moderation reasons.
    for user in scenario.evaluators:
        assert f"Rationale by {user.display_name}" in text
    for reason in ("Panel agreed 4 for Bid B on Q1", "Panel agreed 20 for Bid C on SV1"):
        assert reason in text
    # Sensitivity, the award and the audit anchor.
    assert "8. Sensitivity" in text and "Highest score; clear margin." in text
    assert "Audit events for this tender" in text
    # Running header and page numbers; a contents list with page numbers.
    pages = pypdf.PdfReader(io.BytesIO(document.pdf)).pages
    assert f"Page 1 of {len(pages)}" in text and f"Page {len(pages)} of {len(pages)}" in text
    assert re.search(r"4\. Ranking[ .]+ \d+ 5\. Exclusions", text)
    png = first_page_png(document.pdf, "s1-evaluation-report")
    assert png.stat().st_size > 5000


def test_report_metadata_pdf_ua_and_chart(app: Any) -> None:
    scenario = final_s1()
    document = documents.tender_report(db.session, scenario.tender, scenario.officer)
    reader = pypdf.PdfReader(io.BytesIO(document.pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == f"Tender evaluation report: {scenario.tender.title}"
    assert reader.metadata.author == scenario.tender.buyer
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])  # tagged PDF (PDF/UA-1)
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    # The SVG chart is drawn as vector paths, and its figures are also in a table.
    text = pdf_text(document.pdf)
    assert "Points by weighting group, out of 100 points." in text


def test_assessment_summary_for_a_sets_its_scores_against_the_winner(app: Any) -> None:
    scenario = final_s1(award=True)
    document = documents.summary_report(db.session, scenario.tender, "A", scenario.officer)
    first_page_png(document.pdf, "s1-summary-a")
    text = pdf_text(document.pdf)
    assert "Assessment summary: Bid A (Supplier A Ltd)" in text
    assert "Rank 2 of 3, 77.00 points" in text
    assert "Bid B: Supplier B Ltd, 87.10 points" in text
    # Price: A 40.00 against B 38.10; the consensus reasons of both bids are given.
    assert re.search(r"Price 40 40\.00 .* 38\.10", text)
    assert "Panel agreed 3 for Bid A on Q1" in text and "Panel agreed 4 for Bid B on Q1" in text
    assert re.search(r"Total 77\.00 87\.10", text)
    with pytest.raises(documents.ReportUnavailable):
        documents.summary_report(db.session, scenario.tender, "Q", scenario.officer)


def test_report_routes_download_pdfs_for_officers_and_auditors_only(app: Any) -> None:
    scenario = final_s1()
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)
    auditor = client_for(app, make_user("auditor", "Audrey Auditor"))
    for client in (officer, auditor):
        response = client.get(f"/tenders/{tid}/report.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "87.10" in pdf_text(response.data)
        summary = client.get(f"/tenders/{tid}/summaries/C.pdf")
        assert summary.status_code == 200 and "76.50" in pdf_text(summary.data)
    panel = client_for(app, scenario.panel[0])
    supplier = client_for(app, make_user("supplier", "Acme Bids"))
    for client in (panel, supplier):
        assert client.get(f"/tenders/{tid}/report.pdf").status_code == 403
        assert client.get(f"/tenders/{tid}/summaries/A.pdf").status_code == 403
    assert officer.get("/tenders/999999/report.pdf").status_code == 404
    assert officer.get(f"/tenders/{tid}/summaries/Q.pdf").status_code == 404
    assert officer.get(f"/tenders/{tid}/summaries/{'x' * 300}.pdf").status_code == 404
    anonymous = client_for(app).get(f"/tenders/{tid}/report.pdf")
    assert anonymous.status_code == 302
    # The result and summaries pages link to the PDFs.
    result_page = officer.get(f"/tenders/{tid}/result").get_data(as_text=True)
    assert f"/tenders/{tid}/report.pdf" in result_page
    summary_page = officer.get(f"/tenders/{tid}/summaries/A").get_data(as_text=True)
    assert f"/tenders/{tid}/summaries/A.pdf" in summary_page
