"""Your account: personal API tokens (created, shown once, listed and revoked)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response

from socialvalue.extensions import db
from socialvalue.schemas.account import TokenCreateInputSchema
from socialvalue.schemas.common import load_form
from socialvalue.services import api_tokens
from socialvalue.services.errors import DomainError, NotPermitted
from socialvalue.services.pagination import PER_PAGE, InvalidPage, parse_page
from socialvalue.views.support import acting_user, commit

bp = Blueprint("account", __name__, url_prefix="/account")


def _tokens_page(
    errors: dict[str, list[str]] | None = None, name: str = "", status: int = 200
) -> tuple[str, int]:
    try:
        tokens = api_tokens.tokens_page(
            db.session, acting_user(), parse_page(request.args.get("page")), PER_PAGE
        )
    except InvalidPage:
        abort(404)
    return (
        render_template(
            "account/tokens.html",
            tokens=tokens,
            errors=errors or {},
            name=name,
            page_title="API tokens"
            + (f" (page {tokens.page} of {tokens.pages})" if tokens.pages > 1 else ""),
        ),
        status,
    )


@bp.get("/tokens")
@login_required
def tokens() -> tuple[str, int]:
    return _tokens_page()


@bp.post("/tokens")
@login_required
def create_token() -> Response | tuple[str, int]:
    data, errors = load_form(TokenCreateInputSchema(), request.form)
    if errors:
        return _tokens_page(errors, request.form.get("name", ""), 422)
    try:
        token, secret = api_tokens.create_token(db.session, acting_user(), data["name"])
        commit()
    except DomainError as error:
        db.session.rollback()
        return _tokens_page(error.errors, data["name"], 422)
    # The secret exists only in this response: it is never stored, flashed or logged.
    response = make_response(
        render_template(
            "account/token_created.html", token=token, secret=secret, page_title="Token created"
        ),
        201,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    token = api_tokens.own_token(db.session, acting_user(), token_id)
    if token is None:
        abort(404)
    try:
        api_tokens.revoke_token(db.session, acting_user(), token)
        commit()
    except NotPermitted as error:
        db.session.rollback()
        abort(403, description=error.message)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(url_for("account.tokens"))
    flash(f"Token ‘{token.name}’ revoked: it no longer works.", "success")
    return redirect(url_for("account.tokens"))
