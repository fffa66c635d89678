"""Small helpers every blueprint shares: loading records or 404, access checks, one commit."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from socialvalue.extensions import db
from socialvalue.models.tender import Tender
from socialvalue.models.user import Role, User
from socialvalue.services.access import Action, TenderAccess, load_tender_access
from socialvalue.services.errors import NotPermitted, StaleVersion
from socialvalue.services.tenders import get_tender

F = TypeVar("F", bound=Callable[..., Any])


def acting_user() -> User:
    """The signed-in user as a model instance (services take the actor explicitly)."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed in, and holding one of ``roles``; otherwise 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not acting_user().has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def load_tender(tender_id: int) -> Tender:
    tender = get_tender(db.session, tender_id)
    if tender is None:
        abort(404)
    return tender


def tender_with_access(tender_id: int, action: Action) -> tuple[Tender, TenderAccess]:
    """Load the tender (404 if unknown) and check the signed-in user may do ``action`` (403)."""
    access = load_tender_access(db.session, acting_user(), tender_id)
    if access is None:
        abort(404)
    tender = access.tender
    reason = access.why_not(action)
    if reason is not None:
        abort(403, description=reason)
    return tender, access


def commit() -> None:
    """Commit the request's one transaction; a concurrent edit becomes a StaleVersion."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleVersion() from error


def stale_errors(what: str) -> dict[str, list[str]]:
    """The web's answer to a concurrent edit: the page is shown again with the current version.

    For a version that no longer matches (StaleVersion), and for the same race caught at the
    database (the UPDATE's version check, or the unique key of a row created at the same time).
    """
    return {
        "_form": [
            f"Someone else changed this {what} while you were editing it. Your change was not "
            "saved. This page now shows the current version: check it, then make your change "
            "again if it is still needed."
        ]
    }


def forbid(error: NotPermitted) -> None:
    abort(403, description=error.message)
