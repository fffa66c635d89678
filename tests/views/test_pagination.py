"""Every list that can grow is paged in SQL, with GOV.UK pagination that keeps the filters.

Page sizes are shrunk for the tests (monkeypatched) so that a handful of rows makes several
pages. Each list is checked for: the first, a middle and the last page; every row shown once,
in order; previous/next and numbered links (with ellipses) that keep the filter; page numbers
that are not pages (0, -1, words, fractions, huge numbers, past the last page) answering 404,
never 500; and the same number of SQL statements for a page however many rows there are.
The API's lists keep their contract (items, page, per_page, total, next, prev, Link header)
and now page in SQL too, the whole audit log by sequence number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    FreshClient,
    count_queries,
    make_s1_tender,
    make_tender,
    make_user,
    s1_bid_data,
    text,
)

from benchmarks.large_installation import Sizes, generate
from socialvalue.extensions import db
from socialvalue.models import AuditEvent, Contract, Role, Tender, User
from socialvalue.models.base import utcnow
from socialvalue.services import bids as bid_service
from socialvalue.services.api_tokens import create_token
from socialvalue.services.pagination import MAX_PAGE, InvalidPage, Page, paginate, parse_page

pytestmark = pytest.mark.usefixtures("synced_frameworks")

BAD_PAGES = ("0", "-1", "abc", "2.5", "1e3", "99999999999", "٣", "1%20or%201=1")
LINK = re.compile(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)"([^>]*)>')


def nav(html: str) -> str:
    match = re.search(r'<nav class="govuk-pagination".*?</nav>', html, re.S)
    return match.group(0) if match else ""


def links(html: str) -> dict[str, str]:
    """{'prev': url, 'next': url, '1': url, '2': url...} from the pagination component."""
    found: dict[str, str] = {}
    for href, attributes in LINK.findall(nav(html)):
        href = href.replace("&amp;", "&")
        if 'rel="prev"' in attributes:
            found["prev"] = href
        elif 'rel="next"' in attributes:
            found["next"] = href
        else:
            number = re.search(r'aria-label="Page (\d+)"', attributes)
            assert number, attributes
            found[number.group(1)] = href
    return found


def current(html: str) -> str | None:
    match = re.search(r'aria-label="Page (\d+)" aria-current="page"', nav(html))
    return match.group(1) if match else None


def references(html: str) -> list[str]:
    return re.findall(r'href="/tenders/\d+/">([^<]+)</a>', html)


# -- the helper itself ------------------------------------------------------------------------


def test_parse_page_accepts_only_whole_page_numbers() -> None:
    assert parse_page(None) == 1
    assert parse_page("") == 1
    assert parse_page(" 7 ") == 7
    assert parse_page(str(MAX_PAGE)) == MAX_PAGE
    for raw in ("0", "-1", "abc", "2.5", "1e3", "\x00", "99999999999", "٣", str(MAX_PAGE + 1)):
        with pytest.raises(InvalidPage):
            parse_page(raw)


def test_page_numbers_follow_the_govuk_pattern() -> None:
    def numbers(page: int, pages: int) -> list[int | None]:
        return Page(items=[1], page=page, per_page=1, total=pages).numbers()

    assert numbers(1, 1) == [1]
    assert numbers(1, 3) == [1, 2, 3]
    assert numbers(1, 6) == [1, 2, None, 6]
    assert numbers(4, 6) == [1, None, 3, 4, 5, 6]
    assert numbers(200, 400) == [1, None, 199, 200, 201, None, 400]
    assert numbers(400, 400) == [1, None, 399, 400]
    empty = Page(items=[], page=1, per_page=25, total=0)
    assert (empty.pages, empty.has_next, empty.has_previous, bool(empty)) == (
        1,
        False,
        False,
        False,
    )


def test_paginate_counts_and_refuses_pages_past_the_end(app: Any) -> None:
    officer = make_user(db.session, Role.OFFICER)
    for _ in range(5):
        make_tender(db.session, officer)
    db.session.commit()
    query = sa.select(Tender).order_by(Tender.id)
    page = paginate(db.session, query, 2, 2)
    assert (page.total, page.pages, page.first_number, page.last_number) == (5, 3, 3, 4)
    assert [t.id for t in page] == [t.id for t in db.session.scalars(query)][2:4]
    assert len(paginate(db.session, query, 3, 2)) == 1
    with pytest.raises(InvalidPage):
        paginate(db.session, query, 4, 2)
    assert paginate(db.session, query.where(Tender.id < 0), 1, 2).total == 0


# -- the tenders list -------------------------------------------------------------------------


def test_tenders_list_pages_through_every_tender_once(
    app: Any, client_for: Callable[[User | None], FreshClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialvalue.views.tenders.PER_PAGE", 2)
    officer = make_user(db.session, Role.OFFICER)
    made = [make_tender(db.session, officer) for _ in range(11)]
    db.session.commit()
    client = client_for(officer)
    first = text(client.get("/tenders/"))
    assert "Showing 1 to 2 of 11 tenders (page 1 of 6)" in first
    assert current(first) == "1"
    assert links(first) == {
        "1": "/tenders/",
        "2": "/tenders/?page=2",
        "6": "/tenders/?page=6",
        "next": "/tenders/?page=2",
    }
    assert "govuk-pagination__item--ellipses" in nav(first)
    middle = text(client.get("/tenders/?page=4"))
    assert current(middle) == "4"
    assert set(links(middle)) == {"prev", "next", "1", "3", "4", "5", "6"}
    assert links(middle)["prev"] == "/tenders/?page=3"
    last = text(client.get("/tenders/?page=6"))
    assert "Showing 11 to 11 of 11 tenders" in last
    assert "next" not in links(last) and links(last)["prev"] == "/tenders/?page=5"
    # Every tender exactly once, newest first, following the "next" links.
    seen: list[str] = []
    url: str | None = "/tenders/"
    while url:
        html = text(client.get(url))
        seen += references(html)
        url = links(html).get("next")
    newest_first = sorted(made, key=lambda t: (t.created_at, t.id), reverse=True)
    assert seen == [t.reference for t in newest_first]


def test_tenders_filter_is_kept_in_the_page_links(
    app: Any, client_for: Callable[[User | None], FreshClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialvalue.views.tenders.PER_PAGE", 2)
    officer = make_user(db.session, Role.OFFICER)
    tenders = [make_tender(db.session, officer) for _ in range(9)]
    now = utcnow()
    for tender in tenders[:5]:
        tender.status = "awarded"
    tenders[5].status = "published"  # open for bids: deadline ahead
    tenders[6].status = "published"
    tenders[6].bid_deadline = now - dt.timedelta(days=1)  # being evaluated
    db.session.commit()
    client = client_for(officer)
    awarded = text(client.get("/tenders/?status=awarded"))
    assert "Showing 1 to 2 of 5 tenders (page 1 of 3)" in awarded
    assert '<option value="awarded" selected>' in awarded
    assert links(awarded)["next"] == "/tenders/?status=awarded&page=2"
    assert links(awarded)["3"] == "/tenders/?status=awarded&page=3"
    page_two = text(client.get("/tenders/?status=awarded&page=2"))
    assert links(page_two)["prev"] == "/tenders/?status=awarded"
    shown = set(references(awarded) + references(page_two))
    shown |= set(references(text(client.get("/tenders/?status=awarded&page=3"))))
    assert shown == {t.reference for t in tenders[:5]}
    assert references(text(client.get("/tenders/?status=open"))) == [tenders[5].reference]
    assert references(text(client.get("/tenders/?status=evaluating"))) == [tenders[6].reference]
    assert set(references(text(client.get("/tenders/?status=draft")))) == {
        t.reference for t in tenders[7:]
    }
    none = text(client.get("/tenders/?status=cancelled"))
    assert "No tenders match" in none and not nav(none)
    # An unknown filter shows every tender; past the filtered list's end is not a page.
    assert "of 9 tenders" in text(client.get("/tenders/?status=nonsense"))
    assert client.get("/tenders/?status=awarded&page=4").status_code == 404


def test_tenders_list_runs_the_same_statements_however_many_tenders(
    app: Any, client_for: Callable[[User | None], FreshClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialvalue.views.tenders.PER_PAGE", 3)
    officer = make_user(db.session, Role.OFFICER)
    panel = make_user(db.session, Role.PANEL)
    db.session.commit()
    clients = {"officer": client_for(officer)}
    counts: dict[int, dict[str, int]] = {}
    for total in (4, 12):
        while db.session.scalar(sa.select(sa.func.count()).select_from(Tender)) < total:
            make_s1_tender(db.session, officer, panel=[panel], close=False)
        clients["panel"] = client_for(panel)
        counts[total] = {}
        for who, client in clients.items():
            for url in ("/tenders/", "/tenders/?page=2", "/tenders/?status=open"):
                db.session.expire_all()
                with count_queries() as statements:
                    assert client.get(url).status_code == 200
                counts[total][f"{who} {url}"] = len(statements)
    assert counts[4] == counts[12]


# -- bids, tokens -----------------------------------------------------------------------------


def test_bids_of_a_tender_are_paged(
    app: Any, client_for: Callable[[User | None], FreshClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialvalue.views.tenders.BIDS_PER_PAGE", 2)
    officer = make_user(db.session, Role.OFFICER)
    tender = make_s1_tender(db.session, officer, close=False)
    for number in range(4):
        bid_service.record_bid(
            db.session,
            officer,
            tender,
            s1_bid_data(tender, f"Extra Supplier {number} Ltd", 130000 + number, 1),
        )
    db.session.commit()
    client = client_for(officer)
    url = f"/tenders/{tender.id}/bids"
    first = text(client.get(url))
    assert "7 submitted bids" in first
    assert "Showing 1 to 2 of 7 submitted bids (page 1 of 4)" in first
    labels: list[str] = []
    next_url: str | None = url
    counts = set()
    while next_url:
        db.session.expire_all()
        with count_queries() as statements:
            html = text(client.get(next_url))
        counts.add(len(statements))
        labels += re.findall(r">Bid ([A-Z]+)</a>", html)
        next_url = links(html).get("next")
    assert labels == ["A", "B", "C", "D", "E", "F", "G"]
    assert len(counts) == 1  # a full page and the last, shorter page: the same statements
    for bad in (*BAD_PAGES, "5"):
        assert client.get(f"{url}?page={bad}").status_code == 404, bad
    # A NUL byte is refused before the page is even looked at; never an error page.
    assert client.get(f"{url}?page=%00").status_code in (400, 404)


def test_api_tokens_are_paged(
    app: Any, client_for: Callable[[User | None], FreshClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialvalue.views.account.PER_PAGE", 2)
    officer = make_user(db.session, Role.OFFICER)
    for number in range(5):
        create_token(db.session, officer, f"Token {number}")
    db.session.commit()
    client = client_for(officer)
    names: list[str] = []
    url: str | None = "/account/tokens"
    while url:
        html = text(client.get(url))
        names += re.findall(r'<th scope="row" class="govuk-table__header">(Token \d)</th>', html)
        url = links(html).get("next")
    assert sorted(names) == [f"Token {n}" for n in range(5)] and len(set(names)) == 5
    assert names[0] == "Token 4"  # newest first
    for bad in (*BAD_PAGES, "4"):
        assert client.get(f"/account/tokens?page={bad}").status_code == 404, bad


# -- contracts, histories (a small generated installation) -----------------------------------


@pytest.fixture
def installation(app: Any) -> dict[str, Any]:
    summary = generate(db.engine, Sizes(14, 70, 400), seed=11, workers=0, log=lambda _: None)
    db.session.expire_all()
    return summary


def generated(role: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.role == role).order_by(User.id)).first()
    assert user is not None
    return user


def test_contracts_and_histories_are_paged(
    app: Any,
    installation: dict[str, Any],
    client_for: Callable[[User | None], FreshClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("socialvalue.views.contracts.PER_PAGE", 3)
    monkeypatch.setattr("socialvalue.views.contracts.HISTORY_PER_PAGE", 5)
    monkeypatch.setattr("socialvalue.views.evaluation.HISTORY_PER_PAGE", 5)
    client = client_for(generated("auditor"))
    contracts = db.session.scalars(
        sa.select(Contract).order_by(Contract.start_date.desc(), Contract.id.desc())
    ).all()
    assert len(contracts) > 6
    seen: list[str] = []
    counts = []
    url: str | None = "/contracts/"
    while url:
        db.session.expire_all()
        with count_queries() as statements:
            html = text(client.get(url))
        counts.append(len(statements))
        seen += re.findall(r'href="/contracts/\d+/">([^<]+)<span', html)
        url = links(html).get("next")
    assert seen == [c.reference for c in contracts]
    # Full pages cost the same whatever their contracts' numbers of returns and figures.
    assert len(set(counts[:-1])) == 1
    for bad in (*BAD_PAGES, str(len(counts) + 1)):
        assert client.get(f"/contracts/?page={bad}").status_code == 404, bad

    # A contract's history and a tender's, newest first, every event once.
    contract = max(
        contracts,
        key=lambda c: db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.contract_id == c.id)
        ),
    )
    for base, where in (
        (f"/contracts/{contract.id}/history", AuditEvent.contract_id == contract.id),
        (f"/tenders/{contract.tender_id}/history", AuditEvent.tender_id == contract.tender_id),
    ):
        expected = list(
            db.session.scalars(
                sa.select(AuditEvent.sequence).where(where).order_by(AuditEvent.sequence.desc())
            )
        )
        assert len(expected) > 10
        sequences: list[int] = []
        url = base
        while url:
            html = text(client.get(url))
            sequences += [int(n) for n in re.findall(r"· entry (\d+)<", html)]
            if url == base:
                assert "Older" in nav(html) and "Newer" not in nav(html)
            url = links(html).get("next")
        assert sequences == expected
        for bad in BAD_PAGES:
            assert client.get(f"{base}?page={bad}").status_code == 404, (base, bad)


# -- the API ----------------------------------------------------------------------------------


def test_api_lists_page_in_sql_and_keep_their_contract(
    app: Any, installation: dict[str, Any]
) -> None:
    officer = generated("officer")
    _token, secret = create_token(db.session, officer, "pagination test")
    db.session.commit()
    client = FreshClient(app, app.response_class)

    class Api:
        @staticmethod
        def get(url: str) -> Any:
            return client.get(url, headers={"Authorization": f"Bearer {secret}"})

    api = Api()

    def walk(url: str, per_page: int) -> tuple[list[Any], int, set[int]]:
        items: list[Any] = []
        counts = set()
        page_url: str | None = f"{url}{'&' if '?' in url else '?'}per_page={per_page}"
        api.get(page_url)  # the token's first use of the minute also records last_used_at
        total = -1
        while page_url:
            db.session.expire_all()
            with count_queries() as statements:
                response = api.get(page_url)
            assert response.status_code == 200, response.get_data(as_text=True)
            body = response.get_json()
            counts.add(len(statements))
            total = body["total"]
            items += body["items"]
            assert body["per_page"] == per_page
            if body["next"]:
                assert f'<{body["next"]}>; rel="next"' in response.headers["Link"]
            page_url = body["next"].replace("http://localhost", "") if body["next"] else None
        return items, total, counts

    tenders, total, counts = walk("/api/v1/tenders", 4)
    assert total == db.session.scalar(sa.select(sa.func.count()).select_from(Tender))
    assert [t["id"] for t in tenders] == list(
        db.session.scalars(
            sa.select(Tender.id).order_by(Tender.created_at.desc(), Tender.id.desc())
        )
    )
    assert len(counts) == 1
    awarded, total, _ = walk("/api/v1/tenders?status=awarded", 3)
    assert total == len(awarded) and {t["status"] for t in awarded} == {"awarded"}
    contracts, total, _ = walk("/api/v1/contracts", 3)
    assert (
        total
        == len(contracts)
        == db.session.scalar(sa.select(sa.func.count()).select_from(Contract))
    )
    contract_id = contracts[0]["id"]
    returns, total, counts = walk(f"/api/v1/contracts/{contract_id}/returns", 2)
    assert total == len(returns) and len(counts) == 1
    assert [r["period_end"] for r in returns] == sorted(r["period_end"] for r in returns)
    tender_id = db.session.scalar(sa.select(Contract.tender_id).where(Contract.id == contract_id))
    bids, total, counts = walk(f"/api/v1/tenders/{tender_id}/bids", 2)
    assert total == len(bids) and len(counts) == 1
    assert [b["label"] for b in bids] == sorted(
        (b["label"] for b in bids), key=lambda x: (len(x), x)
    )
    consensus, total, _ = walk(f"/api/v1/tenders/{tender_id}/consensus", 5)
    assert total == len(consensus)
    # Past the last page: an empty page, as before (not an error).
    body = api.get("/api/v1/tenders?page=999&per_page=5").get_json()
    assert body["items"] == [] and body["next"] is None and body["total"] == len(tenders)

    # The whole audit log, newest first, paged by sequence number; and filtered by tender.
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    first = api.get("/api/v1/audit-events?per_page=100").get_json()
    assert first["total"] == events
    sequences = [e["sequence"] for e in first["items"]]
    assert sequences == sorted(sequences, reverse=True) and sequences[0] == events
    last_page = -(-events // 100)
    deep = api.get(f"/api/v1/audit-events?per_page=100&page={last_page}").get_json()
    assert deep["items"][-1]["sequence"] == 1 and deep["next"] is None
    assert len(deep["items"]) == events - 100 * (last_page - 1)
    beyond = api.get(f"/api/v1/audit-events?per_page=100&page={last_page + 1}").get_json()
    assert beyond["items"] == [] and beyond["total"] == events
    filtered, total, _ = walk(f"/api/v1/audit-events?tender_id={tender_id}", 50)
    assert (
        total
        == len(filtered)
        == db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.tender_id == tender_id))
    )
