"""Bulk import of delivery returns from a CSV or Excel (.xlsx) file, all or nothing.

One row per contract, period and KPI, with the columns::

    contract_reference, period_end, kpi_code, quantity[, narrative]

``period_end`` is the last day of a reporting period (2026-09-30 or 30/09/2026); ``kpi_code`` is
the KPI's criterion code (SV1) or its framework measure code (GMSVF-P3-LOCAL-EMPLOYMENT). Every
row is checked and the report lists every bad row with its row number (as a spreadsheet shows
it, the header being row 1) and why. Nothing is saved unless every row is valid; then the rows
of each contract and period become one return, recorded by the officer on the supplier's
behalf.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue import delivery
from socialvalue.models.contract import Contract, DeliveryReturn, Kpi
from socialvalue.models.user import Role, User
from socialvalue.services import contracts as contract_service
from socialvalue.services import evidence
from socialvalue.services.audit import record_event
from socialvalue.services.errors import DomainError, NotPermitted

REQUIRED = ("contract_reference", "period_end", "kpi_code", "quantity")
OPTIONAL = ("narrative",)
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: about the whole file
    message: str


@dataclass
class ImportReport:
    filename: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    returns: list[DeliveryReturn] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int | None, message: str) -> None:
        self.errors.append(RowError(row, message))


def _column_name(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_rows(filename: str, data: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """The file's rows as text ({column: value}), or the reasons the file cannot be read."""
    import pandas as pd

    if not data:
        return [], ["The file is empty"]
    if len(data) > MAX_BYTES:
        return [], [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it up"]
    kind = evidence.sniff(data)
    try:
        if kind == "text/csv":
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=True,
            )
        elif kind == XLSX:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
            frame = frame.fillna("")
        else:
            return [], [
                "Upload a CSV or Excel (.xlsx) file. The type is checked from the file's "
                "content, not its name"
            ]
    except Exception as error:  # pandas raises many types for unreadable files
        return [], [f"The file could not be read as a table: {str(error)[:200]}"]
    frame.columns = [_column_name(c) for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return [], [
            "The file has no column called " + ", ".join(missing) + ". The first row must name "
            "the columns: " + ", ".join(REQUIRED) + " and, optionally, narrative"
        ]
    if len(frame) > MAX_ROWS:
        return [], [f"The file has {len(frame):,} rows: import at most {MAX_ROWS:,} at a time"]
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append({key: str(record.get(key, "") or "").strip() for key in (*REQUIRED, *OPTIONAL)})
    if not rows:
        return [], ["The file has a header row but no returns"]
    return rows, []


def import_returns(
    session: Session,
    actor: User,
    *,
    filename: str,
    data: bytes,
    upload_dir: str,
    today: dt.date | None = None,
) -> ImportReport:
    """Check every row; when all are valid, record the returns (on the supplier's behalf)."""
    if not actor.has_role(Role.ADMIN, Role.OFFICER):
        raise NotPermitted("Only procurement officers can import returns")
    report = ImportReport(filename=filename)
    rows, problems = read_rows(filename, data)
    for problem in problems:
        report.add(None, problem)
    if problems:
        return report
    report.rows = len(rows)
    today = today or contract_service.today_utc()
    references = {row["contract_reference"] for row in rows if row["contract_reference"]}
    contracts = {
        c.reference: c
        for c in session.execute(
            sa.select(Contract)
            .where(Contract.reference.in_(references))
            .options(selectinload(Contract.kpis).selectinload(Kpi.milestones))
        ).scalars()
    }
    existing = {
        (contract_id, period_end)
        for contract_id, period_end in session.execute(
            sa.select(DeliveryReturn.contract_id, DeliveryReturn.period_end).where(
                DeliveryReturn.contract_id.in_([c.id for c in contracts.values()])
            )
        )
    }
    seen: dict[tuple[str, dt.date, int], int] = {}
    # Returns with a bad row are not also reported as incomplete (one message per problem).
    failed: set[tuple[str, dt.date]] = set()
    groups: dict[tuple[str, dt.date], dict[str, Any]] = {}
    for index, row in enumerate(rows):
        number = index + 2  # the header is row 1
        reference = row["contract_reference"]
        contract = contracts.get(reference)
        if not reference:
            report.add(number, "The contract reference is missing")
            continue
        if contract is None:
            report.add(number, f"There is no contract with the reference {reference}")
            continue
        period_end = parse_date(row["period_end"]) if row["period_end"] else None
        if period_end is None:
            report.add(
                number,
                "The period end is missing or not a date: write it as 2026-09-30 or 30/09/2026",
            )
            continue
        period = delivery.period_ending(contract_service.periods(contract), period_end)
        if period is None:
            report.add(
                number,
                f"{period_end:%d %B %Y} is not the end of a reporting period of {reference}: "
                "choose a period within the contract term "
                f"({contract_service.term_text(contract)})",
            )
            continue
        if not period.has_ended(today):
            report.add(number, f"The period {period.label()} has not ended yet")
            continue
        if (contract.id, period.end) in existing:
            report.add(
                number,
                f"A return for {reference}, {period.label()} has already been filed: there is "
                "one return per period",
            )
            continue
        code = row["kpi_code"]
        kpi = next(
            (k for k in contract.kpis if code and code in (k.criterion_code, k.measure_code)),
            None,
        )
        if kpi is None:
            codes = ", ".join(k.criterion_code for k in contract.kpis)
            report.add(number, f"{reference} has no KPI {code or '(blank)'}: use one of {codes}")
            failed.add((reference, period.end))
            continue
        try:
            quantity = contract_service.parse_quantity(
                row["quantity"], f"The quantity for {kpi.criterion_code}"
            )
        except DomainError as error:
            report.add(number, error.message)
            failed.add((reference, period.end))
            continue
        key = (reference, period.end, kpi.id)
        if key in seen:
            report.add(
                number,
                f"{kpi.criterion_code} for {reference}, {period.label()} is already on row "
                f"{seen[key]}: give each KPI one row per period",
            )
            failed.add((reference, period.end))
            continue
        seen[key] = number
        group = groups.setdefault(
            (reference, period.end),
            {"contract": contract, "first_row": number, "quantities": {}, "narratives": []},
        )
        group["quantities"][kpi.id] = quantity
        if row["narrative"]:
            group["narratives"].append(row["narrative"])
    for (reference, period_end), group in groups.items():
        contract = group["contract"]
        if (reference, period_end) in failed:
            continue
        missing = [k.criterion_code for k in contract.kpis if k.id not in group["quantities"]]
        if missing:
            report.add(
                group["first_row"],
                f"The return for {reference} to {period_end:%d %B %Y} has no row for "
                + ", ".join(missing)
                + ": a return needs a quantity for every KPI (0 if nothing was delivered)",
            )
    if report.errors:
        report.errors.sort(key=lambda e: e.row or 0)
        return report
    # Every contract's lock up front, in id order: recording one return takes the audit chain's
    # lock, and a contract locked after that could deadlock with someone verifying its figures.
    contract_service.lock_contracts(session, [group["contract"] for group in groups.values()])
    for (_reference, period_end), group in groups.items():
        report.returns.append(
            contract_service.record_return(
                session,
                actor,
                group["contract"],
                period_end=period_end,
                quantities=group["quantities"],
                narrative="\n\n".join(dict.fromkeys(group["narratives"])),
                upload_dir=upload_dir,
                today=today,
                source=f"import: {filename}",
            )
        )
    record_event(
        session,
        actor=actor,
        action="returns.imported",
        entity_type="import",
        entity_id=filename[:80],
        after={
            "file": filename,
            "rows": report.rows,
            "returns": [[r.contract_id, r.period_end] for r in report.returns],
        },
        summary=f"{len(report.returns)} returns imported from {filename} ({report.rows} rows)",
    )
    return report


def template_rows(contracts: Sequence[Contract]) -> list[list[str]]:
    """Example rows for the import page (one per KPI of the first contract)."""
    rows = [[*REQUIRED, "narrative"]]
    for contract in contracts[:1]:
        for kpi in contract.kpis:
            rows.append([contract.reference, "2026-09-30", kpi.criterion_code, "0", ""])
    return rows
