"""OCDS 1.1 release packages for a tender and its contract (no database access: the caller
hands over the loaded records, see :func:`socialvalue.services.exports.ocds_facts`).

One contracting process = one ``ocid`` (``<prefix>-<tender reference>``). The package holds a
release per stage reached: ``tender`` (the plan with its award criteria and sustainability
goals), ``award`` (tenderers and the award), and ``contract`` + ``implementation`` (the contract
with one delivery milestone per social value KPI: met / partiallyMet / notMet / scheduled).

Extensions used (declared in the package's ``extensions`` array):

* lots: ``tender.lots[]`` (the whole contract is lot "1"), needed by
* awardCriteriaBreakdown: ``lots[].awardCriteria.criteria[]``, price and quality weights, with
  social value published as a quality criterion with its own weight;
* sustainability: ``tender.sustainability[]``, the framework priorities behind the criteria,
  gates and KPIs mapped to sustainabilityGoal codes, with the strategies used.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

OCDS_VERSION = "1.1"
DEFAULT_OCID_PREFIX = "ocds-socialvalue-dev"
CURRENCY = "GBP"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_awardCriteriaBreakdown_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_sustainability_extension/master/extension.json",
)
LOT_ID = "1"

# Framework priorities/measures -> sustainabilityGoal codes. First match wins; the patterns are
# looked for in the measure code, then the theme (priority) code. Codes not in the codelist
# are sub-codes of an existing code, as the open codelist allows ([existing-code].[sub-code]).
GOAL_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("APPRENTICE", "WORK-PLACEMENT", "DISABILITY"), "social.disadvantagedEmploymentOpportunities"),
    (("GEC", "LIVING-WAGE", "EMPLOYMENT-OFFER", "WORKFORCE", "P1"), "social.laborRightsPromotion"),
    (("LOCAL-EMPLOYMENT", "JOBS", "EMPLOYMENT", "P3"), "economic.formalEmploymentPromotion"),
    (("SME",), "social.smeInclusion"),
    (("VCSE", "SUPPLIER-SPEND", "SUPPLY-CHAIN", "P4", "P6"), "economic.localEconomyPromotion"),
    (("CARBON", "P5", "ENVIRONMENT"), "environmental.climateChangeMitigation"),
    (("CAR-MILES", "ZERO-EMISSION", "P2"), "environmental.carbonEmissionsReduction"),
)
DEFAULT_GOAL = "social"
GOAL_ORDER = ("social", "economic", "environmental", "innovation")

MILESTONE_MET = "met"
MILESTONE_NOT_MET = "notMet"
MILESTONE_PARTIAL = "partiallyMet"
MILESTONE_SCHEDULED = "scheduled"


def sustainability_goal(measure_code: str | None, theme_code: str | None = None) -> str:
    """The sustainabilityGoal code for a framework measure (falling back on its priority)."""
    for text in (measure_code or "", theme_code or ""):
        parts = set(re.split(r"[^A-Z0-9]+", text.upper()))
        upper = text.upper()
        for patterns, goal in GOAL_RULES:
            for pattern in patterns:
                # Priority codes (P1...) must be a whole part of the code; words may be part.
                if pattern in parts or (len(pattern) > 3 and pattern in upper):
                    return goal
    return DEFAULT_GOAL


def ocid_for(prefix: str, reference: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", reference).strip("-") or "tender"
    return f"{prefix}-{slug}"


def number(value: Decimal | Fraction | int | None) -> int | float | None:
    """A JSON number: integers exactly, other values to double precision."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def timestamp(value: dt.datetime | dt.date | None) -> str | None:
    """An RFC 3339 date-time (UTC, ``Z``); a date is taken at midnight UTC."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "organisation"


def _value(amount: Decimal | Fraction | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": number(amount), "currency": CURRENCY}


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty fields (OCDS prefers a field absent to a field null or empty)."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {} and v != ""}


def award_criteria(tender: Any) -> list[dict[str, Any]]:
    """Price and quality weights per the awardCriteriaBreakdown extension; social value is
    published as a quality criterion with its own weight."""
    quality = [c for c in tender.criteria if c.group == "quality"]
    social = [c for c in tender.criteria if c.group == "social_value"]
    entries = [
        ("price", "Price", tender.weight_price, "Price, scored by the published price method."),
        (
            "quality",
            "Quality",
            tender.weight_quality,
            "; ".join(f"{c.code} {c.title} ({number(c.weight)}%)" for c in quality),
        ),
        (
            "quality",
            "Social value",
            tender.weight_social_value,
            f"Social value under {tender.framework_key}"
            + "".join(f"; {c.code} {c.title} ({number(c.weight)}%)" for c in social),
        ),
    ]
    criteria = []
    for kind, name, weight, description in entries:
        if weight is None or Decimal(weight) == 0:
            continue
        criteria.append(
            _compact(
                {
                    "type": kind,
                    "name": name,
                    "description": description,
                    "numbers": [{"number": number(weight), "weight": "percentageExact"}],
                }
            )
        )
    return criteria


def sustainability(
    tender: Any, measures: Mapping[int, Any], kpis: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """One entry per goal, with the strategies that pursue it: award criteria (every social
    value criterion), contract performance conditions (quantitative commitments, tracked as
    KPIs), selection criteria (pass/fail gates such as the Good Employment Charter)."""
    strategies: dict[str, set[str]] = {}

    def theme(measure_id: int | None) -> str | None:
        measure = measures.get(measure_id) if measure_id is not None else None
        return getattr(measure, "theme_code", None)

    for criterion in tender.criteria:
        if criterion.group != "social_value" and not criterion.measure_code:
            continue
        goal = sustainability_goal(criterion.measure_code, theme(criterion.measure_id))
        found = strategies.setdefault(goal, set())
        found.add("awardCriteria")
        if criterion.kind == "quantitative":
            found.add("contractPerformanceConditions")
    for gate in tender.gates:
        if gate.measure_code:
            goal = sustainability_goal(gate.measure_code, theme(gate.measure_id))
            strategies.setdefault(goal, set()).add("selectionCriteria")
    for kpi in kpis:
        goal = sustainability_goal(kpi.measure_code, kpi.theme_code)
        strategies.setdefault(goal, set()).add("contractPerformanceConditions")

    def order(goal: str) -> tuple[int, str]:
        root = goal.split(".")[0]
        return (GOAL_ORDER.index(root) if root in GOAL_ORDER else len(GOAL_ORDER), goal)

    return [
        {"goal": goal, "strategies": sorted(strategies[goal])}
        for goal in sorted(strategies, key=order)
    ]


def milestone_status(committed: Fraction, counted: Fraction, *, ended: bool) -> str:
    """met when the whole commitment is delivered (verified); after the contract's end,
    partiallyMet or notMet; before it, partiallyMet once something is delivered, else
    scheduled."""
    if committed > 0 and counted >= committed:
        return MILESTONE_MET
    if ended:
        return MILESTONE_PARTIAL if counted > 0 else MILESTONE_NOT_MET
    return MILESTONE_PARTIAL if counted > 0 else MILESTONE_SCHEDULED


def milestones(view: Any, today: dt.date) -> list[dict[str, Any]]:
    """One delivery milestone per KPI, from the contract measured by the delivery module."""
    contract = view.contract
    ended = today > contract.end_date
    decided: dict[int, dt.datetime] = {}
    for delivery_return in contract.returns:
        for line in delivery_return.lines:
            if line.status == "verified" and line.decided_at is not None:
                current = decided.get(line.kpi_id)
                if current is None or line.decided_at > current:
                    decided[line.kpi_id] = line.decided_at
    items = []
    for item in view.kpis:
        kpi, status = item.kpi, item.status
        state = milestone_status(status.committed, status.counted, ended=ended)
        unit = f" {kpi.unit}" if kpi.unit else ""
        last = decided.get(kpi.id)
        items.append(
            _compact(
                {
                    "id": f"kpi-{kpi.criterion_code}",
                    "title": kpi.title,
                    "type": "delivery",
                    "description": (
                        f"Committed {number(status.committed)}{unit}; verified delivered "
                        f"{number(status.counted)}{unit}"
                        + (f"; expected by {view.as_at.isoformat()}: " if view.as_at else "")
                        + (f"{number(status.expected)}{unit}" if view.as_at else "")
                        + f". Status: {status.rag.label}."
                        + (f" Framework measure {kpi.measure_code}." if kpi.measure_code else "")
                    ),
                    "code": kpi.measure_code,
                    "dueDate": timestamp(contract.end_date),
                    "dateMet": timestamp(last) if state == MILESTONE_MET else None,
                    "dateModified": timestamp(last) if last is not None else None,
                    "status": state,
                }
            )
        )
    return items


def _parties(tender: Any, bids: Iterable[Any], include_tenderers: bool, winner: Any) -> list:
    buyer = {"id": f"buyer-{_slug(tender.buyer)}", "name": tender.buyer, "roles": ["buyer"]}
    parties = [buyer]
    if include_tenderers:
        for bid in bids:
            roles = ["tenderer"]
            if winner is not None and bid.id == winner.id:
                roles.append("supplier")
            parties.append(
                {"id": f"tenderer-{bid.label}", "name": bid.supplier_name, "roles": roles}
            )
    return parties


def _tender_section(
    tender: Any,
    measures: Mapping[int, Any],
    bids: Sequence[Any],
    *,
    status: str,
    include_tenderers: bool,
    kpis: Sequence[Any] = (),
) -> dict[str, Any]:
    goals = sustainability(tender, measures, kpis)
    section: dict[str, Any] = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "status": status,
        "value": _value(tender.estimated_value),
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": (
            f"Price {number(tender.weight_price)}%, quality {number(tender.weight_quality)}%, "
            f"social value {number(tender.weight_social_value)}% (scored as a quality criterion"
            f" under {tender.framework_key})."
        ),
        "tenderPeriod": _compact({"endDate": timestamp(tender.bid_deadline)}),
        "contractPeriod": {
            "startDate": timestamp(tender.contract_start),
            "endDate": timestamp(tender.contract_end),
        },
        "lots": [
            _compact(
                {
                    "id": LOT_ID,
                    "title": tender.title,
                    "status": status,
                    "awardCriteria": {"criteria": award_criteria(tender)},
                }
            )
        ],
        "hasSustainability": bool(goals),
        "sustainability": goals,
    }
    if include_tenderers:
        section["numberOfTenderers"] = len(bids)
        section["tenderers"] = [
            {"id": f"tenderer-{b.label}", "name": b.supplier_name} for b in bids
        ]
    return _compact(section)


def release_package(
    facts: Mapping[str, Any],
    *,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    uri: str = "",
    published: dt.datetime | None = None,
    publisher: str = "socialvalue",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The OCDS release package for one tender (and its award, contract and delivery)."""
    tender = facts["tender"]
    measures = facts.get("measures") or {}
    bids = [b for b in facts.get("bids") or () if getattr(b, "status", "submitted") == "submitted"]
    award = facts.get("award")
    contract = facts.get("contract")
    view = facts.get("view")
    published = published or dt.datetime.now(dt.UTC)
    today = today or published.date()
    ocid = ocid_for(ocid_prefix, tender.reference)
    buyer = {"id": f"buyer-{_slug(tender.buyer)}", "name": tender.buyer}
    awarded = award is not None
    winner = award.bid if awarded else None
    tender_status = {"draft": "planning", "published": "active", "awarded": "complete"}.get(
        tender.status, "cancelled"
    )
    base_date = tender.plan_published_at or tender.created_at
    cancelled = tender.status == "cancelled"
    releases = [
        {
            "ocid": ocid,
            "id": f"{ocid}-tender",
            "date": timestamp((tender.cancelled_at if cancelled else None) or base_date),
            "tag": ["tenderCancellation"] if cancelled else ["tender"],
            "initiationType": "tender",
            "parties": _parties(tender, bids, False, None),
            "buyer": buyer,
            "tender": _tender_section(
                tender,
                measures,
                bids,
                status="cancelled" if cancelled else "active",
                include_tenderers=False,
            ),
        }
    ]
    if cancelled and tender.cancellation_reason:
        releases[0]["tender"]["statusDetails"] = tender.cancellation_reason
    award_section: dict[str, Any] | None = None
    if awarded:
        award_section = _compact(
            {
                "id": f"{tender.reference}-award",
                "title": f"Award of {tender.title}",
                "description": award.rationale,
                "status": "active",
                "date": timestamp(award.decided_at),
                "value": _value(winner.price),
                "suppliers": [{"id": f"tenderer-{winner.label}", "name": winner.supplier_name}],
                "relatedLots": [LOT_ID],
            }
        )
        releases.append(
            {
                "ocid": ocid,
                "id": f"{ocid}-award",
                "date": timestamp(award.decided_at),
                "tag": ["award"],
                "initiationType": "tender",
                "parties": _parties(tender, bids, True, winner),
                "buyer": buyer,
                "tender": _tender_section(
                    tender, measures, bids, status=tender_status, include_tenderers=True
                ),
                "awards": [award_section],
            }
        )
    if contract is not None and view is not None and award_section is not None:
        ended = today > contract.end_date
        contract_section = _compact(
            {
                "id": contract.reference,
                "awardID": award_section["id"],
                "title": contract.title,
                "status": "terminated" if ended else "active",
                "period": {
                    "startDate": timestamp(contract.start_date),
                    "endDate": timestamp(contract.end_date),
                },
                "value": _value(winner.price),
                "dateSigned": timestamp(contract.created_at),
                "implementation": {"milestones": milestones(view, today)},
            }
        )
        modified = [
            line.decided_at
            for r in contract.returns
            for line in r.lines
            if line.decided_at is not None
        ]
        releases.append(
            {
                "ocid": ocid,
                "id": f"{ocid}-contract",
                "date": timestamp(max([contract.created_at, *modified])),
                "tag": ["contract", "implementation"],
                "initiationType": "tender",
                "parties": _parties(tender, bids, True, winner),
                "buyer": buyer,
                "tender": _tender_section(
                    tender,
                    measures,
                    bids,
                    status=tender_status,
                    include_tenderers=True,
                    kpis=contract.kpis,
                ),
                "awards": [award_section],
                "contracts": [contract_section],
            }
        )
    return _compact(
        {
            "uri": uri or f"urn:{ocid}",
            "version": OCDS_VERSION,
            "extensions": list(EXTENSIONS),
            "publishedDate": timestamp(published),
            "publisher": {"name": publisher},
            "releases": releases,
        }
    )


def package_json(package: Mapping[str, Any]) -> str:
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"
