"""Helpers for the PDF report tests: scenario S1 scored, moderated and (optionally) awarded
through the services, and PDF text/metadata extraction."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))

from evaluation_support import (
    S1_CONSENSUS,
    Scenario,
    build_scenario,
    declare_all,
    submit_scores,
)

from socialvalue.extensions import db
from socialvalue.models import User
from socialvalue.services import evaluation as evaluation_service

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
S1_SUPPLIERS = ("Supplier A Ltd", "Supplier B Ltd", "Supplier C Ltd")


def final_s1(*, award: bool = False, bid_count: int = 3) -> Scenario:
    """S1 with every evaluator's scores submitted and every pair moderated (A 77.00,
    B 87.10, C 76.50); awarded to B when ``award``."""
    scenario = build_scenario(panel_count=1, bid_count=bid_count)
    declare_all(scenario)
    for user in scenario.evaluators:
        submit_scores(scenario, user, S1_CONSENSUS, rationale=f"Rationale by {user.display_name}")
    tender = scenario.tender
    for code, by_bid in S1_CONSENSUS.items():
        for label, value in by_bid.items():
            evaluation_service.record_consensus(
                db.session,
                scenario.officer,
                tender,
                scenario.bids[label],
                scenario.criteria[code],
                score=Decimal(value),
                reason=f"Panel agreed {value} for Bid {label} on {code}",
            )
    if award:
        evaluation_service.award_tender(
            db.session, scenario.officer, tender, rationale="Highest score; clear margin."
        )
    db.session.commit()
    return scenario


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pdftotext when installed, else pypdf), whitespace collapsed."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
    else:
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        out = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(out.split())


def first_page_png(pdf: bytes, name: str) -> Path:
    """Render page 1 to test-artifacts/<name>.png at 60 dpi with pdftoppm."""
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


def client_for(app: Any, user: User | None = None) -> Any:
    from evaluation_support import client_for as views_client_for

    return views_client_for(app, user)


def make_user(role: str, name: str) -> User:
    from evaluation_support import make_user as views_make_user

    return views_make_user(role, name)
