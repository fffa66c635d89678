"""App factory and configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialvalue.config import ConfigError, build_config, normalise_database_url


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = build_config(tmp_path, environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'socialvalue.sqlite3'}"
    assert settings["ENV_NAME"] == "development"


def test_database_url_environment_variables_select_postgresql(tmp_path: Path) -> None:
    settings = build_config(tmp_path, environ={"DATABASE_URL": "postgresql://u:p@127.0.0.1/db"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@127.0.0.1/db"
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    settings = build_config(
        tmp_path,
        environ={
            "DATABASE_URL": "postgresql://ignored/db",
            "SOCIALVALUE_DATABASE_URL": "postgres://u@127.0.0.1/chosen",
        },
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/chosen"


def test_normalise_database_url_leaves_other_urls_alone() -> None:
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgresql+psycopg://a/b") == "postgresql+psycopg://a/b"


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SOCIALVALUE_SECRET_KEY is not set"):
        build_config(tmp_path, environ={"SOCIALVALUE_ENV": "production"})


def test_production_rejects_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too short"):
        build_config(
            tmp_path, environ={"SOCIALVALUE_ENV": "production", "SOCIALVALUE_SECRET_KEY": "short"}
        )


def test_production_with_secret_sets_secure_cookies(tmp_path: Path) -> None:
    settings = build_config(
        tmp_path,
        environ={"SOCIALVALUE_ENV": "production", "SOCIALVALUE_SECRET_KEY": "x" * 40},
    )
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_environment_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SOCIALVALUE_ENV is 'staging'"):
        build_config(tmp_path, environ={"SOCIALVALUE_ENV": "staging"})


def test_bad_upload_limit_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SOCIALVALUE_MAX_UPLOAD_MB"):
        build_config(tmp_path, environ={"SOCIALVALUE_MAX_UPLOAD_MB": "lots"})


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = build_config(tmp_path, environ={})["SECRET_KEY"]
    second = build_config(tmp_path, environ={})["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_create_app_in_production_without_secret_fails_with_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialvalue.app import create_app

    monkeypatch.setenv("SOCIALVALUE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SOCIALVALUE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SOCIALVALUE_SECRET_KEY"):
        create_app({"ENV_NAME": "production"})


def test_create_app_uses_config_mapping_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialvalue.app import create_app

    monkeypatch.setenv("SOCIALVALUE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SOCIALVALUE_FRAMEWORKS_DIR", "/from/environment")
    app = create_app({"FRAMEWORKS_DIR": "/from/mapping", "TESTING": True})
    assert app.config["FRAMEWORKS_DIR"] == "/from/mapping"
    assert app.template_folder.endswith("templates")


def test_wsgi_module_exposes_an_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setenv("SOCIALVALUE_INSTANCE_PATH", str(tmp_path))
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "socialvalue"
