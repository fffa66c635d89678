"""Evaluation pages for evaluators: declarations, the worklist, independent scoring, the
citizen/VCSE panel's plain-English view, validation, permissions and the audit trail."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from evaluation_support import (
    S1_CONSENSUS,
    build_scenario,
    client_for,
    count_queries,
    csrf_token,
    declare_all,
    form_version,
    make_user,
    page_text,
    post_form,
    response_text,
    submit_scores,
)

from socialvalue.extensions import db
from socialvalue.models import AuditEvent, IndividualScore, TenderMember, User
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services.access import Action, load_tender_access, tender_access
from socialvalue.services.errors import NotPermitted
from socialvalue.views import evaluation as evaluation_views

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def _scores(user_id: int | None = None) -> list[IndividualScore]:
    query = sa.select(IndividualScore).order_by(IndividualScore.id)
    if user_id is not None:
        query = query.where(IndividualScore.evaluator_id == user_id)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def _member(tender_id: int, user_id: int) -> TenderMember:
    db.session.expire_all()
    return db.session.execute(
        sa.select(TenderMember).where(
            TenderMember.tender_id == tender_id, TenderMember.user_id == user_id
        )
    ).scalar_one()


def _all_bid_content(scenario: Any) -> list[str]:
    texts = []
    for position in range(len(scenario.bids)):
        texts += [response_text(position, code) for code in ("Q1", "Q2", "SV1")]
        texts += [f"Plan {position}:", f"Evidence {position}:"]
    return texts


# -- declaration ----------------------------------------------------------------------------


def test_declaration_page_explains_interests_and_needs_an_answer(app: Any) -> None:
    scenario = build_scenario()
    client = client_for(app, scenario.panel[0])
    url = f"/tenders/{scenario.tender_id}/declaration"

    page = client.get(url)
    html = page_text(page)
    assert page.status_code == 200
    assert "Procurement Act 2023" in html
    for words in ("personal", "professional", "financial", "direct", "indirect"):
        assert words in html
    assert "I have no interests to declare" in html and "I have an interest to declare" in html
    assert html.count("<h1") == 1

    missing = post_form(client, url, {})
    assert missing.status_code == 422
    html = page_text(missing)
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert 'href="#has_interest"' in html
    assert "Select whether you have an interest to declare" in html

    no_details = post_form(client, url, {"has_interest": "yes"})
    assert no_details.status_code == 422
    assert "Describe the interest you are declaring" in page_text(no_details)
    assert 'id="conflict_details-error"' in page_text(no_details)
    member = _member(scenario.tender_id, scenario.panel[0].id)
    assert member.declared_at is None and member.active


def test_declaring_no_interest_opens_the_worklist(app: Any) -> None:
    scenario = build_scenario()
    client = client_for(app, scenario.officer)
    tid = scenario.tender_id

    before = client.get(f"/tenders/{tid}/evaluate")
    assert before.status_code == 302 and before.headers["Location"].endswith(
        f"/tenders/{tid}/declaration"
    )
    done = post_form(client, f"/tenders/{tid}/declaration", {"has_interest": "no"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tenders/{tid}/evaluate")
    member = _member(tid, scenario.officer.id)
    assert member.declared_at is not None and member.has_conflict is False

    worklist = client.get(f"/tenders/{tid}/evaluate")
    html = page_text(worklist)
    assert worklist.status_code == 200
    assert "0 of 9" in html and "Not started" in html
    # Officers see supplier names; every pair links to its scoring page.
    assert "Supplier A Ltd" in html
    for code in ("Q1", "Q2", "SV1"):
        for label in "ABC":
            assert f"/tenders/{tid}/evaluate/{label}/{code}" in html
    # The declaration page now shows the declaration already made; a second "no interests"
    # is refused (a later interest can still be declared: tests/views/test_late_conflict.py).
    again = client.get(f"/tenders/{tid}/declaration")
    assert "No interests to declare" in page_text(again)
    repeat = client.post(
        f"/tenders/{tid}/declaration",
        data={"csrf_token": csrf_token(page_text(again)), "has_interest": "no"},
    )
    assert repeat.status_code == 409
    assert "already made your declaration" in page_text(repeat)
    member = _member(tid, scenario.officer.id)
    assert member.has_conflict is False and member.removed_at is None


def test_declaring_a_conflict_removes_the_member(app: Any) -> None:
    scenario = build_scenario()
    panel = scenario.panel[0]
    client = client_for(app, panel)
    tid = scenario.tender_id

    response = post_form(
        client,
        f"/tenders/{tid}/declaration",
        {"has_interest": "yes", "conflict_details": "My sister manages Bid B's Bolton office."},
    )
    assert response.status_code == 302
    outcome = client.get(response.headers["Location"])
    html = page_text(outcome)
    assert outcome.status_code == 200
    assert "You have been removed from this evaluation" in html
    assert "procurement officer running this tender has been told" in html

    member = _member(tid, panel.id)
    assert member.has_conflict is True and member.removed_at is not None
    conflicts = evaluation_service.members_with_conflicts(db.session, scenario.tender)
    assert [m.user_id for m in conflicts] == [panel.id]

    for url in (f"/tenders/{tid}/evaluate", f"/tenders/{tid}/evaluate/A/Q1"):
        refused = client.get(url)
        assert refused.status_code == 403
        assert all(text not in page_text(refused) for text in _all_bid_content(scenario))
    post = client.post(
        f"/tenders/{tid}/evaluate/A/Q1",
        data={"csrf_token": csrf_token(html), "score": "3", "rationale": "x", "action": "submit"},
    )
    assert post.status_code == 403
    assert _scores(panel.id) == []
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "member.conflict_declared")
    ).scalar_one()
    assert event.after["removed"] is True and "sister" in event.after["details"]


def test_no_bid_content_before_a_declaration(app: Any) -> None:
    scenario = build_scenario()
    client = client_for(app, scenario.officer)
    tid = scenario.tender_id

    page = client.get(f"/tenders/{tid}/evaluate/A/Q1")
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"/tenders/{tid}/declaration")
    followed = client.get(f"/tenders/{tid}/evaluate/A/Q1", follow_redirects=True)
    html = page_text(followed)
    assert "Declare any conflicts of interest" in html
    assert all(text not in html for text in _all_bid_content(scenario))

    declaration = client.get(f"/tenders/{tid}/declaration")
    posted = client.post(
        f"/tenders/{tid}/evaluate/A/Q1",
        data={
            "csrf_token": csrf_token(page_text(declaration)),
            "score": "3",
            "rationale": "Sneaky",
            "action": "submit",
        },
    )
    assert posted.status_code == 302
    assert _scores() == []


# -- the scoring page -------------------------------------------------------------------------


def test_officer_scoring_page_shows_the_bid_and_the_scale(app: Any) -> None:
    scenario = build_scenario()
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    tid = scenario.tender_id

    q1 = client.get(f"/tenders/{tid}/evaluate/B/Q1")
    html = page_text(q1)
    assert q1.status_code == 200
    assert "How will you deliver the service?" in html
    assert response_text(1, "Q1") in html
    assert response_text(0, "Q1") not in html
    # Descriptors as radios in a fieldset with a legend.
    assert '<fieldset class="govuk-fieldset"' in html and "govuk-fieldset__legend" in html
    for words in ("0 – Unacceptable", "3 – Good", "5 – Exceptional"):
        assert words in html
    assert html.count('name="score" type="radio"') == 6
    assert 'name="rationale"' in html and 'name="version" value="0"' in html
    assert 'value="submit"' in html and 'value="draft"' in html
    assert "Save as draft" in html and "Submit score" in html
    # Previous and next pairs.
    assert f"/tenders/{tid}/evaluate/A/Q1" in html and f"/tenders/{tid}/evaluate/C/Q1" in html

    sv1 = page_text(client.get(f"/tenders/{tid}/evaluate/B/SV1"))
    # 0-100 without descriptors: a number input.
    assert 'inputmode="numeric"' in sv1 and 'name="score" type="text"' in sv1
    # Social value: what the bid commits to on the quantitative criteria, with its plans.
    assert "Local employment (Greater Manchester residents)" in sv1
    assert "8 FTE-years" in sv1
    assert "Plan 1: hire locally" in sv1 and "Evidence 1: payroll postcodes" in sv1


def test_saving_a_draft_then_submitting_locks_the_score(app: Any) -> None:
    scenario = build_scenario()
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/A/Q1"

    draft = post_form(client, url, {"score": "2", "rationale": "First look", "action": "draft"})
    assert draft.status_code == 302 and draft.headers["Location"].endswith(url)
    (row,) = _scores(scenario.officer.id)
    assert row.score == Decimal(2) and row.submitted_at is None
    page = page_text(client.get(url))
    assert "Draft saved" in page and 'value="2" checked' in page and "First look" in page
    assert f'name="version" value="{row.version_id}"' in page

    submitted = post_form(
        client, url, {"score": "3", "rationale": "Clear plan", "action": "submit"}
    )
    assert submitted.status_code == 302
    assert submitted.headers["Location"].endswith(f"/tenders/{scenario.tender_id}/evaluate/B/Q1")
    (row,) = _scores(scenario.officer.id)
    assert row.score == Decimal(3) and row.submitted_at is not None
    locked = page_text(client.get(url))
    assert "Submitted scores are locked" in locked and "3 – Good" in locked
    assert 'name="rationale"' not in locked

    worklist = page_text(client.get(f"/tenders/{scenario.tender_id}/evaluate"))
    assert "1 of 9" in worklist and "Submitted" in worklist


def _worklist_tables(html: str) -> dict[str, str]:
    """Each criterion's table on the worklist page, by criterion code."""
    tables = re.findall(r'<caption class="govuk-table__caption[^"]*">(\w+):.*?</table>', html, re.S)
    bodies = re.findall(r'<caption class="govuk-table__caption[^"]*">.*?</table>', html, re.S)
    return dict(zip(tables, bodies, strict=True))


def test_the_worklist_shows_every_change_and_renders_only_changed_tables(app: Any) -> None:
    scenario = build_scenario(anonymise=True)
    declare_all(scenario)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)
    kept = evaluation_views.WORKLIST_TABLES

    first = _worklist_tables(officer.get(f"/tenders/{tid}/evaluate").get_data(as_text=True))
    assert sorted(first) == ["Q1", "Q2", "SV1"]
    assert all(body.count("Not started") == 3 for body in first.values())
    # Officers see who bid; names are part of what the kept table shows.
    assert all(name in first["Q1"] for name in scenario.suppliers)

    before = (kept.hits, kept.misses)
    again = _worklist_tables(officer.get(f"/tenders/{tid}/evaluate").get_data(as_text=True))
    assert again == first
    assert (kept.hits - before[0], kept.misses - before[1]) == (3, 0)

    url = f"/tenders/{tid}/evaluate/B/Q1"
    post_form(officer, url, {"score": "2", "rationale": "First look", "action": "draft"})
    before = (kept.hits, kept.misses)
    after_draft = officer.get(f"/tenders/{tid}/evaluate").get_data(as_text=True)
    tables = _worklist_tables(after_draft)
    # Only the table that changed was rendered again, and it shows the change.
    assert (kept.hits - before[0], kept.misses - before[1]) == (2, 1)
    assert tables["Q2"] == first["Q2"] and tables["SV1"] == first["SV1"]
    bid_b = re.search(r"<tr[^>]*>\s*<th[^>]*>Bid B.*?</tr>", tables["Q1"], re.S)
    assert bid_b is not None
    assert "Draft saved" in bid_b.group(0) and ">2 <" in bid_b.group(0)
    assert "Continue<" in bid_b.group(0)
    assert 'Drafts saved</dt><dd class="govuk-summary-list__value">1<' in after_draft

    post_form(officer, url, {"score": "3", "rationale": "Clear plan", "action": "submit"})
    submitted = _worklist_tables(officer.get(f"/tenders/{tid}/evaluate").get_data(as_text=True))
    bid_b = re.search(r"<tr[^>]*>\s*<th[^>]*>Bid B.*?</tr>", submitted["Q1"], re.S)
    assert bid_b is not None
    assert "Submitted" in bid_b.group(0) and ">3 <" in bid_b.group(0) and "View<" in bid_b.group(0)

    # A panel member on the same anonymised tender never gets the officer's tables with names,
    # although their own scores are in the same state: what is shown is part of the key.
    panel = client_for(app, scenario.panel[0])
    panel_html = panel.get(f"/tenders/{tid}/evaluate").get_data(as_text=True)
    assert not any(name in panel_html for name in scenario.suppliers)
    assert _worklist_tables(panel_html)["SV1"] != first["SV1"]


def test_a_score_is_saved_under_the_actors_own_access_whatever_access_is_passed(app: Any) -> None:
    scenario = build_scenario()
    declare_all(scenario)
    outsider = make_user("panel", "Pat Outsider")
    tender, bid = scenario.tender, scenario.bids["A"]
    criterion = scenario.criteria["Q1"]
    officers_access = tender_access(db.session, scenario.officer, tender)
    assert officers_access.why_not(Action.EVALUATE) is None
    # Someone else's access is not taken for the actor's: the outsider is not on the panel.
    with pytest.raises(NotPermitted):
        evaluation_service.save_individual_score(
            db.session,
            outsider,
            tender,
            bid,
            criterion,
            score=Decimal(2),
            rationale="Not mine to score",
            submit=False,
            access=officers_access,
        )
    db.session.rollback()
    assert _scores() == []
    # The actor's own access is used as it is: the same checks, one query fewer.
    own_access = tender_access(db.session, scenario.officer, tender)
    with count_queries() as queries:
        evaluation_service.save_individual_score(
            db.session,
            scenario.officer,
            tender,
            bid,
            criterion,
            score=Decimal(2),
            rationale="First look",
            submit=False,
            access=own_access,
        )
    assert not any("FROM tender_members" in statement for statement in queries)
    db.session.commit()
    (row,) = _scores()
    assert row.evaluator_id == scenario.officer.id and row.score == Decimal(2)


def test_the_one_statement_tender_gate_gives_what_tender_access_gives(app: Any) -> None:
    """Every tender page reads the tender, its criteria and the user's membership in one round
    trip; for each kind of user the answer is the one the separate reads give."""
    scenario = build_scenario()
    declare_all(scenario)
    outsider = make_user("panel", "Pat Outsider")
    removed = scenario.panel[1]
    member = db.session.execute(
        sa.select(TenderMember).where(
            TenderMember.tender_id == scenario.tender_id, TenderMember.user_id == removed.id
        )
    ).scalar_one()
    member.removed_at = member.declared_at
    member.removed_reason = "Declared a conflict of interest"
    user_ids = [u.id for u in (scenario.officer, scenario.panel[0], removed, outsider)]
    db.session.commit()
    for user_id in user_ids:
        db.session.expunge_all()
        user = db.session.get(User, user_id)
        assert user is not None
        with count_queries() as queries:
            access = load_tender_access(db.session, user, scenario.tender_id)
        assert len(queries) == 1
        assert access is not None
        expected = tender_access(db.session, user, access.tender)
        assert (access.member is None) == (expected.member is None)
        if expected.member is not None:
            assert access.member is expected.member
        assert [c.code for c in access.tender.criteria] == ["Q1", "Q2", "SV1", "SV2"]
        for action in Action:
            assert access.why_not(action) == expected.why_not(action), (user.display_name, action)
    assert load_tender_access(db.session, user, scenario.tender_id + 1000) is None
    for bad_id in (0, -1, 2**31, True):
        assert load_tender_access(db.session, user, bad_id) is None


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            {"score": "7", "rationale": "Great", "action": "submit"},
            422,
            "The score must be between 0 and 5",
        ),
        (
            {"score": "-1", "rationale": "Great", "action": "draft"},
            422,
            "The score must be between 0 and 5",
        ),
        (
            {"score": "3", "rationale": "   ", "action": "submit"},
            422,
            "a justification is required",
        ),
        ({"score": "", "rationale": "Great", "action": "submit"}, 422, "Choose a score"),
        (
            {"score": "three", "rationale": "Great", "action": "submit"},
            422,
            "Enter the score as a number",
        ),
        (
            {"score": "9" * 40, "rationale": "Great", "action": "submit"},
            422,
            "Enter the score as a number",
        ),
        (
            {"score": "NaN", "rationale": "Great", "action": "submit"},
            422,
            "Enter the score as a number",
        ),
        (
            {"score": "3", "rationale": "Great", "action": "publish"},
            422,
            "Choose Save as draft or Submit score",
        ),
        (
            {"score": "3", "rationale": "Great", "action": "submit", "version": "abc"},
            422,
            "reload the page",
        ),
        (
            {"score": "3", "rationale": "x" * 20_001, "action": "submit"},
            422,
            "20,000 characters or fewer",
        ),
    ],
)
def test_score_validation_saves_nothing(
    app: Any, data: dict[str, str], status: int, message: str
) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/A/Q1"
    events_before = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()

    response = post_form(client, url, data)
    html = page_text(response)
    assert response.status_code == status
    assert message in html
    assert "govuk-error-summary" in html and "<title>Error: " in html
    assert _scores() == []
    events_after = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    assert events_after == events_before


def test_score_error_shows_message_next_to_the_field_and_keeps_input(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/A/SV1"
    response = post_form(client, url, {"score": "150", "rationale": "Keep me", "action": "submit"})
    html = page_text(response)
    assert response.status_code == 422
    assert 'href="#score"' in html and 'id="score-error"' in html
    assert "The score must be between 0 and 100" in html
    assert 'value="150"' in html and "Keep me" in html


def test_resubmitting_a_submitted_score_is_refused(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/A/Q1"
    page = page_text(client.get(url))
    token, version = csrf_token(page), form_version(page)
    first = client.post(
        url,
        data={
            "csrf_token": token,
            "version": version,
            "score": "3",
            "rationale": "Good",
            "action": "submit",
        },
    )
    assert first.status_code == 302
    # The same form posted again (say, from a second tab) is refused; nothing changes.
    again = client.post(
        url,
        data={
            "csrf_token": token,
            "version": "1",
            "score": "5",
            "rationale": "Changed my mind",
            "action": "submit",
        },
    )
    assert again.status_code == 409
    assert "already submitted this score" in page_text(again)
    (row,) = _scores()
    assert row.score == Decimal(3) and row.rationale == "Good"


def test_stale_version_is_refused(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/A/Q1"
    old_tab = page_text(client.get(url))
    saved = post_form(client, url, {"score": "2", "rationale": "Tab one", "action": "draft"})
    assert saved.status_code == 302
    # The first tab still carries version 0 (no score yet): its save must not overwrite.
    stale = client.post(
        url,
        data={
            "csrf_token": csrf_token(old_tab),
            "version": form_version(old_tab),
            "score": "4",
            "rationale": "Tab two",
            "action": "submit",
        },
    )
    assert stale.status_code == 412
    assert "Someone else changed this score" in page_text(stale)
    (row,) = _scores()
    assert row.score == Decimal(2) and row.rationale == "Tab one" and row.submitted_at is None


# -- independence -----------------------------------------------------------------------------


def test_evaluators_never_see_each_others_scores(app: Any) -> None:
    scenario = build_scenario()
    declare_all(scenario)
    tid = scenario.tender_id
    panel_one, panel_two = scenario.panel
    submit_scores(scenario, panel_one, {"Q1": {"A": 1}}, rationale="PANEL-ONE-PRIVATE-NOTE")

    for user in (scenario.officer, panel_two):
        client = client_for(app, user)
        for url in (f"/tenders/{tid}/evaluate", f"/tenders/{tid}/evaluate/A/Q1"):
            html = page_text(client.get(url))
            assert "PANEL-ONE-PRIVATE-NOTE" not in html
            assert "Panel Member 1" not in html
        # Their own page shows their own (empty) state, not panel one's submitted score.
        own = page_text(client.get(f"/tenders/{tid}/evaluate/A/Q1"))
        assert "Not started" in own and "checked" not in own

    # Moderation shows everyone's scores, so it is closed to panel members and to an
    # officer-evaluator until all of their own scores are submitted.
    assert client_for(app, panel_one).get(f"/tenders/{tid}/moderation").status_code == 403
    officer = client_for(app, scenario.officer)
    refused = officer.get(f"/tenders/{tid}/moderation")
    assert refused.status_code == 403
    assert "Submit all of your own scores first" in page_text(refused)
    assert "PANEL-ONE-PRIVATE-NOTE" not in page_text(refused)
    assert officer.get(f"/tenders/{tid}/moderation/A/Q1").status_code == 403
    assert officer.get(f"/tenders/{tid}/result").status_code == 403

    submit_scores(scenario, scenario.officer, S1_CONSENSUS)
    allowed = officer.get(f"/tenders/{tid}/moderation")
    assert allowed.status_code == 200
    assert "PANEL-ONE-PRIVATE-NOTE" in page_text(allowed)


# -- the citizen/VCSE panel view ------------------------------------------------------------


def _panel_pages(client: Any, tid: int) -> list[tuple[str, str]]:
    pages = [
        (url, page_text(client.get(url)))
        for url in (
            f"/tenders/{tid}/declaration",
            f"/tenders/{tid}/evaluate",
        )
    ]
    for code in ("Q1", "Q2", "SV1"):
        for label in "ABC":
            url = f"/tenders/{tid}/evaluate/{label}/{code}"
            pages.append((url, page_text(client.get(url))))
    return pages


def test_panel_pages_never_show_supplier_names(app: Any) -> None:
    scenario = build_scenario()
    tid = scenario.tender_id
    panel = scenario.panel[0]
    client = client_for(app, panel)

    declaration = page_text(client.get(f"/tenders/{tid}/declaration"))
    assert all(name not in declaration for name in scenario.suppliers)
    assert "without the suppliers' names" in declaration
    post_form(client, f"/tenders/{tid}/declaration", {"has_interest": "no"})

    pages = _panel_pages(client, tid)
    # A draft, a submission and a validation error re-render the pages too.
    url = f"/tenders/{tid}/evaluate/B/SV1"
    draft = post_form(client, url, {"score": "40", "rationale": "", "action": "draft"})
    pages.append((url, page_text(client.get(draft.headers["Location"]))))
    error = post_form(client, url, {"score": "400", "rationale": "Too high", "action": "submit"})
    assert error.status_code == 422
    pages.append((url, page_text(error)))
    done = post_form(
        client, url, {"score": "60", "rationale": "Good local plan", "action": "submit"}
    )
    pages.append((url, page_text(client.get(done.headers["Location"]))))

    for page_url, html in pages:
        for name in scenario.suppliers:
            assert name not in html, (page_url, name)
    sv1 = dict(pages)[f"/tenders/{tid}/evaluate/A/SV1"]
    # Plain English: one bid at a time, what was promised and how it will be evidenced.
    assert "Bid A" in sv1 and "What Bid A told us" in sv1 and "What Bid A promised" in sv1
    assert "4 FTE-years" in sv1
    assert "How it is counted" in sv1 and "Greater Manchester boroughs" in sv1
    assert "How they will show it was done" in sv1 and "Evidence 0: payroll postcodes" in sv1
    assert "Why did you give this score?" in sv1
    q1 = dict(pages)[f"/tenders/{tid}/evaluate/A/Q1"]
    assert "How well does Bid A answer this?" in q1 and "3 – Good" in q1
    assert '<meta name="viewport" content="width=device-width' in q1
    assert "govuk-grid-column-two-thirds" in q1  # stacks to one column on a phone
    assert 'style="' not in q1 and "<script" not in q1


def test_panel_sees_names_when_the_tender_does_not_anonymise(app: Any) -> None:
    scenario = build_scenario(anonymise=False, panel_count=1)
    tid = scenario.tender_id
    client = client_for(app, scenario.panel[0])
    post_form(client, f"/tenders/{tid}/declaration", {"has_interest": "no"})
    html = page_text(client.get(f"/tenders/{tid}/evaluate/A/Q1"))
    assert "Bid A (Supplier A Ltd)" in html


# -- permissions and unknown ids ------------------------------------------------------------


def test_wrong_roles_and_unknown_ids(app: Any) -> None:
    scenario = build_scenario(panel_count=1)
    declare_all(scenario)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)

    assert officer.get("/tenders/999999/evaluate").status_code == 404
    assert officer.get("/tenders/999999/declaration").status_code == 404
    assert officer.get(f"/tenders/{tid}/evaluate/Z/Q1").status_code == 404
    assert officer.get(f"/tenders/{tid}/evaluate/A/Q9").status_code == 404
    assert officer.get(f"/tenders/{tid}/evaluate/a/Q1").status_code == 404
    # SV2 is scored from commitments: nobody is assigned to score it by hand.
    assert officer.get(f"/tenders/{tid}/evaluate/A/SV2").status_code == 403
    assert officer.get(f"/tenders/{tid}/evaluate/A/%3Cscript%3E").status_code == 404

    auditor = client_for(app, make_user("auditor", "Audrey Auditor"))
    supplier = client_for(app, make_user("supplier", "Acme Bids"))
    outsider = client_for(app, make_user("panel", "Pat Outsider"))
    other_officer = client_for(app, make_user("officer", "Other Officer"))
    for client in (auditor, supplier, outsider, other_officer):
        for url in (
            f"/tenders/{tid}/declaration",
            f"/tenders/{tid}/evaluate",
            f"/tenders/{tid}/evaluate/A/Q1",
        ):
            assert client.get(url).status_code == 403, url

    anonymous = client_for(app)
    response = anonymous.get(f"/tenders/{tid}/evaluate/A/Q1")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_scoring_waits_for_bidding_to_close(app: Any) -> None:
    from socialvalue.models.base import utcnow

    scenario = build_scenario(panel_count=0)
    tender = scenario.tender
    tender.bid_deadline = utcnow().replace(year=utcnow().year + 1)
    db.session.commit()
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    worklist = client.get(f"/tenders/{scenario.tender_id}/evaluate")
    assert worklist.status_code == 200
    assert "Evaluation starts when bidding closes" in page_text(worklist)
    assert client.get(f"/tenders/{scenario.tender_id}/evaluate/A/Q1").status_code == 403


# -- audit ------------------------------------------------------------------------------------


def test_score_submission_is_audited_with_before_and_after(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    client = client_for(app, scenario.officer)
    url = f"/tenders/{scenario.tender_id}/evaluate/C/Q2"
    post_form(client, url, {"score": "4", "rationale": "Draft view", "action": "draft"})
    post_form(client, url, {"score": "5", "rationale": "Outstanding", "action": "submit"})
    events = (
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.action.in_(("score.draft_saved", "score.submitted")))
            .order_by(AuditEvent.sequence)
        )
        .scalars()
        .all()
    )
    assert [e.action for e in events] == ["score.draft_saved", "score.submitted"]
    submitted = events[1]
    assert submitted.tender_id == scenario.tender_id
    assert submitted.actor_id == scenario.officer.id
    assert submitted.before == {"score": "4", "rationale": "Draft view"}
    assert submitted.after["score"] == "5" and submitted.after["submitted"] is True
    assert submitted.after["bid"] == "C" and submitted.after["criterion"] == "Q2"


# -- a constant number of SQL statements ----------------------------------------------------


@pytest.mark.parametrize("path", ["evaluate", "evaluate/A/SV1", "evaluate/A/Q1"])
def test_evaluator_pages_run_a_constant_number_of_queries(app: Any, path: str) -> None:
    counts = []
    for bids in (3, 6):
        officer = make_user("officer", "Officer")
        scenario = build_scenario(bid_count=bids, panel_count=0, officer=officer)
        declare_all(scenario)
        submit_scores(scenario, officer, {"Q1": dict.fromkeys("AB", 3)})
        client = client_for(app, officer)
        url = f"/tenders/{scenario.tender_id}/{path}"
        assert client.get(url).status_code == 200
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
