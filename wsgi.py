"""Entry point for gunicorn and ``flask --app wsgi``."""

from feedback import create_app

app = create_app()
