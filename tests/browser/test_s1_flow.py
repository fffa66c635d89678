"""Scenario S1 end to end in a real browser, as the people who use the service, with JavaScript
disabled throughout (everything must work without it).

A procurement officer sets the tender up through the forms, records three bids and closes
bidding; an officer evaluator and two citizen/VCSE panel members, each in their own browser,
declare no conflict and score every bid they are assigned; the officer moderates every pair,
checks the result (B 87.10, A 77.00, C 76.50), awards to B and reads the assessment summaries.
One scoring form is completed with the keyboard alone. Every main page is checked with axe-core
and photographed (test-artifacts/screenshots/s1-NN-*.png, in the order of the flow).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.services.accounts import create_user
from tests.browser.conftest import PASSWORD, check_accessibility, screenshot, sign_in

REFERENCE = "GMCA-2027-S1"
PHONE = {"width": 375, "height": 812}

PEOPLE = {
    "lead": ("olu.officer@example.org", "Olu Officer", Role.OFFICER, "GMCA"),
    "evaluator": ("orla.officer@example.org", "Orla Officer", Role.OFFICER, "GMCA"),
    "priya": ("priya.panel@example.org", "Priya Panel", Role.PANEL, "Salford CVS"),
    "pat": ("pat.panel@example.org", "Pat Panel", Role.PANEL, "Oldham Community Panel"),
}
BIDS = (("Supplier A Ltd", "100,000", "4"), ("Supplier B Ltd", "105,000", "8"))
BIDS += (("Supplier C Ltd", "125,000", "2"),)
# The scores moderation agrees (with these the engine's totals are B 87.10, A 77.00, C 76.50).
CONSENSUS = {
    "Q1": {"A": 3, "B": 4, "C": 5},
    "Q2": {"A": 4, "B": 4, "C": 5},
    "SV1": {"A": 50, "B": 70, "C": 20},
}
# Each evaluator's own scores: the officer's match the consensus; the panel members differ a
# little on SV1, and Pat's 65 for bid C is far enough from the others' 20s to need moderation.
INDIVIDUAL = {
    "evaluator": CONSENSUS,
    "priya": {"SV1": {"A": 55, "B": 75, "C": 20}},
    "pat": {"SV1": {"A": 45, "B": 70, "C": 65}},
}
EXPECTED_RANKING = [("B", "87.10"), ("A", "77.00"), ("C", "76.50")]


class Camera:
    """Checks a page with axe-core and photographs it, numbering shots in flow order."""

    def __init__(self) -> None:
        self.count = 0
        self.names: list[str] = []

    def __call__(self, page: Page, name: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        check_accessibility(page, name)
        self.count += 1
        shot = f"s1-{self.count:02d}-{name}"
        screenshot(page, shot)
        self.names.append(shot)


@pytest.fixture
def s1_people(site: Any, synced_frameworks: Any) -> dict[str, str]:
    """The four users, committed (the live server runs its own sessions); returns emails."""
    for email, name, role, organisation in PEOPLE.values():
        create_user(
            db.session,
            email=email,
            display_name=name,
            role=role,
            password=PASSWORD,
            organisation=organisation,
        )
    db.session.commit()
    return {key: person[0] for key, person in PEOPLE.items()}


def success(page: Page, text: str) -> None:
    """The green notification banner of a POST-redirect-GET."""
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def fill_date(page: Page, legend: str, date: dt.date, time: str | None = None) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(date.day))
    group.get_by_label("Month").fill(str(date.month))
    group.get_by_label("Year").fill(str(date.year))
    if time is not None:
        group.get_by_label("Time (24-hour, UK time)").fill(time)


def back_to_tender(page: Page) -> None:
    page.get_by_role("link", name=f"Back to {REFERENCE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cleaning of civic buildings")


# -- the lead officer sets the tender up ------------------------------------------------------


def create_tender(page: Page, site: Any, shoot: Camera) -> None:
    page.goto(site.url + "/tenders/")
    page.get_by_role("button", name="Create a tender").click()
    deadline = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    start = deadline + dt.timedelta(days=120)
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_label("Title", exact=True).fill("Cleaning of civic buildings")
    page.get_by_label("Buying organisation").fill("Greater Manchester Combined Authority")
    page.get_by_label("Description (optional)").fill("Cleaning of twelve civic buildings.")
    page.get_by_label("Estimated contract value").fill("450,000")
    fill_date(page, "Contract start date", start)
    fill_date(page, "Contract end date", start + dt.timedelta(days=3 * 365))
    fill_date(page, "Bid deadline", deadline, "12:00")
    page.get_by_role(
        "radio", name="Greater Manchester Social Value Framework (gm-social-value-framework@2020)"
    ).check()
    shoot(page, "create-tender")
    page.get_by_role("button", name="Create tender").click()
    success(page, f"Tender {REFERENCE} created")


def set_rules(page: Page, shoot: Camera) -> None:
    page.get_by_role("link", name="Evaluation rules and weights").click()
    weights = page.get_by_role("group", name="Weightings")
    weights.get_by_label("Price").fill("40")
    weights.get_by_label("Quality").fill("40")
    weights.get_by_label("Social value").fill("20")
    page.get_by_role("radio", name="Lowest price ratio").check()
    page.get_by_role("radio", name="Relative to the best offer").check()
    page.get_by_role("radio", name="Consensus required for every score").check()
    page.get_by_role("button", name="Save rules").click()
    success(page, "Evaluation rules saved")
    shoot(page, "evaluation-rules")
    back_to_tender(page)


def add_question(page: Page, title: str, group: str, scale: str, weight: str) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Add question"))
    form.get_by_label("Title", exact=True).fill(title)
    form.get_by_label("Question for bidders").fill(f"Tell us about your {title.lower()}.")
    form.get_by_role("radio", name=group, exact=True).check()
    form.get_by_role("radio", name=scale, exact=True).check()
    form.get_by_label("Weight", exact=True).fill(weight)
    form.get_by_role("button", name="Add question").click()
    success(page, f"({title}) added")


def add_criteria(page: Page, shoot: Camera) -> None:
    page.get_by_role("link", name="Award criteria").click()
    add_question(page, "Service delivery approach", "Quality", "0 to 5", "25")
    add_question(page, "Staffing and resilience", "Quality", "0 to 5", "15")
    add_question(page, "Social value delivery plan", "Social value", "0 to 100", "10")
    # SV2 comes from the pinned framework: search its measures, then add one.
    page.get_by_label("Search measures").fill("local employment")
    page.get_by_role("button", name="Search").click()
    code = "GMSVF-P3-LOCAL-EMPLOYMENT"
    page.locator("summary", has_text=f"Add {code}").click()  # a native <details>: no JS
    form = page.locator("form", has=page.get_by_role("button", name=f"Add {code}"))
    form.get_by_role("radio", name="Social value").check()
    form.get_by_label("Weight", exact=True).fill("10")
    form.get_by_role("button", name=f"Add {code}").click()
    success(page, "Criterion SV2 (Local employment (Greater Manchester residents)) added")
    criteria = page.get_by_role("table", name="Award criteria")
    expect(criteria.locator("tbody tr th")).to_have_text(["Q1", "Q2", "SV1", "SV2"])
    expect(page.locator("#weight-totals")).not_to_contain_text("Does not match")
    shoot(page, "criteria")
    back_to_tender(page)


def add_people(page: Page, shoot: Camera) -> None:
    page.get_by_role("link", name="Evaluators, panel and suppliers").click()
    assignments = (
        ("Orla Officer (officer, GMCA)", ("Q1", "Q2", "SV1")),
        ("Priya Panel (panel member, Salford CVS)", ("SV1",)),
        ("Pat Panel (panel member, Oldham Community Panel)", ("SV1",)),
    )
    titles = {
        "Q1": "Service delivery approach",
        "Q2": "Staffing and resilience",
        "SV1": "Social value delivery plan",
    }
    for person, codes in assignments:
        form = page.locator("form", has=page.get_by_role("button", name="Add person"))
        form.get_by_label("Person").select_option(label=person)
        for code in codes:
            form.get_by_label(f"{code} {titles[code]}").check()
        form.get_by_role("button", name="Add person").click()
        success(page, f"{person.split(' (')[0]} added")
    members = page.get_by_role("table", name="People on this tender")
    expect(members.locator("tbody tr")).to_have_count(3)
    shoot(page, "people")
    back_to_tender(page)


def publish(page: Page, shoot: Camera) -> None:
    shoot(page, "tender-overview-ready")
    page.get_by_role("link", name="Publish the evaluation plan").click()
    shoot(page, "publish")
    page.get_by_role("button", name="Publish and lock the plan").click()
    success(page, "The evaluation plan is published and locked")


def record_bids(page: Page, shoot: Camera) -> None:
    """Bids received by post or email, entered by the officer (from the overview, then from
    the list of bids)."""
    for number, (supplier, price, jobs) in enumerate(BIDS):
        page.get_by_role("button", name="Record a bid").click()
        page.get_by_label("Supplier name").fill(supplier)
        page.get_by_label("Total price").fill(price)
        page.get_by_label("Commitment in FTE-years").fill(jobs)
        page.get_by_label("How it will be delivered").fill(f"{jobs} FTE-years of local jobs")
        page.get_by_label("How delivery will be evidenced").fill("Payroll postcodes, quarterly")
        # The answers never name the supplier: the panel sees the bids anonymised.
        page.get_by_label("Q1 Service delivery approach").fill(
            f"A named supervisor for each of the {4 + number} sites, visiting weekly."
        )
        page.get_by_label("Q2 Staffing and resilience").fill(
            f"A relief pool of {2 + number} trained cleaners covers absence the same day."
        )
        page.get_by_label("SV1 Social value delivery plan").fill(
            f"Recruit through Bolton and Salford jobcentres; {jobs} FTE-years of local jobs."
        )
        if number == 0:
            shoot(page, "record-bid")
        page.get_by_role("button", name="Record bid").click()
        success(page, f"from {supplier} recorded")
        if number == 0:
            shoot(page, "bid-detail")
        page.get_by_role("link", name="Back to bids").click()
    expect(page.get_by_role("table").first.locator("tbody tr")).to_have_count(3)
    shoot(page, "bids")
    back_to_tender(page)


def close_bidding(page: Page, shoot: Camera) -> None:
    page.get_by_role("link", name="Close bidding now").click()
    page.get_by_role("button", name="Close bidding").click()
    success(page, "Bidding is closed")
    expect(page.get_by_text("Bidding closed: evaluating")).to_be_visible()
    shoot(page, "tender-overview-evaluating")


# -- evaluators ------------------------------------------------------------------------------


PAIR = re.compile(r"/evaluate/([A-Z]+)/([A-Z0-9]+)$")


def open_tenders(page: Page) -> None:
    """The service navigation's "Tenders" link."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Tenders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenders")


def declare_no_interests(page: Page, shoot: Camera | None = None) -> None:
    open_tenders(page)
    if shoot:
        shoot(page, "panel-tenders")
    page.get_by_role("link", name=f"Declare any conflicts of interest for {REFERENCE}").click()
    if shoot:
        shoot(page, "declaration")
    page.get_by_role("radio", name="I have no interests to declare").check()
    page.get_by_role("button", name="Confirm declaration").click()
    success(page, "you declared no interests")


def enter_score(page: Page, value: int, justification: str, rationale_label: str) -> None:
    radio = page.get_by_role("radio", name=re.compile(rf"^{value} – "))
    if radio.count():
        radio.check()
    else:
        page.get_by_role("textbox", name=re.compile(r"^Your score for")).fill(str(value))
    page.get_by_label(rationale_label).fill(justification)
    page.get_by_role("button", name="Submit score").click()


def score_everything(
    page: Page, who: str, rationale_label: str, shoot: Camera | None = None
) -> list[str]:
    """From the worklist, score and submit every assigned pair in the order the service
    offers them; returns the pairs scored ("A/Q1"...)."""
    page.get_by_role("link", name=re.compile("^(Start|Continue) scoring$")).click()
    expect(page).to_have_url(PAIR)
    scored = []
    while match := PAIR.search(page.url):
        label, code = match.groups()
        if shoot and not scored:
            shoot(page, "panel-score" if who != "evaluator" else "officer-score")
            if who != "evaluator":
                page.set_viewport_size(PHONE)
                shoot(page, "panel-score-phone")
                page.set_viewport_size({"width": 1280, "height": 720})
        value = INDIVIDUAL[who][code][label]
        enter_score(page, value, f"{who} gives Bid {label} {value} on {code}", rationale_label)
        success(page, f"Score submitted for Bid {label} on {code}")
        scored.append(f"{label}/{code}")
    expect(page.get_by_text("You have submitted all of your scores")).to_be_visible()
    return scored


def focused(page: Page) -> dict[str, str]:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName, name: document.activeElement.name || '',"
        " type: document.activeElement.type || '', text: document.activeElement.textContent})"
    )


def tab_to(page: Page, wanted: dict[str, str], limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if all(now.get(key) == value for key, value in wanted.items()):
            return
    raise AssertionError(f"Tab never reached {wanted}")


def score_with_keyboard(page: Page, value: int) -> None:
    """Choose the radio for ``value``, write the justification and submit: keys only."""
    tab_to(page, {"name": "score", "type": "radio"})
    page.keyboard.press("Space")  # the first option, 0
    for _ in range(value):
        page.keyboard.press("ArrowDown")  # moving selects the next option
    tab_to(page, {"name": "rationale"})
    page.keyboard.type("Typed with the keyboard alone: a clear, well evidenced approach.")
    tab_to(page, {"tag": "BUTTON", "text": "Submit score"})
    page.keyboard.press("Enter")


def evaluator_scores(page: Page, site: Any, email: str, shoot: Camera) -> None:
    sign_in(page, site, email)
    declare_no_interests(page)
    # The first pair, Bid A on Q1, with the keyboard alone.
    page.get_by_role("link", name="Start scoring").click()
    expect(page).to_have_url(re.compile(r"/evaluate/A/Q1$"))
    score_with_keyboard(page, CONSENSUS["Q1"]["A"])
    success(page, "Score submitted for Bid A on Q1")
    expect(page).to_have_url(re.compile(r"/evaluate/B/Q1$"))
    page.get_by_role("link", name="Back to bids to score").click()
    worklist = page.get_by_role("table", name="Q1: Service delivery approach")
    expect(worklist.get_by_role("row", name=re.compile("^Bid A"))).to_contain_text("Submitted")
    expect(worklist.get_by_role("row", name=re.compile("^Bid A"))).to_contain_text("3")
    shoot(page, "officer-worklist")
    scored = score_everything(page, "evaluator", "Justification", shoot)
    assert sorted(scored) == sorted(
        f"{label}/{code}" for code in CONSENSUS for label in "ABC" if (label, code) != ("A", "Q1")
    )


def panel_member_scores(page: Page, site: Any, email: str, who: str, shoot: Camera | None) -> None:
    sign_in(page, site, email)
    declare_no_interests(page, shoot)
    if shoot:
        shoot(page, "panel-worklist")
    scored = score_everything(page, who, "Why did you give this score?", shoot)
    assert scored == ["A/SV1", "B/SV1", "C/SV1"]
    if shoot:
        shoot(page, "panel-done")


# -- moderation, result and award --------------------------------------------------------------


def moderate(page: Page, shoot: Camera) -> None:
    open_tenders(page)
    page.get_by_role("link", name=REFERENCE).click()
    page.get_by_role("link", name="Moderation").click()
    expect(page.get_by_text("Needs moderation", exact=True)).to_have_count(1)  # Pat's 65 for bid C
    shoot(page, "moderation")
    for code, by_bid in CONSENSUS.items():
        for label, value in by_bid.items():
            page.get_by_role("link", name=f"Record consensus for Bid {label} on {code}").click()
            if (label, code) == ("C", "SV1"):
                shoot(page, "consensus")
            radio = page.get_by_role("radio", name=re.compile(rf"^{value} – "))
            if radio.count():
                radio.check()
            else:
                page.get_by_label(f"Consensus score for Bid {label} on {code}").fill(str(value))
            page.get_by_label("Reason for the consensus score").fill(
                f"The panel agreed {value} for Bid {label} on {code} after discussion."
            )
            page.get_by_role("button", name="Save consensus score").click()
            success(page, f"Consensus score recorded for Bid {label} on {code}")
    expect(page.get_by_text("Needs moderation", exact=True)).to_have_count(0)
    shoot(page, "moderation-done")


def ranking(page: Page) -> list[tuple[str, str]]:
    rows = page.get_by_role("table", name="Ranking").locator("tbody tr")
    return [
        (
            row.get_by_role("rowheader").inner_text().removeprefix("Bid ").strip(),
            row.locator("td").nth(5).inner_text().strip(),
        )
        for row in rows.all()
    ]


def result_and_award(page: Page, shoot: Camera) -> None:
    page.get_by_role("link", name="See the evaluation result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluation result")
    assert ranking(page) == EXPECTED_RANKING
    shoot(page, "result")
    page.get_by_role("link", name="Award the contract").click()
    shoot(page, "award")
    page.get_by_label("Reasons for the award decision").fill(
        "Bid B is the most advantageous tender under the published plan; checks complete."
    )
    page.get_by_role("button", name="Award the contract to Bid B").click()
    success(page, "The contract has been awarded to Bid B (Supplier B Ltd)")
    expect(page.get_by_role("heading", name="Awarded to Bid B")).to_be_visible()
    assert ranking(page) == EXPECTED_RANKING
    shoot(page, "result-awarded")
    page.get_by_role("link", name="Assessment summaries for bidders").click()
    shoot(page, "summaries")
    page.get_by_role("link", name="View summary for Bid A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Assessment summary for Supplier A Ltd (Bid A)"
    )
    expect(page.get_by_text("Ranked 2 of 3")).to_be_visible()
    shoot(page, "summary-bid-a")
    page.get_by_role("link", name=f"{REFERENCE}: Cleaning of civic buildings").click()
    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tender history")
    expect(page.get_by_text("Contract awarded to bid B (Supplier B Ltd)")).to_be_visible()
    shoot(page, "history")


# -- the scenario ------------------------------------------------------------------------------


def test_scenario_s1_end_to_end_without_javascript(
    site: Any, s1_people: dict[str, str], open_browser: Any
) -> None:
    shoot = Camera()
    lead = open_browser()
    sign_in(lead, site, s1_people["lead"])
    create_tender(lead, site, shoot)
    set_rules(lead, shoot)
    add_criteria(lead, shoot)
    add_people(lead, shoot)
    publish(lead, shoot)
    record_bids(lead, shoot)
    close_bidding(lead, shoot)

    panel_member_scores(open_browser(), site, s1_people["priya"], "priya", shoot)
    panel_member_scores(open_browser(), site, s1_people["pat"], "pat", None)
    evaluator_scores(open_browser(), site, s1_people["evaluator"], shoot)

    moderate(lead, shoot)
    result_and_award(lead, shoot)
