"""Configuration: safe defaults, ``SOCIALVALUE_*`` environment overrides, instance-folder SQLite.

Precedence (lowest first): defaults -> environment -> the ``config`` mapping given to
``create_app`` (tests use that). Production refuses to start without an explicit secret key.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to set."""


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_settings(instance_path: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "development",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'socialvalue.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "FRAMEWORKS_DIR": str(PROJECT_ROOT / "frameworks"),
        "UPLOAD_DIR": str(instance_path / "uploads"),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_NAME": "socialvalue_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        # The signed session cookie is refused once this old (counted from when it was last
        # written: sign-in, or any message shown), so a copied cookie does not work for ever.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none;
        # the headers are then ignored, so a client cannot spoof its address or the scheme).
        "TRUSTED_PROXIES": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "http",
        "OCID_PREFIX": "ocds-socialvalue-dev",
    }


def _environment_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    database_url = environ.get("SOCIALVALUE_DATABASE_URL") or environ.get("DATABASE_URL")
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = database_url
    simple = {
        "SOCIALVALUE_ENV": "ENV_NAME",
        "SOCIALVALUE_SECRET_KEY": "SECRET_KEY",
        "SOCIALVALUE_FRAMEWORKS_DIR": "FRAMEWORKS_DIR",
        "SOCIALVALUE_UPLOAD_DIR": "UPLOAD_DIR",
        "SOCIALVALUE_OCID_PREFIX": "OCID_PREFIX",
    }
    for env_name, key in simple.items():
        if environ.get(env_name):
            overrides[key] = environ[env_name]
    if environ.get("SOCIALVALUE_TRUSTED_PROXIES"):
        try:
            overrides["TRUSTED_PROXIES"] = int(environ["SOCIALVALUE_TRUSTED_PROXIES"])
        except ValueError as exc:
            raise ConfigError(
                "SOCIALVALUE_TRUSTED_PROXIES must be the number of reverse proxies in front of "
                "the service (0, 1, 2...)"
            ) from exc
    if environ.get("SOCIALVALUE_MAX_UPLOAD_MB"):
        try:
            overrides["MAX_CONTENT_LENGTH"] = (
                int(environ["SOCIALVALUE_MAX_UPLOAD_MB"]) * 1024 * 1024
            )
        except ValueError as exc:
            raise ConfigError(
                "SOCIALVALUE_MAX_UPLOAD_MB must be a whole number of megabytes"
            ) from exc
    return overrides


def _development_secret(instance_path: Path) -> str:
    # A stable per-checkout key, so sessions survive restarts and several dev workers agree.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def build_config(
    instance_path: Path,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the full settings mapping, or raise ConfigError with a message a human can act on."""
    environ = os.environ if environ is None else environ
    settings = default_settings(instance_path)
    settings.update(_environment_overrides(environ))
    if overrides:
        settings.update(overrides)

    env_name = settings["ENV_NAME"]
    if env_name not in ENVIRONMENTS:
        raise ConfigError(f"SOCIALVALUE_ENV is {env_name!r}; use one of: {', '.join(ENVIRONMENTS)}")
    if env_name == "production":
        if not settings.get("SECRET_KEY"):
            raise ConfigError(
                "SOCIALVALUE_SECRET_KEY is not set. In production the secret key has no default: "
                "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'` "
                "and set SOCIALVALUE_SECRET_KEY before starting the service."
            )
        if len(str(settings["SECRET_KEY"])) < 32:
            raise ConfigError("SOCIALVALUE_SECRET_KEY is too short: use at least 32 characters.")
        settings["SESSION_COOKIE_SECURE"] = True
        settings["REMEMBER_COOKIE_SECURE"] = True
        # The __Host- prefix: browsers keep the cookie only if it is Secure, for this host only.
        if settings["SESSION_COOKIE_NAME"] == "socialvalue_session":
            settings["SESSION_COOKIE_NAME"] = "__Host-socialvalue_session"
        settings["PREFERRED_URL_SCHEME"] = "https"
    elif not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _development_secret(instance_path)

    if not 0 <= int(settings["TRUSTED_PROXIES"]) <= 5:
        raise ConfigError("SOCIALVALUE_TRUSTED_PROXIES must be between 0 and 5")

    url = normalise_database_url(str(settings["SQLALCHEMY_DATABASE_URI"]))
    settings["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        engine_options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # Survive a database restart: test each pooled connection before handing it out.
        engine_options.setdefault("pool_pre_ping", True)
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    return settings
