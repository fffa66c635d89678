"""Evidence uploads with hostile file names and hostile content, through the return form.

File names never reach the file system: files are stored by their SHA-256 under
UPLOAD_DIR/evidence/, and nothing is written anywhere else. The name kept for the download is
plain (no path, no CR/LF, no quotes or markup) with the extension of the type sniffed from the
content. Downloads are attachments with an RFC 6266 Content-Disposition (``filename`` and
``filename*``), never served as HTML or SVG, sandboxed and not sniffed. Markup content (HTML,
SVG, XML) is refused whatever the file is called.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from contract_support import HTML, PDF, PNG, S4_DELIVERED, build_s4, files_under
from factories import FreshClient, csrf_token, sign_in, text
from html_inspect import injected_markup
from payloads import FILENAMES

from socialvalue.extensions import db
from socialvalue.models import DeliveryReturn, EvidenceFile

pytestmark = pytest.mark.usefixtures("synced_frameworks")

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
CSV = b"month,jobs\n2026-07,3\n"
STORED = re.compile(r"evidence/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}")
DISPOSITION = re.compile(r"attachment; filename=\"([A-Za-z0-9 ._-]+)\"; filename\*=UTF-8''(\S+)")
PERIODS = ("2026-06-30", "2026-09-30")


def every_file(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def return_form(client: FreshClient, s4: Any, period: str, files: list[tuple[bytes, str]]) -> Any:
    url = f"/contracts/{s4.contract_id}/returns/new"
    db.session.remove()
    token = csrf_token(text(client.get(url)))
    data: dict[str, Any] = {"csrf_token": token, "period_end": period, "narrative": "Evidence."}
    for code, kpi in s4.kpis().items():
        data[f"quantity-{kpi.id}"] = str(S4_DELIVERED[code])
    data["evidence"] = [(io.BytesIO(content), as_browser_sends(name)) for content, name in files]
    response = client.post(url, data=data, content_type="multipart/form-data")
    db.session.remove()
    return response


def as_browser_sends(name: str) -> str:
    """Browsers escape CR, LF and double quotes in multipart file names (HTML standard,
    multipart/form-data encoding); sent raw they would break the request itself."""
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def unique_png(number: int) -> bytes:
    """A PNG with distinct bytes (the store keeps one copy of identical files)."""
    return PNG + f"-{number}".encode()


@pytest.fixture
def s4(app: Any) -> Any:
    return build_s4()


@pytest.fixture
def supplier(app: Any, s4: Any) -> FreshClient:
    return sign_in(FreshClient(app, app.response_class, use_cookies=True), s4.supplier)


def test_hostile_names_are_stored_by_hash_and_served_as_safe_attachments(
    app: Any, s4: Any, supplier: FreshClient, tmp_path: Path
) -> None:
    upload_dir = Path(app.config["UPLOAD_DIR"])
    watched = upload_dir.parent  # the instance folder: traversal would land around here
    before = every_file(watched)
    names = [n for n in FILENAMES if n and "\x00" not in n]
    batches = [names[: len(names) // 2], names[len(names) // 2 :]]
    contents = [PDF, CSV]
    for period, batch in zip(PERIODS, batches, strict=True):
        files = [
            (contents[i % 2] if i < 2 else unique_png(i), name) for i, name in enumerate(batch)
        ]
        response = return_form(supplier, s4, period, files)
        assert response.status_code == 302, text(response)[:2000]

    # Only content-addressed files appeared, all under UPLOAD_DIR/evidence.
    created = every_file(watched) - before
    assert created, "nothing was stored"
    for path in created:
        relative = path.relative_to(upload_dir)
        assert STORED.fullmatch(relative.as_posix()), path
    assert not Path("/etc/cron.d/evil.png").exists()

    items = db.session.execute(sa.select(EvidenceFile).order_by(EvidenceFile.id)).scalars().all()
    assert len(items) == len(names)
    for item in items:
        assert re.fullmatch(r"[A-Za-z0-9 _-]{1,120}\.(pdf|csv|png)", item.original_name), item
        assert STORED.fullmatch(item.storage_path)
        assert (upload_dir / item.storage_path).resolve().is_relative_to(upload_dir.resolve())

    # The return pages list them as plain text.
    returns = db.session.execute(sa.select(DeliveryReturn.id)).scalars().all()
    for return_id in returns:
        page = supplier.get(f"/contracts/{s4.contract_id}/returns/{return_id}")
        assert page.status_code == 200
        assert injected_markup(text(page)) == []

    # Each download: an attachment, safely named, never renderable.
    for item in items:
        db.session.remove()
        response = supplier.get(f"/contracts/{s4.contract_id}/evidence/{item.id}")
        assert response.status_code == 200
        assert response.mimetype in ("application/pdf", "text/csv", "image/png")
        disposition = response.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        match = DISPOSITION.fullmatch(disposition)
        assert match, disposition
        assert unquote(match.group(2)) == item.original_name
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (HTML, "evidence.png"),
        (HTML, "evil.html"),
        (SVG, "evil.svg"),
        (SVG, "chart.png"),
        (b"<?xml version='1.0'?><x/>", "data.csv"),
        (b"%!PS-Adobe not a pdf <script>", "report.pdf"),
    ],
)
def test_markup_is_refused_whatever_its_name(
    app: Any, s4: Any, supplier: FreshClient, content: bytes, name: str
) -> None:
    upload_dir = Path(app.config["UPLOAD_DIR"])
    before = files_under(upload_dir)
    response = return_form(supplier, s4, PERIODS[0], [(PNG, "fine.png"), (content, name)])
    assert response.status_code == 422
    html = text(response)
    assert "The type is checked from the file" in html
    assert injected_markup(html) == []
    assert files_under(upload_dir) == before  # nothing stored, not even the good file
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvidenceFile)).scalar() == 0


def test_a_nul_in_a_file_name_is_refused(app: Any, s4: Any, supplier: FreshClient) -> None:
    response = return_form(supplier, s4, PERIODS[0], [(PNG, "nul\x00byte.html.png")])
    assert response.status_code == 400
    assert "NUL character" in text(response)
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvidenceFile)).scalar() == 0


def test_import_file_names_are_harmless(app: Any, s4: Any) -> None:
    officer = sign_in(FreshClient(app, app.response_class, use_cookies=True), s4.officer)
    problems = []
    for name in FILENAMES:
        if not name or "\x00" in name:
            continue
        db.session.remove()
        token = csrf_token(text(officer.get("/contracts/import")))
        response = officer.post(
            "/contracts/import",
            data={"csrf_token": token, "returns_file": (io.BytesIO(CSV), as_browser_sends(name))},
            content_type="multipart/form-data",
        )
        db.session.remove()
        if response.status_code >= 500:
            problems.append(f"{name!r}: {response.status_code}")
        problems.extend(f"{name!r}: {p}" for p in injected_markup(text(response)))
    assert problems == [], "\n".join(problems)
