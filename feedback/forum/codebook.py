"""The codebook pages: read the themes and their cues; forum members and officers edit them.

Every edit saves a new codebook version (:mod:`feedback.services.codebook`);
existing comments keep the coding they had until someone recodes them with
the "Recode comments" button (or ``flask comments code --recode`` for a big
backlog), so results never change silently.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from analysis.comments.codebook import STRONG
from feedback.extensions import db
from feedback.forum import bp
from feedback.forum.forms_themes import MergeForm, RecodeForm, RetireForm, ThemeForm
from feedback.permissions import permission_required
from feedback.queries import comments as queries
from feedback.services import codebook as service
from feedback.services.comments import code_new_comments


def _theme(key: str):
    """:raise 404: when the current codebook has no theme ``key``."""
    book = service.codebook_of(service.latest_version(db.session))
    try:
        return book, book.theme(key)
    except ValueError:
        abort(404)


def _saved(message: str):
    flash(message + " Recode comments to use it for comments already coded.", "success")
    return redirect(url_for("forum.codebook"))


def _show_error(form: ThemeForm, exc: service.CodebookError) -> None:
    (form.cues if str(exc).startswith("Enter cue") else form.label).errors.append(str(exc))


@bp.get("/codebook")
@permission_required("comments.redacted")
def codebook():
    version = service.latest_version(db.session)
    return render_template(
        "forum/codebook.html",
        title="Codebook",
        book=service.codebook_of(version),
        history=queries.codebook_history(db.session),
        outdated=queries.count_outdated(db.session, version.id if version else None),
        uncoded=queries.count_uncoded(db.session),
        recode_form=RecodeForm(),
        can_edit=current_user.can("codebook.edit"),
    )


@bp.route("/codebook/add", methods=["GET", "POST"])
@permission_required("codebook.edit")
def codebook_add():
    form = ThemeForm()
    phrase = request.args.get("phrase", "").strip()[:120]
    if request.method == "GET" and phrase:
        form.label.data, form.cues.data = phrase.capitalize(), phrase.lower()
    if form.validate_on_submit():
        cues = service.make_cues(form.cues.data, form.weak_cues.data)
        try:
            service.add_theme(
                db.session,
                label=form.label.data,
                description=form.description.data or "",
                cues=cues,
                by=current_user,
                note=form.note.data or "",
            )
        except service.CodebookError as exc:
            _show_error(form, exc)
        else:
            return _saved(f"Theme {form.label.data} added.")
    return render_template(
        "forum/codebook_form.html", form=form, title="Add a theme", theme=None
    ), 400 if form.errors else 200


@bp.route("/codebook/<key>/edit", methods=["GET", "POST"])
@permission_required("codebook.edit")
def codebook_edit(key: str):
    _, theme = _theme(key)
    form = ThemeForm(
        data={
            "label": theme.label,
            "description": theme.description,
            "cues": "\n".join(c.phrase for c in theme.cues if c.weight >= STRONG),
            "weak_cues": "\n".join(c.phrase for c in theme.cues if c.weight < STRONG),
        }
    )
    if form.validate_on_submit():
        cues = service.make_cues(form.cues.data, form.weak_cues.data)
        try:
            service.reword_theme(
                db.session,
                key,
                label=form.label.data,
                description=form.description.data or "",
                cues=cues,
                by=current_user,
                note=form.note.data or "",
            )
        except service.CodebookError as exc:
            _show_error(form, exc)
        else:
            return _saved(f"Theme {form.label.data} saved.")
    return render_template(
        "forum/codebook_form.html", form=form, title=f"Change theme: {theme.label}", theme=theme
    ), 400 if form.errors else 200


@bp.route("/codebook/<key>/retire", methods=["GET", "POST"])
@permission_required("codebook.edit")
def codebook_retire(key: str):
    _, theme = _theme(key)
    form = RetireForm()
    if form.validate_on_submit():
        service.retire_theme(db.session, key, by=current_user, note=form.note.data or "")
        return _saved(f"Theme {theme.label} retired.")
    return render_template(
        "forum/codebook_retire.html", form=form, title=f"Retire theme: {theme.label}", theme=theme
    )


@bp.route("/codebook/<key>/merge", methods=["GET", "POST"])
@permission_required("codebook.edit")
def codebook_merge(key: str):
    book, theme = _theme(key)
    form = MergeForm()
    form.target.choices = [SelectChoice("", "Select a theme")] + [
        SelectChoice(t.key, t.label) for t in book.active if t.key != key
    ]
    if form.validate_on_submit():
        service.merge_themes(
            db.session, key, form.target.data, by=current_user, note=form.note.data or ""
        )
        return _saved(f"Theme {theme.label} merged into {book.theme(form.target.data).label}.")
    return render_template(
        "forum/codebook_merge.html", form=form, title=f"Merge theme: {theme.label}", theme=theme
    ), 400 if form.errors else 200


@bp.post("/codebook/recode")
@permission_required("codebook.edit")
def codebook_recode():
    form = RecodeForm()
    if not form.validate_on_submit():
        abort(400)
    done = code_new_comments(db.session, recode=True)
    flash(
        f"{done} {'comment' if done == 1 else 'comments'} coded with the latest codebook.",
        "success",
    )
    return redirect(url_for("forum.codebook"))
