"""Downloads for officers, admins and auditors: spreadsheets (CSV/XLSX), the engine bundle, OCDS
release packages and the audit log. Read-only; every route checks role and assignment through
services.access; the data comes from services.exports, the files from socialvalue.exports."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from flask import Blueprint, Response, abort, current_app, request, url_for

from socialvalue.exports import ocds, tables
from socialvalue.extensions import db
from socialvalue.models.contract import Contract
from socialvalue.models.user import Role
from socialvalue.services import contracts as contract_service
from socialvalue.services import exports as export_service
from socialvalue.services.access import Action, ContractAction, contract_access
from socialvalue.views.support import acting_user, roles_required, tender_with_access

bp = Blueprint("exports", __name__)

READERS = (Role.ADMIN, Role.OFFICER, Role.AUDITOR)
FORMATS = "any(csv, xlsx)"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_TYPE = "application/json; charset=utf-8"


def _filename(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts)).strip("-") or "export"


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Scores, supplier details and the audit log are not for shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def _spreadsheet(df: pd.DataFrame, fmt: str, sheet: str, *name: str) -> Response:
    if fmt == "xlsx":
        return _download(tables.to_xlsx_bytes(df, sheet), XLSX_TYPE, _filename(*name) + ".xlsx")
    return _download(tables.to_csv_bytes(df), CSV_TYPE, _filename(*name) + ".csv")


def _contract(contract_id: int, action: ContractAction) -> Contract:
    contract = contract_service.get_contract(db.session, contract_id)
    if contract is None:
        abort(404)
    reason = contract_access(db.session, acting_user(), contract).why_not(action)
    if reason is not None:
        abort(403, description=reason)
    return contract


def _ocid_prefix() -> str:
    return str(current_app.config.get("OCID_PREFIX") or ocds.DEFAULT_OCID_PREFIX)


def _ocds_response(tender: Any, uri: str) -> Response:
    facts = export_service.ocds_facts(db.session, tender)
    package = ocds.release_package(
        facts,
        ocid_prefix=_ocid_prefix(),
        uri=uri,
        publisher=tender.buyer,
        published=dt.datetime.now(dt.UTC),
    )
    return _download(
        ocds.package_json(package), JSON_TYPE, _filename(tender.reference, "ocds") + ".json"
    )


@bp.get(f"/tenders/<int:tender_id>/scores.<{FORMATS}:fmt>")
@roles_required(*READERS)
def tender_scores(tender_id: int, fmt: str) -> Response:
    tender, access = tender_with_access(tender_id, Action.VIEW_HISTORY)
    access_reason = access.why_not(Action.VIEW_RESULT)
    if access_reason is not None:
        abort(403, description=access_reason)
    df = tables.scores_frame(export_service.score_rows(db.session, tender))
    return _spreadsheet(df, fmt, "Scores", tender.reference, "scores")


@bp.get(f"/tenders/<int:tender_id>/commitments.<{FORMATS}:fmt>")
@roles_required(*READERS)
def tender_commitments(tender_id: int, fmt: str) -> Response:
    tender, access = tender_with_access(tender_id, Action.VIEW_HISTORY)
    access_reason = access.why_not(Action.VIEW_BIDS)
    if access_reason is not None:
        abort(403, description=access_reason)
    df = tables.commitments_frame(export_service.commitment_rows(db.session, tender))
    return _spreadsheet(df, fmt, "Commitments", tender.reference, "commitments")


@bp.get("/tenders/<int:tender_id>/bundle.json")
@roles_required(*READERS)
def tender_bundle(tender_id: int) -> Response:
    tender, access = tender_with_access(tender_id, Action.VIEW_HISTORY)
    access_reason = access.why_not(Action.VIEW_RESULT)
    if access_reason is not None:
        abort(403, description=access_reason)
    body = export_service.bundle_json(db.session, tender)
    return _download(body, JSON_TYPE, _filename(tender.reference, "bundle") + ".json")


@bp.get("/tenders/<int:tender_id>/ocds.json")
@roles_required(*READERS)
def tender_ocds(tender_id: int) -> Response:
    tender, _access = tender_with_access(tender_id, Action.VIEW_HISTORY)
    return _ocds_response(
        tender, url_for("exports.tender_ocds", tender_id=tender.id, _external=True)
    )


@bp.get(f"/contracts/<int:contract_id>/returns.<{FORMATS}:fmt>")
@roles_required(*READERS)
def contract_returns(contract_id: int, fmt: str) -> Response:
    contract = _contract(contract_id, ContractAction.VIEW_HISTORY)
    df = tables.returns_frame(export_service.return_rows(db.session, contract))
    return _spreadsheet(df, fmt, "Delivery returns", contract.reference, "returns")


@bp.get("/contracts/<int:contract_id>/ocds.json")
@roles_required(*READERS)
def contract_ocds(contract_id: int) -> Response:
    contract = _contract(contract_id, ContractAction.VIEW_HISTORY)
    tender, _access = tender_with_access(contract.tender_id, Action.VIEW_HISTORY)
    return _ocds_response(
        tender, url_for("exports.contract_ocds", contract_id=contract.id, _external=True)
    )


def _filter_id(name: str) -> int | None:
    """An id filter from the query string: absent -> None; not a valid id -> 404."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not contract_service.valid_id(int(raw)):
        abort(404)
    return int(raw)


@bp.get(f"/audit/events.<{FORMATS}:fmt>")
@roles_required(*READERS)
def audit_events(fmt: str) -> Response:
    """The hash-chained audit log, in chain order, with each event's hash and its predecessor's;
    ``?tender=<id>`` or ``?contract=<id>`` narrows it to one tender or contract."""
    tender_id, contract_id = _filter_id("tender"), _filter_id("contract")
    name = ["audit-log"]
    if tender_id is not None:
        tender, _access = tender_with_access(tender_id, Action.VIEW_HISTORY)
        name.append(tender.reference)
    if contract_id is not None:
        contract = _contract(contract_id, ContractAction.VIEW_HISTORY)
        name.append(contract.reference)
    rows = export_service.audit_rows(db.session, tender_id=tender_id, contract_id=contract_id)
    return _spreadsheet(tables.audit_frame(rows), fmt, "Audit log", *name)
