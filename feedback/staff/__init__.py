"""The staff home page: what this person can do, by role."""

from flask import Blueprint, render_template
from flask_login import current_user

from feedback.auth.guard import guard_staff_blueprint
from feedback.permissions import RESULTS_VIEW, permission_required

bp = Blueprint("staff", __name__, url_prefix="/staff")
guard_staff_blueprint(bp)


@bp.get("/")
@permission_required(RESULTS_VIEW)
def home():
    return render_template("staff/home.html", title="Staff home", user=current_user)
