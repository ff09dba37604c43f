"""The guard for staff blueprints: signed in, not timed out, and allowed this route.

Staff sessions end after ``STAFF_SESSION_MINUTES`` without a request; pages
carry the remaining time so a script can warn two minutes before.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from feedback import clock
from feedback.permissions import declared_permission

LAST_SEEN = "staff_last_seen"


def session_expired() -> bool:
    seen = session.get(LAST_SEEN)
    if seen is None:
        return False
    limit = current_app.config["STAFF_SESSION_MINUTES"] * 60
    return (clock.now() - datetime.fromisoformat(seen)).total_seconds() > limit


def touch_session() -> None:
    session[LAST_SEEN] = clock.now().isoformat()


def guard_staff_blueprint(bp: Blueprint) -> None:
    """Make every route on ``bp`` need a signed-in user with its declared permission."""

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if session_expired():
            logout_user()
            session.pop(LAST_SEEN, None)
            flash("You were signed out because you were inactive. Sign in again.", "info")
            return redirect(url_for("auth.login", next=request.full_path))
        view = current_app.view_functions.get(request.endpoint or "")
        permission = declared_permission(view) if view else None
        if permission is None or not current_user.can(permission):
            abort(403)
        touch_session()
        return None
