"""Staff navigation: one list, filtered by what the signed-in person may do.

Add a page here when you add a staff area; an entry whose endpoint does not
exist yet is simply not shown.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

#: (text, endpoint, permission), in menu order.
STAFF_NAV: list[tuple[str, str, str]] = [
    ("Home", "staff.home", "results.view"),
    ("Dashboard", "forum.dashboard", "results.view"),
    ("Themes", "forum.themes", "comments.redacted"),
    ("Survey review", "forum.reviews", "surveys.review"),
    ("Actions and comments", "forum.actions", "results.view"),
    ("Download results", "forum.exports", "exports.aggregate"),
    ("Surveys", "manage.surveys", "surveys.manage"),
    ("Waves", "manage.waves", "waves.manage"),
    ("Participation", "manage.monitor", "results.view"),
    ("Responses data", "manage.data", "responses.export"),
    ("KPIs", "manage.kpis", "kpis.manage"),
    ("You said, we did", "manage.actions", "actions.manage"),
    ("Users", "manage.users", "users.manage"),
    ("Audit log", "manage.audit", "audit.view"),
]


def staff_nav() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint, permission in STAFF_NAV:
        if endpoint in current_app.view_functions and current_user.can(permission):
            href = url_for(endpoint)
            items.append({"text": text, "href": href, "active": request.endpoint == endpoint})
    return items
