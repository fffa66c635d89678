"""Hostile query strings on every GET route, and redirects that must stay on this site.

The parameters tried are every one the views read (found by reading the source for
``request.args``/``request.values``, so a new one is covered without editing this file), the
API's declared query parameters (from its OpenAPI description) and made-up ones. Each GET rule
of the URL map is requested with real ids, as a user who may see the page, with payloads in
every parameter: no 500, nothing reflected as live markup, no header injected, no redirect
off-site. The ``next`` parameter of the sign-in page is tried with every open-redirect trick.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from crawler import get
from factories import PASSWORD, FreshClient, csrf_token, make_user, text
from html_inspect import injected_markup
from payloads import ALL, OPEN_REDIRECTS
from scenario import World, build_world, fill

from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.views.auth import _safe_next

pytestmark = pytest.mark.usefixtures("synced_frameworks")
SOURCE = Path(__file__).resolve().parents[2] / "socialvalue"
READ = re.compile(r"request\.(?:args|values)\.get(?:list)?\(\s*[\"']([^\"']+)[\"']")
# PDF rendering takes about a second a page: those routes get one request each.
SLOW = re.compile(r"\.pdf$|/download$")


# Read through a helper taking the name as an argument (views/exports.py _filter_id).
INDIRECT = {"tender", "contract"}


def parameters_the_views_read() -> set[str]:
    found = {name for path in SOURCE.rglob("*.py") for name in READ.findall(path.read_text())}
    assert {"next", "page", "q"} <= found, found
    return found | INDIRECT


def api_query_parameters(app: Any) -> set[str]:
    spec = FreshClient(app, app.response_class).get("/api/v1/openapi.json").get_json()
    return {
        parameter["name"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }


def location_problems(label: str, response: Any) -> list[str]:
    location = response.headers.get("Location")
    if location is None:
        return []
    if any(ch in location for ch in "\r\n"):
        return [f"{label}: CR/LF in Location {location!r}"]
    target = browser_target(location)
    if target.netloc != "sv.example.gov.uk" or target.scheme != "https":
        return [f"{label}: redirect leaves the site: {location!r}"]
    return []


def browser_target(location: str) -> Any:
    """Where a browser on https://sv.example.gov.uk/sign-in would go for this Location: like
    browsers, drop tabs and newlines and read backslashes as slashes."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("https://sv.example.gov.uk/sign-in", cleaned))


def response_problems(label: str, response: Any) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code}")
    if response.mimetype == "text/html":
        problems.extend(f"{label}: {p}" for p in injected_markup(text(response)))
    if any("injected" in c for c in response.headers.getlist("Set-Cookie")):
        problems.append(f"{label}: injected cookie")
    return problems + location_problems(label, response)


def viewer(app: Any, world: World, url: str) -> str | None:
    """The first role that gets a 200 for ``url`` without a query string."""
    for role in ("officer", "evaluator", "panel", "supplier", "auditor", "admin", "anonymous"):
        response = get(world.clients[role], url)
        response.close()
        if response.status_code == 200:
            return role
    return None


@pytest.fixture
def world(app: Any) -> World:
    return build_world(app)


def test_payloads_in_every_query_parameter_of_every_get_route(app: Any, world: World) -> None:
    names = sorted(parameters_the_views_read() | api_query_parameters(app))
    payloads = itertools.cycle(ALL)
    problems: list[str] = []
    requests = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = fill(rule.rule, world.params)
        api = rule.rule.startswith("/api/")
        role = "officer" if api else viewer(app, world, url)
        rounds = 1 if SLOW.search(rule.rule) else 3
        for _ in range(rounds):
            query = {name: next(payloads) for name in names}
            query[next(payloads)] = next(payloads)  # a made-up name, a payload for value
            full = f"{url}?{urlencode(query)}"
            client = world.clients[role or "anonymous"]
            db.session.remove()
            if api:
                response = client.get(
                    full, headers={"Authorization": f"Bearer {world.secrets['officer']}"}
                )
            else:
                response = client.get(full)
            response.close()
            db.session.remove()
            requests += 1
            label = f"GET {rule.rule} as {role}"
            problems.extend(response_problems(label, response))
            problem_json = response.mimetype == "application/problem+json"
            if api and response.status_code >= 400 and not problem_json:
                problems.append(f"{label}: {response.status_code} as {response.mimetype}")
    assert requests > 150
    assert problems == [], "\n".join(problems)


def test_each_parameter_alone_with_each_kind_of_payload(app: Any, world: World) -> None:
    """One parameter at a time (so that one bad value cannot hide another behind a 404)."""
    contract = world.params["contract_id"]
    pages = {
        "page": [
            f"/tenders/{world.params['tender_id']}/history",
            f"/contracts/{contract}/history",
            "/tenders/",
            "/contracts/",
            "/account/tokens",
        ],
        "status": ["/tenders/", "/contracts/"],
        "tender": ["/audit/events.csv"],
        "contract": ["/audit/events.csv"],
        "basis": [f"/contracts/{contract}/"],
        "period": [f"/contracts/{contract}/returns/new"],
        "kpi": [f"/contracts/{contract}/actions"],
        "from": ["/frameworks/gm-social-value-framework/diff"],
        "to": ["/frameworks/gm-social-value-framework/diff"],
        "q": [f"/tenders/{world.tenders['draft']}/criteria"],
        "next": ["/sign-in"],
    }
    assert set(pages) >= parameters_the_views_read(), "a view reads a parameter not listed here"
    problems = []
    for name, urls in pages.items():
        role = "anonymous" if name == "next" else "officer"
        for url in urls:
            for payload in ALL:
                response = get(world.clients[role], f"{url}?{urlencode({name: payload})}")
                response.close()
                problems.extend(response_problems(f"GET {url}?{name}={payload[:40]!r}", response))
    assert problems == [], "\n".join(problems)


def test_sign_in_never_redirects_off_site(app: Any) -> None:
    user = make_user(db.session, Role.OFFICER)
    db.session.commit()
    email = user.email
    problems = []
    for target in OPEN_REDIRECTS:
        client = FreshClient(app, app.response_class, use_cookies=True)
        query = urlencode({"next": target})
        page = client.get(f"/sign-in?{query}")
        response = client.post(
            f"/sign-in?{query}",
            data={"csrf_token": csrf_token(text(page)), "email": email, "password": PASSWORD},
        )
        db.session.remove()
        if response.status_code != 302:
            problems.append(f"next={target!r}: {response.status_code}")
            continue
        problems.extend(location_problems(f"next={target!r}", response))
    assert problems == [], "\n".join(problems)
    # An ordinary same-site `next` is honoured.
    client = FreshClient(app, app.response_class, use_cookies=True)
    page = client.get("/tenders/", follow_redirects=True)
    assert urlsplit(page.request.url).path == "/sign-in"
    next_url = page.request.args["next"]
    response = client.post(
        f"/sign-in?{urlencode({'next': next_url})}",
        data={"csrf_token": csrf_token(text(page)), "email": email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/tenders/"


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_safe_next_refuses(app: Any, target: str) -> None:
    with app.test_request_context("/sign-in"):
        safe = _safe_next(target)
    assert not any(ch in safe for ch in "\r\n\t\\")
    target_url = browser_target(safe)
    assert (target_url.scheme, target_url.netloc) == ("https", "sv.example.gov.uk")


@pytest.mark.parametrize(
    "target", ["/tenders/", "/tenders/3/evaluate/B/SV1", "/contracts/?page=2", "/frameworks/#x"]
)
def test_safe_next_keeps_paths_on_this_site(app: Any, target: str) -> None:
    with app.test_request_context("/sign-in"):
        assert _safe_next(target) == target


def test_sign_in_redirects_for_protected_pages_stay_on_site(app: Any, world: World) -> None:
    anonymous = world.clients["anonymous"]
    problems = []
    for payload in ALL:
        for url in ("/tenders/", f"/contracts/{world.params['contract_id']}/"):
            response = get(anonymous, f"{url}?{urlencode({'x': payload})}")
            if "\x00" in payload:  # refused before anything else looks at it
                if response.status_code != 400:
                    problems.append(f"{url} with a NUL: {response.status_code}")
            elif response.status_code != 302:
                problems.append(f"{url}: {response.status_code}")
            problems.extend(location_problems(url, response))
    assert problems == [], "\n".join(problems)
