"""Shared fixtures.

The suite runs against SQLite by default and against PostgreSQL when
SOCIALVALUE_TEST_DATABASE_URL is set (scripts/test does both). The schema is always built by the
Alembic migrations, never by create_all, so every run also proves the migrations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("SOCIALVALUE_TEST_DATABASE_URL", "")


def pytest_report_header(config: pytest.Config) -> str:
    backend = "postgresql" if TEST_DATABASE_URL.startswith("postgres") else "sqlite"
    return f"socialvalue database backend: {backend}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DATABASE_URL.startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set SOCIALVALUE_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def reset_database(url: str) -> None:
    """Empty the test database completely so migrations start from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # scrypt costs ~0.1 s per hash by design; hundreds of test users would cost minutes.
    from socialvalue.services import accounts

    original = accounts.PASSWORD_HASH_METHOD
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    yield
    accounts.PASSWORD_HASH_METHOD = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        from socialvalue.config import normalise_database_url

        return normalise_database_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app_config(database_url: str, instance_path: Path) -> dict[str, object]:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234567890",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(instance_path / "uploads"),
        "FRAMEWORKS_DIR": str(REPO_ROOT / "frameworks"),
    }


@pytest.fixture(scope="session")
def _migrated_app(app_config: dict[str, object], instance_path: Path) -> Iterator[object]:
    os.environ["SOCIALVALUE_INSTANCE_PATH"] = str(instance_path)
    from flask_migrate import upgrade

    from socialvalue.app import create_app

    reset_database(str(app_config["SQLALCHEMY_DATABASE_URI"]))
    app = create_app(app_config)
    with app.app_context():
        upgrade()
    yield app
    from socialvalue.extensions import db

    with app.app_context():
        db.engine.dispose()


def _empty_all_tables(app: object) -> None:
    from socialvalue.extensions import db
    from socialvalue.models import Base

    with app.app_context():  # type: ignore[attr-defined]
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app(_migrated_app: object) -> Iterator[object]:
    """A migrated application with every table empty at the start of the test."""
    _empty_all_tables(_migrated_app)
    with _migrated_app.app_context():  # type: ignore[attr-defined]
        yield _migrated_app
        from socialvalue.extensions import db

        db.session.remove()


@pytest.fixture
def client(app: object) -> object:
    return app.test_client()  # type: ignore[attr-defined]


@pytest.fixture
def runner(app: object) -> object:
    return app.test_cli_runner()  # type: ignore[attr-defined]


@pytest.fixture
def db_session(app: object) -> object:
    from socialvalue.extensions import db

    return db.session


@pytest.fixture
def synced_frameworks(app: object) -> object:
    """The shipped framework library loaded into the database."""
    from socialvalue import framework_registry as registry
    from socialvalue.extensions import db
    from socialvalue.services.frameworks import sync_frameworks

    library = registry.load_library(REPO_ROOT / "frameworks")
    sync_frameworks(db.session, library)
    db.session.commit()
    return library
