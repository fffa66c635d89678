"""Scenario S4 in a real browser: the supplier files a return with evidence, a panel member
queries one figure, the supplier answers, the officer verifies; the RAG shown matches S4
(local employment amber, apprenticeships green, VCSE spend red, contract red). Every page passes
axe-core and is screenshotted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from contract_support import PNG, build_s4
from factories import PASSWORD

from socialvalue.extensions import db
from tests.browser.conftest import check_accessibility, screenshot

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def signed_in(browser: Any, site: Any, email: str) -> Any:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(site.url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "Signed in as" in page.content()
    return page


def open_contract(page: Any, site: Any, reference: str) -> None:
    page.goto(site.url + "/")
    # Wait for each page to load (stylesheets included) before anything looks at it.
    with page.expect_navigation():
        page.get_by_role("link", name="Contracts", exact=True).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(reference)).click()


def kpi_rag(page: Any, code: str) -> str:
    return page.locator(f"#kpi-{code} .govuk-tag").inner_text().strip()


def test_s4_return_query_answer_verify(browser: Any, site: Any, tmp_path: Any) -> None:
    s4 = build_s4("GM-S4-BROWSER")
    emails = {
        role: u.email
        for role, u in (("officer", s4.officer), ("supplier", s4.supplier), ("panel", s4.panel))
    }
    db.session.remove()

    # The supplier files the return to 30 September 2026 with a PNG of its payroll extract.
    supplier = signed_in(browser, site, emails["supplier"])
    open_contract(supplier, site, "GM-S4-BROWSER")
    check_accessibility(supplier, "contract before any return")
    screenshot(supplier, "s4-contract-before-return")
    assert "overdue" in supplier.content()
    supplier.get_by_role("link", name="File a delivery return").click()
    supplier.select_option("#period_end", "2026-09-30")
    labels = {"SV1": "1.5", "SV2": "2", "SV3": "5000"}
    for code, value in labels.items():
        supplier.get_by_label(re.compile(rf"^{code} ")).fill(value)
    supplier.fill("#narrative", "Six months in: local hires from Bolton, two apprentices.")
    evidence = tmp_path / "payroll.png"
    evidence.write_bytes(PNG)
    supplier.set_input_files("#evidence", str(evidence))
    check_accessibility(supplier, "return form")
    screenshot(supplier, "s4-return-form")
    supplier.get_by_role("button", name="File return").click()
    assert "Return filed" in supplier.content()
    assert supplier.get_by_role("link", name="payroll.png").count() == 1
    return_url = supplier.url
    check_accessibility(supplier, "return as filed")
    screenshot(supplier, "s4-return-filed")

    # Bad input shows the error summary and saves nothing.
    supplier.goto(site.url + return_url.split(site.url)[1].split("/returns/")[0] + "/returns/new")
    supplier.select_option("#period_end", "2026-06-30")
    supplier.get_by_label(re.compile(r"^SV1 ")).fill("-1")
    supplier.get_by_role("button", name="File return").click()
    assert supplier.get_by_role("alert").inner_text().startswith("There is a problem")
    assert "cannot be negative" in supplier.content()
    check_accessibility(supplier, "return form with errors")
    screenshot(supplier, "s4-return-form-errors")

    # A panel member queries the local employment figure.
    panel = signed_in(browser, site, emails["panel"])
    panel.goto(return_url)
    card = panel.locator(".govuk-summary-card", has_text="SV1 Local employment")
    card.get_by_label("Query it").check()
    card.get_by_label("Question for the supplier, or reason for rejecting").fill(
        "How many of the 1.5 FTE-years were Greater Manchester residents?"
    )
    card.get_by_role("button", name="Save decision").click()
    assert "SV1 figure queried" in panel.content()
    check_accessibility(panel, "return queried by the panel")
    screenshot(panel, "s4-return-queried")

    # The supplier answers.
    supplier.goto(return_url)
    card = supplier.locator(".govuk-summary-card", has_text="SV1 Local employment")
    card.get_by_label("Your answer to the query on SV1").fill(
        "All of them: Bolton and Salford postcodes, payroll extract attached."
    )
    card.get_by_role("button", name="Send answer").click()
    assert "Your answer on SV1 was sent" in supplier.content()
    check_accessibility(supplier, "query answered")

    # The officer verifies every figure.
    officer = signed_in(browser, site, emails["officer"])
    officer.goto(return_url)
    for code in ("SV1", "SV2", "SV3"):
        card = officer.locator(".govuk-summary-card", has_text=f"{code} ")
        card.get_by_label("Verify it").check()
        card.get_by_role("button", name="Save decision").click()
        assert f"{code} figure verified" in officer.content()
    check_accessibility(officer, "return verified")
    screenshot(officer, "s4-return-verified")

    open_contract(officer, site, "GM-S4-BROWSER")
    assert kpi_rag(officer, "SV1") == "Amber: behind"
    assert kpi_rag(officer, "SV2") == "Green: on track"
    assert kpi_rag(officer, "SV3") == "Red: well behind"
    status = officer.locator("#contract-status").inner_text()
    assert "Red: well behind" in status
    assert "As at 30 September 2026, 25% of the way through the term" in status
    assert "75%" in officer.locator("#kpi-SV1").inner_text()
    assert "133%" in officer.locator("#kpi-SV2").inner_text()
    assert "40%" in officer.locator("#kpi-SV3").inner_text()
    check_accessibility(officer, "contract status S4")
    screenshot(officer, "s4-contract-status")

    officer.get_by_role("link", name="Record a remedial action").click()
    officer.select_option("#kpi_id", label="SV3 Spend with VCSE organisations")
    officer.fill("#note", "Move catering spend to Salford VCSE caterers from January.")
    officer.fill("#owner", "Sam Supplier, Northern Facilities Ltd")
    officer.fill("#due_on", "31")
    officer.fill("#due_on-month", "3")
    officer.fill("#due_on-year", "2027")
    check_accessibility(officer, "remedial action form")
    officer.get_by_role("button", name="Record action").click()
    assert "Remedial action recorded" in officer.content()

    officer.goto(site.url + "/contracts/programme")
    check_accessibility(officer, "programme")
    screenshot(officer, "s4-programme")

    # On a phone the contract page still works (tables scroll, the chart scales).
    phone = officer.context.browser.new_context(viewport={"width": 375, "height": 800})
    mobile = phone.new_page()
    mobile.context.add_cookies(officer.context.cookies())
    mobile.goto(officer.url.replace("/programme", "/"))
    open_contract(mobile, site, "GM-S4-BROWSER")
    check_accessibility(mobile, "contract on a phone")
    screenshot(mobile, "s4-contract-phone")
