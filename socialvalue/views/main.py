"""Start page and service information pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
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


@bp.get("/healthz/db")
def healthz_db() -> tuple[dict[str, Any], int]:
    """Readiness probe that reads one real row: the first framework version in the library.

    It goes through the whole stack (gunicorn, Flask, SQLAlchemy's pool, PostgreSQL) and needs
    no session, so load balancers can use it; it shows only what the public framework pages
    show. ``benchmarks/bench_load.py`` uses it as the baseline for the load benchmark.
    """
    from socialvalue.extensions import db
    from socialvalue.models import FrameworkVersion

    row = db.session.execute(
        sa.select(
            FrameworkVersion.id,
            FrameworkVersion.framework_id,
            FrameworkVersion.version,
            FrameworkVersion.content_hash,
        )
        .order_by(FrameworkVersion.id)
        .limit(1)
    ).first()
    framework = None
    if row is not None:
        framework = {
            "id": row.id,
            "key": f"{row.framework_id}@{row.version}",
            "content_hash": row.content_hash,
        }
    return {"status": "ok", "framework": framework}, 200
