"""Sign in and sign out."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from socialvalue.extensions import db
from socialvalue.schemas.auth import SignInInputSchema
from socialvalue.schemas.common import load_form
from socialvalue.services.accounts import authenticate, end_sessions

bp = Blueprint("auth", __name__)


# A path on this site: one slash, then only characters that are safe in a URL. Browsers read
# "//host", "/\\host" and "/<tab>/host" (they drop tabs and newlines) as another site, and a CR
# or LF would split the Location header, so none of those can get through.
_SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*")
MAX_NEXT_LENGTH = 2000


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an attacker-supplied URL must not redirect away.
    if not target or len(target) > MAX_NEXT_LENGTH or not _SAFE_PATH.fullmatch(target):
        return url_for("main.home")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    errors: dict[str, list[str]] = {}
    form = {"email": request.form.get("email", "")}
    if request.method == "POST":
        data, errors = load_form(SignInInputSchema(), request.form)
        if not errors:
            outcome = authenticate(
                db.session,
                email=data["email"],
                password=data["password"],
                remote_addr=request.remote_addr or "unknown",
            )
            db.session.commit()
            if outcome.user is not None:
                # A new session for the signed-in user: nothing set before sign-in (such as
                # the CSRF token) carries over, so a session planted on a shared computer or
                # by another site cannot be promoted to a signed-in one.
                session.clear()
                login_user(outcome.user)
                flash(f"Signed in as {outcome.user.display_name}.", "success")
                return redirect(_safe_next(request.args.get("next")))
            errors = {"email": [outcome.message]}
            status = 429 if outcome.throttled else 200
            return (
                render_template(
                    "auth/sign_in.html", errors=errors, form=form, page_title="Sign in"
                ),
                status,
            )
    return render_template("auth/sign_in.html", errors=errors, form=form, page_title="Sign in")


@bp.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        # Every session of this account ends, including copies of its cookie.
        end_sessions(db.session, current_user)
        db.session.commit()
    logout_user()
    session.clear()  # the CSRF token and anything else the session held go too
    flash("You have signed out.", "success")
    return redirect(url_for("main.home"))
