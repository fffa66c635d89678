"""The API token pages and the API documentation in a real browser: axe-core and keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from factories import PASSWORD, make_user

from socialvalue.extensions import db
from socialvalue.models import Role
from tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    browser_type_launch_args,
    check_accessibility,
    live_server,
    screenshot,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_token_pages_and_docs(page: Any, site: Any) -> None:  # noqa: F811
    user = make_user(db.session, Role.OFFICER, email="tia@example.org", name="Tia Tokens")
    db.session.commit()
    assert user.id
    page.goto(site.url + "/sign-in")
    page.get_by_label("Email address").fill("tia@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="API tokens").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    check_accessibility(page, "api tokens")
    # An empty name: the error summary and the message next to the field.
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    check_accessibility(page, "api tokens with errors")
    # Keyboard only: type a name and press Enter.
    page.get_by_label("Name").fill("Finance export")
    page.get_by_label("Name").press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Token created"
    secret = page.get_by_label("Your token").input_value()
    assert secret.startswith("sv_")
    check_accessibility(page, "token created")
    screenshot(page, "api-token-created")
    page.get_by_role("link", name="Back to your API tokens").click()
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Finance export").click()
    assert "revoked" in page.get_by_role("alert").inner_text()
    check_accessibility(page, "api tokens after revoking")
    page.goto(site.url + "/api/v1/docs")
    assert page.get_by_role("heading", level=1).inner_text() == "API documentation"
    check_accessibility(page, "api docs")
    screenshot(page, "api-docs")
