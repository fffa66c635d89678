"""Walk the application as one user: every page reachable from the home page and from the URL
map (filled with the scenario's real ids), and every form on those pages."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from factories import FreshClient, text
from html_inspect import Form, parse, same_site_path
from scenario import World, fill
from werkzeug.exceptions import HTTPException

from socialvalue.extensions import db

# Endpoints that are not pages: files, the JSON API, PDF rendering (about a second each; the
# PDF tests cover them), and signing out (which would end the walk).
SKIP_PREFIXES = ("api", "api_contracts", "api-docs", "exports.", "static")
SKIP_ENDPOINTS = frozenset(
    {
        "auth.sign_out",
        "contracts.evidence",
        "reports.job_download",
        "reports.tender_report_pdf",
        "reports.summary_pdf",
        "reports.programme_pdf",
        "reports.contract_report_pdf",
        "main.healthz",
    }
)
MAX_PER_KEY = 2


@dataclass
class Visit:
    url: str
    status: int
    html: str
    endpoint: str


def endpoint_of(app: Any, url: str, method: str = "GET") -> tuple[str, dict[str, Any]] | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(urlsplit(url).path, method=method)
    except HTTPException:
        return None
    return str(endpoint), dict(args)


def skipped(endpoint: str) -> bool:
    return endpoint in SKIP_ENDPOINTS or endpoint.startswith(SKIP_PREFIXES)


def seed_urls(app: Any, world: World) -> list[str]:
    """Every GET rule of the app, filled with each of the scenario's tenders."""
    urls = ["/"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or skipped(rule.endpoint):
            continue
        for tender_id in world.tenders.values():
            urls.append(fill(rule.rule, {**world.params, "tender_id": str(tender_id)}))
    return list(dict.fromkeys(urls))


def get(client: FreshClient, url: str) -> Any:
    db.session.remove()
    response = client.get(url)
    db.session.remove()
    return response


def crawl(
    app: Any, world: World, role: str, limit: int = 150, seeds: list[str] | None = None
) -> list[Visit]:
    """GET every page this role can reach (at most MAX_PER_KEY per endpoint and tender),
    starting from ``seeds`` (default: the home page and every GET rule with real ids)."""
    client = world.clients[role]
    queue = deque(seeds if seeds is not None else seed_urls(app, world))
    seen: set[str] = set(queue)
    per_key: dict[tuple[str, Any], int] = {}
    visits: list[Visit] = []
    while queue and len(visits) < limit:
        url = queue.popleft()
        matched = endpoint_of(app, url)
        if matched is None or skipped(matched[0]):
            continue
        endpoint, args = matched
        key = (endpoint, args.get("tender_id") or args.get("contract_id"))
        if per_key.get(key, 0) >= MAX_PER_KEY:
            continue
        per_key[key] = per_key.get(key, 0) + 1
        response = get(client, url)
        body = text(response) if response.mimetype == "text/html" else ""
        visits.append(Visit(url, response.status_code, body, endpoint))
        if response.status_code != 200 or not body:
            continue
        for href in parse(body).links:
            path = same_site_path("http://localhost" + url, href)
            if path is not None:
                path = path.split("#", 1)[0]
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
    return visits


def forms_on(visits: list[Visit]) -> Iterator[tuple[str, Form]]:
    """Each distinct POST form once: (the page it is on, the form)."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for visit in visits:
        if visit.status != 200 or not visit.html:
            continue
        for form in parse(visit.html).forms:
            if form.method != "post":
                continue
            action = urlsplit(form.action or visit.url).path or visit.url
            key = (action, form.signature)
            if key in seen:
                continue
            seen.add(key)
            yield visit.url, form


def find_form(html: str, like: Form, page_url: str) -> Form | None:
    """The same form on a freshly loaded page (new CSRF token and versions)."""
    wanted = urlsplit(like.action or page_url).path
    for form in parse(html).forms:
        if urlsplit(form.action or page_url).path == wanted and form.signature == like.signature:
            return form
    return None
