"""User accounts: creation with a password policy, and sign-in with throttling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from socialvalue.models.base import utcnow
from socialvalue.models.user import Role, SignInAttempt, User

MIN_PASSWORD_LENGTH = 12
# scrypt (werkzeug's default) is deliberately slow; the test suite swaps in a fast method.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash algorithm name, not a secret
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
THROTTLE_WINDOW = dt.timedelta(minutes=15)
# A hash to compare against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing")

COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiop12",
        "letmein12345",
        "passwordpassword",
        "welcome12345",
        "administrator",
        "iloveyou1234",
        "manchester123",
        "changeme1234",
    }
)


class AccountError(ValueError):
    """A user-facing problem with account data; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def password_problems(password: str, email: str = "") -> list[str]:
    """Return why a password is not acceptable (empty list when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > 200:
        problems.append("Password must be 200 characters or fewer")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
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
        return SignInOutcome(
            None,
            "Too many failed attempts to sign in. Wait 15 minutes, then try again.",
            throttled=True,
        )
    user = session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    succeeded = bool(user is not None and valid and user.active)
    session.add(
        SignInAttempt(
            email=email, remote_addr=remote_addr, succeeded=succeeded, attempted_at=utcnow()
        )
    )
    if not succeeded or user is None:
        return SignInOutcome(None, "Enter a correct email address and password")
    user.last_sign_in_at = utcnow()
    session.flush()
    return SignInOutcome(user)
