"""Officer set-up pages: creating a tender, the evaluation rules, criteria, gates, people,
publishing (and the locked plan afterwards), closing bidding, and who may use each page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from factories import (
    LOCAL_EMPLOYMENT,
    S1_BIDS,
    audit_actions,
    audit_count,
    count_queries,
    framework_version,
    make_s1_tender,
    make_tender,
    measure,
    post,
    post_form,
    s1_bid_data,
    text,
)

from socialvalue import scoring
from socialvalue.extensions import db
from socialvalue.models import Bid, Criterion, Gate, Tender, TenderMember
from socialvalue.models.base import utcnow
from socialvalue.services import bids as bid_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.errors import StateConflict
from socialvalue.uk_time import from_uk_clock

pytestmark = pytest.mark.usefixtures("synced_frameworks")

DEADLINE = (utcnow() + dt.timedelta(days=40)).date()


def details_form(**overrides: Any) -> dict[str, str]:
    form = {
        "reference": "GM-2027-014",
        "title": "Home care in Bolton",
        "buyer": "Greater Manchester Combined Authority",
        "description": "Home care for adults.",
        "estimated_value": "£1,250,000.50",
        "contract_start-day": "1",
        "contract_start-month": "4",
        "contract_start-year": "2027",
        "contract_end-day": "31",
        "contract_end-month": "3",
        "contract_end-year": "2030",
        "bid_deadline-day": str(DEADLINE.day),
        "bid_deadline-month": str(DEADLINE.month),
        "bid_deadline-year": str(DEADLINE.year),
        "bid_deadline-time": "12:00",
    }
    form.update(overrides)
    return form


def plan_form(**overrides: Any) -> dict[str, str]:
    form = {
        "weight_price": "40",
        "weight_quality": "40",
        "weight_social_value": "20",
        "price_method": "lowest_price_ratio",
        "quantitative_method": "relative_to_best",
        "moderation_mode": "consensus_required",
        "flag_range_percent": "40",
        "panel_share_percent": "",
        "tie_break_1": "highest_social_value",
        "tie_break_2": "lowest_price",
        "tie_break_3": "",
        "tie_break_4": "",
        "require_rationale": "yes",
        "anonymise_for_panel": "yes",
    }
    form.update(overrides)
    return form


def question_form(**overrides: Any) -> dict[str, str]:
    form = {
        "title": "Service delivery approach",
        "question": "How will you deliver the service?",
        "group": "quality",
        "scale_max": "5",
        "weight": "25",
        "minimum_score": "",
    }
    form.update(overrides)
    return form


def tender_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Tender)).scalar_one()


def criteria_of(tender_id: int) -> list[Criterion]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(Criterion).where(Criterion.tender_id == tender_id).order_by(Criterion.id)
        ).scalars()
    )


def fresh(tender_id: int) -> Tender:
    db.session.expire_all()
    tender = db.session.get(Tender, tender_id)
    assert tender is not None
    return tender


# -- the whole of scenario S1 through the pages --------------------------------------------------


def test_scenario_s1_is_set_up_entirely_through_the_pages(people: Any, client_for: Any) -> None:
    officer = client_for(people.officer)
    version = framework_version(db.session)

    created = post_form(officer, "/tenders/new", details_form(framework_version_id=str(version.id)))
    assert created.status_code == 302
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    assert created.headers["Location"] == f"/tenders/{tender.id}/"
    base = f"/tenders/{tender.id}"

    assert post_form(officer, f"{base}/plan", plan_form()).status_code == 302
    for form in (
        question_form(title="Service delivery approach", weight="25"),
        question_form(title="Staffing and resilience", weight="15"),
        question_form(
            title="Social value delivery plan", group="social_value", scale_max="100", weight="10"
        ),
    ):
        added = post(officer, f"{base}/criteria/question", form)
        assert added.status_code == 302, text(added)
    employment = measure(db.session, version, LOCAL_EMPLOYMENT)
    search = officer.get(f"{base}/criteria?q=local+employment")
    assert "Local employment (Greater Manchester residents)" in text(search)
    assert f'name="measure_id" value="{employment.id}"' in text(search)
    added = post(
        officer,
        f"{base}/criteria/measure",
        {"measure_id": str(employment.id), "group": "social_value", "weight": "10"},
    )
    assert added.status_code == 302, text(added)

    by_code = {c.code: c for c in criteria_of(tender.id)}
    assert sorted(by_code) == ["Q1", "Q2", "SV1", "SV2"]
    scored = [str(by_code[code].id) for code in ("Q1", "Q2", "SV1")]
    evaluator = post_form(
        officer,
        f"{base}/people",
        {"form_name": "evaluator", "user_id": str(people.officer2.id), "criterion_ids": scored},
    )
    assert evaluator.status_code == 302, text(evaluator)
    panel = post_form(
        officer,
        f"{base}/people",
        {
            "form_name": "evaluator",
            "user_id": str(people.panel.id),
            "criterion_ids": [str(by_code["SV1"].id)],
        },
    )
    assert panel.status_code == 302, text(panel)
    invited = post_form(
        officer, f"{base}/people", {"form_name": "supplier", "user_id": str(people.supplier.id)}
    )
    assert invited.status_code == 302, text(invited)

    published = post_form(officer, f"{base}/publish", {})
    assert published.status_code == 302, text(published)
    for supplier, price, sv2 in S1_BIDS:
        form = {"supplier_name": supplier, "price": str(price)}
        form[f"commitment-{by_code['SV2'].id}"] = str(sv2)
        for code in ("Q1", "Q2", "SV1"):
            form[f"response-{by_code[code].id}"] = f"{supplier} on {code}"
        recorded = post_form(officer, f"{base}/bids/new", form)
        assert recorded.status_code == 302, text(recorded)
    closed = post_form(officer, f"{base}/close-bidding", {})
    assert closed.status_code == 302, text(closed)

    # The tender built through the pages is exactly scenario S1 as the factory builds it.
    tender = fresh(tender.id)
    reference = make_s1_tender(db.session, people.officer)
    via_pages = scoring.bundle_to_dict(evaluation_service.build_bundle(db.session, tender))
    via_services = scoring.bundle_to_dict(
        evaluation_service.build_bundle(db.session, fresh(reference.id))
    )
    for bundle in (via_pages, via_services):
        bundle["plan"].pop("tender_id")
        bundle["plan"].pop("title")
        for bid in bundle["bids"]:
            bid.pop("supplier")
    assert via_pages == via_services
    assert [(b["label"], b["price"]) for b in via_pages["bids"]] == [
        ("A", "100000"),
        ("B", "105000"),
        ("C", "125000"),
    ]
    assert tender.status == "published" and tender.bid_deadline <= utcnow()
    assert tender.framework_key == "gm-social-value-framework@2020"
    assert tender.framework_hash == version.content_hash
    members = {m.user_id: m for m in tender.members}
    assert members[people.panel.id].role == "panel"
    assert members[people.officer2.id].role == "evaluator"
    assert members[people.supplier.id].role == "supplier"
    actions = audit_actions(tender.id)
    assert actions[0] == "tender.created"
    for action in (
        "plan.rules_changed",
        "criterion.added",
        "member.assigned",
        "plan.published",
        "bid.recorded",
        "tender.bidding_closed",
    ):
        assert action in actions
    assert actions.count("criterion.added") == 4 and actions.count("bid.recorded") == 3


# -- list and create ---------------------------------------------------------------------------


def test_index_lists_tenders_and_offers_create_to_officers(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer, title="Street lighting maintenance")
    db.session.commit()
    html = text(client_for(people.officer).get("/tenders/"))
    assert "Street lighting maintenance" in html and tender.reference in html
    assert "Create a tender" in html and "Draft" in html
    auditor = text(client_for(people.auditor).get("/tenders/"))
    assert tender.reference in auditor and "Create a tender" not in auditor


def test_index_shows_panel_members_only_their_tenders_and_what_to_do(
    people: Any, client_for: Any
) -> None:
    mine = make_s1_tender(db.session, people.officer, panel=[people.panel], reference="PANEL-1")
    make_s1_tender(db.session, people.officer, reference="OTHER-1")
    response = client_for(people.panel).get("/tenders/")
    html = text(response)
    assert response.status_code == 200
    assert mine.reference in html and "OTHER-1" not in html
    assert "Declare any conflicts of interest" in html and "Create a tender" not in html
    evaluation_service.declare_interests(
        db.session, people.panel, fresh(mine.id), has_conflict=False, details=""
    )
    db.session.commit()
    html = text(client_for(people.panel).get("/tenders/"))
    assert "Score the bids: 3 of 3 scores to submit" in html


def test_index_redirects_suppliers_and_needs_sign_in(people: Any, client_for: Any) -> None:
    response = client_for(people.supplier).get("/tenders/")
    assert response.status_code == 302 and response.headers["Location"] == "/supplier/"
    anonymous = client_for(None).get("/tenders/")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_create_page_lists_published_versions_with_their_hash(people: Any, client_for: Any) -> None:
    html = text(client_for(people.officer).get("/tenders/new"))
    version = framework_version(db.session)
    assert f'value="{version.id}"' in html
    assert version.content_hash[:19] in html
    assert "keeps this exact version forever" in html
    assert 'id="contract_start"' in html and 'name="contract_start-month"' in html


def test_create_tender_records_it_pinned_and_audited(people: Any, client_for: Any) -> None:
    version = framework_version(db.session)
    client = client_for(people.officer)
    response = post_form(client, "/tenders/new", details_form(framework_version_id=str(version.id)))
    assert response.status_code == 302
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    assert tender.estimated_value == Decimal("1250000.50")
    assert tender.contract_start == dt.date(2027, 4, 1)
    assert tender.bid_deadline == from_uk_clock(DEADLINE, dt.time(12, 0))
    assert (tender.framework_id, tender.framework_version_label) == (
        "gm-social-value-framework",
        "2020",
    )
    assert tender.framework_hash == version.content_hash
    assert audit_actions(tender.id) == ["tender.created"]
    page = text(client.get(response.headers["Location"]))
    assert "Tender GM-2027-014 created" in page
    assert version.content_hash in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reference": ""}, "reference", "Enter the tender reference"),
        ({"title": "x" * 301}, "title", "must be 300 characters or fewer"),
        ({"estimated_value": "lots"}, "estimated_value", "must be a number, like 250000"),
        ({"estimated_value": "-5"}, "estimated_value", "must be £0 or more"),
        ({"estimated_value": "1" * 60}, "estimated_value", "must be £1,000,000,000,000 or less"),
        ({"estimated_value": "10.555"}, "estimated_value", "at most 2 decimal places"),
        ({"contract_start-day": "31", "contract_start-month": "2"}, "contract_start", "real date"),
        ({"contract_start-month": ""}, "contract_start", "must include a month"),
        ({"contract_start-year": "27"}, "contract_start", "year must include 4 numbers"),
        ({"contract_end-year": "2026"}, "contract_end", "must be after its start date"),
        ({"bid_deadline-time": "25:00"}, "bid_deadline", "24-hour clock"),
        ({"bid_deadline-time": ""}, "bid_deadline", "Enter the time of the bid deadline"),
        ({"bid_deadline-year": "2020"}, "bid_deadline", "must be in the future"),
        (  # the hour the UK clocks skip (last Sunday in March)
            {"bid_deadline-day": "31", "bid_deadline-month": "3", "bid_deadline-year": "2030"}
            | {"bid_deadline-time": "01:30"},
            "bid_deadline",
            "There is no 01:30 on 31 March 2030 in the UK: the clocks go forward",
        ),
        (  # the hour the UK clocks repeat (last Sunday in October)
            {"bid_deadline-day": "27", "bid_deadline-month": "10", "bid_deadline-year": "2030"}
            | {"bid_deadline-time": "01:15"},
            "bid_deadline",
            "01:15 on 27 October 2030 happens twice in the UK: the clocks go back",
        ),
        ({"framework_version_id": "999999"}, "framework_version_id", "published framework"),
        ({"framework_version_id": "99999999999999"}, "framework_version_id", "Choose the"),
        ({"framework_version_id": "abc"}, "framework_version_id", "Choose the framework"),
    ],
)
def test_create_tender_validation_saves_nothing(
    people: Any, client_for: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    version = framework_version(db.session)
    form = details_form(framework_version_id=str(version.id))
    form.update(overrides)
    before = audit_count()
    response = post_form(client_for(people.officer), "/tenders/new", form)
    html = text(response)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    assert f'href="#{field}"' in html  # the summary links to the field...
    assert f'id="{field}-error"' in html  # ...and the message sits next to it
    assert html.count(message) >= 2
    assert "<title>Error: " in html
    assert tender_count() == 0 and audit_count() == before


def test_create_refuses_a_duplicate_reference(people: Any, client_for: Any) -> None:
    make_tender(db.session, people.officer, reference="GM-2027-014")
    db.session.commit()
    version = framework_version(db.session)
    response = post_form(
        client_for(people.officer),
        "/tenders/new",
        details_form(framework_version_id=str(version.id)),
    )
    assert response.status_code == 422
    assert "A tender with the reference GM-2027-014 already exists" in text(response)
    assert tender_count() == 1


# -- overview ----------------------------------------------------------------------------------


def test_overview_shows_task_list_pinned_framework_and_blocking_problems(
    people: Any, client_for: Any
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    html = text(client_for(people.officer).get(f"/tenders/{tender.id}/"))
    assert "govuk-task-list" in html
    for step in (
        "Tender details",
        "Evaluation rules and weights",
        "Award criteria",
        "Pass/fail requirements",
        "Evaluators, panel and suppliers",
        "Publish the evaluation plan",
    ):
        assert step in html
    assert "gm-social-value-framework@2020" in html and tender.framework_hash in html
    assert "Before you can publish the plan" in html
    assert "Quality criteria weights sum to 0 but the quality group weight is 40" in html
    assert "Cannot start yet" in html
    assert f'href="/tenders/{tender.id}/publish"' not in html


def test_overview_warns_when_social_value_is_below_ten_percent(
    people: Any, client_for: Any
) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False)
    html = text(client_for(people.officer).get(f"/tenders/{tender.id}/"))
    assert "PPN 06/20 / PPN 002" not in html
    assert "Before you can publish" not in html  # S1 is complete
    assert f'href="/tenders/{tender.id}/publish"' in html
    tender_service.update_plan_rules(
        db.session,
        people.officer,
        tender,
        {
            **{name: getattr(tender, name) for name in tender_service.PLAN_RULE_FIELDS},
            "weight_price": Decimal(55),
            "weight_social_value": Decimal(5),
        },
    )
    db.session.commit()
    html = text(client_for(people.officer).get(f"/tenders/{tender.id}/"))
    assert "below the PPN 06/20 / PPN 002 minimum 10% social value weighting" in html
    problems = html[html.index('id="plan-problems"') :]
    assert "criteria weights sum to 20 but the social" in problems
    assert "group weight is 5" in problems


def test_overview_banner_names_evaluators_who_declared_a_conflict(
    people: Any, client_for: Any
) -> None:
    tender = make_s1_tender(
        db.session, people.officer, evaluators=[people.officer2], panel=[people.panel]
    )
    evaluation_service.declare_interests(
        db.session,
        people.panel,
        fresh(tender.id),
        has_conflict=True,
        details="My sister manages Supplier B",
    )
    db.session.commit()
    html = text(client_for(people.officer).get(f"/tenders/{tender.id}/"))
    assert "Conflicts of interest" in html
    assert "Priya Panel" in html and "My sister manages Supplier B" in html
    assert "was removed from this tender" in html
    people_page = text(client_for(people.officer).get(f"/tenders/{tender.id}/people"))
    assert "Conflict – removed" in people_page and "Not declared" in people_page


def test_overview_links_follow_status_and_permissions(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(
        db.session,
        people.officer,
        evaluators=[people.officer2],
        panel=[people.panel],
        suppliers=[people.supplier],
    )
    officer = text(client_for(people.officer).get(f"/tenders/{tender.id}/"))
    assert f'href="/tenders/{tender.id}/bids"' in officer
    assert f'href="/tenders/{tender.id}/result"' in officer
    assert f'href="/tenders/{tender.id}/history"' in officer
    assert "Set up the tender" in officer
    evaluating = text(client_for(people.officer2).get(f"/tenders/{tender.id}/"))
    assert f'href="/tenders/{tender.id}/declaration"' in evaluating
    assert f'href="/tenders/{tender.id}/bids"' not in evaluating  # not before declaring
    panel = text(client_for(people.panel).get(f"/tenders/{tender.id}/"))
    assert "What you need to do" in panel and "declare any conflicts of interest" in panel
    assert "Set up the tender" not in panel and f"/tenders/{tender.id}/bids" not in panel
    assert "Supplier A Ltd" not in panel
    supplier = text(client_for(people.supplier).get(f"/tenders/{tender.id}/"))
    assert f'href="/supplier/tenders/{tender.id}/bid"' in supplier
    assert "Set up the tender" not in supplier and "Supplier A Ltd" not in supplier
    assert "Award criteria" in supplier  # the published criteria and weights are public
    auditor = text(client_for(people.auditor).get(f"/tenders/{tender.id}/"))
    assert f'href="/tenders/{tender.id}/bids"' in auditor and "Set up the tender" not in auditor


def test_overview_forbidden_to_outsiders_and_404_for_unknown(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer)
    assert client_for(people.panel).get(f"/tenders/{tender.id}/").status_code == 403
    assert client_for(people.supplier).get(f"/tenders/{tender.id}/").status_code == 403
    officer = client_for(people.officer)
    assert officer.get("/tenders/999999/").status_code == 404
    assert officer.get("/tenders/99999999999999999999/").status_code == 404


def test_overview_runs_a_fixed_number_of_queries(people: Any, client_for: Any) -> None:
    counts = []
    for extra in (0, 4):
        tender = make_s1_tender(
            db.session, people.officer, close=False, evaluators=[people.officer2]
        )
        for n in range(extra):
            bid_service.record_bid(
                db.session,
                people.officer,
                tender,
                s1_bid_data(tender, f"Extra {n}", Decimal(130000 + n), Decimal(1)),
            )
        db.session.commit()
        client = client_for(people.officer)
        client.get("/")
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(f"/tenders/{tender.id}/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


# -- details -----------------------------------------------------------------------------------


def test_edit_details_saves_and_audits(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    url = f"/tenders/{tender.id}/details"
    form_html = text(client_for(people.officer).get(url))
    assert f'value="{tender.reference}"' in form_html
    response = post_form(client_for(people.officer), url, details_form(title="Home care in Wigan"))
    assert response.status_code == 302
    assert fresh(tender.id).title == "Home care in Wigan"
    assert audit_actions(tender.id)[-1] == "tender.details_changed"


@pytest.mark.parametrize(
    ("day", "utc_hour", "shown"),
    [
        (dt.date(2030, 7, 1), 11, "1 July 2030 at 12:00 BST"),  # summer: UTC is an hour behind
        (dt.date(2030, 1, 15), 12, "15 January 2030 at 12:00 GMT"),  # winter: the same
    ],
)
def test_the_bid_deadline_is_entered_and_shown_on_the_uk_clock(
    people: Any, client_for: Any, day: dt.date, utc_hour: int, shown: str
) -> None:
    version = framework_version(db.session)
    client = client_for(people.officer)
    form = details_form(framework_version_id=str(version.id))
    form |= {
        "bid_deadline-day": str(day.day),
        "bid_deadline-month": str(day.month),
        "bid_deadline-year": str(day.year),
        "bid_deadline-time": "12:00",
    }
    response = post_form(client, "/tenders/new", form)
    assert response.status_code == 302
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    # Stored, compared and exported in UTC...
    assert tender.bid_deadline == dt.datetime.combine(day, dt.time(utc_hour), tzinfo=dt.UTC)
    # ...shown and edited as the UK clock shows it.
    assert shown in text(client.get(f"/tenders/{tender.id}/"))
    form_html = text(client.get(f"/tenders/{tender.id}/details"))
    assert 'name="bid_deadline-time" type="text" value="12:00"' in form_html
    assert f'name="bid_deadline-day" type="text" inputmode="numeric" value="{day.day}"' in form_html
    assert "Time (24-hour, UK time)" in form_html
    # Saving the form unchanged keeps the same moment.
    url, version_before = f"/tenders/{tender.id}/details", str(tender.version_id)
    saved = post_form(
        client, url, form | {"title": "Home care in Wigan", "version": version_before}
    )
    assert saved.status_code == 302
    assert fresh(tender.id).title == "Home care in Wigan"
    assert fresh(tender.id).bid_deadline == tender.bid_deadline


def test_edit_details_refuses_a_stale_form(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer, title="Original")
    db.session.commit()
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/details"
    page = text(client.get(url))
    stale_version = str(tender.version_id)
    assert f'name="version" value="{stale_version}"' in page
    # Someone else saves first.
    data = {name: getattr(tender, name) for name in tender_service.TENDER_DETAIL_FIELDS}
    tender_service.update_tender_details(
        db.session, people.officer2, tender, {**data, "title": "Changed by Orla"}
    )
    db.session.commit()
    before = audit_count()
    response = post(client, url, details_form(title="Mine", version=stale_version))
    assert response.status_code == 412
    assert "Someone else changed this tender while you were editing it" in text(response)
    assert fresh(tender.id).title == "Changed by Orla" and audit_count() == before


def test_a_race_lost_at_the_database_is_a_409_page_and_saves_nothing(
    people: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version check passed, but another request's UPDATE landed first: the versioned
    UPDATE matches no row (StaleDataError at the flush). Every page gets a plain 409, not a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    tender = make_tender(db.session, people.officer, title="Original")
    db.session.commit()
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/details"
    text(client.get(url))

    def lose_the_race(*_args: Any, **_kwargs: Any) -> None:
        db.session.execute(sa.update(Tender).where(Tender.id == tender.id).values(title="Mine"))
        raise StaleDataError("UPDATE statement on table 'tenders' expected to update 1 row(s)")

    monkeypatch.setattr(tender_service, "update_tender_details", lose_the_race)
    before = audit_count()
    response = post(client, url, details_form(title="Mine", version=str(tender.version_id)))
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this first" in page
    assert "your change was not saved" in page
    assert fresh(tender.id).title == "Original" and audit_count() == before


def test_bid_deadline_is_fixed_once_published(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, record_bids=False, close=False)
    deadline = tender.bid_deadline
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/details"
    page = text(client.get(url))
    assert 'name="bid_deadline-day"' not in page and "fixed when the evaluation plan" in page
    later = (utcnow() + dt.timedelta(days=90)).date()
    response = post_form(
        client,
        url,
        details_form(
            title="Corrected title",
            **{
                "bid_deadline-day": str(later.day),
                "bid_deadline-month": str(later.month),
                "bid_deadline-year": str(later.year),
            },
        ),
    )
    assert response.status_code == 302
    tender = fresh(tender.id)
    assert tender.title == "Corrected title" and tender.bid_deadline == deadline
    # The service refuses a moved deadline whatever the page sends.
    data = {name: getattr(tender, name) for name in tender_service.TENDER_DETAIL_FIELDS}
    with pytest.raises(StateConflict, match="cannot be moved"):
        tender_service.update_tender_details(
            db.session,
            people.officer,
            tender,
            {**data, "bid_deadline": deadline + dt.timedelta(days=1)},
        )
    db.session.rollback()


# -- evaluation rules --------------------------------------------------------------------------


def test_plan_rules_are_saved_and_audited(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    url = f"/tenders/{tender.id}/plan"
    html = text(client_for(people.officer).get(url))
    for explained in (
        "lowest price ratio",
        "Linear deviation from the lowest price",
        "Price per quality point",
        "Relative to the best offer",
        "Against a target",
        "Monetised",
        "Consensus required for every score",
        "Accept the mean where evaluators agree",
    ):
        assert explained.lower() in html.lower()
    for ordinal in ("1st rule", "2nd rule", "3rd rule", "4th rule"):
        assert ordinal in html
    response = post_form(
        client_for(people.officer),
        url,
        plan_form(
            weight_price="30",
            weight_quality="45.5",
            weight_social_value="24.5",
            price_method="linear_deviation",
            quantitative_method="against_target",
            moderation_mode="mean_for_unflagged",
            flag_range_percent="25",
            panel_share_percent="30",
            tie_break_1="lowest_price",
            tie_break_2="",
            tie_break_3="highest_quality",
            require_rationale="no",
            anonymise_for_panel="no",
        ),
    )
    assert response.status_code == 302
    tender = fresh(tender.id)
    assert (tender.weight_price, tender.weight_quality, tender.weight_social_value) == (
        Decimal(30),
        Decimal("45.5"),
        Decimal("24.5"),
    )
    assert tender.price_method == "linear_deviation"
    assert tender.quantitative_method == "against_target"
    assert tender.moderation_mode == "mean_for_unflagged"
    assert tender.flag_range_percent == 25 and tender.panel_share_percent == 30
    assert tender.tie_break == ["lowest_price", "highest_quality"]
    assert tender.require_rationale is False and tender.anonymise_for_panel is False
    assert audit_actions(tender.id)[-1] == "plan.rules_changed"


def test_plan_weights_must_add_up_to_100_and_the_message_names_the_sum(
    people: Any, client_for: Any
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    before = audit_count()
    response = post_form(
        client_for(people.officer),
        f"/tenders/{tender.id}/plan",
        plan_form(weight_price="50", weight_quality="40", weight_social_value="20.5"),
    )
    html = text(response)
    message = "must add up to 100: they add up to 110.5"
    assert response.status_code == 422
    assert html.count(message) == 2  # in the summary and next to the weights
    assert 'href="#weight_price"' in html and 'id="weights-error"' in html
    assert 'value="20.5"' in html  # what was typed is kept
    assert fresh(tender.id).weight_price == 40 and audit_count() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weight_price": "abc"}, "The price weight must be a number"),
        ({"weight_quality": "-10", "weight_price": "90"}, "The quality weight must be 0 or more"),
        ({"weight_price": "1e9"}, "The price weight must be a number"),
        ({"flag_range_percent": "0"}, "The moderation threshold must be more than 0"),
        ({"panel_share_percent": "150"}, "The panel share must be 100 or less"),
        ({"price_method": "cheapest"}, "Choose how price is scored"),
        ({"tie_break_2": "highest_social_value"}, "Use each tie-break rule only once"),
        ({"tie_break_1": "coin_toss"}, "Choose a tie-break rule from the list"),
        ({"require_rationale": ""}, "Choose whether scores need a justification"),
        ({"price_method": "price_per_quality_point"}, "set the price weight to 0"),
    ],
)
def test_plan_rule_validation(
    people: Any, client_for: Any, overrides: dict[str, str], message: str
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    before = audit_count()
    response = post_form(
        client_for(people.officer), f"/tenders/{tender.id}/plan", plan_form(**overrides)
    )
    assert response.status_code == 422
    assert message in text(response)
    assert audit_count() == before


def test_saving_social_value_below_ten_percent_shows_the_ppn_warning(
    people: Any, client_for: Any
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    client = client_for(people.officer)
    response = post_form(
        client,
        f"/tenders/{tender.id}/plan",
        plan_form(weight_price="45", weight_quality="50", weight_social_value="5"),
    )
    assert response.status_code == 302
    html = text(client.get(response.headers["Location"]))
    assert "Evaluation rules saved" in html
    assert "The social value weighting is 5%, below the PPN 06/20 / PPN 002 minimum" in html


# -- criteria and gates ------------------------------------------------------------------------


def test_criteria_page_shows_table_totals_and_searches_only_the_pinned_version(
    people: Any, client_for: Any
) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False)
    client = client_for(people.officer)
    html = text(client.get(f"/tenders/{tender.id}/criteria"))
    for code in ("Q1", "Q2", "SV1", "SV2"):
        assert f">{code}<" in html
    assert "GMSVF-P3-LOCAL-EMPLOYMENT" in html and "FTE-years" in html and "0 to 100" in html
    assert html.count("Matches") == 2
    found = text(client.get(f"/tenders/{tender.id}/criteria?q=apprenticeship"))
    assert "GMSVF-P3-APPRENTICESHIPS" in found and "GMSVF-P4-VCSE-SPEND" not in found
    # Good Employment Charter measures are another framework: never offered here.
    assert "GEC-SUPPORTER-OR-MEMBER" not in text(client.get(f"/tenders/{tender.id}/criteria?q=gec"))
    assert "1 measure match" in text(client.get(f"/tenders/{tender.id}/criteria?q=vcse+spend"))


def test_weight_mismatch_is_shown_plainly(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    post(
        client_for(people.officer),
        f"/tenders/{tender.id}/criteria/question",
        question_form(weight="25"),
    )
    html = text(client_for(people.officer).get(f"/tenders/{tender.id}/criteria"))
    assert "Does not match" in html
    assert "Quality criteria add up to 25, but the quality weight is 40: add 15 more." in html


def test_add_measure_criterion_and_pass_fail_measure_becomes_a_gate(
    people: Any, client_for: Any
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    version = framework_version(db.session)
    apprenticeships = measure(db.session, version, "GMSVF-P3-APPRENTICESHIPS")
    gec = measure(db.session, version, "GMSVF-P1-GEC-STATUS")
    client = client_for(people.officer)
    response = post(
        client,
        f"/tenders/{tender.id}/criteria/measure",
        {
            "measure_id": str(apprenticeships.id),
            "group": "social_value",
            "weight": "7.5",
            "minimum_score": "1",
            "target": "4",
            "quantitative_method": "against_target",
        },
    )
    assert response.status_code == 302
    (criterion,) = criteria_of(tender.id)
    assert (criterion.code, criterion.kind, criterion.unit) == ("SV1", "quantitative", "starts")
    assert criterion.weight == Decimal("7.5") and criterion.target == 4
    assert criterion.quantitative_method == "against_target"
    assert criterion.measure_code == "GMSVF-P3-APPRENTICESHIPS"
    assert (
        post(
            client, f"/tenders/{tender.id}/criteria/measure", {"measure_id": str(gec.id)}
        ).status_code
        == 302
    )
    gate = db.session.execute(sa.select(Gate).where(Gate.tender_id == tender.id)).scalar_one()
    assert gate.measure_code == "GMSVF-P1-GEC-STATUS" and gate.code == "G1"
    assert audit_actions(tender.id)[-2:] == ["criterion.added", "gate.added"]
    html = text(client.get(f"/tenders/{tender.id}/criteria?q=apprentice"))
    assert "Already added" in html


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"weight": ""}, "Enter the weight for"),
        ({"weight": "0"}, "The weight must be more than 0"),
        ({"weight": "101"}, "The weight must be 100 or less"),
        ({"weight": "5", "target": "-1"}, "The target must be more than 0"),
        ({"weight": "5", "minimum_score": "x"}, "The minimum must be a number"),
        ({"weight": "5", "group": "price"}, "Choose quality or social value"),
    ],
)
def test_add_measure_validation(
    people: Any, client_for: Any, form: dict[str, str], message: str
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    employment = measure(db.session, framework_version(db.session), LOCAL_EMPLOYMENT)
    response = post(
        client_for(people.officer),
        f"/tenders/{tender.id}/criteria/measure",
        {"measure_id": str(employment.id), **form},
    )
    html = text(response)
    assert response.status_code == 422 and message in html
    assert f'href="#measure-{employment.id}-' in html  # the summary points at that measure's form
    assert '<details class="govuk-details" open>' in html
    assert criteria_of(tender.id) == []


def test_add_measure_refuses_another_frameworks_measure_and_bad_ids(
    people: Any, client_for: Any
) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    charter = framework_version(db.session, "good-employment-charter", "2019")
    gec = measure(db.session, charter, "GEC-SUPPORTER-OR-MEMBER")
    client = client_for(people.officer)
    for measure_id in (str(gec.id), "0", "99999999999", "seven"):
        response = post(
            client,
            f"/tenders/{tender.id}/criteria/measure",
            {"measure_id": measure_id, "weight": "5"},
        )
        assert response.status_code == 422, measure_id
        assert "framework" in text(response)
    assert criteria_of(tender.id) == []


def test_add_question_validation(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    client = client_for(people.officer)
    for form, message in (
        (question_form(title=""), "Enter the criterion title"),
        (question_form(scale_max="7"), "Choose the scoring scale"),
        (question_form(minimum_score="6"), "The minimum score must be on the 0 to 5 scale"),
        (question_form(weight="ten"), "The weight must be a number"),
        (question_form(group="price"), "Choose quality or social value"),
    ):
        response = post(client, f"/tenders/{tender.id}/criteria/question", form)
        html = text(response)
        assert response.status_code == 422 and message in html
        assert 'href="#question-' in html
    assert criteria_of(tender.id) == []


def test_edit_and_remove_criterion(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False, evaluators=[people.officer2])
    by_code = {c.code: c for c in criteria_of(tender.id)}
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/criteria/{by_code['SV2'].id}/edit"
    response = post_form(
        client,
        url,
        {
            "title": "Local jobs",
            "question": "FTE-years of GM residents",
            "weight": "10",
            "minimum_score": "1",
            "target": "6",
            "quantitative_method": "against_target",
        },
    )
    assert response.status_code == 302
    sv2 = {c.code: c for c in criteria_of(tender.id)}["SV2"]
    assert (sv2.title, sv2.target, sv2.quantitative_method) == ("Local jobs", 6, "against_target")
    bad = post_form(
        client,
        f"/tenders/{tender.id}/criteria/{by_code['Q1'].id}/edit",
        {"title": "Q", "weight": "25", "minimum_score": "9"},
    )
    assert bad.status_code == 422 and "on the 0 to 5 scale" in text(bad)

    removed = post(client, f"/tenders/{tender.id}/criteria/{by_code['Q2'].id}/remove")
    assert removed.status_code == 302
    assert [c.code for c in criteria_of(tender.id)] == ["Q1", "SV1", "SV2"]
    member = db.session.execute(
        sa.select(TenderMember).where(TenderMember.user_id == people.officer2.id)
    ).scalar_one()
    assert by_code["Q2"].id not in member.criterion_ids  # nobody is left scoring it
    assert audit_actions(tender.id)[-2:] == ["criterion.changed", "criterion.removed"]
    assert client.get(f"/tenders/{tender.id}/criteria/{by_code['Q2'].id}/edit").status_code == 404
    other = make_s1_tender(db.session, people.officer, publish=False)
    other_criterion = criteria_of(other.id)[0]
    assert client.get(f"/tenders/{tender.id}/criteria/{other_criterion.id}/edit").status_code == 404
    assert (
        post(client, f"/tenders/{tender.id}/criteria/{other_criterion.id}/remove").status_code
        == 404
    )


def test_add_and_remove_a_custom_gate(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    client = client_for(people.officer)
    missing = post(client, f"/tenders/{tender.id}/gates", {"title": "", "evidence_expected": ""})
    assert missing.status_code == 422 and "Enter what the bidder must meet" in text(missing)
    added = post(
        client,
        f"/tenders/{tender.id}/gates",
        {"title": "Holds Cyber Essentials", "evidence_expected": "Certificate number"},
    )
    assert added.status_code == 302
    gate = db.session.execute(sa.select(Gate).where(Gate.tender_id == tender.id)).scalar_one()
    assert (gate.code, gate.evidence_expected) == ("G1", "Certificate number")
    assert "Holds Cyber Essentials" in text(client.get(f"/tenders/{tender.id}/criteria"))
    assert post(client, f"/tenders/{tender.id}/gates/{gate.id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.execute(sa.select(Gate)).first() is None
    assert audit_actions(tender.id)[-2:] == ["gate.added", "gate.removed"]
    assert post(client, f"/tenders/{tender.id}/gates/{gate.id}/remove").status_code == 404


# -- people ------------------------------------------------------------------------------------


def test_people_page_assigns_evaluators_and_invites_suppliers(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False)
    by_code = {c.code: c for c in criteria_of(tender.id)}
    client = client_for(people.officer)
    url = f"/tenders/{tender.id}/people"
    html = text(client.get(url))
    assert "Priya Panel (panel member, Salford CVS)" in html
    assert "Sam Supplier (Northern Facilities Ltd)" in html
    checkbox = 'name="criterion_ids" type="checkbox" value="{}"'
    assert checkbox.format(by_code["SV1"].id) in html
    assert checkbox.format(by_code["SV2"].id) not in html  # commitments are not scored by people
    assert (
        post_form(
            client,
            url,
            {
                "form_name": "evaluator",
                "user_id": str(people.panel.id),
                "criterion_ids": [str(by_code["SV1"].id)],
            },
        ).status_code
        == 302
    )
    # Choosing them again changes their criteria.
    assert (
        post_form(
            client,
            url,
            {
                "form_name": "evaluator",
                "user_id": str(people.panel.id),
                "criterion_ids": [str(by_code["SV1"].id), str(by_code["Q1"].id)],
            },
        ).status_code
        == 302
    )
    assert (
        post_form(
            client, url, {"form_name": "supplier", "user_id": str(people.supplier.id)}
        ).status_code
        == 302
    )
    members = {m.user_id: m for m in fresh(tender.id).members}
    assert members[people.panel.id].role == "panel"
    assert sorted(members[people.panel.id].criterion_ids) == sorted(
        [by_code["SV1"].id, by_code["Q1"].id]
    )
    assert members[people.supplier.id].role == "supplier"
    html = text(client.get(url))
    assert "Not declared" in html and "Invited supplier" in html and "Q1, SV1" in html
    assert audit_actions(tender.id).count("member.assigned") == 3


@pytest.mark.parametrize(
    ("which", "user", "criteria", "message"),
    [
        ("evaluator", "panel", [], "Choose at least one criterion"),
        ("evaluator", "panel", ["SV2"], "qualitative"),
        ("evaluator", "supplier", ["Q1"], "Suppliers cannot evaluate"),
        ("evaluator", "auditor", ["Q1"], "Choose a person from the list"),
        ("supplier", "officer2", [], "Choose a supplier from the list"),
        ("evaluator", None, ["Q1"], "Choose a person"),
    ],
)
def test_people_validation(
    people: Any, client_for: Any, which: str, user: str | None, criteria: list[str], message: str
) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False)
    by_code = {c.code: c for c in criteria_of(tender.id)}
    before = audit_count()
    response = post_form(
        client_for(people.officer),
        f"/tenders/{tender.id}/people",
        {
            "form_name": which,
            "user_id": str(getattr(people, user).id) if user else "",
            "criterion_ids": [str(by_code[code].id) for code in criteria],
        },
    )
    assert response.status_code == 422
    assert message in text(response)
    assert audit_count() == before
    assert fresh(tender.id).members == []


# -- publish, lock, close ------------------------------------------------------------------------


def test_publish_is_blocked_by_plan_problems(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    client = client_for(people.officer)
    page = text(client.get(f"/tenders/{tender.id}/publish"))
    assert "cannot be published yet" in page and "Publish and lock" not in page
    response = post(client, f"/tenders/{tender.id}/publish")
    assert response.status_code == 422
    assert "criteria weights sum to 0" in text(response)
    assert fresh(tender.id).status == "draft"


def test_publish_locks_the_plan(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, publish=False)
    client = client_for(people.officer)
    page = text(client.get(f"/tenders/{tender.id}/publish"))
    assert "Once published, the plan is locked" in page
    response = post_form(client, f"/tenders/{tender.id}/publish", {})
    assert response.status_code == 302
    tender = fresh(tender.id)
    assert tender.status == "published" and tender.plan_published_by_id == people.officer.id
    assert audit_actions(tender.id)[-1] == "plan.published"
    html = text(client.get(f"/tenders/{tender.id}/"))
    assert "Receiving bids" in html and "Record a bid" in html


def test_every_change_to_a_locked_plan_is_refused(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, record_bids=False, close=False)
    by_code = {c.code: c for c in criteria_of(tender.id)}
    client = client_for(people.officer)
    base = f"/tenders/{tender.id}"
    employment = measure(db.session, framework_version(db.session), "GMSVF-P3-APPRENTICESHIPS")
    attempts = [
        (f"{base}/plan", plan_form(weight_price="30", weight_quality="50")),
        (f"{base}/criteria/question", question_form()),
        (f"{base}/criteria/measure", {"measure_id": str(employment.id), "weight": "5"}),
        (
            f"{base}/criteria/{by_code['Q1'].id}/edit",
            {"title": "Changed", "question": "", "weight": "30"},
        ),
        (f"{base}/criteria/{by_code['Q2'].id}/remove", {}),
        (f"{base}/gates", {"title": "New requirement", "evidence_expected": ""}),
    ]
    before = audit_count()
    for url, form in attempts:
        response = post(client, url, {**form, "version": str(fresh(tender.id).version_id)})
        html = text(response)
        assert response.status_code == 409, (url, response.status_code)
        assert "is locked" in html, url
        assert "would change the rules of the competition" in html, url
    # The page itself says so instead of offering a form.
    assert "is locked" in text(client.get(f"{base}/plan"))
    assert "Save rules" not in text(client.get(f"{base}/plan"))
    assert audit_count() == before
    assert [(c.code, c.weight) for c in criteria_of(tender.id)] == [
        ("Q1", 25),
        ("Q2", 15),
        ("SV1", 10),
        ("SV2", 10),
    ]
    assert fresh(tender.id).weight_price == 40


def test_close_bidding(people: Any, client_for: Any) -> None:
    tender = make_s1_tender(db.session, people.officer, close=False)
    client = client_for(people.officer)
    page = text(client.get(f"/tenders/{tender.id}/close-bidding"))
    assert "3 bids have been submitted" in page
    assert post_form(client, f"/tenders/{tender.id}/close-bidding", {}).status_code == 302
    tender = fresh(tender.id)
    assert tender.bid_deadline <= utcnow()
    assert audit_actions(tender.id)[-1] == "tender.bidding_closed"
    again = post(client, f"/tenders/{tender.id}/close-bidding")
    assert again.status_code == 409 and "Bidding has already closed" in text(again)
    draft = make_s1_tender(db.session, people.officer, publish=False)
    refused = post(client, f"/tenders/{draft.id}/close-bidding")
    assert refused.status_code == 409


# -- who may use the management pages ----------------------------------------------------------


MANAGEMENT_GETS = (
    "/details",
    "/plan",
    "/criteria",
    "/people",
    "/publish",
    "/close-bidding",
    "/bids/new",
)
MANAGEMENT_POSTS = (
    "/details",
    "/plan",
    "/criteria/measure",
    "/criteria/question",
    "/gates",
    "/people",
    "/publish",
    "/close-bidding",
    "/bids/new",
)


@pytest.mark.parametrize("role", ["panel", "supplier", "auditor"])
def test_management_pages_are_forbidden_to_other_roles(
    people: Any, client_for: Any, role: str
) -> None:
    tender = make_s1_tender(
        db.session, people.officer, panel=[people.panel], suppliers=[people.supplier], close=False
    )
    criterion = criteria_of(tender.id)[0]
    client = client_for(getattr(people, role))
    base = f"/tenders/{tender.id}"
    before = audit_count()
    assert client.get("/tenders/new").status_code == 403
    assert post(client, "/tenders/new", details_form()).status_code == 403
    for path in MANAGEMENT_GETS:
        assert client.get(base + path).status_code == 403, path
    for path in (
        *MANAGEMENT_POSTS,
        f"/criteria/{criterion.id}/edit",
        f"/criteria/{criterion.id}/remove",
    ):
        assert post(client, base + path).status_code == 403, path
    assert audit_count() == before


def test_management_pages_404_for_unknown_tenders(people: Any, client_for: Any) -> None:
    client = client_for(people.officer)
    for path in MANAGEMENT_GETS:
        assert client.get(f"/tenders/424242{path}").status_code == 404, path
    for path in MANAGEMENT_POSTS:
        assert post(client, f"/tenders/424242{path}").status_code == 404, path
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    assert client.get(f"/tenders/{tender.id}/criteria/424242/edit").status_code == 404
    assert post(client, f"/tenders/{tender.id}/gates/424242/remove").status_code == 404


def test_admins_manage_tenders_too(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    assert client_for(people.admin).get(f"/tenders/{tender.id}/plan").status_code == 200


def test_criteria_pages_survive_hostile_input(people: Any, client_for: Any) -> None:
    tender = make_tender(db.session, people.officer)
    db.session.commit()
    client = client_for(people.officer)
    assert client.get(f"/tenders/{tender.id}/criteria?q=" + "%25" * 500).status_code == 200
    assert client.get(f"/tenders/{tender.id}/criteria?q=%27%3B+drop+table").status_code == 200
    for form in (
        {"measure_id": "1" * 400, "weight": "1" * 400},
        {"measure_id": "-1", "weight": "NaN"},
        {},
    ):
        assert post(client, f"/tenders/{tender.id}/criteria/measure", form).status_code == 422
    assert post(client, f"/tenders/{tender.id}/criteria/question", {}).status_code == 422
    huge = post(client, f"/tenders/{tender.id}/criteria/question", question_form(weight="9" * 5000))
    assert huge.status_code == 422 and "The weight must be 100 or less" in text(huge)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Bid)).scalar_one() == 0


def test_pages_have_one_h1_unique_ids_and_labelled_inputs(people: Any, client_for: Any) -> None:
    """Basic accessibility structure on every set-up, bid and supplier page."""
    published = make_s1_tender(db.session, people.officer, suppliers=[people.supplier], close=False)
    draft = make_s1_tender(db.session, people.officer, publish=False, evaluators=[people.officer2])
    bid = next(iter(published.bids))
    criterion = draft.criteria[0]
    pages = {
        people.officer: [
            "/tenders/",
            "/tenders/new",
            f"/tenders/{draft.id}/",
            f"/tenders/{draft.id}/details",
            f"/tenders/{draft.id}/plan",
            f"/tenders/{draft.id}/criteria",
            f"/tenders/{draft.id}/criteria/{criterion.id}/edit",
            f"/tenders/{draft.id}/people",
            f"/tenders/{draft.id}/publish",
            f"/tenders/{published.id}/",
            f"/tenders/{published.id}/plan",
            f"/tenders/{published.id}/bids",
            f"/tenders/{published.id}/bids/new",
            f"/tenders/{published.id}/bids/{bid.id}",
            f"/tenders/{published.id}/bids/{bid.id}/edit",
            f"/tenders/{published.id}/close-bidding",
        ],
        people.supplier: ["/supplier/", f"/supplier/tenders/{published.id}/bid"],
    }
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = text(response)
            assert html.count("<h1") == 1, url
            ids = re.findall(r'\sid="([^"]+)"', html)
            duplicates = {i for i in ids if ids.count(i) > 1}
            assert not duplicates, (url, duplicates)
            assert 'style="' not in html and "<script" not in html, url
            for match in re.finditer(r"<(input|textarea|select)\b[^>]*>", html):
                tag = match.group(0)
                if 'type="hidden"' in tag or 'type="radio"' in tag or 'type="checkbox"' in tag:
                    continue
                input_id = re.search(r'\sid="([^"]+)"', tag)
                assert input_id, (url, tag)
                assert f'for="{input_id.group(1)}"' in html, (url, tag)
            for described in re.findall(r'aria-describedby="([^"]+)"', html):
                for target in described.split():
                    assert target in ids, (url, target)
