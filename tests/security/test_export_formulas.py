"""Text that a spreadsheet would run as a formula comes out of every CSV/XLSX export inert.

Supplier names, commitment narratives and written answers are typed by suppliers; exported to
CSV or Excel, a cell starting with ``=``, ``+``, ``-`` or ``@`` would be a live formula on the
officer's computer (CSV injection). Every such cell is exported with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from factories import FreshClient, make_s1_tender, make_user, s1_bid_data, sign_in
from payloads import FORMULAS

from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.services import bids as bid_service
from socialvalue.services import tenders as tender_service

pytestmark = pytest.mark.usefixtures("synced_frameworks")
LIVE = ("=", "+", "-", "@", "\t", "\r")


def cells(response: Any, fmt: str) -> list[str]:
    if fmt == "csv":
        rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
        return [cell for row in rows for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    values.append(f"FORMULA:{cell.value}")
                elif isinstance(cell.value, str):
                    values.append(cell.value)
    return values


def test_formulas_typed_by_suppliers_are_exported_inert(app: Any) -> None:
    session = db.session
    officer = make_user(session, Role.OFFICER)
    auditor = make_user(session, Role.AUDITOR)
    tender = make_s1_tender(session, officer, record_bids=False, close=False, commit=False)
    for number, formula in enumerate(FORMULAS):
        data = s1_bid_data(tender, f"{formula} {number}", Decimal(100000 + number), Decimal(3))
        for commitment in data["commitments"].values():
            commitment["narrative"] = formula
        data["responses"] = {key: formula for key in data["responses"]}
        bid_service.record_bid(session, officer, tender, data)
    tender_service.close_bidding(session, officer, tender)
    session.commit()
    client = sign_in(FreshClient(app, app.response_class, use_cookies=True), auditor)
    seen = 0
    for url in (
        f"/tenders/{tender.id}/commitments.csv",
        f"/tenders/{tender.id}/commitments.xlsx",
        f"/tenders/{tender.id}/scores.csv",
        "/audit/events.csv",
        "/audit/events.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        values = cells(response, url.rsplit(".", 1)[-1])
        live = [v for v in values if v.startswith(LIVE) or v.startswith("FORMULA:")]
        assert live == [], (url, live[:5])
        seen += sum(1 for v in values if any(f in v for f in FORMULAS))
    assert seen >= len(FORMULAS) * 2, "the formulas did not reach the exports"
