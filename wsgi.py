"""gunicorn entry point: ``gunicorn wsgi:app``."""

from agency.app import create_app

app = create_app()
