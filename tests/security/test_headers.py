"""Security headers on every kind of response, trusted proxies, and templates the CSP can serve.

Every response (pages, redirects, error pages including 500, the JSON API and its problems,
CSV/XLSX/JSON/PDF downloads, evidence files, static files) carries the Content Security Policy
without 'unsafe-inline' or 'unsafe-eval' and with frame-ancestors 'none', nosniff, a referrer
policy, a permissions policy and X-Frame-Options; HSTS only over HTTPS. Behind a reverse proxy
(``SOCIALVALUE_TRUSTED_PROXIES``) the forwarded scheme and client address are believed, and
only then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import PASSWORD, FreshClient, csrf_token, make_user, text
from html_inspect import parse
from scenario import World, build_world

from socialvalue.config import build_config
from socialvalue.extensions import db
from socialvalue.models import Role, SignInAttempt
from socialvalue.views.security import CONTENT_SECURITY_POLICY

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("synced_frameworks")


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"directive {words[0]} given twice in {policy!r}"
            parsed[words[0]] = words[1:]
    return parsed


def header_problems(label: str, response: Any, *, secure: bool) -> list[str]:
    headers = response.headers
    problems = []
    policy = headers.get("Content-Security-Policy", "")
    parsed = directives(policy)
    if not policy:
        problems.append("no Content-Security-Policy")
    if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy or "*" in policy.split():
        problems.append(f"unsafe CSP {policy!r}")
    if parsed.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is not 'none': {policy!r}")
    if "default-src" not in parsed:
        problems.append(f"no default-src: {policy!r}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}, not {value!r}")
    hsts = headers.get("Strict-Transport-Security")
    if secure and hsts != "max-age=31536000; includeSubDomains":
        problems.append(f"HSTS over HTTPS is {hsts!r}")
    if not secure and hsts is not None:
        problems.append(f"HSTS over plain HTTP: {hsts!r}")
    if response.mimetype == "text/html" and "no-store" not in headers.get("Cache-Control", ""):
        problems.append("an HTML page may be cached")
    return [f"{label}: {p}" for p in problems]


@pytest.fixture
def world(app: Any) -> World:
    return build_world(app)


def every_kind_of_response(app: Any, world: World, base_url: str) -> Iterator[tuple[str, Any]]:
    """(label, response) for each kind of response the service gives."""
    officer = world.clients["officer"]
    anonymous = FreshClient(app, app.response_class, use_cookies=True)
    supplier = world.clients["supplier"]
    tender, contract = world.params["tender_id"], world.params["contract_id"]
    secret = world.secrets["officer"]
    bearer = {"Authorization": f"Bearer {secret}"}

    def get(client: Any, url: str, **kwargs: Any) -> Any:
        db.session.remove()
        response = client.get(url, base_url=base_url, **kwargs)
        response.close()
        db.session.remove()
        return response

    yield "HTML page (anonymous)", get(anonymous, "/")
    yield "HTML page (signed in)", get(officer, f"/tenders/{tender}/")
    yield "redirect to sign in", get(anonymous, "/tenders/")
    yield "404 page", get(officer, "/no-such-page")
    yield "403 page", get(supplier, f"/tenders/{tender}/bids")
    yield "405 page", get(officer, "/sign-out")
    db.session.remove()
    yield "400 page (no CSRF token)", anonymous.post("/sign-in", base_url=base_url, data={})
    yield "JSON API", get(officer, "/api/v1/tenders", headers=bearer)
    yield "problem+json 401", get(anonymous, "/api/v1/tenders")
    yield "problem+json 404", get(officer, "/api/v1/tenders/999999", headers=bearer)
    yield "OpenAPI description", get(anonymous, "/api/v1/openapi.json")
    yield "CSV download", get(officer, f"/tenders/{tender}/scores.csv")
    yield "XLSX download", get(officer, f"/tenders/{tender}/commitments.xlsx")
    yield "JSON download", get(officer, f"/tenders/{tender}/bundle.json")
    yield "audit log CSV", get(officer, "/audit/events.csv")
    yield "PDF download", get(officer, f"/contracts/{contract}/report.pdf")
    evidence = f"/contracts/{contract}/evidence/{world.params['evidence_id']}"
    yield "evidence download", get(officer, evidence)
    yield "static file", get(anonymous, "/static/css/app.css")
    yield "health check", get(anonymous, "/healthz")


def test_every_kind_of_response_carries_the_security_headers(app: Any, world: World) -> None:
    problems = []
    kinds = 0
    for label, response in every_kind_of_response(app, world, "http://localhost"):
        assert response.status_code < 500, (label, response.status_code)
        problems.extend(header_problems(label, response, secure=False))
        kinds += 1
    assert kinds == 19
    assert problems == [], "\n".join(problems)


def test_hsts_is_sent_over_https_only(app: Any, world: World) -> None:
    problems = []
    for label, response in every_kind_of_response(app, world, "https://localhost"):
        problems.extend(header_problems(label, response, secure=True))
    assert problems == [], "\n".join(problems)


def test_the_500_page_carries_the_headers_too(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "main.accessibility", broken)
    client = FreshClient(app, app.response_class, use_cookies=True)
    response = client.get("/accessibility")
    assert response.status_code == 500
    assert "a bug" not in text(response)  # no stack trace or error text for the visitor
    assert header_problems("500 page", response, secure=False) == []


def test_the_policy_is_exactly_the_documented_one(app: Any) -> None:
    response = FreshClient(app, app.response_class).get("/")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_evidence_downloads_are_sandboxed_attachments(app: Any, world: World) -> None:
    url = f"/contracts/{world.params['contract_id']}/evidence/{world.params['evidence_id']}"
    response = world.clients["supplier"].get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    policy = directives(response.headers["Content-Security-Policy"])
    assert "sandbox" in policy
    assert policy["default-src"] == ["'none'"]
    disposition = response.headers["Content-Disposition"]
    assert disposition == "attachment; filename=\"payroll.png\"; filename*=UTF-8''payroll.png"
    assert "no-store" in response.headers["Cache-Control"]


# -- templates the policy can serve --------------------------------------------------------------

INLINE = re.compile(
    r"<script\b|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:|<iframe\b|<object\b|<embed\b",
    re.IGNORECASE,
)


def test_no_template_has_inline_script_or_style() -> None:
    """The CSP forbids inline script and style: a template using them would break silently."""
    templates = sorted((REPO_ROOT / "templates").rglob("*.html"))
    assert len(templates) > 40
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert found == [], "\n".join(found)


def test_rendered_pages_have_no_inline_script_style_or_handlers(app: Any, world: World) -> None:
    pages = [
        ("anonymous", "/"),
        ("anonymous", "/sign-in"),
        ("anonymous", "/frameworks/"),
        ("officer", f"/tenders/{world.tenders['draft']}/criteria"),
        ("officer", f"/tenders/{world.params['tender_id']}/"),
        ("officer", f"/tenders/{world.params['tender_id']}/moderation"),
        ("officer", f"/contracts/{world.params['contract_id']}/"),
        ("evaluator", f"/tenders/{world.params['tender_id']}/evaluate"),
        ("supplier", f"/supplier/tenders/{world.tenders['open']}/bid"),
        ("officer", "/api/v1/docs"),
        ("officer", "/account/tokens"),
    ]
    problems = []
    for role, url in pages:
        db.session.remove()
        response = world.clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        for tag, attrs in parse(text(response)).elements:
            if tag in ("script", "style"):
                problems.append(f"{url}: <{tag}>")
            problems.extend(
                f"{url}: {name}= on <{tag}>"
                for name in attrs
                if name == "style" or name.startswith("on")
            )
            if tag == "link" and attrs.get("rel") == "stylesheet":
                href = attrs.get("href", "")
                if not href.startswith("/static/"):
                    problems.append(f"{url}: stylesheet from elsewhere {href!r}")
    assert problems == [], "\n".join(problems)


# -- reverse proxies ---------------------------------------------------------------------------


@pytest.fixture
def proxied_app(app_config: dict[str, object]) -> Iterator[Any]:
    """The same application and database, configured to trust one reverse proxy."""
    from socialvalue.app import create_app

    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    with proxied.app_context():
        yield proxied
        db.session.remove()
        db.engine.dispose()


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
    # Over HTTPS, Flask-WTF also insists that the form came from this host.
    "Referer": "https://localhost/sign-in",
}


def sign_in_fails(client: Any, email: str, headers: dict[str, str] | None = None) -> Any:
    page = client.get("/sign-in", headers=headers or {})
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(text(page)), "email": email, "password": "wrong password"},
        headers=headers or {},
    )
    assert "Enter a correct email address and password" in text(response)
    return response


def last_address() -> str:
    db.session.remove()
    return db.session.execute(
        sa.select(SignInAttempt.remote_addr).order_by(SignInAttempt.id.desc()).limit(1)
    ).scalar_one()


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(app: Any) -> None:
    client = FreshClient(app, app.response_class, use_cookies=True)
    response = client.get("/", headers=FORWARDED)
    assert "Strict-Transport-Security" not in response.headers
    sign_in_fails(client, "nobody@example.org", FORWARDED)
    assert last_address() == "127.0.0.1"  # the client cannot choose its address


def test_behind_a_trusted_proxy_the_scheme_and_address_are_believed(
    app: Any, proxied_app: Any
) -> None:
    client = FreshClient(proxied_app, proxied_app.response_class, use_cookies=True)
    response = client.get("/", headers=FORWARDED)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/").headers  # plain HTTP to the proxy
    sign_in_fails(client, "nobody@example.org", FORWARDED)
    assert last_address() == "203.0.113.9"
    # Only the address the trusted proxy appended counts, not one the client put before it.
    spoofed = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.10"}
    sign_in_fails(client, "nobody@example.org", spoofed)
    assert last_address() == "203.0.113.10"


def test_trusted_proxies_setting(tmp_path: Path) -> None:
    from socialvalue.config import ConfigError

    assert build_config(tmp_path, environ={})["TRUSTED_PROXIES"] == 0
    assert (
        build_config(tmp_path, environ={"SOCIALVALUE_TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    )
    with pytest.raises(ConfigError, match="number of reverse proxies"):
        build_config(tmp_path, environ={"SOCIALVALUE_TRUSTED_PROXIES": "yes"})
    with pytest.raises(ConfigError, match="between 0 and 5"):
        build_config(tmp_path, environ={"SOCIALVALUE_TRUSTED_PROXIES": "9"})


def test_production_over_https_behind_a_proxy(
    app_config: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production mode, one trusted proxy: HSTS, and a Secure, __Host- session cookie."""
    from socialvalue.app import create_app

    monkeypatch.setenv("SOCIALVALUE_TRUSTED_PROXIES", "1")
    production = create_app({**app_config, "ENV_NAME": "production", "TESTING": False})
    with production.app_context():
        user = make_user(db.session, Role.OFFICER)
        db.session.commit()
        client = FreshClient(production, production.response_class, use_cookies=True)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "sv.example.gov.uk",
            # Over HTTPS, Flask-WTF also insists that the form came from this host.
            "Referer": "https://sv.example.gov.uk/sign-in",
        }
        page = client.get("/sign-in", headers=headers)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        response = client.post(
            "/sign-in",
            data={"csrf_token": csrf_token(text(page)), "email": user.email, "password": PASSWORD},
            headers=headers,
        )
        assert response.status_code == 302
        cookies = response.headers.getlist("Set-Cookie")
        session_cookie = next(c for c in cookies if c.startswith("__Host-socialvalue_session="))
        attributes = {a.strip().split("=")[0].lower() for a in session_cookie.split(";")[1:]}
        assert {"secure", "httponly", "path"} <= attributes
        assert "samesite=lax" in session_cookie.lower()
        assert "domain" not in attributes  # a __Host- cookie is for this host only
        db.session.remove()
        db.engine.dispose()
