"""User accounts: creation with a password policy, and sign-in with throttling."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from socialvalue.models.base import utcnow
from socialvalue.models.user import Role, SignInAttempt, User
from socialvalue.services.common_passwords import COMMON_PASSWORDS, LEET
from socialvalue.services.tenders import valid_id

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# scrypt (werkzeug's default) is deliberately slow; the test suite swaps in a fast method.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash algorithm name, not a secret
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
THROTTLE_WINDOW = dt.timedelta(minutes=15)
THROTTLED_MESSAGE = "Too many failed attempts to sign in. Wait 15 minutes, then try again."
WRONG_CREDENTIALS_MESSAGE = "Enter a correct email address and password"

# Runs of characters people use as passwords: the alphabet, digits, keyboard rows.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "012345678901234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_EDGE_NOISE = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class AccountError(ValueError):
    """A user-facing problem with account data; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _guessable(password: str) -> bool:
    """A common password, a common word with digits or symbols around it, a repeated chunk, a
    run of the alphabet, digits or keyboard, no letters at all, or too few different
    characters."""
    lowered = password.lower().strip()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 5:
        return True
    core = _EDGE_NOISE.sub("", lowered)
    if not core:
        return True  # only digits and symbols: a date, a phone number, a keyboard pattern
    squashed = re.sub(r"[\s_.-]+", "", core)
    for candidate in {core, squashed, core.translate(LEET), squashed.translate(LEET)}:
        if candidate in COMMON_PASSWORDS:
            return True
    compact = re.sub(r"\s+", "", lowered)
    for size in range(1, len(compact) // 2 + 1):
        if len(compact) % size == 0 and compact[:size] * (len(compact) // size) == compact:
            return True
    return any(compact in run or compact in run[::-1] for run in _SEQUENCES)


def password_problems(password: str, email: str = "") -> list[str]:
    """Return why a password is not acceptable (empty list when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if _guessable(password):
        problems.append("Password is too easy to guess: use three or four random words")
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in password.lower():
        problems.append("Password must not contain your email address")
    return problems


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    password: str,
    organisation: str | None = None,
) -> User:
    """Create an account after checking the email is free and the password is strong."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(
            "email", "Enter an email address in the correct format, like name@example.org"
        )
    role = Role(role)
    problems = password_problems(password, email)
    if problems:
        raise AccountError("password", problems[0])
    if session.execute(sa.select(User.id).where(User.email == email)).first():
        raise AccountError("email", f"An account with the email {email} already exists")
    user = User(
        email=email,
        display_name=display_name.strip() or email,
        role=role.value,
        organisation=organisation,
        password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
    )
    session.add(user)
    session.flush()
    return user


def signed_in_user(session: Session, user_id: int, epoch: int) -> User | None:
    """The active user a session cookie names, if that session has not been ended since."""
    if not valid_id(user_id):
        return None
    user = session.execute(_user_by_id(), {"id": user_id}).scalar_one_or_none()
    if user is None or not user.active or (user.session_epoch or 0) != epoch:
        return None
    return user


@functools.cache
def _user_by_id() -> sa.Select[tuple[User]]:
    # Built once: every signed-in request runs it (Session.get builds its query every time).
    return sa.select(User).where(User.id == sa.bindparam("id"))


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made the same way as real ones, to check against when there is no account."""
    return generate_password_hash("not-a-real-password-for-timing", method=method)


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    message: str = ""
    throttled: bool = False


def _recent_failures(session: Session, column: sa.ColumnElement[str], value: str) -> int:
    since = utcnow() - THROTTLE_WINDOW
    return session.execute(
        sa.select(sa.func.count())
        .select_from(SignInAttempt)
        .where(column == value, SignInAttempt.succeeded.is_(False))
        .where(SignInAttempt.attempted_at >= since)
    ).scalar_one()


def authenticate(session: Session, *, email: str, password: str, remote_addr: str) -> SignInOutcome:
    """Check credentials, refusing after too many recent failures for the account or address."""
    email = normalise_email(email)
    remote_addr = (remote_addr or "unknown")[:64]
    if (
        _recent_failures(session, SignInAttempt.email, email) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, SignInAttempt.remote_addr, remote_addr)
        >= MAX_FAILURES_PER_ADDRESS
    ):
        return SignInOutcome(None, THROTTLED_MESSAGE, throttled=True)
    user = session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    # An unknown email costs the same password check as a known one, so neither the answer
    # nor its timing tells an attacker which addresses have accounts.
    valid = check_password_hash(
        user.password_hash if user else _dummy_hash(PASSWORD_HASH_METHOD), password
    )
    succeeded = bool(user is not None and valid and user.active)
    session.add(
        SignInAttempt(
            email=email, remote_addr=remote_addr, succeeded=succeeded, attempted_at=utcnow()
        )
    )
    if not succeeded or user is None:
        return SignInOutcome(None, WRONG_CREDENTIALS_MESSAGE)
    user.last_sign_in_at = utcnow()
    session.flush()
    return SignInOutcome(user)


def end_sessions(session: Session, user: User) -> None:
    """End every signed-in session of ``user`` (all browsers and copies of their cookies): the
    session epoch in their cookies no longer matches. Used at sign-out."""
    session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_epoch=User.session_epoch + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, ["session_epoch"])
