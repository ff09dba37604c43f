"""Staff sign-in, sign-out and the guard that every staff blueprint uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff")

from feedback.auth import views  # noqa: E402,F401  (routes register on import)
