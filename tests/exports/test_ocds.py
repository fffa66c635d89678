"""OCDS release packages: validated with jsonschema against the official OCDS 1.1 release
package and release schemas (shipped in PyPI packages, see fixtures/ocds/README.md), and
checked for the award criteria breakdown, sustainability goals and KPI milestones."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from contract_support import TODAY, build_s4, file_s4_return
from exports_support import moderated_s1, ocds_errors

from socialvalue.exports import ocds
from socialvalue.extensions import db
from socialvalue.services import exports as export_service
from socialvalue.services.tenders import get_tender

pytestmark = pytest.mark.usefixtures("synced_frameworks")
PUBLISHED = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def package_for(tender: Any, today: dt.date = TODAY, prefix: str = "ocds-test01") -> dict:
    facts = export_service.ocds_facts(db.session, tender, today)
    package = ocds.release_package(
        facts,
        ocid_prefix=prefix,
        uri="https://example.org/ocds.json",
        published=PUBLISHED,
        today=today,
    )
    # What is served is the JSON text: validate exactly that.
    return json.loads(ocds.package_json(package))


def s4_package(*, verify: bool = True, values: dict[str, Decimal] | None = None) -> dict:
    s4 = build_s4()
    file_s4_return(s4, verify=verify, values=values)
    tender = get_tender(db.session, s4.contract.tender_id)
    return package_for(tender)


def test_tender_package_in_evaluation_is_valid_and_has_weights_and_goals(app: Any) -> None:
    scenario = moderated_s1()
    package = package_for(scenario.tender)
    assert ocds_errors(package) == []
    assert package["version"] == "1.1"
    assert len(package["extensions"]) == 3
    assert all(url.endswith("/extension.json") for url in package["extensions"])
    [release] = package["releases"]
    assert release["tag"] == ["tender"]
    assert release["ocid"] == f"ocds-test01-{scenario.tender.reference}"
    tender = release["tender"]
    assert tender["awardCriteria"] == "ratedCriteria"
    criteria = tender["lots"][0]["awardCriteria"]["criteria"]
    assert [(c["type"], c["name"], c["numbers"]) for c in criteria] == [
        ("price", "Price", [{"number": 40, "weight": "percentageExact"}]),
        ("quality", "Quality", [{"number": 40, "weight": "percentageExact"}]),
        ("quality", "Social value", [{"number": 20, "weight": "percentageExact"}]),
    ]
    assert "SV1" in criteria[2]["description"]
    assert tender["hasSustainability"] is True
    goals = {item["goal"]: item["strategies"] for item in tender["sustainability"]}
    # S1's SV2 is GMSVF-P3-LOCAL-EMPLOYMENT, a quantitative commitment.
    assert goals["economic.formalEmploymentPromotion"] == [
        "awardCriteria",
        "contractPerformanceConditions",
    ]
    # No bidder is named before the award.
    assert "Supplier A Ltd" not in json.dumps(release)


def test_awarded_contract_package_has_award_contract_and_kpi_milestones(app: Any) -> None:
    package = s4_package()
    assert ocds_errors(package) == []
    tags = [r["tag"] for r in package["releases"]]
    assert tags == [["tender"], ["award"], ["contract", "implementation"]]
    ids = [r["id"] for r in package["releases"]]
    assert len(set(ids)) == 3
    final = package["releases"][-1]
    award = final["awards"][0]
    assert award["suppliers"][0]["name"] == "Northern Facilities Ltd"
    assert award["value"] == {"amount": 240000, "currency": "GBP"}
    tenderers = {p["name"]: p["roles"] for p in final["parties"]}
    assert tenderers["Northern Facilities Ltd"] == ["tenderer", "supplier"]
    assert tenderers["Pennine Property Care plc"] == ["tenderer"]
    criteria = final["tender"]["lots"][0]["awardCriteria"]["criteria"]
    # S4 weighs price 60 and social value 40; a zero-weighted quality group is left out.
    assert [(c["name"], c["numbers"][0]["number"]) for c in criteria] == [
        ("Price", 60),
        ("Social value", 40),
    ]
    goals = {g["goal"] for g in final["tender"]["sustainability"]}
    assert {
        "economic.formalEmploymentPromotion",
        "social.disadvantagedEmploymentOpportunities",
        "economic.localEconomyPromotion",
    } <= goals
    contract = final["contracts"][0]
    assert contract["awardID"] == award["id"]
    milestones = {m["code"]: m for m in contract["implementation"]["milestones"]}
    assert set(milestones) == {
        "GMSVF-P3-LOCAL-EMPLOYMENT",
        "GMSVF-P3-APPRENTICESHIPS",
        "GMSVF-P4-VCSE-SPEND",
    }
    for milestone in milestones.values():
        assert milestone["type"] == "delivery"
        # Something verified, the whole promise not yet delivered, the contract running.
        assert milestone["status"] == "partiallyMet"
        assert "dateModified" in milestone
        assert "dateMet" not in milestone
    assert (
        "Committed 8 FTE-years; verified delivered 1.5 FTE-years"
        in (milestones["GMSVF-P3-LOCAL-EMPLOYMENT"]["description"])
    )


def test_unverified_figures_leave_milestones_scheduled(app: Any) -> None:
    package = s4_package(verify=False)
    assert ocds_errors(package) == []
    milestones = package["releases"][-1]["contracts"][0]["implementation"]["milestones"]
    assert {m["status"] for m in milestones} == {"scheduled"}
    assert all("dateModified" not in m for m in milestones)


def test_whole_commitment_delivered_is_met_with_date(app: Any) -> None:
    package = s4_package(
        values={
            "GMSVF-P3-LOCAL-EMPLOYMENT": Decimal(8),
            "GMSVF-P3-APPRENTICESHIPS": Decimal(1),
            "GMSVF-P4-VCSE-SPEND": Decimal(0),
        }
    )
    assert ocds_errors(package) == []
    milestones = {
        m["code"]: m
        for m in package["releases"][-1]["contracts"][0]["implementation"]["milestones"]
    }
    assert milestones["GMSVF-P3-LOCAL-EMPLOYMENT"]["status"] == "met"
    assert milestones["GMSVF-P3-LOCAL-EMPLOYMENT"]["dateMet"].endswith("Z")
    assert milestones["GMSVF-P3-APPRENTICESHIPS"]["status"] == "partiallyMet"
    assert milestones["GMSVF-P4-VCSE-SPEND"]["status"] == "scheduled"


def test_after_the_contract_ends_shortfalls_are_not_met(app: Any) -> None:
    s4 = build_s4()
    file_s4_return(
        s4,
        values={
            "GMSVF-P3-LOCAL-EMPLOYMENT": Decimal(1),
            "GMSVF-P3-APPRENTICESHIPS": Decimal(0),
            "GMSVF-P4-VCSE-SPEND": Decimal(0),
        },
    )
    contract = s4.contract
    after_end = contract.end_date + dt.timedelta(days=1)
    package = package_for(get_tender(db.session, contract.tender_id), today=after_end)
    assert ocds_errors(package) == []
    final = package["releases"][-1]["contracts"][0]
    assert final["status"] == "terminated"
    statuses = {m["code"]: m["status"] for m in final["implementation"]["milestones"]}
    assert statuses == {
        "GMSVF-P3-LOCAL-EMPLOYMENT": "partiallyMet",
        "GMSVF-P3-APPRENTICESHIPS": "notMet",
        "GMSVF-P4-VCSE-SPEND": "notMet",
    }


def test_a_broken_package_fails_validation(app: Any) -> None:
    package = s4_package()
    assert ocds_errors(package) == []
    broken = copy.deepcopy(package)
    del broken["releases"][0]["ocid"]  # required
    broken["releases"][1]["tag"] = ["awarded"]  # not in the closed releaseTag codelist
    broken["releases"][2]["contracts"][0]["implementation"]["milestones"][0]["status"] = "done"
    broken["publishedDate"] = "22/11/2026"  # not a date-time
    errors = ocds_errors(broken)
    assert len(errors) >= 4, errors
    assert any("'ocid' is a required property" in e for e in errors)
    assert any("releases/1/tag/0" in e for e in errors)
    assert any("milestones/0/status" in e for e in errors)
    assert any(e.startswith("publishedDate") for e in errors)


@pytest.mark.parametrize(
    ("measure", "theme", "goal"),
    [
        ("GEC-SUPPORTER-OR-MEMBER", None, "social.laborRightsPromotion"),
        ("GMSVF-P1-REAL-LIVING-WAGE-SHARE", "GMSVF-P1", "social.laborRightsPromotion"),
        ("GMSVF-P3-LOCAL-EMPLOYMENT", "GMSVF-P3", "economic.formalEmploymentPromotion"),
        ("GMSVF-P3-APPRENTICESHIPS", "GMSVF-P3", "social.disadvantagedEmploymentOpportunities"),
        ("GMSVF-P4-VCSE-SPEND", "GMSVF-P4", "economic.localEconomyPromotion"),
        ("GMSVF-P6-GM-SME-SPEND", "GMSVF-P6", "social.smeInclusion"),
        ("GMSVF-P6-GM-SUPPLIER-SPEND", "GMSVF-P6", "economic.localEconomyPromotion"),
        ("GMSVF-P2-CAR-MILES-AVOIDED", "GMSVF-P2", "environmental.carbonEmissionsReduction"),
        ("GMSVF-P5-CARBON-REDUCTION", "GMSVF-P5", "environmental.climateChangeMitigation"),
        ("PPN0620-ENVIRONMENT-RESPONSE", None, "environmental.climateChangeMitigation"),
        ("GMSVF-X-DELIVERY-PLAN", "GMSVF-X", "social"),
        (None, None, "social"),
    ],
)
def test_framework_measures_map_to_sustainability_goals(
    measure: str | None, theme: str | None, goal: str
) -> None:
    assert ocds.sustainability_goal(measure, theme) == goal


def test_ocid_prefix_and_numbers() -> None:
    assert ocds.ocid_for("ocds-abc123", "GM 2026/001") == "ocds-abc123-GM-2026-001"
    assert ocds.number(Decimal("40.00")) == 40
    assert ocds.number(Decimal("12.5")) == 12.5
    assert ocds.timestamp(dt.date(2026, 4, 1)) == "2026-04-01T00:00:00Z"
    assert ocds.milestone_status(Decimal(8), Decimal(8), ended=False) == "met"
