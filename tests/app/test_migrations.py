"""Alembic migrations build the full schema on an empty database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from socialvalue.extensions import db
from socialvalue.models import Base


def test_migrated_schema_matches_the_models(app: object) -> None:
    # The session fixture built this database with `upgrade()` from empty; nothing is missing.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_flask_db_upgrade_on_a_fresh_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialvalue.app import create_app

    monkeypatch.setenv("SOCIALVALUE_INSTANCE_PATH", str(tmp_path))
    database = tmp_path / "fresh.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "TESTING": True})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(f"sqlite:///{database}")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    # Downgrading to nothing and upgrading again works too.
    assert app.test_cli_runner().invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
