"""The audit log page: who did what and when, newest first, filtered by action."""

from __future__ import annotations

from flask import render_template, request

from feedback.extensions import db
from feedback.manage import bp
from feedback.permissions import permission_required
from feedback.queries.audit import audit_actions, audit_events


@bp.get("/audit")
@permission_required("audit.view")
def audit():
    actions = audit_actions(db.session)
    action = request.args.get("action") or None
    if action not in actions:
        action = None
    page = audit_events(db.session, action=action, page=request.args.get("page", 1, type=int))
    return render_template(
        "manage/audit.html", title="Audit log", log=page, actions=actions, action=action
    )
