"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from socialvalue.extensions import db
from socialvalue.schemas.auth import SignInInputSchema
from socialvalue.schemas.common import load_form
from socialvalue.services.accounts import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an attacker-supplied absolute URL must not redirect away.
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
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
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("main.home"))
