"""The API's plumbing: token authentication, problem+json errors, ETags, If-Match, pages.

Every error leaves the API as ``application/problem+json`` (RFC 9457); validation failures carry
``errors: [{field, message}]``. The rules themselves live in ``socialvalue.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Response, abort, g, json, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from socialvalue.extensions import db
from socialvalue.models.user import User
from socialvalue.schemas.common import flatten_errors
from socialvalue.services.api_tokens import authenticate
from socialvalue.services.errors import DomainError, NotPermitted, StaleVersion
from socialvalue.services.pagination import count_rows

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/v1"
# Paths under the API that anyone may read without a token (the API's own description).
PUBLIC_PATHS = (f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs")

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

T = TypeVar("T")


class ApiProblem(HTTPException):
    """An HTTP error carrying a problem detail (and optional field errors)."""

    def __init__(
        self, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = errors


def problem_response(
    status: int, detail: str | None = None, errors: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or TITLES.get(status, "Error"),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="socialvalue"'
    return response


def field_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    return [
        {"field": field, "message": message}
        for field, messages in errors.items()
        for message in messages
    ]


def _webargs_errors(error: HTTPException) -> list[dict[str, str]]:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    flat: dict[str, list[str]] = {}
    # webargs nests messages by location ("json", "query", "headers"); drop that level.
    for location_messages in messages.values():
        for field, field_messages in flatten_errors(location_messages).items():
            flat.setdefault(field, []).extend(field_messages)
    return field_errors(flat)


def handle_http_exception(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 500
    if isinstance(error, ApiProblem):
        return problem_response(status, error.description, error.errors)
    if status == 422:
        return problem_response(
            422, "The request body or parameters are not valid", _webargs_errors(error)
        )
    if status == 400 and getattr(error, "data", None):
        return problem_response(
            400, "The request body is not valid JSON", _webargs_errors(error) or None
        )
    detail = error.description if status in (400, 403, 409, 412, 428) else None
    return problem_response(status, detail)


def stale_detail(what: str) -> str:
    """The detail of a 412: the record changed after the client read it."""
    return (
        f"The {what} has changed since you read it: someone else saved a change first, so the "
        "ETag you sent no longer matches. Nothing was saved: fetch it again for its current "
        "version and ETag, then repeat your change."
    )


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    if isinstance(error, StaleVersion):
        return problem_response(412, stale_detail(error.what))
    if error.status == 422:
        return problem_response(422, error.message, field_errors(error.errors))
    return problem_response(error.status, error.message)


def handle_not_permitted(error: NotPermitted) -> Response:
    db.session.rollback()
    return problem_response(403, error.message)


def handle_unexpected(error: Exception) -> Response:
    import logging

    from socialvalue.views.errors import database_unavailable, is_database_unavailable

    if is_database_unavailable(error):  # the database is down or restarting: 503, not 500
        return database_unavailable(error)
    db.session.rollback()
    logging.getLogger(__name__).exception("unhandled API error on %s", request.path)
    return problem_response(500, "Sorry, there is a problem with the service. Nothing was saved.")


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


# -- authentication --------------------------------------------------------------------------


def authenticate_request() -> Response | None:
    """Bearer-token authentication for every API request (session cookies are never used)."""
    g.api_user = None
    if request.path in PUBLIC_PATHS or request.method == "OPTIONS":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return problem_response(
            401,
            "Send a personal API token as 'Authorization: Bearer <token>'. Create one under "
            "Your account > API tokens.",
        )
    user = authenticate(db.session, secret.strip())
    if user is None:
        db.session.rollback()
        return problem_response(401, "The API token is not valid, or has been revoked")
    db.session.commit()  # last_used_at
    g.api_user = user
    return None


def api_user() -> User:
    user = g.get("api_user")
    if user is None:  # pragma: no cover - authenticate_request runs first
        abort(401)
    assert isinstance(user, User)
    return user


def require_roles(*roles: Any) -> User:
    user = api_user()
    if not user.has_role(*roles):
        raise ApiProblem(403, "Your role does not allow this")
    return user


# -- loading, committing ---------------------------------------------------------------------


def found(record: T | None, what: str) -> T:
    if record is None:
        raise ApiProblem(404, f"No {what} with that id")
    return record


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleVersion() from error


CONCURRENT_CREATE = (
    "Someone else saved a conflicting change at the same moment, so nothing was saved: fetch "
    "the current state and try again."
)


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one service call and commit, so that every write goes through the same code.

    Two requests that read the same version at the same moment both pass the If-Match check;
    the database then refuses the second write (the UPDATE's version check raises
    StaleDataError at the service's flush or at commit): that is a 412 like any stale ETag.
    A record created by two requests at once trips its unique key: for a PUT (create or
    replace, with If-None-Match: * or no precondition) that is a failed precondition too (412);
    for a POST it is a 409.
    """
    try:
        result = function(db.session, *args, **kwargs)
        commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleVersion() from error
    except IntegrityError as error:
        db.session.rollback()
        if request.method == "PUT":
            raise StaleVersion() from error
        raise ApiProblem(409, CONCURRENT_CREATE) from error
    return result


# -- ETags and If-Match ----------------------------------------------------------------------


#: How a 412's detail names the record behind each kind of ETag.
KIND_WORDS = {"consensus": "consensus score", "line": "figure"}


def etag_for(kind: str, record_id: int, version: int) -> str:
    return f'"{kind}-{record_id}-v{version}"'


def with_etag(response: Response, kind: str, record: Any) -> Response:
    response.headers["ETag"] = etag_for(kind, record.id, record.version_id)
    return response


def expected_version(kind: str, record: Any, required: bool = True) -> int | None:
    """The version the client says it is changing (from If-Match); 428 if missing, 412 if stale.

    ``required=False`` is for create-or-replace operations where the record may not exist yet:
    there ``If-None-Match: *`` says "create it only if nobody has yet" (412 if it exists), and
    no precondition at all is accepted while the record does not exist. Either way the service
    is told to expect no record (version 0), so a record someone else creates in the meantime
    is not overwritten: that is a 412 too.
    """
    header = request.headers.get("If-Match")
    if not required and request.headers.get("If-None-Match", "").strip() == "*":
        if header:
            raise ApiProblem(400, "Send either If-Match or If-None-Match: *, not both")
        if record is not None:
            raise ApiProblem(412, stale_detail(KIND_WORDS.get(kind, kind)))
        return 0
    if header is None or not header.strip():
        if not required and record is None:
            return 0
        raise ApiProblem(
            428,
            "Send the ETag you last read in an If-Match header: this stops two people "
            "overwriting each other's changes",
        )
    if record is None:
        raise ApiProblem(412, "There is nothing to match: the record does not exist yet")
    current = etag_for(kind, record.id, record.version_id)
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    if "*" in candidates or current in candidates:
        return int(record.version_id)
    raise ApiProblem(412, stale_detail(KIND_WORDS.get(kind, kind)))


# -- pagination and filters ------------------------------------------------------------------


def page_meta(page: int, per_page: int, total: int) -> dict[str, Any]:
    has_next = page * per_page < total
    return {
        "page": page,
        "per_page": per_page,
        "total": total,
        "next": _page_url(page + 1, per_page) if has_next else None,
        "prev": _page_url(page - 1, per_page) if page > 1 else None,
    }


def _page_url(page: int, per_page: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    args |= {"page": str(page), "per_page": str(per_page)}
    return f"{request.base_url}?{urlencode(args)}"


def paged(
    items: Sequence[Any],
    args: dict[str, Any],
    dump: Callable[[Any], Any],
    total: int | None = None,
) -> Response:
    """A page as {items, page, per_page, total, next, prev} plus a Link header.

    With ``total`` given, ``items`` is already the requested page (paged in SQL); otherwise
    ``items`` is the whole filtered list and is sliced here.
    """
    page, per_page = args["page"], args["per_page"]
    if total is None:
        total = len(items)
        start = (page - 1) * per_page
        items = items[start : start + per_page]
    meta = page_meta(page, per_page, total)
    payload = {"items": [dump(i) for i in items], **meta}
    response = Response(json.dumps(payload), status=200, mimetype="application/json")
    links = [f'<{meta[rel]}>; rel="{rel}"' for rel in ("next", "prev") if meta[rel]]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def paged_query(
    query: sa.Select[Any], args: dict[str, Any], dump: Callable[[Any], Any]
) -> Response:
    """``paged`` for a list that can grow large: the page is read with LIMIT/OFFSET and the
    total counted in SQL (``query`` needs a total ORDER BY). A page past the end is empty."""
    page, per_page = args["page"], args["per_page"]
    total = count_rows(db.session, query)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return paged(rows, args, dump, total=total)


def dated(query: sa.Select[Any], model: Any, args: dict[str, Any]) -> sa.Select[Any]:
    """The created_from / created_to / updated_since filters, in SQL."""
    if args.get("created_from") is not None:
        query = query.where(model.created_at >= args["created_from"])
    if args.get("created_to") is not None:
        query = query.where(model.created_at <= args["created_to"])
    if args.get("updated_since") is not None:
        query = query.where(model.updated_at >= args["updated_since"])
    return query


def in_window(when: dt.datetime | None, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    if when is None:
        return start is None and end is None
    return (start is None or when >= start) and (end is None or when <= end)


def not_found() -> NoReturn:
    raise ApiProblem(404, "No such resource")
