"""Security headers on every response, and refusing input no part of the service can store."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, abort, request
from werkzeug.datastructures import MultiDict

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        # Pages can hold bid content and scores: never let shared caches keep them.
        headers.setdefault("Cache-Control", "no-store")
    return response


NUL_MESSAGE = (
    "The request contains a NUL character (code 0), which this service cannot store. "
    "Remove it and try again. Nothing was saved."
)
JSON_MESSAGE = (
    "The request body is not JSON this service can read: it is malformed, nested too deeply, "
    "has a number too long to read, or has text that is not valid Unicode"
)
# NUL, and UTF-16 surrogates that only a JSON \\u escape can produce (not storable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _unstorable_json(value: Any) -> bool:
    pending = [value]  # a loop, not recursion: the document may be nested hundreds deep
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def refuse_unusable_input() -> None:
    """Refuse, with a 400, input no part of the service can store or parse safely.

    Nobody types a NUL, PostgreSQL refuses to store one and C libraries end strings at one:
    it is refused anywhere (query, form fields, file names, JSON; in the path it names no page,
    so 404). A JSON body is read once here, so that one nested too deeply (a RecursionError in
    the parser), with a number too long to convert, or with lone UTF-16 surrogates is a clear
    400, not a failure later.
    """
    if "\x00" in request.path:
        abort(404)  # no page has a NUL in its address (and no id contains one)
    if _has_nul(request.args):
        abort(400, description=NUL_MESSAGE)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.is_json:
        body = request.get_data(cache=True)
        if not body.strip():
            return
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError as error:
            # Say where: "Expecting ',' delimiter: line 1 column 10 (char 9)".
            abort(400, description=f"{JSON_MESSAGE} ({error})")
        except (ValueError, RecursionError):
            abort(400, description=JSON_MESSAGE)
        if _unstorable_json(parsed):
            abort(400, description=NUL_MESSAGE if b"\\u0000" in body.lower() else JSON_MESSAGE)
        return
    if _has_nul(request.form) or any(
        "\x00" in name or "\x00" in (storage.filename or "")
        for name, storage in request.files.items(multi=True)
    ):
        abort(400, description=NUL_MESSAGE)
