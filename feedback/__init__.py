"""The web platform: ``create_app`` builds the Flask app from small named steps.

Nothing happens at import time and nothing migrates here: the schema is moved
forward by ``flask --app wsgi db upgrade`` (``make run`` does it), never by the
first worker that happens to start.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from feedback.config import Config, config_from_env
from feedback.templating import App


def create_app(config: type[Config] | None = None) -> Flask:
    """Build the app with ``config`` (default: the one ``FEEDBACK_ENV`` names)."""
    root = Path(__file__).resolve().parent.parent
    config = config or config_from_env()
    config.check()
    app = App(
        __name__,
        static_folder=str(root / "static"),
        template_folder=str(root / "templates"),
        instance_path=str(root / "instance"),
    )
    app.config.from_object(config)
    init_extensions(app)
    init_jinja(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def init_extensions(app: Flask) -> None:
    from feedback.extensions import csrf, db, limiter
    from feedback.security import init_security

    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    from feedback.auth.login import init_login
    from feedback.cache import track_changes
    from feedback.session_cookies import RememberingSessionInterface

    app.session_interface = RememberingSessionInterface()
    db.init_app(app)
    track_changes()
    csrf.init_app(app)
    init_login(app)
    limiter.init_app(app)
    init_security(app)


def init_jinja(app: Flask) -> None:
    from feedback.templating import init_templating

    init_templating(app)


def register_blueprints(app: Flask) -> None:
    from feedback.auth import bp as auth_bp
    from feedback.extensions import csrf
    from feedback.forum import bp as forum_bp
    from feedback.manage import bp as manage_bp
    from feedback.public import bp as public_bp
    from feedback.respond import bp as respond_bp
    from feedback.staff import bp as staff_bp

    for blueprint in (public_bp, auth_bp, staff_bp, manage_bp, forum_bp):
        app.register_blueprint(blueprint)
    # Respondent views check their own FlaskForm's CSRF token, so that a stale token
    # re-shows the page with the answer kept instead of a dead-end error page.
    csrf.exempt(respond_bp)
    app.register_blueprint(respond_bp)


def register_error_handlers(app: Flask) -> None:
    from feedback.errors import init_error_handlers

    init_error_handlers(app)


def register_cli(app: Flask) -> None:
    from feedback.cli import init_cli

    init_cli(app)
