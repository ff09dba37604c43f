"""The forum's view of "You said, we did": read every action and its history, and comment.

Board members may read (``results.view``); commenting needs ``actions.comment``.
Unpublished actions are shown too, so the forum can comment before anything goes public.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback.extensions import db
from feedback.forum import bp
from feedback.manage.forms_actions import CommentForm
from feedback.permissions import RESULTS_VIEW, permission_required
from feedback.queries.actions import get_action, list_actions
from feedback.services.actions import ActionError, add_comment, subject_label


def _load(action_id: int):
    """:raise 404: when there is no such action."""
    return get_action(db.session, action_id) or abort(404)


@bp.get("/actions")
@permission_required(RESULTS_VIEW)
def actions():
    return render_template(
        "forum/actions.html",
        actions=list_actions(db.session),
        subject_label=subject_label,
        title="You said, we did: actions",
    )


@bp.get("/actions/<int:action_id>")
@permission_required(RESULTS_VIEW)
def action(action_id: int):
    return _page(_load(action_id), CommentForm())


@bp.post("/actions/<int:action_id>/comments")
@permission_required("actions.comment")
def action_comment(action_id: int):
    action = _load(action_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            add_comment(db.session, action, form.body.data, by=current_user)
        except ActionError as exc:
            form.body.errors.append(str(exc))
        else:
            flash("Your comment has been added.", "success")
            return redirect(url_for("forum.action", action_id=action.id, _anchor="comments"))
    return _page(action, form), 400


def _page(action, form):
    return render_template(
        "forum/actions_detail.html",
        action=action,
        form=form,
        subject=subject_label(action.subject_kind, action.subject_key),
        can_comment=current_user.can("actions.comment"),
        title="Action: " + subject_label(action.subject_kind, action.subject_key),
    )
