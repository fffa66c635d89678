"""Personal API tokens: created and revoked by their owner, stored only as a SHA-256 hash.

The secret is returned once, at creation; afterwards nobody (not even an administrator) can read
it back. A token acts as its user, with exactly that user's roles and tender assignments.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from socialvalue.models.api_token import ApiToken
from socialvalue.models.base import utcnow
from socialvalue.models.user import User
from socialvalue.services.audit import record_event
from socialvalue.services.errors import DomainError, NotPermitted, StateConflict
from socialvalue.services.pagination import Page, paginate

TOKEN_PREFIX = "sv_"  # noqa: S105 - a public marker, not a secret
MAX_ID = 2**31 - 1
MAX_ACTIVE_TOKENS = 20
# Updating last_used_at on every request would write on every read; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60


def hash_secret(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; returns the row and the secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise DomainError("Enter a name for the token, like ‘Finance system export’", "name")
    if len(name) > 100:
        raise DomainError("The name must be 100 characters or fewer", "name")
    active = session.execute(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
    ).scalar_one()
    if active >= MAX_ACTIVE_TOKENS:
        raise StateConflict(
            f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use "
            "first",
            "name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id, name=name, token_hash=hash_secret(secret), prefix=secret[:10]
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="api_token.created",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
        summary=f"API token ‘{token.name}’ created",
    )
    return token, secret


def own_token(session: Session, actor: User, token_id: int) -> ApiToken | None:
    """One of the actor's tokens; None for an unknown id and for anyone else's token alike."""
    if not 0 < token_id <= MAX_ID:
        return None
    token = session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == actor.id else None


def revoke_token(session: Session, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    if token.user_id != actor.id:
        raise NotPermitted("That token is not one of yours")
    if token.revoked_at is not None:
        raise StateConflict("That token has already been revoked")
    token.revoked_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="api_token.revoked",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
        summary=f"API token ‘{token.name}’ revoked",
    )
    return token


def authenticate(session: Session, secret: str) -> User | None:
    """The active user behind an active token, or None. Records when the token was last used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.execute(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == hash_secret(secret))
        .options(joinedload(ApiToken.user))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        token.last_used_at = now
    return token.user


def tokens_page(session: Session, user: User, page: int, per_page: int) -> Page[ApiToken]:
    """One page of the user's tokens: working ones first, newest first."""
    query = (
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return paginate(session, query, page, per_page)
