"""Read-only framework library pages: versions, their priorities and measures, and diffs."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template, request

from socialvalue import framework_registry as registry
from socialvalue.extensions import db
from socialvalue.services.frameworks import (
    as_registry_version,
    get_framework_version,
    list_framework_versions,
)

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.get("/")
def index() -> str:
    versions = list_framework_versions(db.session)
    grouped = [
        (framework_id, list(rows))
        for framework_id, rows in groupby(versions, key=lambda row: row.framework_id)
    ]
    return render_template("frameworks/index.html", grouped=grouped, page_title="Framework library")


@bp.get("/<framework_id>/<version>/")
def show(framework_id: str, version: str) -> str:
    row = get_framework_version(db.session, framework_id, version)
    if row is None:
        abort(404)
    siblings = [v for v in list_framework_versions(db.session) if v.framework_id == framework_id]
    return render_template(
        "frameworks/show.html",
        version=row,
        framework=as_registry_version(row),
        siblings=siblings,
        page_title=f"{row.title} ({row.version})",
    )


@bp.get("/<framework_id>/diff")
def diff(framework_id: str) -> str:
    siblings = [v for v in list_framework_versions(db.session) if v.framework_id == framework_id]
    if not siblings:
        abort(404)
    old_version = request.args.get("from", "")
    new_version = request.args.get("to", "")
    errors: dict[str, list[str]] = {}
    result = None
    old = new = None
    if old_version or new_version:
        known = {v.version: v for v in siblings}
        old, new = known.get(old_version), known.get(new_version)
        if old is None:
            errors["from"] = ["Select the version to compare from"]
        if new is None:
            errors["to"] = ["Select the version to compare to"]
        if old is not None and new is not None:
            if old.version == new.version:
                errors["to"] = ["Select two different versions"]
            else:
                result = registry.diff_versions(as_registry_version(old), as_registry_version(new))
    return render_template(
        "frameworks/diff.html",
        framework_id=framework_id,
        siblings=siblings,
        version_options=[{"value": "", "text": "Choose a version"}]
        + [{"value": v.version, "text": f"{v.version} ({v.status})"} for v in siblings],
        old=old,
        new=new,
        result=result,
        errors=errors,
        selected_from=old_version,
        selected_to=new_version,
        page_title=f"Compare versions of {siblings[0].title}",
    )
