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
def _page_views_are_not_limited() -> bool:
    """Every limit is on a POST (answers, submissions, sign-in), so a page view skips them all.

    Working out which limits apply cost about a tenth of a question page; a GET,
    HEAD or OPTIONS request changes nothing, so none is counted. A limit added
    later for a GET would need this filter changed.
    """
    return request.method in ("GET", "HEAD", "OPTIONS")
