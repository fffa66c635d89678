"""The JSON API under /api/v1, described by an OpenAPI 3 document built from its schemas.

Authentication is by personal API token only (``Authorization: Bearer <token>``): session
cookies are never consulted, so the API is exempt from CSRF protection.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from socialvalue.api import core
from socialvalue.api.schemas import DecimalInput, DecimalString
from socialvalue.extensions import csrf
from socialvalue.services.errors import DomainError, NotPermitted

API_DESCRIPTION = """\
The socialvalue API: the same data and the same rules as the web service.

* **Authentication**: create a personal token under *Your account > API tokens* and send it as
  `Authorization: Bearer <token>`. A token acts as you, with your role and tender assignments.
* **Errors** are `application/problem+json` (RFC 9457). Validation failures (422) list
  `errors: [{field, message}]`.
* **Concurrency**: responses carry an `ETag` (so does `GET` on each record you can change).
  Updates need `If-Match` with the ETag you last read: 428 when it is missing, 412 when the
  record has changed since, even if the other change lands while yours is being saved (nothing
  is saved). To create a score or consensus score only if nobody has yet, send
  `If-None-Match: *` (412 if it exists).
* **Pages**: lists take `page` and `per_page` (at most 100) and answer with `items`, `total`,
  `next` and `prev`, and a `Link` header.
* **Numbers** are exact decimal strings, such as `"1250000.00"`.
"""


class SocialValueApi(Api):  # type: ignore[misc]
    """flask-smorest, but errors stay problem+json for the API and HTML for the web pages."""

    def _register_error_handlers(self) -> None:
        return None


def _blueprints() -> list[Any]:
    from socialvalue.api import resources

    blueprints = [resources.blp]
    try:
        from socialvalue.api import contracts
    except ImportError:  # pragma: no cover - delivery tracking not installed
        return blueprints
    return [*blueprints, contracts.blp]


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "socialvalue API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = SocialValueApi()
    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
        },
    )
    api.register_field(DecimalString, "string", "decimal")
    api.register_field(DecimalInput, "string", "decimal")
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal API token"}
    )
    for blueprint in _blueprints():
        if blueprint.name not in app.blueprints:
            _prepare(blueprint)
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    docs_blueprint = app.blueprints.get("api-docs")
    if docs_blueprint is not None:
        csrf.exempt(docs_blueprint)
    app.extensions["socialvalue_api"] = api
    from socialvalue.api import docs

    app.register_blueprint(docs.bp)


_prepared: set[str] = set()


def _prepare(blueprint: Any) -> None:
    """Token authentication and problem+json errors for every route of the blueprint (once:
    blueprints are module-level and tests build several apps)."""
    if blueprint.name in _prepared:
        return
    _prepared.add(blueprint.name)
    blueprint.before_request(core.authenticate_request)
    blueprint.register_error_handler(HTTPException, core.handle_http_exception)
    blueprint.register_error_handler(DomainError, core.handle_domain_error)
    blueprint.register_error_handler(NotPermitted, core.handle_not_permitted)
    blueprint.register_error_handler(Exception, core.handle_unexpected)
