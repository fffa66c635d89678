"""The human-readable API documentation page and the error format outside known routes."""

from __future__ import annotations

from typing import Any

from api_support import problem
from factories import FreshClient, make_user, sign_in

from socialvalue.extensions import db
from socialvalue.models import Role


def test_docs_page_lists_operations_parameters_and_schemas(app: Any) -> None:
    client = FreshClient(app, app.response_class)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "PUT /api/v1/tenders/{tender_id}" in html
    assert "If-Match" in html and "application/problem+json" in html
    assert 'id="schema-Tender"' in html and "estimated_value" in html
    assert "<script" not in html and "style=" not in html
    assert 'scope="col"' in html and "<caption" in html
    assert 'href="/api/v1/openapi.json"' in html


def test_docs_link_to_tokens_when_signed_in(app: Any) -> None:
    user = make_user(db.session, Role.PANEL)
    db.session.commit()
    client = sign_in(FreshClient(app, app.response_class), user)
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/account/tokens" in html
    # The phase banner links every signed-in user to their tokens.
    assert 'href="/account/tokens"' in client.get("/").get_data(as_text=True)


def test_unknown_api_paths_and_methods_are_problems(app: Any) -> None:
    client = FreshClient(app, app.response_class)
    problem(client.get("/api/v1/no-such-thing"), 404)
    problem(client.patch("/api/v1/openapi.json"), 405)
    # The web pages keep their HTML error pages.
    assert client.get("/no-such-page").mimetype == "text/html"
