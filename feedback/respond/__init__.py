"""The respondent journey: public, no login, one question a page, saved as you go."""

from flask import Blueprint, current_app

from feedback.extensions import limiter

bp = Blueprint("respond", __name__)

# One budget per address for every answer, start and submit: generous (schools and
# libraries put many families behind one address) but a ceiling on floods. Read
# per request so ``RESPOND_RATE_LIMIT`` can be tuned without a code change.
limiter.shared_limit(
    lambda: current_app.config["RESPOND_RATE_LIMIT"], scope="respond-post", methods=["POST"]
)(bp)

from feedback.respond import views  # noqa: E402,F401  (routes register on import)
