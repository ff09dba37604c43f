"""The results dashboard for the forum, the board and officers: KPI cards and charts."""

from __future__ import annotations

from flask import abort, render_template, request

from feedback.extensions import db
from feedback.forum import bp
from feedback.permissions import RESULTS_VIEW, permission_required
from feedback.services.dashboard import FILTER_TITLES
from feedback.services.dashboard import dashboard as build_dashboard


@bp.get("/dashboard")
@permission_required(RESULTS_VIEW)
def dashboard():
    """:raise 404: when ``?wave=`` names a wave with no KPI results to report."""
    try:
        page = build_dashboard(db.session, request.args)
    except LookupError:
        abort(404)
    return render_template(
        "forum/dashboard.html", **page, filter_titles=FILTER_TITLES, title="Results dashboard"
    )
