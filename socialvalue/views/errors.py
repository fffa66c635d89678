"""Error pages: plain-English, no stack traces, and the session rolled back on failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from socialvalue.api.core import handle_http_exception, is_api_request
from socialvalue.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("The request could not be understood", "Check what you entered and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask the procurement officer running this tender.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    409: ("Someone else changed this first", "Reload the page to see the latest version."),
    413: ("The file is too large", "Upload a smaller file."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing was saved."),
}


def _render(status: int, detail: str | None = None) -> tuple[str, int]:
    title, advice = MESSAGES.get(status, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", status=status, page_title=title, advice=advice, detail=detail
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render(
            400,
            "The form had expired or did not come from this service. Go back, reload the page "
            "and submit it again. Nothing was saved.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        db.session.rollback()
        if is_api_request():  # unknown API paths and methods: problem+json, not HTML
            return handle_http_exception(error)
        status = error.code or 500
        detail = error.description if status in (400, 403, 409, 429) else None
        return _render(status, detail)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
