"""Officer and auditor pages: moderation, consensus, the result, the award, assessment
summaries and the tender history, with scenarios S1 (full evaluation) and S3 (moderation)."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from evaluation_support import (
    S1_CONSENSUS,
    Scenario,
    build_scenario,
    client_for,
    count_queries,
    csrf_token,
    declare_all,
    make_user,
    page_text,
    post_form,
    submit_scores,
)

from socialvalue.extensions import db
from socialvalue.models import AuditEvent, AwardDecision, ConsensusScore, Tender
from socialvalue.services import evaluation as evaluation_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")


def _section(html: str, caption: str) -> str:
    """The HTML of the table with this caption."""
    start = html.index(caption)
    return html[start : html.index("</table>", start)]


def _record_all_consensus(scenario: Scenario, client: Any) -> None:
    for code, by_bid in S1_CONSENSUS.items():
        for label, value in by_bid.items():
            response = post_form(
                client,
                f"/tenders/{scenario.tender_id}/moderation/{label}/{code}",
                {"score": str(value), "reason": f"Panel agreed {value} for Bid {label} on {code}"},
            )
            assert response.status_code == 302, page_text(response)


def _s3_scores(scenario: Scenario) -> None:
    """S3: Q1 for bid A is scored 2 by the officer and 4 and 3 by the panel members; every
    other pair gets the same score from everyone."""
    officer, panel_one, panel_two = scenario.evaluators
    for user, a_q1 in ((officer, 2), (panel_one, 4), (panel_two, 3)):
        scores = {code: dict(by_bid) for code, by_bid in S1_CONSENSUS.items()}
        scores["Q1"]["A"] = a_q1
        submit_scores(scenario, user, scores)


# -- scenario S1 end to end -----------------------------------------------------------------


def test_s1_through_the_pages_ranks_awards_and_summarises(app: Any) -> None:
    scenario = build_scenario()
    tid = scenario.tender_id
    clients = {user.id: client_for(app, user) for user in scenario.evaluators}

    # Everyone declares no interests and scores independently through the pages.
    for user in scenario.evaluators:
        client = clients[user.id]
        response = post_form(client, f"/tenders/{tid}/declaration", {"has_interest": "no"})
        assert response.status_code == 302
        for code, by_bid in S1_CONSENSUS.items():
            for label, value in by_bid.items():
                response = post_form(
                    client,
                    f"/tenders/{tid}/evaluate/{label}/{code}",
                    {
                        "score": str(value),
                        "rationale": f"{user.display_name}: {label} {code}",
                        "action": "submit",
                    },
                )
                assert response.status_code == 302, page_text(response)
        assert "9 of 9" in page_text(client.get(f"/tenders/{tid}/evaluate"))

    officer = clients[scenario.officer.id]
    moderation = page_text(officer.get(f"/tenders/{tid}/moderation"))
    assert "Panel Member 2" in moderation and "Olu Officer: A Q1" in moderation
    assert 'govuk-tag--red">Needs moderation' not in moderation
    progress = _section(moderation, "Scoring progress by evaluator")
    assert progress.count(">9<") == 6  # 9 to score and 9 submitted for each of three people

    _record_all_consensus(scenario, officer)

    result = officer.get(f"/tenders/{tid}/result")
    html = page_text(result)
    assert result.status_code == 200
    assert "Final" in html
    ranking = _section(html, "Ranking")
    totals = re.findall(r"<strong>(\d+\.\d\d)</strong>", ranking)
    assert totals == ["87.10", "77.00", "76.50"]
    labels = re.findall(r">Bid ([A-Z])</th>", ranking)
    assert labels == ["B", "A", "C"]
    assert "Supplier B Ltd" in ranking
    assert "38.10" in ranking and "32.00" in ranking and "17.00" in ranking
    # The breakdown explains every number, and the framework version is named with its hash.
    assert "Consensus score" in html and "Supplier&#39;s commitment" in html
    assert "10 × 8 / 8 (best compliant) = 10" in html
    assert scenario.tender.framework_hash in html and "gm-social-value-framework" in html
    assert "GMSVF-P3-LOCAL-EMPLOYMENT" in html
    assert "B wins with 87.10" in html

    award_page = page_text(officer.get(f"/tenders/{tid}/award"))
    assert "Bid B (Supplier B Ltd)" in award_page
    assert "Award the contract to Bid B" in award_page
    no_reason = post_form(officer, f"/tenders/{tid}/award", {"rationale": " "})
    assert no_reason.status_code == 422
    assert "Record the reasons for the award decision" in page_text(no_reason)
    assert db.session.execute(sa.select(AwardDecision)).first() is None

    awarded = post_form(
        officer, f"/tenders/{tid}/award", {"rationale": "Highest score; checks complete."}
    )
    assert awarded.status_code == 302 and awarded.headers["Location"].endswith(
        f"/tenders/{tid}/result"
    )
    db.session.expire_all()
    tender = db.session.get(Tender, tid)
    assert tender is not None and tender.status == "awarded"
    decision = db.session.execute(sa.select(AwardDecision)).scalar_one()
    assert decision.bid.label == "B" and decision.rationale == "Highest score; checks complete."
    after = page_text(officer.get(f"/tenders/{tid}/result"))
    assert "Awarded to Bid B" in after and decision.result_hash in after
    assert re.findall(r"<strong>(\d+\.\d\d)</strong>", _section(after, "Ranking")) == [
        "87.10",
        "77.00",
        "76.50",
    ]
    # The award is made once; afterwards the scores are final.
    assert officer.get(f"/tenders/{tid}/award").status_code == 403
    consensus = page_text(officer.get(f"/tenders/{tid}/moderation/A/Q1"))
    assert "has been awarded" in consensus and 'name="reason"' not in consensus

    summaries = page_text(officer.get(f"/tenders/{tid}/summaries"))
    for label in "ABC":
        assert f"/tenders/{tid}/summaries/{label}" in summaries
    summary_a = page_text(officer.get(f"/tenders/{tid}/summaries/A"))
    table_a = _section(summary_a, "Scores by award criterion")
    assert "Bid A score" in table_a and "Bid B score" in table_a
    assert re.search(r"3 out of 5.*15\.00.*4 out of 5.*20\.00", table_a, re.S)
    assert "77.00 out of 100" in summary_a and "87.10 out of 100" in summary_a
    assert "Panel agreed 3 for Bid A on Q1" in summary_a
    assert "Panel agreed 4 for Bid B on Q1" in summary_a
    assert "Ranked 2 of 3" in summary_a
    summary_c = page_text(officer.get(f"/tenders/{tid}/summaries/C"))
    table_c = _section(summary_c, "Scores by award criterion")
    assert re.search(r"20 out of 100.*2\.00.*70 out of 100.*7\.00", table_c, re.S)
    assert "2 FTE-years" in table_c and "8 FTE-years" in table_c
    assert "Panel agreed 20 for Bid C on SV1" in summary_c
    assert "Panel agreed 70 for Bid B on SV1" in summary_c
    assert "76.50 out of 100" in summary_c and "Ranked 3 of 3" in summary_c
    summary_b = page_text(officer.get(f"/tenders/{tid}/summaries/B"))
    assert "This is the most advantageous tender" in summary_b

    # Audit: consensus and award recorded with before and after.
    award_event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "tender.awarded")
    ).scalar_one()
    assert award_event.before == {"status": "published"}
    assert award_event.after["winning_bid"] == "B"
    assert award_event.after["result_hash"] == decision.result_hash
    consensus_events = (
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "consensus.recorded"))
        .scalars()
        .all()
    )
    assert len(consensus_events) == 9
    history = page_text(officer.get(f"/tenders/{tid}/history"))
    assert "Contract awarded to bid B" in history and "tender.awarded" in history
    assert history.index("tender.awarded") < history.index("consensus.recorded")


# -- scenario S3: a wide spread needs moderation --------------------------------------------


def test_s3_flagged_pair_needs_moderation_then_uses_the_consensus(app: Any) -> None:
    scenario = build_scenario(moderation_mode="mean_for_unflagged")
    declare_all(scenario)
    _s3_scores(scenario)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)

    moderation = page_text(officer.get(f"/tenders/{tid}/moderation"))
    q1 = _section(moderation, "Scores for Q1 by bid")
    row_a = q1[q1.index("Bid A") : q1.index("Bid B")]
    assert "Needs moderation" in row_a
    assert "Olu Officer</strong> (officer): 2" in row_a
    assert "Panel Member 1</strong> (panel member): 4" in row_a
    assert "Panel Member 2</strong> (panel member): 3" in row_a
    assert ">3.00<" in row_a  # mean
    assert ">2<" in row_a  # range
    assert ">0.8165<" in row_a  # population standard deviation from the engine
    assert "Needs moderation" not in q1[q1.index("Bid B") :]

    result = page_text(officer.get(f"/tenders/{tid}/result"))
    assert "Incomplete" in result
    missing = _section(result, "What must still be recorded")
    assert re.findall(r">Bid ([A-Z])</th>\s*<td[^>]*>([A-Z0-9]+)</td>", missing) == [("A", "Q1")]
    assert "flagged for moderation" in missing
    assert "Ranking" not in result

    consensus_page = page_text(officer.get(f"/tenders/{tid}/moderation/A/Q1"))
    assert "Record the consensus score" in consensus_page
    for name in ("Olu Officer", "Panel Member 1", "Panel Member 2"):
        assert name in consensus_page
    assert "Olu Officer on A Q1" in consensus_page  # the rationales are shown
    response = post_form(
        officer,
        f"/tenders/{tid}/moderation/A/Q1",
        {"score": "3", "reason": "Agreed 3: clear plan, but thin on cover for sickness."},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tenders/{tid}/moderation#criterion-Q1")

    outcome = evaluation_service.evaluate_tender(db.session, scenario.tender)
    assert outcome.status == "final"
    final = outcome.score("A", "Q1")
    assert final.raw == 3 and final.source == "consensus"
    result = page_text(officer.get(f"/tenders/{tid}/result"))
    assert "Final" in result and "What must still be recorded" not in result
    moderation = page_text(officer.get(f"/tenders/{tid}/moderation"))
    row_a = _section(moderation, "Scores for Q1 by bid")
    row_a = row_a[row_a.index("Bid A") : row_a.index("Bid B")]
    assert "Moderated" in row_a and "Needs moderation" not in row_a
    assert "Agreed 3: clear plan" in row_a


# -- consensus validation -------------------------------------------------------------------


def test_consensus_validation_and_revision(app: Any) -> None:
    scenario = build_scenario(panel_count=1)
    declare_all(scenario)
    tid = scenario.tender_id
    officer_client = client_for(app, scenario.officer)
    submit_scores(scenario, scenario.officer, S1_CONSENSUS)
    url = f"/tenders/{tid}/moderation/A/Q1"

    # The panel member has not submitted yet: moderation of the pair must wait.
    waiting = post_form(officer_client, url, {"score": "3", "reason": "Agreed"})
    assert waiting.status_code == 409
    assert "waiting for Panel Member 1" in page_text(waiting)
    submit_scores(scenario, scenario.panel[0], S1_CONSENSUS)

    for data, status, message in (
        ({"score": "3", "reason": "  "}, 422, "Record the reason for the consensus score"),
        ({"score": "", "reason": "Agreed"}, 422, "Enter the consensus score"),
        ({"score": "6", "reason": "Agreed"}, 422, "must be between 0 and 5"),
        ({"score": "2.555", "reason": "Agreed"}, 422, "Enter the score as a number"),
        ({"score": "1e3", "reason": "Agreed"}, 422, "Enter the score as a number"),
    ):
        response = post_form(officer_client, url, data)
        html = page_text(response)
        assert response.status_code == status, data
        assert message in html and "govuk-error-summary" in html
    assert db.session.execute(sa.select(ConsensusScore)).first() is None

    stale_page = page_text(officer_client.get(url))
    first = post_form(officer_client, url, {"score": "3", "reason": "Agreed at the meeting"})
    assert first.status_code == 302
    stale = officer_client.post(
        url,
        data={
            "csrf_token": csrf_token(stale_page),
            "version": "0",
            "score": "4",
            "reason": "Other tab",
        },
    )
    assert stale.status_code == 412
    assert "Someone else changed this consensus score" in page_text(stale)

    revised = post_form(officer_client, url, {"score": "2.5", "reason": "Revised on review"})
    assert revised.status_code == 302
    db.session.expire_all()
    row = db.session.execute(sa.select(ConsensusScore)).scalar_one()
    assert row.score == Decimal("2.5") and row.reason == "Revised on review"
    change = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "consensus.changed")
    ).scalar_one()
    assert change.before == {"score": "3", "reason": "Agreed at the meeting"}
    assert change.after["score"] == "2.5" and change.after["reason"] == "Revised on review"
    page = page_text(officer_client.get(url))
    assert "Revise the consensus score" in page and "Revised on review" in page

    for bad in ("Z/Q1", "A/Q9", "A/SV2", "a/q1"):
        assert officer_client.get(f"/tenders/{tid}/moderation/{bad}").status_code == 404
    assert officer_client.get("/tenders/999999/moderation/A/Q1").status_code == 404


# -- award ------------------------------------------------------------------------------------


def test_award_is_refused_while_the_result_is_incomplete(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    submit_scores(scenario, scenario.officer, S1_CONSENSUS)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)

    page = page_text(officer.get(f"/tenders/{tid}/award"))
    assert "You cannot award the contract yet" in page
    assert "What must still be recorded" in page and 'name="rationale"' not in page
    missing = _section(page, "What must still be recorded")
    assert len(re.findall(r">Bid [A-C]</th>", missing)) == 9

    token = csrf_token(page)
    response = officer.post(
        f"/tenders/{tid}/award",
        data={
            "csrf_token": token,
            "rationale": "Trying anyway",
            "version": str(scenario.tender.version_id),
        },
    )
    assert response.status_code == 409
    assert "The evaluation is not complete" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Tender, tid).status == "published"  # type: ignore[union-attr]
    assert db.session.execute(sa.select(AwardDecision)).first() is None


def test_award_with_a_stale_version_is_refused(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    submit_scores(scenario, scenario.officer, S1_CONSENSUS)
    officer = client_for(app, scenario.officer)
    _record_all_consensus(scenario, officer)
    tid = scenario.tender_id
    page = page_text(officer.get(f"/tenders/{tid}/award"))
    response = officer.post(
        f"/tenders/{tid}/award",
        data={
            "csrf_token": csrf_token(page),
            "rationale": "Best value",
            "version": "999",
        },
    )
    assert response.status_code == 412
    assert "Someone else changed this tender" in page_text(response)
    assert db.session.execute(sa.select(AwardDecision)).first() is None


# -- permissions ------------------------------------------------------------------------------


def test_who_may_see_results_summaries_and_history(app: Any) -> None:
    scenario = build_scenario(panel_count=1)
    declare_all(scenario)
    for user in scenario.evaluators:
        submit_scores(scenario, user, S1_CONSENSUS)
    tid = scenario.tender_id
    auditor = client_for(app, make_user("auditor", "Audrey Auditor"))
    panel = client_for(app, scenario.panel[0])
    supplier = client_for(app, make_user("supplier", "Acme Bids"))
    officer = client_for(app, scenario.officer)

    read_pages = ("result", "summaries", "summaries/A", "history")
    officer_pages = ("moderation", "moderation/A/Q1", "award")
    for path in read_pages:
        assert auditor.get(f"/tenders/{tid}/{path}").status_code == 200, path
        assert officer.get(f"/tenders/{tid}/{path}").status_code == 200, path
    for path in officer_pages:
        assert auditor.get(f"/tenders/{tid}/{path}").status_code == 403, path
        assert officer.get(f"/tenders/{tid}/{path}").status_code == 200, path
    for client in (panel, supplier):
        for path in read_pages + officer_pages:
            assert client.get(f"/tenders/{tid}/{path}").status_code == 403, path
    # Write attempts by people who may not make them.
    token = csrf_token(page_text(auditor.get(f"/tenders/{tid}/result")))
    assert (
        auditor.post(
            f"/tenders/{tid}/award", data={"csrf_token": token, "rationale": "x"}
        ).status_code
        == 403
    )
    assert (
        auditor.post(
            f"/tenders/{tid}/moderation/A/Q1",
            data={"csrf_token": token, "score": "3", "reason": "x"},
        ).status_code
        == 403
    )
    for path in read_pages + officer_pages:
        assert officer.get(f"/tenders/999999/{path}").status_code == 404, path
    assert officer.get(f"/tenders/{tid}/summaries/Q").status_code == 404
    anonymous = client_for(app).get(f"/tenders/{tid}/result")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


# -- history ----------------------------------------------------------------------------------


def test_history_is_paginated_newest_first(app: Any) -> None:
    scenario = build_scenario(panel_count=0)
    declare_all(scenario)
    tender, officer = scenario.tender, scenario.officer
    for n in range(60):
        evaluation_service.save_individual_score(
            db.session,
            officer,
            tender,
            scenario.bids["A"],
            scenario.criteria["Q1"],
            score=Decimal(n % 6),
            rationale=f"Draft {n}",
            submit=False,
        )
    db.session.commit()
    total = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.tender_id == tender.id)
    ).scalar_one()
    assert total > 60
    client = client_for(app, officer)

    first = page_text(client.get(f"/tenders/{tender.id}/history"))
    sequences = [int(n) for n in re.findall(r"· entry (\d+)</p>", first)]
    assert len(sequences) == 50 and sequences == sorted(sequences, reverse=True)
    assert f"{total} events; page 1 of 2" in first
    assert "Draft 59" in first and '"rationale": "Draft 58"' in first  # before and after JSON
    assert "<details" in first and 'rel="next"' in first
    second = page_text(client.get(f"/tenders/{tender.id}/history?page=2"))
    older = [int(n) for n in re.findall(r"· entry (\d+)</p>", second)]
    assert len(older) == total - 50 and max(older) < min(sequences)
    assert "tender.created" in second and 'rel="prev"' in second
    for bad in ("3", "0", "-1", "abc", "1.5", "9" * 30):
        assert client.get(f"/tenders/{tender.id}/history?page={bad}").status_code == 404, bad


# -- a constant number of SQL statements ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["moderation", "moderation/A/Q1", "result", "award", "summaries", "summaries/A", "history"],
)
def test_officer_pages_run_a_constant_number_of_queries(app: Any, path: str) -> None:
    counts = []
    for bids in (3, 6):
        officer = make_user("officer", "Officer")
        scenario = build_scenario(
            bid_count=bids, panel_count=0, officer=officer, moderation_mode="mean_for_unflagged"
        )
        declare_all(scenario)
        scores = {code: dict.fromkeys(scenario.bids, 3) for code in ("Q1", "Q2")}
        scores["SV1"] = dict.fromkeys(scenario.bids, 50)
        submit_scores(scenario, officer, scores)
        client = client_for(app, officer)
        url = f"/tenders/{scenario.tender_id}/{path}"
        assert client.get(url).status_code == 200
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# -- exclusions and ties ----------------------------------------------------------------------


def test_result_shows_exclusions_and_an_unresolved_tie(app: Any) -> None:
    scenario = build_scenario(
        panel_count=0,
        moderation_mode="mean_for_unflagged",
        bid_rows=[
            ("Twin One Ltd", Decimal("100000"), Decimal("4")),
            ("Twin Two Ltd", Decimal("100000"), Decimal("4")),
            ("Cheap But Unregistered Ltd", Decimal("50000"), Decimal("9")),
        ],
        failing_gate=("C",),
    )
    declare_all(scenario)
    same = {"Q1": dict.fromkeys("ABC", 4), "Q2": dict.fromkeys("ABC", 3)}
    same["SV1"] = dict.fromkeys("ABC", 60)
    submit_scores(scenario, scenario.officer, same)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)

    html = page_text(officer.get(f"/tenders/{tid}/result"))
    excluded = _section(html, "Excluded bids")
    assert "Bid C" in excluded and "Cheap But Unregistered Ltd" in excluded
    assert "G1" in excluded
    ranking = _section(html, "Ranking")
    assert ranking.count("1 (tied)") == 2 and "Bid C" not in ranking
    assert "Ties" in html and "could not separate these bids" in html
    # The excluded bid's low price sets no benchmark: A and B get full price points.
    assert re.findall(r"<strong>(\d+\.\d\d)</strong>", ranking) == ["85.00", "85.00"]

    award = page_text(officer.get(f"/tenders/{tid}/award"))
    assert "could not separate the leading bids" in award and 'name="rationale"' not in award
    refused = officer.post(
        f"/tenders/{tid}/award",
        data={
            "csrf_token": csrf_token(award),
            "rationale": "Pick one",
            "version": str(scenario.tender.version_id),
        },
    )
    assert refused.status_code == 409
    assert "tied for first place" in page_text(refused)
    assert db.session.execute(sa.select(AwardDecision)).first() is None

    summary = page_text(officer.get(f"/tenders/{tid}/summaries/C"))
    assert "Excluded" in summary and "G1" in summary


# -- page structure ---------------------------------------------------------------------------


class _Structure(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1 = 0
        self.label_for: set[str] = set()
        self.inputs: list[str] = []
        self.tables = 0
        self.captions = 0
        self.bad_th: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if "style" in values or tag == "script":
            self.inline.append(tag)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and values.get("for"):
            self.label_for.add(str(values["for"]))
        elif tag in ("input", "textarea", "select") and values.get("type") != "hidden":
            self.inputs.append(str(values.get("id")))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and values.get("scope") not in ("col", "row"):
            self.bad_th.append(str(values))


def test_evaluation_pages_are_structured_for_assistive_technology(app: Any) -> None:
    scenario = build_scenario()
    declare_all(scenario)
    for user in scenario.evaluators:
        submit_scores(scenario, user, S1_CONSENSUS)
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)
    panel = client_for(app, scenario.panel[0])
    pages = [
        (officer, path)
        for path in (
            "evaluate",
            "evaluate/A/Q1",
            "moderation",
            "moderation/A/Q1",
            "result",
            "award",
            "summaries",
            "summaries/A",
            "history",
            "declaration",
        )
    ]
    pages += [(panel, "evaluate"), (panel, "evaluate/B/SV1")]
    responses = [(path, page_text(client.get(f"/tenders/{tid}/{path}"))) for client, path in pages]
    bad = post_form(officer, f"/tenders/{tid}/moderation/A/Q1", {"score": "9", "reason": ""})
    responses.append(("consensus error", page_text(bad)))
    for path, html in responses:
        page = _Structure()
        page.feed(html)
        assert page.h1 == 1, path
        assert len(page.ids) == len(set(page.ids)), (path, sorted(page.ids))
        assert set(page.inputs) <= page.label_for, (path, set(page.inputs) - page.label_for)
        assert page.tables == page.captions, path
        assert page.bad_th == [], path
        assert page.inline == [], path
