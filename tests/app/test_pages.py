"""Basic pages, security headers and error pages."""

from __future__ import annotations


def test_home_page_has_skip_link_and_security_headers(client: object) -> None:
    response = client.get("/")  # type: ignore[attr-defined]
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="govuk-skip-link"' in html and 'lang="en-GB"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_page_is_a_friendly_404(client: object) -> None:
    response = client.get("/no/such/page")  # type: ignore[attr-defined]
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_healthz(client: object) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}  # type: ignore[attr-defined]


def test_accessibility_statement(client: object) -> None:
    assert "WCAG" in client.get("/accessibility").get_data(as_text=True)  # type: ignore[attr-defined]
