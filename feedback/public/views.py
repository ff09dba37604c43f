"""Public information pages."""

from flask import render_template

from feedback.extensions import db
from feedback.public import bp
from feedback.queries.waves import open_waves


@bp.get("/")
def index():
    return render_template(
        "public/index.html", waves=open_waves(db.session), title="Have your say about SEND support"
    )


@bp.get("/help")
def help():
    return render_template("public/help.html", title="Help, advice and complaints")


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html", title="Privacy notice")


@bp.get("/accessibility")
def accessibility():
    return render_template("public/accessibility.html", title="Accessibility statement")


@bp.get("/healthz")
def healthz():
    """Liveness for load balancers: answers without touching the database."""
    return {"status": "ok"}
