"""Officers' "You said, we did" pages: list, record, edit (with history), publish."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_actions import ActionForm, PublishForm
from feedback.permissions import permission_required
from feedback.queries.actions import get_action, list_actions
from feedback.services.actions import (
    ActionError,
    create_action,
    set_published,
    subject_label,
    update_action,
)

MANAGE = "actions.manage"


def _load(action_id: int):
    """:raise 404: when there is no such action."""
    return get_action(db.session, action_id) or abort(404)


@bp.get("/actions")
@permission_required(MANAGE)
def actions():
    return render_template(
        "manage/actions.html",
        actions=list_actions(db.session),
        subject_label=subject_label,
        title="You said, we did",
    )


@bp.route("/actions/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def action_new():
    form = ActionForm()
    if form.validate_on_submit():
        try:
            action = create_action(db.session, **form.values(), by=current_user)
        except ActionError as exc:
            form.subject.errors.append(str(exc))
        else:
            flash("Action recorded. It is not on the public page until you publish it.", "success")
            return redirect(url_for("manage.action_edit", action_id=action.id))
    return render_template(
        "manage/actions_form.html", form=form, action=None, title="Record an action"
    ), (400 if form.errors else 200)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def action_edit(action_id: int):
    action = _load(action_id)
    form = ActionForm(data=_current(action))
    if form.validate_on_submit():
        try:
            update_action(db.session, action, **form.values(), by=current_user)
        except ActionError as exc:
            form.note.errors.append(str(exc))
        else:
            flash("Action updated and the change added to its history.", "success")
            return redirect(url_for("manage.action_edit", action_id=action.id))
    return render_template(
        "manage/actions_form.html",
        form=form,
        action=action,
        publish_form=PublishForm(),
        title="Edit action",
    ), (400 if form.errors else 200)


def _current(action) -> dict:
    return {
        "subject": action.subject,
        "you_said": action.you_said,
        "we_did": action.we_did,
        "owner": action.owner,
        "due_on": action.due_on,
        "status": action.status.value,
    }


@bp.post("/actions/<int:action_id>/publish")
@permission_required(MANAGE)
def action_publish(action_id: int):
    return _publish(action_id, True, "Action published on the “You said, we did” page.")


@bp.post("/actions/<int:action_id>/unpublish")
@permission_required(MANAGE)
def action_unpublish(action_id: int):
    return _publish(action_id, False, "Action taken off the public page.")


def _publish(action_id: int, published: bool, message: str):
    action = _load(action_id)
    if not PublishForm().validate_on_submit():
        abort(400)
    set_published(db.session, action, published, by=current_user)
    flash(message, "success")
    return redirect(url_for("manage.action_edit", action_id=action.id))
