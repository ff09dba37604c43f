"""Public pages that need no login: the list of open surveys, help, privacy, accessibility."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from feedback.public import views, you_said  # noqa: E402,F401  (routes register on import)
