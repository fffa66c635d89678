"""Personal API tokens: created and revoked in the UI, stored hashed, shown once."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa
from api_support import problem
from factories import FreshClient, csrf_token, make_user, sign_in

from socialvalue.extensions import db
from socialvalue.models import ApiToken, AuditEvent, Role

SECRET = re.compile(r'value="(sv_[A-Za-z0-9_-]+)"')


def _signed_in(app: Any, role: Role = Role.OFFICER) -> tuple[FreshClient, Any]:
    user = make_user(db.session, role, name="Tia Tokens")
    db.session.commit()
    client = FreshClient(app, app.response_class, use_cookies=True)
    sign_in(client, user)
    return client, user


def _create(client: FreshClient, name: str) -> Any:
    token = csrf_token(client.get("/account/tokens").get_data(as_text=True))
    return client.post("/account/tokens", data={"csrf_token": token, "name": name})


def test_create_shows_secret_once_and_stores_only_its_hash(app: Any) -> None:
    client, user = _signed_in(app)
    response = _create(client, "Finance export")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    secret = SECRET.search(html).group(1)  # type: ignore[union-attr]
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert row.user_id == user.id and row.name == "Finance export"
    assert row.token_hash == "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.token_hash, row.prefix) and secret.startswith(row.prefix)
    # The list never shows the secret again, only its first characters.
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Finance export" in listing and row.prefix in listing and secret not in listing
    # ... and the secret works as a bearer token until revoked.
    ok = client.get("/api/v1/tenders", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None
    actions = db.session.execute(sa.select(AuditEvent.action)).scalars().all()
    assert "api_token.created" in actions


def test_revoked_token_gets_401_problem(app: Any) -> None:
    client, _ = _signed_in(app)
    secret = SECRET.search(_create(client, "Temp").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    page = client.get("/account/tokens").get_data(as_text=True)
    response = client.post(
        f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    body = problem(
        client.get("/api/v1/tenders", headers={"Authorization": f"Bearer {secret}"}), 401
    )
    assert "revoked" in body["detail"]
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_cannot_revoke_someone_elses_token(app: Any) -> None:
    client, _ = _signed_in(app)
    _create(client, "Mine")
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    other, _ = _signed_in(app, Role.PANEL)
    page = other.get("/account/tokens").get_data(as_text=True)
    response = other.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404  # someone else's token is as good as unknown
    db.session.refresh(row)
    assert row.revoked_at is None
    missing = other.post(
        "/account/tokens/99999999999/revoke", data={"csrf_token": csrf_token(page)}
    )
    assert missing.status_code == 404


def test_name_is_required_and_nothing_is_saved_on_error(app: Any) -> None:
    client, _ = _signed_in(app)
    response = _create(client, "   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "Enter a name for the token" in html
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0
    long = _create(client, "x" * 101)
    assert long.status_code == 422


def test_token_pages_need_sign_in(client: Any) -> None:
    assert client.get("/account/tokens").status_code == 302
    assert client.post("/account/tokens", data={"name": "x"}).status_code in (302, 400)


def test_api_needs_a_bearer_token_and_ignores_session_cookies(app: Any) -> None:
    client, _ = _signed_in(app)
    # Signed in to the web service, but no token: the API does not use the session.
    body = problem(client.get("/api/v1/tenders"), 401)
    assert "Bearer" in body["detail"]
    problem(client.get("/api/v1/tenders", headers={"Authorization": "Bearer sv_nonsense"}), 401)
    problem(client.get("/api/v1/tenders", headers={"Authorization": "Basic abc"}), 401)


def test_deactivated_users_token_stops_working(app: Any) -> None:
    client, user = _signed_in(app)
    secret = SECRET.search(_create(client, "Mine").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    user.active = False
    db.session.commit()
    problem(client.get("/api/v1/tenders", headers={"Authorization": f"Bearer {secret}"}), 401)
