"""The public pages in a real browser: they render, pass axe-core, and work with a keyboard."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, screenshot


def test_home_and_framework_pages(page: Any, site: Any, synced_frameworks: Any) -> None:
    page.goto(site.url + "/")
    assert page.title().startswith("Social value in procurement")
    check_accessibility(page, "home")
    screenshot(page, "home")

    # Keyboard only: the first Tab lands on the skip link, which jumps to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    # Following the link is a navigation the browser finishes after the key press returns.
    expect(page).to_have_url(re.compile(r"#main-content$"))

    page.goto(site.url + "/frameworks/")
    check_accessibility(page, "framework library")
    page.get_by_role("link", name="Greater Manchester Social Value Framework version 2020").click()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Greater Manchester Social Value Framework")
    )
    check_accessibility(page, "framework version")
    screenshot(page, "framework-version")

    page.goto(site.url + "/sign-in")
    check_accessibility(page, "sign in")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    check_accessibility(page, "sign in with errors")
    screenshot(page, "sign-in-errors")
