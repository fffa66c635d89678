"""Fixtures for page tests: one user of every role and signed-in test clients.

The helpers they use (FreshClient, sign_in, post, post_form, audit_actions, count_queries...)
and the tender builders (make_s1_tender...) live in tests/factories.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from factories import FreshClient, make_user, sign_in

from socialvalue.extensions import db
from socialvalue.models import Role, User


@dataclass
class People:
    """One committed user of each kind a tender involves."""

    officer: User
    officer2: User
    admin: User
    panel: User
    panel2: User
    supplier: User
    supplier2: User
    auditor: User


@pytest.fixture
def people(app: Any) -> People:
    session = db.session
    crowd = People(
        officer=make_user(session, Role.OFFICER, name="Olu Officer", organisation="GMCA"),
        officer2=make_user(session, Role.OFFICER, name="Orla Officer", organisation="GMCA"),
        admin=make_user(session, Role.ADMIN, name="Alex Admin"),
        panel=make_user(session, Role.PANEL, name="Priya Panel", organisation="Salford CVS"),
        panel2=make_user(session, Role.PANEL, name="Pat Panel", organisation="Oldham panel"),
        supplier=make_user(
            session, Role.SUPPLIER, name="Sam Supplier", organisation="Northern Facilities Ltd"
        ),
        supplier2=make_user(
            session, Role.SUPPLIER, name="Sue Supplier", organisation="Pennine Services Ltd"
        ),
        auditor=make_user(session, Role.AUDITOR, name="Ada Auditor"),
    )
    session.commit()
    return crowd


@pytest.fixture
def client(app: Any) -> FreshClient:
    return FreshClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client_for(app: Any) -> Callable[[User | None], FreshClient]:
    """A new client, signed in as the given user (or anonymous for None)."""

    def make(user: User | None = None) -> FreshClient:
        fresh = FreshClient(app, app.response_class, use_cookies=True)
        if user is not None:
            sign_in(fresh, user)
        return fresh

    return make
