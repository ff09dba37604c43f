"""Officers' survey pages: versions, editing a draft's wording, and moving it through review.

A refused action (a second draft, approval without sign-off) re-shows the
version page with the reason in the error summary, rather than a dead end.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import wtforms_errors

from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_surveys import DefinitionForm
from feedback.models import Survey
from feedback.models.reviews import standing_sign_offs
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.queries import workspace
from feedback.services import lifecycle
from surveys.compare import question_changes
from surveys.loader import DefinitionError

MANAGE = "surveys.manage"
_DONE = {
    "review": "Version {n} is now with the forum for review",
    "withdraw": "Version {n} is back in draft",
    "approve": "Version {n} is approved and can be sent out in a wave",
    "retire": "Version {n} is retired",
}


def _version_or_404(version_id: int):
    return workspace.version_by_id(db.session, version_id) or abort(404)


def _version_page(version, errors=None, status=200):
    previous = workspace.previous_version(db.session, version)
    return render_template(
        "manage/surveys_version.html",
        title=f"{version.survey.title}: version {version.version}",
        version=version,
        previous=previous,
        changes=question_changes(previous.definition, version.definition) if previous else [],
        sign_offs=standing_sign_offs(version.sign_offs),
        frozen=lifecycle.has_responses(db.session, version),
        errors=errors or [],
    ), status


@bp.get("/surveys")
@permission_required(MANAGE)
def surveys():
    found = workspace.surveys_with_versions(db.session)
    return render_template("manage/surveys.html", title="Surveys", surveys=found)


@bp.post("/surveys/<int:survey_id>/versions")
@permission_required(MANAGE)
def new_version(survey_id: int):
    survey = db.session.get(Survey, survey_id) or abort(404)
    try:
        version = lifecycle.new_draft(db.session, survey, by=current_user)
    except DomainError as exc:
        return _version_page(survey.latest, [{"text": str(exc), "href": "#actions"}], 400)
    flash(f"Version {version.version} created as a draft. Change its wording here.", "success")
    return redirect(url_for(".edit_version", version_id=version.id))


@bp.get("/surveys/versions/<int:version_id>")
@permission_required(MANAGE)
def version(version_id: int):
    return _version_page(_version_or_404(version_id))


@bp.route("/surveys/versions/<int:version_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_version(version_id: int):
    version = _version_or_404(version_id)
    try:
        version.check_editable(has_responses=lifecycle.has_responses(db.session, version))
    except DomainError as exc:
        return _version_page(version, [{"text": str(exc), "href": "#actions"}], 400)
    form = DefinitionForm(data={"definition": lifecycle.definition_as_text(version)})
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            lifecycle.edit_definition(db.session, version, form.definition.data, by=current_user)
        except DefinitionError as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            flash(f"Version {version.version} saved", "success")
            return redirect(url_for(".version", version_id=version.id))
    # Every problem goes in the summary: base.html would list only one per field of ``form``.
    errors = wtforms_errors(form)["errorList"] if form.errors else []
    errors += [{"text": p, "href": "#definition"} for p in problems]
    return render_template(
        "manage/surveys_edit.html",
        title=f"Edit {version.survey.title}: version {version.version}",
        version=version,
        definition_form=form,
        errors=errors,
    ), (400 if errors else 200)


@bp.post("/surveys/versions/<int:version_id>/<any(review, withdraw, approve, retire):action>")
@permission_required(MANAGE)
def move_version(version_id: int, action: str):
    version = _version_or_404(version_id)
    try:
        lifecycle.move(db.session, version, action, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        return _version_page(version, [{"text": str(exc), "href": "#actions"}], 400)
    flash(_DONE[action].format(n=version.version), "success")
    return redirect(url_for(".version", version_id=version.id))
