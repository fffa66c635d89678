"""Error pages: plain-English, no stack traces, and the session rolled back on failure.

When the database cannot be reached (restarting, failing over, overloaded) a request gets a
503 "Service temporarily unavailable" page, or a problem+json 503 under /api/, with a
Retry-After header; pooled connections are checked before use (pool_pre_ping), so the service
recovers by itself as soon as the database is back.

The 503 says what happened to the request's change, which the session events below track:
nothing was saved (the usual case: the database was gone before anything was committed); it
was saved (the commit succeeded and the database went away while the next page was being
built, so the user must not send it again); or it may or may not have been saved (the
connection broke during the COMMIT itself, so nobody can know without looking).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import Flask, Response, g, has_request_context, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from socialvalue.api.core import handle_http_exception, is_api_request, problem_response
from socialvalue.extensions import db, login_manager

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
    503: ("Service temporarily unavailable", "Try again in a moment."),
}

#: Errors that mean "the database is not there right now", not "this request was wrong".
DATABASE_UNAVAILABLE = (
    sa_exc.OperationalError,  # refused, closed, shutting down, starting up; SQLite locked
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no pooled connection free in time
)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "Service temporarily unavailable — nothing was saved, try again in a moment."

# What became of the request's change when the database went away: (page text, advice, API).
NOTHING_SAVED, SAVED, UNKNOWN = "nothing", "saved", "unknown"
OUTCOME_TEXT = {
    NOTHING_SAVED: (
        "Sorry, the service cannot reach its database at the moment, so nothing was saved.",
        "Try again in a moment.",
        UNAVAILABLE_DETAIL,
    ),
    SAVED: (
        "Your change was saved, but the service lost its database before it could show the "
        "next page.",
        "Do not send it again: check it in a moment.",
        "Service temporarily unavailable — your change was saved, but the response could not "
        "be completed; do not send it again.",
    ),
    UNKNOWN: (
        "The service lost its database while saving your change, so it may or may not have "
        "been saved.",
        "In a moment, check whether it was saved before you try again.",
        "Service temporarily unavailable — the database went away while your change was being "
        "committed, so it may or may not have been saved; check before you send it again.",
    ),
}
#: Rows the service writes for its own bookkeeping, not as anyone's change.
BOOKKEEPING_TABLES = frozenset({"api_tokens", "sign_in_attempts"})
_UNCOMMITTED = "_socialvalue_uncommitted_change"
_OUTCOME = "_socialvalue_change_outcome"


_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@sa.event.listens_for(Engine, "before_cursor_execute")
def _statement_sent(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not has_request_context():
        return
    write = _WRITE.match(statement)
    if write is not None and write.group(1).lower() not in BOOKKEEPING_TABLES:
        setattr(g, _UNCOMMITTED, True)


@sa.event.listens_for(Engine, "commit")
def _commit_sent(_connection: Any) -> None:
    if has_request_context() and g.get(_UNCOMMITTED):
        setattr(g, _OUTCOME, UNKNOWN)  # until the database confirms it


@sa.event.listens_for(Session, "after_commit")
def _change_committed(_session: Session) -> None:
    if has_request_context() and g.get(_UNCOMMITTED):
        setattr(g, _OUTCOME, SAVED)
        setattr(g, _UNCOMMITTED, False)


@sa.event.listens_for(Session, "after_rollback")
def _change_rolled_back(_session: Session) -> None:
    if has_request_context():
        setattr(g, _UNCOMMITTED, False)


def change_outcome() -> str:
    """What became of this request's change so far: nothing saved, saved, or unknown."""
    return str(g.get(_OUTCOME) or NOTHING_SAVED)


def _render(status: int, detail: str | None = None, advice: str | None = None) -> tuple[str, int]:
    title, default_advice = MESSAGES.get(status, MESSAGES[500])
    advice = advice or default_advice
    return (
        render_template(
            "errors/error.html", status=status, page_title=title, advice=advice, detail=detail
        ),
        status,
    )


def _rollback() -> None:
    # Rolling back on a broken connection may itself fail; the session is discarded at the
    # end of the request either way, and the pool replaces the dead connection.
    try:
        db.session.rollback()
    except Exception:  # nothing more can be done with a dead connection
        log.debug("rollback after a database error failed", exc_info=True)


def is_database_unavailable(error: BaseException) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE) or (
        isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
    )


CONCURRENT_EDIT_DETAIL = (
    "Someone else changed this at the same moment, so your change was not saved. Go back, "
    "reload the page to see the latest version, and make your change again if it is still needed."
)


def is_concurrent_edit(error: BaseException) -> bool:
    """Two requests changed the same record at once and this one lost at the database: the
    versioned UPDATE matched no row, or a row with the same unique key was created first.
    Pages that expect the race answer it themselves; this is the net under every other one."""
    if isinstance(error, StaleDataError):
        return True
    if isinstance(error, sa_exc.IntegrityError):
        original = error.orig
        return getattr(original, "sqlstate", None) == "23505" or (
            "UNIQUE constraint failed" in str(original)
        )
    return False


def concurrent_edit(error: Exception) -> Any:
    _rollback()
    log.warning("concurrent edit lost on %s %s: %s", request.method, request.path, error)
    if is_api_request():
        return problem_response(409, CONCURRENT_EDIT_DETAIL)
    return _render(409, CONCURRENT_EDIT_DETAIL)


def database_unavailable(error: Exception) -> Response:
    """503 with Retry-After: a plain page, or problem+json for the API, saying what became of
    the change. Never touches the database (the signed-in user is not looked up again: the page
    shows as signed out)."""
    outcome = change_outcome()
    _rollback()
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0],
    )
    detail, advice, api_detail = OUTCOME_TEXT[outcome]
    if is_api_request():
        response = problem_response(503, api_detail)
    else:
        # Flask-Login would load the user from the database to draw the header: render as
        # signed out instead (the session cookie is untouched).
        g._login_user = login_manager.anonymous_user()
        response = make_response(_render(503, detail, advice))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _discard_session(_error: BaseException | None) -> None:
    """End the request's session without letting a dead connection turn a finished response
    into a 500: when the database went away after the response was built (a restart), the
    closing ROLLBACK fails; the connection is already invalidated and the pool replaces it."""
    try:
        db.session.remove()
    except sa_exc.SQLAlchemyError as error:
        log.warning("closing the database session failed: %s", error.__class__.__name__)
        db.session.registry.clear()


def register_error_handlers(app: Flask) -> None:
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order), which then
    # finds nothing left to close.
    app.teardown_appcontext(_discard_session)

    @app.before_request
    def _no_change_yet() -> None:
        g.pop(_UNCOMMITTED, None)
        g.pop(_OUTCOME, None)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render(
            400,
            "The form had expired or did not come from this service. Go back, reload the page "
            "and submit it again. Nothing was saved.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        _rollback()
        if is_api_request():  # unknown API paths and methods: problem+json, not HTML
            return handle_http_exception(error)
        status = error.code or 500
        detail = error.description if status in (400, 403, 409, 429) else None
        return _render(status, detail)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Any:
        if is_database_unavailable(error):
            return database_unavailable(error)
        if is_concurrent_edit(error):
            return concurrent_edit(error)
        _rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
