"""Sign-in throttling, user enumeration and the password rules, through the sign-in page.

Limits: MAX_FAILURES_PER_ACCOUNT failures for one email, or MAX_FAILURES_PER_ADDRESS from one
address, within THROTTLE_WINDOW refuse further attempts (429, with the message in the error
summary) even with the right password; older failures no longer count. An unknown email and
a wrong password get the same page, and cost the same password check.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from factories import PASSWORD, FreshClient, csrf_token, make_user, text

from socialvalue.extensions import db
from socialvalue.models import Role, SignInAttempt, User
from socialvalue.models.base import utcnow
from socialvalue.services import accounts
from socialvalue.services.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    THROTTLE_WINDOW,
    THROTTLED_MESSAGE,
    WRONG_CREDENTIALS_MESSAGE,
    AccountError,
    create_user,
    password_problems,
)
from socialvalue.services.common_passwords import COMMON_PASSWORDS


def attempt(client: Any, email: str, password: str, address: str = "127.0.0.1") -> Any:
    db.session.remove()
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": address})
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(text(page)), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    db.session.remove()
    return response


def signed_in(response: Any) -> bool:
    return response.status_code == 302


def fresh(app: Any) -> FreshClient:
    return FreshClient(app, app.response_class, use_cookies=True)


@dataclass(frozen=True)
class Account:
    id: int
    email: str


@pytest.fixture
def user(app: Any) -> Account:
    created = make_user(db.session, Role.OFFICER, email="olu@example.org")
    db.session.commit()
    return Account(created.id, created.email)


def test_account_is_throttled_after_repeated_failures(app: Any, user: Any) -> None:
    client = fresh(app)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        response = attempt(client, user.email, "not the password at all")
        assert response.status_code == 200
        assert WRONG_CREDENTIALS_MESSAGE in text(response)
    # Now even the right password is refused, from any address, with a clear message.
    for address in ("127.0.0.1", "192.0.2.44"):
        response = attempt(client, user.email, PASSWORD, address)
        assert response.status_code == 429
        html = text(response)
        assert "There is a problem" in html and THROTTLED_MESSAGE in html
        assert not signed_in(response)
    # Refused attempts are not recorded, so hammering does not extend the lock.
    failures = db.session.execute(
        sa.select(sa.func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.email == user.email)
    ).scalar_one()
    assert failures == MAX_FAILURES_PER_ACCOUNT
    # Another account is unaffected.
    other = make_user(db.session, Role.AUDITOR, email="ada@example.org")
    db.session.commit()
    assert signed_in(attempt(fresh(app), other.email, PASSWORD))


def test_failures_older_than_the_window_do_not_count(app: Any, user: Any) -> None:
    old = utcnow() - THROTTLE_WINDOW - dt.timedelta(seconds=5)
    recent = utcnow() - THROTTLE_WINDOW + dt.timedelta(minutes=1)
    for when in [old] * 10 + [recent] * (MAX_FAILURES_PER_ACCOUNT - 1):
        db.session.add(
            SignInAttempt(
                email=user.email, remote_addr="10.0.0.1", succeeded=False, attempted_at=when
            )
        )
    db.session.commit()
    assert signed_in(attempt(fresh(app), user.email, PASSWORD))
    db.session.add(
        SignInAttempt(
            email=user.email, remote_addr="10.0.0.1", succeeded=False, attempted_at=recent
        )
    )
    db.session.commit()
    assert attempt(fresh(app), user.email, PASSWORD).status_code == 429


def test_an_address_is_throttled_across_accounts(app: Any, user: Any) -> None:
    client = fresh(app)
    for number in range(MAX_FAILURES_PER_ADDRESS):
        # Different (mostly unknown) emails: an attacker spraying one password.
        response = attempt(client, f"person{number}@example.org", "Spring2025!", "198.51.100.7")
        assert response.status_code == 200
    response = attempt(client, user.email, PASSWORD, "198.51.100.7")
    assert response.status_code == 429 and THROTTLED_MESSAGE in text(response)
    # The same person from another address signs in.
    assert signed_in(attempt(fresh(app), user.email, PASSWORD, "198.51.100.8"))


def test_unknown_email_and_wrong_password_look_the_same(app: Any, user: Any) -> None:
    def page(email: str) -> tuple[int, str]:
        response = attempt(fresh(app), email, "not the password at all")
        html = text(response)
        html = html.replace(csrf_token(html), "TOKEN").replace(email, "EMAIL")
        return response.status_code, html

    assert page(user.email) == page("nobody-here@example.org")
    # Deactivated accounts too: the right password gets the same answer.
    db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    inactive = attempt(fresh(app), user.email, PASSWORD)
    assert inactive.status_code == 200 and WRONG_CREDENTIALS_MESSAGE in text(inactive)
    # Throttling counts unknown emails as it counts real ones.
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        attempt(fresh(app), "ghost@example.org", "wrong password here")
    assert attempt(fresh(app), "ghost@example.org", "wrong password here").status_code == 429


def test_unknown_email_costs_the_same_password_check(
    app: Any, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both paths check one hash made with the configured method, so timing tells nothing."""
    checked: list[str] = []
    original = accounts.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return original(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    accounts.authenticate(db.session, email=user.email, password="wrong", remote_addr="x")
    accounts.authenticate(db.session, email="ghost@example.org", password="wrong", remote_addr="x")
    db.session.rollback()
    assert len(checked) == 2 and checked[0] == checked[1]

    # With the production method (scrypt), the two take comparable time: an unknown email
    # must not come back measurably faster than a wrong password.
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", "scrypt")
    scrypt_hash = accounts.generate_password_hash(PASSWORD, method="scrypt")
    db.session.execute(sa.update(User).where(User.id == user.id).values(password_hash=scrypt_hash))
    db.session.commit()

    def timed(email: str) -> float:
        start = time.perf_counter()
        accounts.authenticate(db.session, email=email, password="wrong", remote_addr="y")
        db.session.rollback()
        return time.perf_counter() - start

    timed("warm@example.org")
    known = statistics.median(timed(user.email) for _ in range(5))
    unknown = statistics.median(timed("ghost@example.org") for _ in range(5))
    assert unknown > 0.5 * known, (known, unknown)


# -- password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Password1234!",
        "P@ssw0rd-2024",
        "manchester2024",
        "Liverpool 1892!",
        "Summer2025!!!",
        "qwertyuiopas",
        "abcdefghijklm",
        "123456789012",
        "07700 900123",
        "passwordpassword",
        "byebyebyebyebye",
        "aaaaaaaaaaaaaaa",
    ],
)
def test_guessable_passwords_are_refused(password: str) -> None:
    assert any("too easy to guess" in p for p in password_problems(password, "x@example.org"))


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short words", "at least 12 characters"),
        ("x" * 201, "200 characters or fewer"),
        ("olu.officer likes tea", "must not contain your email"),
    ],
)
def test_length_and_email_rules(password: str, fragment: str) -> None:
    assert any(fragment in p for p in password_problems(password, "olu.officer@example.org"))


@pytest.mark.parametrize(
    "password", [PASSWORD, "copper-meadow-27", "tram stop biscuit lantern", "Hebden Bridge in fog"]
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_problems(password, "olu@example.org") == []


def test_the_common_password_list_is_substantial() -> None:
    assert len(COMMON_PASSWORDS) >= 300
    assert {"password", "123456", "qwerty", "letmein", "manchester"} <= COMMON_PASSWORDS
    assert all(word == word.lower() and " " not in word for word in COMMON_PASSWORDS)


def test_every_way_to_set_a_password_applies_the_rules(app: Any, runner: Any) -> None:
    """Accounts are created by the create-user command (and the demo loader); there is no
    password change form. Both go through services.accounts.create_user."""
    with pytest.raises(AccountError, match="too easy to guess"):
        create_user(
            db.session,
            email="a@example.org",
            display_name="A",
            role="panel",
            password="Password1234!",
        )
    result = runner.invoke(
        args=[
            "create-user",
            *("--email", "w@example.org", "--name", "W", "--role", "auditor"),
            *("--password", "Manchester2024!"),
        ]
    )
    assert result.exit_code == 1 and "too easy to guess" in result.output
