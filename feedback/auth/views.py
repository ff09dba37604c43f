"""Sign in, sign out and keep-alive for staff."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from feedback.auth import bp
from feedback.auth.forms import LoginForm
from feedback.auth.guard import LAST_SEEN, touch_session
from feedback.extensions import db, limiter
from feedback.services.users import authenticate, sign_out


def _email_key() -> str:
    return (request.form.get("email") or "").strip().lower()[:254] or request.remote_addr or "anon"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our sign-in."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_EMAIL_RATE_LIMIT"], methods=["POST"], key_func=_email_key
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data, ip=request.remote_addr)
        if user is not None:
            session.clear()
            login_user(user)
            touch_session()
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors.append("Enter a correct email address and password")
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form, title="Sign in"), status


@bp.post("/logout")
@login_required
def logout():
    sign_out(db.session, current_user._get_current_object())
    logout_user()
    session.pop(LAST_SEEN, None)
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.post("/keep-alive")
@login_required
def keep_alive():
    """Called by the timeout warning's "Stay signed in" button."""
    touch_session()
    return {"status": "ok"}
