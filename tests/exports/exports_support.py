"""Helpers for the export tests: S1 scored and moderated through the services (optionally with
the S1 suppliers renamed, e.g. to a formula-injection attempt), and the OCDS schema validator."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))

from evaluation_support import (
    S1_CONSENSUS,
    Scenario,
    build_scenario,
    declare_all,
    submit_scores,
)
from factories import S1_BIDS

from socialvalue.extensions import db
from socialvalue.services import evaluation as evaluation_service

EVIL = '=HYPERLINK("http://evil.example","x")'
SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "ocds"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def moderated_s1(*, award: bool = False, suppliers: tuple[str, ...] = ()) -> Scenario:
    """S1 with every evaluator's scores submitted and every pair moderated (A 77.00, B 87.10,
    C 76.50); awarded to B when ``award``. ``suppliers`` renames the bidders in order."""
    rows = [
        (suppliers[n] if n < len(suppliers) else name, price, quantity)
        for n, (name, price, quantity) in enumerate(S1_BIDS)
    ]
    scenario = build_scenario(panel_count=1, bid_rows=rows)
    declare_all(scenario)
    for user in scenario.evaluators:
        submit_scores(scenario, user, S1_CONSENSUS, rationale=f"Rationale by {user.display_name}")
    for code, by_bid in S1_CONSENSUS.items():
        for label, value in by_bid.items():
            evaluation_service.record_consensus(
                db.session,
                scenario.officer,
                scenario.tender,
                scenario.bids[label],
                scenario.criteria[code],
                score=Decimal(value),
                reason=f"Panel agreed {value} for Bid {label} on {code}",
            )
    if award:
        evaluation_service.award_tender(
            db.session, scenario.officer, scenario.tender, rationale="Highest score; clear margin."
        )
    db.session.commit()
    return scenario


@cache
def ocds_validator() -> Any:
    """A Draft 4 validator (with format checks) for the official OCDS release package schema,
    its release items resolved to the official release schema, all from local files."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package = json.loads((SCHEMAS / "release-package-schema-1__1__5.json").read_text())
    release = json.loads((SCHEMAS / "release-schema-1__1__4.json").read_text())
    registry = Registry().with_resources(
        [
            (RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4)),
            (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
            (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
        ]
    )
    Draft4Validator.check_schema(package)
    Draft4Validator.check_schema(release)
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def ocds_errors(package: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in ocds_validator().iter_errors(package)
    ]
