"""Render print HTML to PDF with WeasyPrint, fetching nothing but the project's own static files.

Reports are built from data a supplier or an officer typed in, so the HTML is never trusted to
decide what gets fetched: the URL fetcher serves files under the project's ``static/`` folder
(addressed as ``/static/...`` on the report's base URL, or as ``file:`` URLs inside that folder)
and refuses everything else: other hosts, other local files, path traversal, ``data:`` aside.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, URLFetcher
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import URLFetcherResponse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_PREFIX = "/static/"
# The base URL print templates are rendered against: relative and /static/ URLs resolve here.
DEFAULT_BASE_URL = "https://socialvalue.invalid/"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A report tried to fetch something other than the project's own static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files under ``static_dir`` and refuses every other URL."""

    def __init__(self, base_url: str, static_dir: Path = STATIC_DIR) -> None:
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        base = urlsplit(base_url)
        self._origin = (base.scheme.lower(), base.netloc.lower())
        self._static_dir = static_dir.resolve()

    def resolve(self, url: str) -> Path:
        """The static file ``url`` names; RefusedURL for anything else."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise RefusedURL(f"refused {url!r}: not a local static file")
            candidate = Path(unquote(parts.path))
        elif scheme in ("http", "https") and (scheme, parts.netloc.lower()) == self._origin:
            path = unquote(parts.path)
            if not path.startswith(STATIC_PREFIX):
                raise RefusedURL(f"refused {url!r}: only {STATIC_PREFIX} files may be used")
            candidate = self._static_dir / path[len(STATIC_PREFIX) :]
        else:
            raise RefusedURL(f"refused {url!r}: reports fetch only the project's static files")
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise RefusedURL(f"refused {url!r}: no such static file") from error
        if not resolved.is_relative_to(self._static_dir) or not resolved.is_file():
            raise RefusedURL(f"refused {url!r}: outside the static folder")
        return resolved

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # type: ignore[no-any-return]
        path = self.resolve(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": mime_type}
        )


# Progress reaches only the handlers render_pdf attaches (propagation is off: see app.py).
PROGRESS_LOGGER.setLevel(logging.INFO)
PROGRESS_LOGGER.propagate = False

Progress = Callable[[int, str], None]
_PAGE = re.compile(r"Step 5 - Creating layout - Page (\d+)")


class _ProgressHandler(logging.Handler):
    """Turns WeasyPrint's progress log (this thread's only) into percentages from 40 to 95:
    the layout step advances page by page (the page count is not known in advance, so the
    bar approaches 90% as pages are laid out)."""

    def __init__(self, callback: Progress) -> None:
        super().__init__(logging.INFO)
        self.callback = callback
        self.thread = threading.get_ident()
        self.last = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        message = record.getMessage()
        page = _PAGE.match(message)
        if page:
            now = time.monotonic()
            if now - self.last < 0.5:
                return
            self.last = now
            pages = int(page.group(1))
            self.callback(50 + 40 * pages // (pages + 25), f"Laying out page {pages}")
        elif message.startswith("Step 6"):
            self.callback(92, "Writing the PDF")
        elif message.startswith(("Step 1", "Step 2", "Step 3", "Step 4")):
            self.callback(45, "Preparing the layout")


def render_pdf(
    html: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    title: str,
    author: str,
    lang: str = "en-GB",
    progress: Progress | None = None,
) -> bytes:
    """The PDF (PDF/UA-1, tagged) of ``html``, with title, author and language set.

    ``progress`` is called with (percent, message) as WeasyPrint works."""
    fetcher = StaticOnlyFetcher(base_url)
    handler = _ProgressHandler(progress) if progress is not None else None
    if handler is not None:
        PROGRESS_LOGGER.addHandler(handler)
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT
        )
        document.metadata.title = title
        document.metadata.authors = [author]
        document.metadata.lang = lang
        document.metadata.generator = "socialvalue"
        pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    finally:
        if handler is not None:
            PROGRESS_LOGGER.removeHandler(handler)
    return pdf
