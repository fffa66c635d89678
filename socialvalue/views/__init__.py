"""Blueprints. Views are thin: parse and validate, call one service, render; commit once."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from socialvalue.views import auth, frameworks, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(frameworks.bp)
