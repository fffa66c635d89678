"""Start page and service information pages."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    return render_template("main/home.html", page_title="Social value in procurement")


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("main/accessibility.html", page_title="Accessibility statement")


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    from socialvalue.extensions import db

    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}, 200
