"""render_pdf fetches only the project's own static files: no network, no other local files."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pypdf
import pytest

from socialvalue.exports.pdf import (
    DEFAULT_BASE_URL,
    STATIC_DIR,
    RefusedURL,
    StaticOnlyFetcher,
    render_pdf,
)

BASE = DEFAULT_BASE_URL.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/static/css/print.css",  # another host
        "http://socialvalue.invalid/static/css/print.css",  # another scheme, same host name
        f"{BASE}/etc/passwd",  # not under /static/
        f"{BASE}/static/../pyproject.toml",  # traversal out of static/
        f"{BASE}/static/%2e%2e/pyproject.toml",  # encoded traversal
        f"{BASE}/static/css/missing.css",  # no such file
        f"{BASE}/static/css",  # a folder
        "file:///etc/passwd",
        f"file://{STATIC_DIR}/../pyproject.toml",
        "file://otherhost/static/css/print.css",
        "ftp://example.com/x.css",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url: str) -> None:
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher(DEFAULT_BASE_URL).fetch(url)


def test_fetcher_serves_static_files() -> None:
    fetcher = StaticOnlyFetcher(DEFAULT_BASE_URL)
    response = fetcher.fetch(f"{BASE}/static/css/print.css")
    assert b"@page" in response.read()
    assert response.headers.get_content_type() == "text/css"
    local = fetcher.fetch((STATIC_DIR / "favicon.svg").as_uri())
    assert local.read() == (STATIC_DIR / "favicon.svg").read_bytes()


def test_render_pdf_skips_refused_resources_and_sets_metadata(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        '<html><head><link rel="stylesheet" href="https://example.com/evil.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}">'
        '<link rel="stylesheet" href="/static/css/print.css"></head>'
        '<body><h1>Report</h1><img src="http://169.254.169.254/latest" alt="x"></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(html, title="A title", author="An author", lang="cy")
    refused = " ".join(record.getMessage() for record in caplog.records)
    assert "example.com" in refused and "169.254.169.254" in refused and "secret.css" in refused
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "A title" and reader.metadata.author == "An author"
    assert reader.trailer["/Root"]["/Lang"] == "cy"
    assert "Report" in reader.pages[0].extract_text()


def test_render_pdf_reports_progress_from_weasyprint(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[int, str]] = []
    html = "<html><body>" + "<p>Line</p>" * 400 + "</body></html>"
    with caplog.at_level(logging.INFO, logger="weasyprint.progress"):
        render_pdf(html, title="T", author="A", progress=lambda p, m: calls.append((p, m)))
    messages = [message for _percent, message in calls]
    assert "Laying out page 1" in messages and messages[-1] == "Writing the PDF"
    percents = [percent for percent, _message in calls]
    assert percents == sorted(percents) and all(40 <= p <= 95 for p in percents)
