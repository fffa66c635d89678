"""Hostile text through every form of the application, as every kind of user.

The walk seeds a rich scenario (a draft tender, one open for bids, one under evaluation, a
contract with a return, evidence and a remedial action), then for each role GETs every page it
can reach (from the home page's links and from every GET rule of the URL map filled with real
ids), parses every POST form on them and submits it several times with payloads from
``payloads.py`` in its fields and a valid CSRF token:

1. free-text fields get payloads that can be stored (markup, template and SQL syntax), other
   fields keep what the page offered, so that many submissions succeed and save the text;
2. free-text fields get any payload (huge, control characters, CRLF, unicode tricks);
3. every field, hidden versions, numbers, dates, selects and radios too, gets a payload;
4. then, for each of the nastiest payloads (``EVERY_FIELD``), every field gets that one.

Every response must be below 500, carry no live markup from a payload, and have no injected
header; redirects stay on this site. Afterwards every table still exists, every page is
re-rendered for every role and checked again, and the payloads that were saved come back on
the pages as the exact text typed (escaped, not markup).
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from crawler import crawl, endpoint_of, find_form, forms_on, get
from factories import text
from html_inspect import Field, Form, buttons, form_data, injected_markup, page_text
from payloads import ALL, EVERY_FIELD, STORABLE
from scenario import World, build_world, table_names

from socialvalue.extensions import db
from socialvalue.models import Base

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]

# Suppliers and panel members first: the lead officer's forms close bidding and publish plans.
ORDER = ("supplier", "panel", "evaluator", "auditor", "admin", "officer")
SKIP_FORMS = ("/sign-out", "/sign-in")
ROUNDS = 3 + len(EVERY_FIELD)


def response_problems(label: str, response: Any) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code}")
    location = response.headers.get("Location", "")
    if any(ch in location for ch in "\r\n"):
        problems.append(f"{label}: CR/LF in Location {location!r}")
    if location and urlsplit(location).netloc not in ("", "localhost"):
        problems.append(f"{label}: redirect off-site to {location!r}")
    for cookie in response.headers.getlist("Set-Cookie"):
        if "injected" in cookie:
            problems.append(f"{label}: injected cookie {cookie!r}")
    if response.mimetype == "text/html":
        problems.extend(f"{label}: {p}" for p in injected_markup(text(response)))
    return problems


class Filler:
    """Chooses a payload for each field, cycling so that every payload is used."""

    def __init__(self) -> None:
        self.storable = itertools.cycle(STORABLE)
        self.any = itertools.cycle(ALL)

    def values(self, form: Form, round_: int) -> dict[str, str]:
        fill: dict[str, str] = {}
        for item in form.fields:
            if item.name == "csrf_token" or item.tag == "button" or item.type == "submit":
                continue
            if round_ >= 3:
                fill[item.name] = EVERY_FIELD[round_ - 3]
            elif round_ == 2:
                fill[item.name] = next(self.any)
            elif item.free_text and not item.numeric and item.type != "email":
                fill[item.name] = next(self.storable if round_ == 0 else self.any)
            elif item.numeric and not item.value:
                fill[item.name] = plausible_number(item)
        return fill


def plausible_number(item: Field) -> str:
    name = item.name.lower()
    if name.endswith("year"):
        return "2027"
    return "1"


def submit_forms(
    app: Any, world: World, role: str, filler: Filler, nasty_done: set[Any], pages: list[str]
) -> tuple[list[str], int]:
    client = world.clients[role]
    problems: list[str] = []
    posts = 0
    visits = crawl(app, world, role)
    pages.extend(v.url for v in visits if v.status == 200)
    for visit in visits:
        problems.extend(response_problems(f"GET {visit.url} as {role}", _Stub(visit)))
    for page_url, form in forms_on(visits):
        action = urlsplit(form.action or page_url).path or page_url
        if action in SKIP_FORMS:
            continue
        # The EVERY_FIELD rounds once per kind of form (not again for each tender or role);
        # a form another role has already had all three rounds on gets one (saving text).
        matched = endpoint_of(app, action, "POST")
        kind = (matched[0] if matched else action, form.signature)
        rounds = 1 if action in nasty_done else 3 if kind in nasty_done else ROUNDS
        nasty_done.update((kind, action))
        current: Form | None = None
        for round_ in range(rounds):
            if round_ <= 2:  # later rounds replace every field: the last copy of the form will do
                page = get(client, page_url)
                if page.status_code != 200:
                    break
                current = find_form(text(page), form, page_url)
            if current is None:
                break  # the form has gone (the last submission moved the record on)
            choices = buttons(current)
            data = form_data(
                current, filler.values(current, round_), choices[round_ % len(choices)]
            )
            db.session.remove()
            response = client.post(action, data=data)
            db.session.remove()
            posts += 1
            label = f"POST {action} as {role} (round {round_})"
            problems.extend(response_problems(label, response))
            if response.status_code == 302 and endpoint_of(app, response.headers["Location"]):
                followed = get(client, response.headers["Location"])
                problems.extend(response_problems(f"{label} then GET", followed))
    return problems, posts


class _Stub:
    """A crawled page seen as a response (status, mimetype, headers, body)."""

    def __init__(self, visit: Any) -> None:
        self.status_code = visit.status
        self.mimetype = "text/html" if visit.html else "other"
        self.headers = _NoHeaders()
        self._html = visit.html

    def get_data(self, as_text: bool = False) -> str:
        return self._html


class _NoHeaders(dict[str, str]):
    def getlist(self, _name: str) -> list[str]:
        return []


def stored_payloads() -> set[str]:
    """The STORABLE payloads now held in any text column of any table."""
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
        for payload in STORABLE:
            if payload in found or not columns:
                continue
            hit = db.session.execute(
                sa.select(sa.literal(1))
                .select_from(table)
                .where(sa.or_(*(c.contains(payload, autoescape=True) for c in columns)))
                .limit(1)
            ).first()
            if hit:
                found.add(payload)
    db.session.rollback()
    return found


def test_payloads_through_every_form_as_every_role(app: Any) -> None:
    world = build_world(app)
    tables_before = table_names()
    filler = Filler()
    problems: list[str] = []
    posts = 0
    nasty_done: set[Any] = set()
    pages: dict[str, list[str]] = {}
    for role in ORDER:
        found, count = submit_forms(
            app, world, role, filler, nasty_done, pages.setdefault(role, [])
        )
        problems.extend(found)
        posts += count
    assert problems == [], "\n".join(problems[:60])
    assert posts >= 150, f"only {posts} form submissions: the walk did not reach the forms"

    # Nothing was dropped or damaged by the SQL payloads.
    assert table_names() == tables_before
    for table in Base.metadata.sorted_tables:
        db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    db.session.rollback()

    # Every page, re-rendered for every role, shows the saved payloads as plain text.
    stored = stored_payloads()
    assert len(stored) >= 6, f"too few payloads were saved to prove anything: {stored}"
    shown: set[str] = set()
    for role in ORDER:
        # Every page the role could see before, and any new ones linked from them.
        for visit in crawl(app, world, role, seeds=pages[role]):
            problems.extend(response_problems(f"GET {visit.url} as {role} (after)", _Stub(visit)))
            if visit.html:
                page = page_text(visit.html)
                shown.update(p for p in stored if p in page)
    assert problems == [], "\n".join(problems[:60])
    assert stored <= shown, f"saved but never shown verbatim: {stored - shown}"
