"""Administrators' pages for staff accounts: list, create, deactivate and reactivate.

Accounts are never deleted: the audit log refers to them. Deactivating ends
every session of the account at once; reactivating gives it a new password.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_surveys import UserForm
from feedback.manage.forms_users import ReactivateForm
from feedback.models import User
from feedback.permissions import permission_required
from feedback.queries.audit import staff_users
from feedback.services import users as user_service

MANAGE = "users.manage"


@bp.get("/users")
@permission_required(MANAGE)
def users():
    return render_template(
        "manage/users.html", title="Staff accounts", users=staff_users(db.session)
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                db.session,
                form.email.data,
                form.role.data,
                form.password.data,
                name=form.name.data.strip(),
                by=current_user,
            )
        except user_service.UserError as exc:
            db.session.rollback()
            field = form.password if "password" in str(exc).lower() else form.email
            field.errors.append(str(exc))
        else:
            flash(f"Account created for {user.email} ({user.role.value})", "success")
            return redirect(url_for(".users"))
    status = 400 if form.errors else 200
    return render_template("manage/users_form.html", title="Create an account", form=form), status


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@permission_required(MANAGE)
def deactivate_user(user_id: int):
    """Ask first (GET), then deactivate (POST); reactivating, with a new password, undoes it."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id or not user.active:
        reason = "You cannot deactivate your own account" if user.active else "Already deactivated"
        return _refused(user, reason)
    if request.method == "GET":
        return render_template(
            "manage/users_deactivate.html", title="Deactivate account", user=user
        )
    user_service.deactivate(db.session, user.email, by=current_user)
    flash(f"{user.email} is deactivated and signed out everywhere", "success")
    return redirect(url_for(".users"))


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@permission_required(MANAGE)
def reactivate_user(user_id: int):
    """Ask for a new password (GET), then reactivate the account with it (POST).

    :raise 404: when there is no such account.
    """
    user = db.session.get(User, user_id) or abort(404)
    if user.active:
        return _refused(
            user, f"You can only reactivate a deactivated account: {user.email} is active"
        )
    form = ReactivateForm()
    if form.validate_on_submit():
        try:
            user_service.reactivate(db.session, user.email, form.password.data, by=current_user)
        except user_service.UserError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            flash(f"{user.email} is reactivated and can sign in with the new password", "success")
            return redirect(url_for(".users"))
    page = render_template(
        "manage/users_reactivate.html", title="Reactivate account", user=user, form=form
    )
    return page, (400 if form.errors else 200)


def _refused(user: User, reason: str):
    """The staff list with ``reason`` in the error summary, linking to the account's row."""
    errors = [{"text": reason, "href": f"#user-{user.id}"}]
    page = render_template(
        "manage/users.html", title="Staff accounts", users=staff_users(db.session), errors=errors
    )
    return page, 400
