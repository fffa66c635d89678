"""Spreadsheet exports: DataFrames with a fixed column order and human headers, as CSV or XLSX.

Pure functions (no database, no Flask). The data-gathering layer (:mod:`socialvalue.services
.exports`) hands over plain row dicts; these builders put them in a frame whose columns are
always the same, in the same order, whatever the data, and write it out:

* ``to_csv_bytes(df)``: UTF-8 with a byte-order mark (so Excel opens it as UTF-8), ISO dates.
* ``to_xlsx_bytes(df, sheet_name)``: typed cells (numbers are numbers, dates are dates), a bold,
  filled header row that stays frozen when scrolling, and column widths fitted to the content.

Every text cell that a spreadsheet program could read as a formula (it begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is neutralised with a leading ``'`` in BOTH formats,
so a supplier named ``=HYPERLINK(...)`` stays text (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_NAME = 31  # Excel's limit
MIN_WIDTH, MAX_WIDTH = 8, 60
WIDTH_SAMPLE = 2000  # rows looked at to fit column widths
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D70B8")  # GOV.UK blue; white text is 5.2:1
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})

Column = tuple[str, str]  # (row key, human header)

SCORE_COLUMNS: tuple[Column, ...] = (
    ("tender_reference", "Tender reference"),
    ("bid", "Bid"),
    ("supplier", "Supplier"),
    ("criterion", "Criterion"),
    ("criterion_title", "Criterion title"),
    ("group", "Group"),
    ("score_type", "Score type"),
    ("evaluator", "Evaluator"),
    ("evaluator_role", "Evaluator role"),
    ("score", "Score"),
    ("scale_max", "Scale maximum"),
    ("rationale", "Rationale or reason"),
    ("recorded_at", "Recorded at (UTC)"),
    ("counted", "Counted in result"),
)

COMMITMENT_COLUMNS: tuple[Column, ...] = (
    ("tender_reference", "Tender reference"),
    ("bid", "Bid"),
    ("supplier", "Supplier"),
    ("bid_status", "Bid status"),
    ("criterion", "Criterion"),
    ("criterion_title", "Criterion title"),
    ("measure_code", "Framework measure"),
    ("unit", "Unit"),
    ("quantity", "Committed quantity"),
    ("proxy_value_gbp", "Proxy value per unit (GBP)"),
    ("narrative", "How it will be delivered"),
    ("evidence_plan", "Evidence plan"),
)

RETURN_COLUMNS: tuple[Column, ...] = (
    ("contract_reference", "Contract reference"),
    ("supplier", "Supplier"),
    ("period_start", "Period start"),
    ("period_end", "Period end"),
    ("due_on", "Due on"),
    ("submitted_at", "Submitted at (UTC)"),
    ("on_behalf", "Filed by officer on supplier's behalf"),
    ("kpi", "KPI"),
    ("kpi_title", "KPI title"),
    ("measure_code", "Framework measure"),
    ("unit", "Unit"),
    ("reported_quantity", "Reported quantity"),
    ("status", "Verification status"),
    ("decided_at", "Decided at (UTC)"),
    ("query", "Query"),
    ("answer", "Supplier's answer"),
    ("rejection_reason", "Rejection reason"),
)

AUDIT_COLUMNS: tuple[Column, ...] = (
    ("sequence", "Sequence"),
    ("occurred_at", "Occurred at (UTC)"),
    ("actor", "Actor"),
    ("action", "Action"),
    ("entity_type", "Record type"),
    ("entity_id", "Record id"),
    ("tender_id", "Tender id"),
    ("contract_id", "Contract id"),
    ("summary", "Summary"),
    ("before", "Before (JSON)"),
    ("after", "After (JSON)"),
    ("prev_hash", "Previous event hash"),
    ("event_hash", "Event hash"),
)


def neutralise_formula(value: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def frame(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> pd.DataFrame:
    """A frame with exactly ``columns`` (in order, human headers), values kept as given.

    Columns are object-typed so Decimals stay exact Decimals and None stays None (pandas would
    otherwise turn numbers into binary floats and missing values into NaN)."""
    rows = rows if isinstance(rows, list) else list(rows)
    data: dict[str, list[Any]] = {}
    for key, _header in columns:
        values = [row.get(key) for row in rows]
        first = next((v for v in values if v is not None), None)
        # Our builders give each column one type, so only convert columns that need it.
        if isinstance(first, (Fraction, float, dt.datetime)):
            values = [_plain(v) for v in values]
        data[key] = values
    return pd.DataFrame(
        {header: pd.Series(data[key], dtype=object) for key, header in columns},
        columns=[header for _, header in columns],
    )


def scores_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return frame(rows, SCORE_COLUMNS)


def commitments_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return frame(rows, COMMITMENT_COLUMNS)


def returns_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return frame(rows, RETURN_COLUMNS)


def audit_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return frame(rows, AUDIT_COLUMNS)


def _plain(value: Any) -> Any:
    """Values a spreadsheet understands: exact fractions as Decimal, aware times as naive UTC."""
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell neutralised against formula injection."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = pd.Series(
                [neutralise_formula(v) for v in series.tolist()], index=series.index, dtype=object
            )
    return out


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return neutralise_formula(value)


def _csv_column(values: list[Any]) -> list[Any]:
    """A column's CSV text; plain text columns take a fast path (one type per column)."""
    if all(v is None or type(v) is str for v in values):
        starts = FORMULA_PREFIXES
        return ["" if v is None else ("'" + v if v.startswith(starts) else v) for v in values]
    return [_csv_value(v) for v in values]


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM, CRLF line ends per RFC 4180), text cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_value(str(column)) for column in df.columns])
    columns = [_csv_column(df[column].tolist()) for column in df.columns]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        # Excel stores numbers as doubles; keep integers exact and others to full precision.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, (list, dict)):
        return str(value)
    return neutralise_formula(value)


def _xlsx_column(values: list[Any]) -> list[Any]:
    """A column's cell values; plain text columns take a fast path (one type per column)."""
    if all(v is None or type(v) is str for v in values):
        starts = FORMULA_PREFIXES
        return [v if v is None or not v.startswith(starts) else "'" + v for v in values]
    return [_xlsx_value(v) for v in values]


def _display_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def column_widths(df: pd.DataFrame) -> list[int]:
    """Widths fitted to the header and the first rows' content, within sensible bounds."""
    widths = []
    for column in df.columns:
        sample = df[column].iloc[:WIDTH_SAMPLE].tolist()
        longest = max([len(str(column))] + [_display_length(v) + 1 for v in sample])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    return widths


def safe_sheet_name(name: str) -> str:
    cleaned = name.translate(INVALID_SHEET_CHARS).strip().strip("'") or "Sheet1"
    return cleaned[:MAX_SHEET_NAME]


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str) -> bytes:
    """One worksheet: bold filled header, frozen header row, fitted widths, typed cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_sheet_name(sheet_name))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(column_widths(df), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for column in df.columns:
        cell = WriteOnlyCell(sheet, value=neutralise_formula(str(column)))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)
    # openpyxl gives date and datetime cells a date number format (yyyy-mm-dd, and
    # yyyy-mm-dd h:mm:ss) by itself, so values are appended as they are.
    columns = [_xlsx_column(df[column].tolist()) for column in df.columns]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
