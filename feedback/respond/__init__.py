"""The respondent journey: public, no login, one question a page, saved as you go."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from feedback.respond import views  # noqa: E402,F401  (routes register on import)
from feedback.respond.budget import spend_from_the_address_budget  # noqa: E402

bp.before_request(spend_from_the_address_budget)
