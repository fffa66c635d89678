"""Application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from socialvalue.config import PROJECT_ROOT, build_config
from socialvalue.extensions import csrf, db, login_manager, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application. ``config`` overrides defaults and environment (tests use it)."""
    instance_path = Path(
        os.environ.get("SOCIALVALUE_INSTANCE_PATH") or (PROJECT_ROOT / "instance")
    ).resolve()
    app = Flask(
        "socialvalue",
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(build_config(instance_path, config))
    instance_path.mkdir(parents=True, exist_ok=True)
    _configure_logging(app)
    _register_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_commands(app)
    _register_template_helpers(app)
    _register_security_headers(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    # Behind N reverse proxies, take the client's address, scheme and host from the headers
    # the proxies set (so HSTS applies and sign-in throttling counts the real address). Only
    # when configured: otherwise anyone could claim any address by sending the headers.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _configure_logging(app: Flask) -> None:
    # WeasyPrint logs every layout step at INFO; that is progress for report jobs (which
    # attach their own handler), not something for the service log.
    logging.getLogger("weasyprint.progress").propagate = False
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"

    from socialvalue.models import User
    from socialvalue.services.accounts import signed_in_user

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "<user id>:<session epoch>" (User.get_id); a bare id is a session from before epochs
        # existed and stands for epoch 0, so it stops working at that user's next sign-out.
        user_id, _, epoch = session_id.partition(":")
        if not user_id.isascii() or not user_id.isdecimal() or len(user_id) > 10:
            return None
        if epoch and (not epoch.isascii() or not epoch.isdecimal() or len(epoch) > 10):
            return None
        return signed_in_user(db.session, int(user_id), int(epoch or 0))

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)


def _tune_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL lets readers work while one writer writes.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from socialvalue.views import register_blueprints

    register_blueprints(app)

    from socialvalue.api import init_api

    init_api(app)


def _register_error_handlers(app: Flask) -> None:
    from socialvalue.views.errors import register_error_handlers

    register_error_handlers(app)


def _register_commands(app: Flask) -> None:
    from socialvalue.cli import register_commands

    register_commands(app)


def _register_template_helpers(app: Flask) -> None:
    from socialvalue.views.helpers import register_template_helpers

    register_template_helpers(app)


def _register_security_headers(app: Flask) -> None:
    from socialvalue.views.security import add_security_headers, refuse_unusable_input

    app.before_request(refuse_unusable_input)
    app.after_request(add_security_headers)
