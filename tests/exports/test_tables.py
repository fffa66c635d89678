"""Spreadsheet exports: fixed columns, typed XLSX cells read back, frozen formatted header, fitted
widths, and formula injection neutralised in both CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pandas as pd
import pytest

from socialvalue.exports import tables

EVIL = '=HYPERLINK("http://evil.example","x")'


def sample_rows() -> list[dict[str, Any]]:
    return [
        {
            "contract_reference": "GM-S4-0001",
            "supplier": EVIL,
            "period_start": dt.date(2026, 4, 1),
            "period_end": dt.date(2026, 9, 30),
            "due_on": dt.date(2026, 10, 20),
            "submitted_at": dt.datetime(2026, 10, 5, 14, 30, 0, tzinfo=dt.UTC),
            "on_behalf": False,
            "kpi": "SV1",
            "kpi_title": "Local employment",
            "measure_code": "GMSVF-P3-LOCAL-EMPLOYMENT",
            "unit": "FTE-years",
            "reported_quantity": Decimal("1.5"),
            "status": "Verified",
            "decided_at": None,
            "query": "-1 less than promised",
            "answer": "@SUM(A1:A2)",
            "rejection_reason": "\tTabbed",
        },
        {
            "contract_reference": "GM-S4-0001",
            "supplier": "Northern Facilities Ltd",
            "period_start": dt.date(2026, 4, 1),
            "period_end": dt.date(2026, 9, 30),
            "due_on": dt.date(2026, 10, 20),
            "submitted_at": dt.datetime(2026, 10, 5, 14, 30, 0, tzinfo=dt.UTC),
            "on_behalf": True,
            "kpi": "SV3",
            "kpi_title": "Spend with VCSE organisations",
            "measure_code": "GMSVF-P4-VCSE-SPEND",
            "unit": "GBP",
            "reported_quantity": Decimal(5000),
            "status": "Awaiting verification",
            "decided_at": None,
            "query": "",
            "answer": "+44 161 000 0000",
            "rejection_reason": "\rCarriage",
        },
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain text", "Plain text"),
        ("", ""),
        ("a=b", "a=b"),
        (Decimal("-1"), Decimal("-1")),  # numbers are not text: left as numbers
        (None, None),
    ],
)
def test_neutralise_formula(value: Any, expected: Any) -> None:
    assert tables.neutralise_formula(value) == expected


def test_frames_have_fixed_columns_and_human_headers() -> None:
    df = tables.returns_frame(sample_rows())
    assert list(df.columns) == [header for _, header in tables.RETURN_COLUMNS]
    assert df.iloc[0]["Reported quantity"] == Decimal("1.5")  # exact, not a float
    # Submitted times are kept as naive UTC.
    assert df.iloc[0]["Submitted at (UTC)"] == dt.datetime(2026, 10, 5, 14, 30)
    empty = tables.scores_frame([])
    assert list(empty.columns) == [header for _, header in tables.SCORE_COLUMNS]
    assert len(empty) == 0
    for columns in (tables.COMMITMENT_COLUMNS, tables.AUDIT_COLUMNS):
        assert len({key for key, _ in columns}) == len(columns)


def test_xlsx_reads_back_typed_with_frozen_formatted_header() -> None:
    df = tables.returns_frame(sample_rows())
    data = tables.to_xlsx_bytes(df, "Delivery returns")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Delivery returns"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == list(df.columns)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb.endswith("1D70B8")
    assert sheet.max_row == 3
    first = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    second = {h: c.value for h, c in zip(header, sheet[3], strict=True)}
    # Numbers are numbers, dates are dates, datetimes are datetimes.
    assert first["Reported quantity"] == 1.5
    assert sheet.cell(row=2, column=header.index("Reported quantity") + 1).data_type == "n"
    assert second["Reported quantity"] == 5000
    assert first["Period end"] == dt.datetime(2026, 9, 30)
    assert sheet.cell(row=2, column=header.index("Period end") + 1).is_date
    assert sheet.cell(row=2, column=header.index("Period end") + 1).number_format == "yyyy-mm-dd"
    assert first["Submitted at (UTC)"] == dt.datetime(2026, 10, 5, 14, 30)
    assert first["Decided at (UTC)"] is None
    assert first["Filed by officer on supplier's behalf"] == "No"
    assert second["Filed by officer on supplier's behalf"] == "Yes"
    # Every text cell that could run as a formula comes back as text starting with '.
    assert first["Supplier"] == "'" + EVIL
    assert first["Query"] == "'-1 less than promised"
    assert first["Supplier's answer"] == "'@SUM(A1:A2)"
    assert first["Rejection reason"] == "'\tTabbed"
    assert second["Supplier's answer"] == "'+44 161 000 0000"
    # XML stores a carriage return as a line feed; the cell still starts with '.
    assert second["Rejection reason"] in ("'\rCarriage", "'\nCarriage")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Column widths fitted to the content, within bounds.
    widths = {
        h: sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
        for i, h in enumerate(header)
    }
    assert widths["KPI"] == tables.MIN_WIDTH
    assert widths["Framework measure"] >= len("GMSVF-P3-LOCAL-EMPLOYMENT")
    assert all(tables.MIN_WIDTH <= w <= tables.MAX_WIDTH for w in widths.values())
    # pandas reads the same table back.
    back = pd.read_excel(io.BytesIO(data), sheet_name="Delivery returns")
    assert list(back.columns) == list(df.columns)
    assert back["Reported quantity"].tolist() == [1.5, 5000]
    assert back["KPI"].tolist() == ["SV1", "SV3"]


def test_csv_reads_back_with_injection_neutralised() -> None:
    df = tables.returns_frame(sample_rows())
    data = tables.to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, first, second = rows
    assert header == list(df.columns)
    record = dict(zip(header, first, strict=True))
    assert record["Supplier"] == "'" + EVIL
    assert record["Query"] == "'-1 less than promised"
    assert record["Supplier's answer"] == "'@SUM(A1:A2)"
    assert record["Rejection reason"] == "'\tTabbed"
    assert record["Reported quantity"] == "1.5"
    assert record["Period end"] == "2026-09-30"
    assert record["Submitted at (UTC)"] == "2026-10-05 14:30:00"
    assert record["Decided at (UTC)"] == ""
    assert record["Filed by officer on supplier's behalf"] == "No"
    assert dict(zip(header, second, strict=True))["Rejection reason"] == "'\rCarriage"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(tables.FORMULA_PREFIXES), cell


def test_headers_and_sheet_names_are_safe() -> None:
    df = pd.DataFrame({"=bad header": ["x"]})
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(df, "A/B: [very] long name*?")))
    assert book.sheetnames == ["A B   very  long name"]
    assert book.active["A1"].value == "'=bad header"
    assert tables.safe_sheet_name("x" * 40) == "x" * 31


def test_large_numbers_and_exact_integers() -> None:
    df = tables.commitments_frame(
        [{"quantity": Decimal("123456789012"), "proxy_value_gbp": Decimal("0.000001")}]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(df, "C"))).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("Committed quantity") + 1).value == 123456789012
    assert sheet.cell(row=2, column=header.index("Proxy value per unit (GBP)") + 1).value == 1e-06
