"""Error pages that tell people what happened and what to do next, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES: dict[int, tuple[str, str]] = {
    400: (
        "Sorry, there is a problem with what was sent",
        "Go back, check your answer and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask an administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted it, check you copied all of it.",
    ),
    405: ("Sorry, that did not work", "Go back and try again."),
    413: (
        "What you sent is too large",
        "Shorten your answer or send a smaller file, then try again.",
    ),
    429: ("Too many attempts", "Wait a minute and try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Your saved answers have not been lost.",
    ),
}


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", title=title or default_title, message=message or default_message
        ),
        code,
    )


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError):
        return render_error(
            400,
            "Your session timed out",
            "For your security, the page could not be sent. "
            "Go back, refresh the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        return render_error(code if code in MESSAGES else 400)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        from feedback.extensions import db

        db.session.rollback()
        return render_error(500)
