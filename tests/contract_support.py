"""Helpers for the contract delivery tests: scenario S4 through the services, tiny real files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from factories import make_user

from socialvalue.extensions import db
from socialvalue.models import (
    AuditEvent,
    Contract,
    DeliveryReturn,
    EvidenceFile,
    Kpi,
    ReturnLine,
    Role,
    User,
)
from socialvalue.services import contracts as contract_service
from socialvalue.services.demo import S4_COMMITMENTS, S4_PERIOD_END, build_s4_contract

#: 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a20000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
S4_DELIVERED = {code: delivered for code, (_w, _c, delivered) in S4_COMMITMENTS.items()}
TODAY = dt.date(2026, 11, 22)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


@dataclass
class S4:
    contract_id: int
    officer: User
    supplier: User
    panel: User

    @property
    def contract(self) -> Contract:
        contract = contract_service.get_contract(db.session, self.contract_id)
        assert contract is not None
        return contract

    def kpis(self) -> dict[str, Kpi]:
        return {k.measure_code or k.criterion_code: k for k in self.contract.kpis}

    def quantities(self, values: dict[str, Decimal] | None = None) -> dict[int, Any]:
        values = values or S4_DELIVERED
        return {kpi.id: values[code] for code, kpi in self.kpis().items()}


def build_s4(reference: str = "GM-S4-0001", supplier_name: str | None = None) -> S4:
    """The S4 contract with an officer, an invited supplier user and an assigned panel member
    (committed)."""
    session = db.session
    officer = make_user(session, Role.OFFICER, name="Olu Officer")
    supplier = make_user(session, Role.SUPPLIER, name="Sam Supplier", organisation="Northern")
    panel = make_user(session, Role.PANEL, name="Priya Panel", organisation="Salford CVS")
    kwargs = {"supplier_name": supplier_name} if supplier_name else {}
    contract = build_s4_contract(
        session, officer, reference=reference, supplier_user=supplier, panel_user=panel, **kwargs
    )
    session.commit()
    return S4(contract.id, officer, supplier, panel)


def file_s4_return(
    s4: S4, *, verify: bool = True, upload_dir: str = "", values: dict[str, Decimal] | None = None
) -> DeliveryReturn:
    """The supplier's return to 30 September 2026 with the S4 figures, verified by the officer."""
    session = db.session
    contract = s4.contract
    delivery_return = contract_service.record_return(
        session,
        s4.supplier,
        contract,
        period_end=S4_PERIOD_END,
        quantities=s4.quantities(values),
        narrative="Six months in.",
        upload_dir=upload_dir,
        today=TODAY,
    )
    if verify:
        for line in delivery_return.lines:
            contract_service.decide_line(session, s4.officer, contract, line, decision="verified")
    session.commit()
    return delivery_return


def counts() -> dict[str, int]:
    """Rows in every delivery table (to prove a refusal saved nothing)."""
    session = db.session
    return {
        model.__tablename__: session.execute(
            sa.select(sa.func.count()).select_from(model)
        ).scalar_one()
        for model in (DeliveryReturn, ReturnLine, EvidenceFile, AuditEvent)
    }


def files_under(path: str | Path) -> list[Path]:
    root = Path(path)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def contract_actions(contract_id: int) -> list[str]:
    return list(
        db.session.execute(
            sa.select(AuditEvent.action)
            .where(AuditEvent.contract_id == contract_id)
            .order_by(AuditEvent.sequence)
        ).scalars()
    )
