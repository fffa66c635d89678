"""A large tender's evaluation report through a report job, in a real browser with JavaScript
off: the job page refreshes itself (meta refresh), shows its progress, then the download."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from socialvalue.services import report_jobs
from tests.browser.conftest import check_accessibility, no_javascript_context, screenshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exports"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_report_job_refreshes_until_the_download_is_ready(
    browser: Any, site: Any, synced_frameworks: Any, monkeypatch: Any
) -> None:
    from factories import PASSWORD
    from pdf_support import final_s1, pdf_text

    monkeypatch.setattr(report_jobs, "SYNC_MAX_BIDS", 2)
    scenario = final_s1()
    context = no_javascript_context(browser, accept_downloads=True)
    page = context.new_page()
    page.goto(site.url + "/sign-in")
    page.get_by_label("Email address").fill(scenario.officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{site.url}/tenders/{scenario.tender_id}/result")
    page.get_by_role("link", name="Evaluation report (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prepare the evaluation report")
    check_accessibility(page, "prepare report")
    page.get_by_role("button", name="Prepare the report").click()
    # The job page refreshes itself every 2 seconds until the report is ready.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your report is ready", timeout=60_000
    )
    check_accessibility(page, "report ready")
    screenshot(page, "report-job-ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    path = download_info.value.path()
    text = pdf_text(Path(path).read_bytes())
    assert "87.10" in text and "77.00" in text and "76.50" in text
    context.close()
