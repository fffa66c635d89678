"""Blueprints. Views are thin: parse and validate, call one service, render; commit once."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from socialvalue.views import auth, contracts, evaluation, frameworks, main, supplier, tenders

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(frameworks.bp)
    app.register_blueprint(tenders.bp)
    app.register_blueprint(evaluation.bp)
    app.register_blueprint(supplier.bp)
    app.register_blueprint(contracts.bp)
    from socialvalue.views import reports

    app.register_blueprint(reports.bp)
    from socialvalue.views import account

    app.register_blueprint(account.bp)
    from socialvalue.views import exports, transparency

    app.register_blueprint(exports.bp)
    app.register_blueprint(transparency.bp)
