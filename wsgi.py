"""WSGI entry point: ``gunicorn wsgi:app``."""

from socialvalue.app import create_app

app = create_app()
