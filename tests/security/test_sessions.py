"""Session and remember cookies: their flags, renewal at sign-in, clearing at sign-out, and how
long a copied cookie stays usable.

Sessions are Flask's signed cookies. At sign-in the session is emptied and rebuilt, so nothing
from before (a planted value, the old CSRF token) survives; sign-out empties it and moves the
user's session epoch on: the epoch is part of the id in the cookie, so a copy of a signed-in
cookie taken *before* sign-out stops working at once, in every browser. A cookie nobody signs
out of is refused once it is PERMANENT_SESSION_LIFETIME old (12 hours from when it was last
written).
"""

from __future__ import annotations

import datetime as dt
from http.cookies import SimpleCookie
from typing import Any

import pytest
import sqlalchemy as sa
from factories import PASSWORD, FreshClient, csrf_token, make_user, text

from socialvalue.config import build_config
from socialvalue.extensions import db
from socialvalue.models import Role

COOKIE = "socialvalue_session"


def fresh(app: Any) -> FreshClient:
    return FreshClient(app, app.response_class, use_cookies=True)


def session_cookie(response: Any) -> SimpleCookie:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{COOKIE}="):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            return jar
    raise AssertionError(f"no {COOKIE} cookie set: {response.headers.getlist('Set-Cookie')}")


def cookie_value(client: FreshClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def sign_in(client: FreshClient, email: str) -> Any:
    db.session.remove()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(text(page)), "email": email, "password": PASSWORD},
    )
    db.session.remove()
    assert response.status_code == 302
    return response


@pytest.fixture
def email(app: Any) -> str:
    user = make_user(db.session, Role.OFFICER)
    db.session.commit()
    return user.email


def test_session_cookie_flags(app: Any, email: str) -> None:
    client = fresh(app)
    response = sign_in(client, email)
    morsel = session_cookie(response)[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert not morsel["domain"]
    assert not morsel["expires"]  # ends with the browser session
    assert not morsel["secure"]  # testing runs over plain HTTP; production: see below
    # "Remember me" is not offered: no long-lived cookie is ever set.
    assert not any(c.startswith("remember_token") for c in response.headers.getlist("Set-Cookie"))


def test_cookie_settings_in_production(tmp_path: Any) -> None:
    settings = build_config(
        tmp_path, environ={"SOCIALVALUE_ENV": "production", "SOCIALVALUE_SECRET_KEY": "k" * 40}
    )
    assert settings["SESSION_COOKIE_NAME"] == "__Host-socialvalue_session"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_HTTPONLY"] is True
    assert settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert settings["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=12)
    development = build_config(tmp_path, environ={})
    assert development["SESSION_COOKIE_NAME"] == COOKIE
    assert development["SESSION_COOKIE_SECURE"] is False


def test_sign_in_starts_a_new_session(app: Any, email: str) -> None:
    client = fresh(app)
    page = client.get("/sign-in")
    token_before = csrf_token(text(page))
    with client.session_transaction() as session:
        session["planted"] = "by someone at this computer earlier"
    before = cookie_value(client)
    sign_in(client, email)
    after = cookie_value(client)
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]
    # The CSRF token from before sign-in is not the one the signed-in session uses.
    home = client.get("/")
    assert csrf_token(text(home)) != token_before
    refused = client.post("/account/tokens", data={"csrf_token": token_before, "name": "x"})
    assert refused.status_code == 400


def test_sign_out_clears_the_session(app: Any, email: str) -> None:
    client = fresh(app)
    sign_in(client, email)
    token = csrf_token(text(client.get("/")))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "csrf_token" not in session
        assert set(session) <= {"_flashes"}
    follow = client.get("/tenders/")
    assert follow.status_code == 302 and follow.headers["Location"].startswith("/sign-in")
    # Signing out needs the CSRF token: another site cannot sign people out.
    sign_in(client, email)
    assert client.post("/sign-out", data={}).status_code == 400
    assert client.get("/tenders/").status_code == 200


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app: Any, email: str) -> None:
    owner = fresh(app)
    sign_in(owner, email)
    copied = cookie_value(owner)
    assert copied is not None
    elsewhere = fresh(app)  # the same person signed in on another computer
    sign_in(elsewhere, email)
    thief = fresh(app)
    thief.set_cookie(COOKIE, copied)
    assert thief.get("/tenders/").status_code == 200  # a copy works while the owner is in

    owner.post("/sign-out", data={"csrf_token": csrf_token(text(owner.get("/")))})
    for client in (thief, elsewhere):
        response = client.get("/tenders/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    # Signing in again works, with a new cookie; the copy stays dead.
    sign_in(owner, email)
    assert owner.get("/tenders/").status_code == 200
    assert thief.get("/tenders/").status_code == 302


def test_session_ids_that_are_not_a_user_and_epoch_are_refused(app: Any, email: str) -> None:
    """The id inside a validly signed cookie is still checked: only "<user>:<epoch>" with the
    user's current epoch (or a bare id, from before epochs, while the epoch is 0)."""
    from socialvalue.extensions import db
    from socialvalue.models import User

    client = fresh(app)
    sign_in(client, email)
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        user_id, epoch = user.id, user.session_epoch
    for session_id, works in (
        (f"{user_id}:{epoch}", True),
        (str(user_id) if epoch == 0 else f"{user_id}:{epoch}", True),
        (f"{user_id}:{epoch + 1}", False),
        (f"{user_id}:-1", False),
        (f"{user_id}:", epoch == 0),
        ("99999999999:0", False),
        ("2147483648:0", False),
        ("0:0", False),
        ("٣:0", False),
        ("abc", False),
        ("", False),
    ):
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        status = client.get("/tenders/").status_code
        assert (status == 200) is works, (session_id, status)


def test_a_copied_cookie_is_refused_once_too_old(
    app: Any, email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cookie nobody signed out of still expires: a copy is refused once the session lifetime
    has passed since it was written."""
    owner = fresh(app)
    sign_in(owner, email)
    copied = cookie_value(owner)
    assert copied is not None
    thief = fresh(app)
    thief.set_cookie(COOKIE, copied)
    assert thief.get("/tenders/").status_code == 200
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", dt.timedelta(seconds=-1))
    late = fresh(app)
    late.set_cookie(COOKIE, copied)
    response = late.get("/tenders/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_tampered_cookie_is_ignored(app: Any, email: str) -> None:
    client = fresh(app)
    sign_in(client, email)
    value = cookie_value(client)
    assert value is not None
    payload, _, signature = value.rpartition(".")
    forged = fresh(app)
    forged.set_cookie(COOKIE, payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:])
    response = forged.get("/tenders/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
