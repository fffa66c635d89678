"""Evidence files: type sniffed from the content (never the name), size-limited, stored by SHA-256.

Accepted: PDF, PNG, JPEG, GIF, CSV (UTF-8 text with no markup) and XLSX (a zip with the
Office Open XML workbook parts). Everything else is refused, including HTML or SVG whatever
the file is called: an HTML page named ``report.pdf`` starts with ``<html``, not ``%PDF-``.

Files are stored content-addressed under ``UPLOAD_DIR/evidence/ab/cd/<sha256>`` (the same file
uploaded twice is stored once) and are only ever served as downloads (see views.contracts).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from socialvalue.services.errors import DomainError

#: The default limit per evidence file; the app's EVIDENCE_MAX_BYTES setting overrides it.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_RETURN = 10

TYPES = {
    "application/pdf": ("pdf", "PDF document"),
    "image/png": ("png", "PNG image"),
    "image/jpeg": ("jpg", "JPEG image"),
    "image/gif": ("gif", "GIF image"),
    "text/csv": ("csv", "CSV spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "xlsx",
        "Excel spreadsheet",
    ),
}
ACCEPTED_DESCRIPTION = "a PDF, PNG, JPEG or GIF image, CSV or Excel (.xlsx) file"

# Markup in a "text" file: a tag, a comment, a doctype or processing instruction.
_MARKUP = re.compile(rb"<\s*[!?/a-zA-Z]")


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the browser sent it and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to store."""

    name: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def storage_path(self) -> str:
        return f"evidence/{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` from its bytes, or None when it is not an accepted type."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def _sniff_text(data: bytes) -> str | None:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip() or b"\x00" in body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _MARKUP.search(body):
        return None  # HTML, SVG, XML: never stored as a "CSV"
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    return None if control else "text/csv"


def safe_name(filename: str, content_type: str) -> str:
    """A plain file name for downloads: no path, only safe characters, the right extension."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^A-Za-z0-9 _-]+", "_", stem).strip(" ._") or "evidence"
    return f"{stem[:120]}.{TYPES[content_type][0]}"


#: Headers for serving a stored file: always a download, never rendered or sniffed by the
#: browser, and sandboxed (no script, no same-origin access) should anything still open it.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def download_type(content_type: str) -> str:
    """The type to serve a stored file as: one of the accepted types, else opaque bytes."""
    return content_type if content_type in TYPES else "application/octet-stream"


def download_headers(name: str) -> dict[str, str]:
    """Content-Disposition (RFC 6266: a plain ASCII ``filename`` and the exact UTF-8
    ``filename*``) and the headers that keep a download from running in the browser."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9 ._-]+", "_", plain).strip(" ._") or "evidence"
    encoded = quote(name, safe="") or quote(plain, safe="")
    return {
        "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_POLICY,
        "Cache-Control": "private, no-store",
    }


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{size // 1024} KB"


def check(
    upload: Upload, max_bytes: int = DEFAULT_MAX_BYTES, field: str = "evidence"
) -> CheckedFile:
    """Refuse an empty, oversized or unaccepted file with a message naming it."""
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1] or "The file"
    if len(upload.data) == 0:
        raise DomainError(f"{name} is empty: choose the file again", field)
    if len(upload.data) > max_bytes:
        raise DomainError(
            f"{name} is larger than {_megabytes(max_bytes)}: upload a smaller file", field
        )
    content_type = sniff(upload.data)
    if content_type is None:
        raise DomainError(
            f"{name} is not {ACCEPTED_DESCRIPTION}. The type is checked from the file's "
            "content, not its name",
            field,
        )
    return CheckedFile(
        name=safe_name(upload.filename, content_type),
        content_type=content_type,
        data=upload.data,
        sha256=hashlib.sha256(upload.data).hexdigest(),
    )


def check_all(
    uploads: list[Upload], max_bytes: int = DEFAULT_MAX_BYTES, field: str = "evidence"
) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES_PER_RETURN:
        raise DomainError(f"Attach at most {MAX_FILES_PER_RETURN} files to one return", field)
    return [check(upload, max_bytes, field) for upload in uploads]


def store(upload_dir: str | os.PathLike[str], checked: CheckedFile) -> Path:
    """Write the file under its content address (atomically; a file already there is kept)."""
    root = Path(upload_dir)
    target = root / checked.storage_path
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(checked.data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def open_stored(upload_dir: str | os.PathLike[str], storage_path: str, sha256: str) -> bytes:
    """The stored bytes, checked against their recorded SHA-256 (tampering is an error)."""
    root = Path(upload_dir).resolve()
    path = (root / storage_path).resolve()
    if not path.is_relative_to(root):
        raise FileNotFoundError(storage_path)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"evidence file {storage_path} does not match its recorded SHA-256")
    return data
