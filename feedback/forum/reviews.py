"""The forum's review of survey wording: read each question, comment on it, and sign off.

Comments and sign-offs are taken only while a version is in forum review; the
page still shows earlier ones afterwards, so the forum can see what it said.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import wtforms_errors

from feedback.extensions import db
from feedback.forum import bp
from feedback.manage.forms_surveys import ReviewCommentForm, SignOffForm
from feedback.models.reviews import GENERAL, standing_sign_offs
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.queries import workspace
from feedback.services import lifecycle
from surveys.compare import question_changes

REVIEW = "surveys.review"


def _version_or_404(version_id: int):
    return workspace.version_by_id(db.session, version_id) or abort(404)


def _review_page(version, *, sign_off_form=None, errors=None, failed=None, status=200):
    """The review page; ``failed`` is (question id, text) of a comment that was refused.

    The page has several forms, so errors go to the template as one ``errors``
    list for the summary, never as ``form`` (base.html would take that one's alone).
    """
    previous = workspace.previous_version(db.session, version)
    return render_template(
        "forum/review.html",
        title=f"Review {version.survey.title}: version {version.version}",
        version=version,
        previous=previous,
        changes=question_changes(previous.definition, version.definition) if previous else [],
        sign_offs=standing_sign_offs(version.sign_offs),
        sign_off_form=sign_off_form or SignOffForm(formdata=None),
        errors=errors or [],
        failed=failed,
        general=GENERAL,
    ), status


@bp.get("/reviews")
@permission_required(REVIEW)
def reviews():
    versions = workspace.versions_in_review(db.session)
    counts = workspace.comment_counts(db.session, [v.id for v in versions])
    return render_template(
        "forum/reviews.html", title="Survey review", versions=versions, counts=counts
    )


@bp.get("/reviews/<int:version_id>")
@permission_required(REVIEW)
def review(version_id: int):
    return _review_page(_version_or_404(version_id))


@bp.post("/reviews/<int:version_id>/comments")
@permission_required(REVIEW)
def comment(version_id: int):
    version = _version_or_404(version_id)
    form = ReviewCommentForm()
    qid = form.question_id.data or GENERAL
    try:
        if not form.validate():
            raise DomainError(next(iter(form.errors.values()))[0])
        lifecycle.add_comment(db.session, version, qid, form.body.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        error = {"text": str(exc), "href": f"#comment-{qid}"}
        return _review_page(version, errors=[error], failed=(qid, form.body.data), status=400)
    flash("Your comment has been added", "success")
    return redirect(url_for(".review", version_id=version.id, _anchor=f"question-{qid}"))


@bp.post("/reviews/<int:version_id>/sign-off")
@permission_required(REVIEW)
def sign_off(version_id: int):
    version = _version_or_404(version_id)
    form = SignOffForm()
    if not form.validate():
        errors = wtforms_errors(form)["errorList"]
        return _review_page(version, sign_off_form=form, errors=errors, status=400)
    try:
        lifecycle.sign_off(db.session, version, form.decision.data, form.note.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        return _review_page(version, errors=[{"text": str(exc), "href": "#sign-off"}], status=400)
    flash("Your sign-off has been recorded", "success")
    return redirect(url_for(".review", version_id=version.id, _anchor="sign-off"))
