"""Fixtures for the API tests: users of every role, each with a personal API token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from api_support import ApiClient
from factories import FreshClient, make_user

from socialvalue.extensions import db
from socialvalue.models import Role, User
from socialvalue.services.api_tokens import create_token


@dataclass
class ApiPeople:
    officer: User
    officer2: User
    panel: User
    supplier: User
    supplier2: User
    auditor: User
    secrets: dict[str, str]


@pytest.fixture
def people(app: Any) -> ApiPeople:
    session = db.session
    users = {
        "officer": make_user(session, Role.OFFICER, name="Olu Officer"),
        "officer2": make_user(session, Role.OFFICER, name="Oona Officer"),
        "panel": make_user(session, Role.PANEL, name="Priya Panel"),
        "supplier": make_user(session, Role.SUPPLIER, name="Sam Supplier"),
        "supplier2": make_user(session, Role.SUPPLIER, name="Sue Supplier"),
        "auditor": make_user(session, Role.AUDITOR, name="Ada Auditor"),
    }
    secrets = {key: create_token(session, user, f"{key} token")[1] for key, user in users.items()}
    session.commit()
    return ApiPeople(**users, secrets=secrets)


@pytest.fixture
def api(app: Any, people: ApiPeople) -> Any:
    """api(role) -> an ApiClient authenticated as that person (None: no token at all)."""

    def make(who: str | None) -> ApiClient:
        client = FreshClient(app, app.response_class, use_cookies=True)
        return ApiClient(client, people.secrets[who] if who else None)

    return make
