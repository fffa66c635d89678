"""Accounts: password rules, sign-in, throttling, sign-out."""

from __future__ import annotations

import re

import pytest

from socialvalue.extensions import db
from socialvalue.models import Role
from socialvalue.services.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    AccountError,
    authenticate,
    create_user,
    password_problems,
)

PASSWORD = "correct horse battery staple"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 12 characters"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("password1234", "too easy to guess"),
        ("officer-secret-words", "must not contain your email"),
    ],
)
def test_password_rules(password: str, fragment: str) -> None:
    assert any(fragment in p for p in password_problems(password, "officer@example.org"))


def test_production_hashing_is_scrypt() -> None:
    from pathlib import Path

    from socialvalue.services import accounts

    # The suite runs with a fast method (tests/conftest.py); the shipped default is scrypt.
    assert 'PASSWORD_HASH_METHOD = "scrypt"' in Path(accounts.__file__).read_text()


def test_good_password_passes() -> None:
    assert password_problems(PASSWORD, "officer@example.org") == []


def test_create_user_normalises_email_and_refuses_duplicates(app: object) -> None:
    user = create_user(
        db.session,
        email=" Officer@Example.org ",
        display_name="Olu",
        role=Role.OFFICER,
        password=PASSWORD,
    )
    assert user.email == "officer@example.org"
    assert user.password_hash != PASSWORD and user.password_hash.startswith("pbkdf2:")
    with pytest.raises(AccountError, match="already exists"):
        create_user(
            db.session,
            email="officer@example.org",
            display_name="Again",
            role="panel",
            password=PASSWORD,
        )


def test_create_user_rejects_weak_password_and_unknown_role(app: object) -> None:
    with pytest.raises(AccountError) as error:
        create_user(db.session, email="a@b.org", display_name="A", role="officer", password="x")
    assert error.value.field == "password"
    with pytest.raises(ValueError, match="'wizard' is not a valid Role"):
        create_user(db.session, email="a@b.org", display_name="A", role="wizard", password=PASSWORD)


def test_authenticate_and_throttle(app: object) -> None:
    create_user(
        db.session, email="p@example.org", display_name="P", role="panel", password=PASSWORD
    )
    db.session.commit()
    assert authenticate(
        db.session, email="p@example.org", password=PASSWORD, remote_addr="1.1.1.1"
    ).user
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        outcome = authenticate(
            db.session, email="p@example.org", password="wrong", remote_addr="1.1.1.1"
        )
        assert outcome.user is None and not outcome.throttled
    outcome = authenticate(
        db.session, email="p@example.org", password=PASSWORD, remote_addr="1.1.1.1"
    )
    assert outcome.user is None and outcome.throttled
    assert "Too many failed attempts" in outcome.message


def test_sign_in_page_flow(app: object, client: object) -> None:
    create_user(
        db.session, email="o@example.org", display_name="Olu", role="officer", password=PASSWORD
    )
    db.session.commit()
    page = client.get("/sign-in")  # type: ignore[attr-defined]
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))

    bad = client.post(
        "/sign-in", data={"csrf_token": token, "email": "o@example.org", "password": "nope"}
    )  # type: ignore[attr-defined]
    html = bad.get_data(as_text=True)
    assert "There is a problem" in html and "Enter a correct email address and password" in html

    empty = client.post("/sign-in", data={"csrf_token": token, "email": "", "password": ""})  # type: ignore[attr-defined]
    assert "Enter your email address" in empty.get_data(as_text=True)

    good = client.post(  # type: ignore[attr-defined]
        "/sign-in?next=https://evil.example/",
        data={"csrf_token": token, "email": "o@example.org", "password": PASSWORD},
    )
    assert good.status_code == 302
    assert good.headers["Location"] == "/"  # an off-site `next` is ignored
    home = client.get("/")  # type: ignore[attr-defined]
    assert "Signed in as Olu" in home.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(app: object, client: object) -> None:
    response = client.post("/sign-in", data={"email": "x@example.org", "password": "y"})  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_create_user_command(app: object, runner: object) -> None:
    result = runner.invoke(  # type: ignore[attr-defined]
        args=[
            "create-user",
            "--email",
            "new@example.org",
            "--name",
            "New",
            "--role",
            "auditor",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(  # type: ignore[attr-defined]
        args=[
            "create-user",
            "--email",
            "w@example.org",
            "--name",
            "W",
            "--role",
            "auditor",
            "--password",
            "weak",
        ]
    )
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
