"""One budget of POSTs per address for the whole respondent journey.

Every answer, start and submission from one address draws on one budget,
``RESPOND_RATE_LIMIT`` (generous: schools and libraries put many families
behind one address, but a ceiling on floods). Page views draw on nothing.

The budget is counted by Flask-Limiter's own rate limiter, on the storage it
was configured with (``RATELIMIT_STORAGE_URI``: Redis shares the count between
workers), but not through its per-request machinery. As a limit shared by the
blueprint, Flask-Limiter worked out on every request which limits applied and
which were exempt, then wrote ``X-RateLimit-*`` headers: about 150
microseconds of CPU on each answer, nearly as much as the database work that
saves it (callgrind: 1.1 M of the 8.3 M instructions a question page and its
answer cost). Here a POST costs one ``hit`` on the counter.

Refused, a POST gets the "Too many attempts" page with ``Retry-After``. If the
counter's storage cannot be reached the POST goes through: an answer is never
refused because the rate limiter is down.
"""

from __future__ import annotations

import functools
import logging
from time import time

from flask import Response, current_app, make_response, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from feedback.errors import render_error
from feedback.extensions import limiter

#: The budget's name in the counter's key, shared by every respondent POST.
SCOPE = "respond-post"

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=16)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _key_parts(address: str) -> list[str]:
    """The counter's identifiers, in Flask-Limiter's order: prefix, address, scope."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return [prefix, address, SCOPE] if prefix else [address, SCOPE]


def spend_from_the_address_budget() -> Response | None:
    """Count a respondent POST; the "Too many attempts" page once the budget is spent.

    Registered on the respond blueprint before every request; a page view
    (GET or HEAD) passes untouched.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or not limiter.enabled:
        return None
    limit = _limit(current_app.config["RESPOND_RATE_LIMIT"])
    parts = _key_parts(get_remote_address())
    try:
        if limiter.limiter.hit(limit, *parts):
            return None
        reset_at = limiter.limiter.get_window_stats(limit, *parts).reset_time
    except Exception:  # noqa: BLE001 - whatever the storage raises, the answer is kept
        log.exception("rate limit storage unavailable: respondent POST let through")
        return None
    refused = make_response(render_error(429))
    refused.headers["Retry-After"] = str(max(1, int(reset_at - time())))
    return refused
