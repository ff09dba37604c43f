"""Extensions, created once here and bound to the app in ``create_app``."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from feedback import rate_limit_storage  # noqa: F401  (registers inline-memory://)
from feedback.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _skips_flask_limiter() -> bool:
    """Page views, and the respondent journey, which counts its own budget.

    Every limit here is on a POST (sign-in, staff forms), so a page view skips
    them all: working out which limits apply cost about a tenth of a question
    page, and a GET, HEAD or OPTIONS request changes nothing. The respondent
    journey's POSTs are counted by :mod:`feedback.respond.budget`, on the same
    storage, without this machinery. A limit added later for a GET, or with
    ``limiter.limit`` on a respondent view, would need this filter changed.
    """
    return request.method in ("GET", "HEAD", "OPTIONS") or request.blueprint == "respond"
