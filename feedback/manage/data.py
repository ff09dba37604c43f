"""Officers' data pages: row-level export, CSV import, erasure by reference, retention."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from feedback import clock
from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_data import (
    EraseConfirmForm,
    EraseLookupForm,
    ImportForm,
    RetentionForm,
)
from feedback.models import Channel, Survey, Wave
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.queries.data import (
    response_by_reference,
    surveys_by_slug,
    wave_by_id,
    waves_with_counts,
)
from feedback.services.exporting import (
    MEDIA_TYPES,
    csv_export,
    export_filename,
    row_level_questions,
    xlsx_export,
)
from feedback.services.importing import ImportResult, check_takes_import, import_csv
from feedback.services.retention import (
    NoSuchResponse,
    add_months,
    erase_response,
    set_retention,
)

NO_STORE = {"Cache-Control": "no-store"}


def _wave(wave_id: int) -> Wave:
    return wave_by_id(db.session, wave_id) or abort(404)


@bp.get("/data")
@permission_required("responses.export")
def data():
    return render_template(
        "manage/export.html", waves=waves_with_counts(db.session), title="Responses data"
    )


@bp.route("/waves/<int:wave_id>/export", methods=["GET", "POST"])
@permission_required("responses.export")
def export_responses(wave_id: int):
    """GET explains the file; POST downloads it (a download is audited, so never on GET)."""
    wave = _wave(wave_id)
    fmt = request.form.get("format", "")
    if request.method == "POST" and fmt in MEDIA_TYPES:
        name = export_filename(wave, fmt)
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "csv":
            chunks = stream_with_context(csv_export(db.session, wave, user=current_user))
            return Response(chunks, mimetype=MEDIA_TYPES[fmt], headers=headers)
        body = xlsx_export(db.session, wave, user=current_user)
        download = send_file(body, MEDIA_TYPES[fmt], as_attachment=True, download_name=name)
        return download, 200, NO_STORE
    equality = [
        q for q in wave.definition.questions if q not in row_level_questions(wave.definition)
    ]
    errors = [{"text": "Select a format", "href": "#format"}] if request.method == "POST" else []
    return render_template(
        "manage/export_wave.html",
        wave=wave,
        equality=equality,
        errors=errors,
        title=f"Export responses: {wave.name}",
    ), (400 if errors else 200)


@bp.route("/waves/<int:wave_id>/import", methods=["GET", "POST"])
@permission_required("responses.import")
def import_responses(wave_id: int):
    """The upload form, or why a wave that has not opened yet takes no import."""
    wave = _wave(wave_id)
    try:
        check_takes_import(wave)
    except DomainError as exc:
        return _import_page(wave, None, None, [{"text": str(exc), "href": "#not-open"}])
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        result = import_csv(
            db.session,
            wave,
            upload.read(),
            channel=Channel(form.channel.data),
            dry_run=bool(form.dry_run.data),
            user=current_user,
            source=upload.filename,
        )
        if result.stored:
            flash(f"{result.rows} responses imported from {upload.filename}.", "success")
            return redirect(url_for(".returns", wave_id=wave.id))
    errors = []
    if result is not None and result.problems:
        errors = [{"text": _problem_summary(result), "href": "#import-report"}]
    return _import_page(wave, form, result, errors or _form_errors(form))


def _import_page(
    wave: Wave,
    form: ImportForm | None,
    result: ImportResult | None,
    errors: list[dict[str, str]],
):
    """``form`` is ``None`` for a wave that takes no import: the page says why instead."""
    return render_template(
        "manage/import.html",
        wave=wave,
        import_form=form,
        result=result,
        errors=errors,
        title=f"Import responses: {wave.name}",
    ), (400 if errors else 200)


def _problem_summary(result) -> str:
    n = len(result.problems)
    return f"The file has {n} problem{'s' if n != 1 else ''}. Nothing was imported."


def _form_errors(form) -> list[dict[str, str]]:
    hrefs = {"file": "#file", "channel": "#channel"}
    return [
        {"text": field.errors[0], "href": hrefs.get(name, f"#{name}")}
        for name, field in form._fields.items()
        if field.errors
    ]


@bp.route("/data/erase", methods=["GET", "POST"])
@permission_required("responses.erase")
def erase_lookup():
    form = EraseLookupForm()
    if form.validate_on_submit():
        response = response_by_reference(db.session, form.reference.data)
        if response is not None:
            return redirect(url_for(".erase_confirm", reference=response.reference))
        form.reference.errors.append("No response has this reference. Check it and try again")
    status = 400 if form.errors else 200
    return render_template("manage/erase.html", form=form, title="Erase a response"), status


@bp.route("/data/erase/<reference>", methods=["GET", "POST"])
@permission_required("responses.erase")
def erase_confirm(reference: str):
    response = response_by_reference(db.session, reference) or abort(404)
    form = EraseConfirmForm()
    if form.validate_on_submit():
        try:
            erase_response(db.session, reference, user=current_user)
        except NoSuchResponse:
            abort(404)
        flash(f"Response {response.reference} and all its answers have been erased.", "success")
        return redirect(url_for(".erase_lookup"))
    return render_template(
        "manage/erase_confirm.html",
        response=response,
        form=form,
        title=f"Erase response {response.reference}",
    )


@bp.get("/data/retention")
@permission_required("surveys.manage")
def retention():
    return render_template(
        "manage/retention.html", surveys=surveys_by_slug(db.session), title="Keeping comments"
    )


@bp.route("/data/retention/<int:survey_id>", methods=["GET", "POST"])
@permission_required("surveys.manage")
def retention_edit(survey_id: int):
    survey = db.session.get(Survey, survey_id) or abort(404)
    form = RetentionForm(data={"months": survey.retention_months})
    if form.validate_on_submit():
        set_retention(db.session, survey, form.months.data, user=current_user)
        flash(
            f"Comments from {survey.title} will be kept for {survey.retention_months} months.",
            "success",
        )
        return redirect(url_for(".retention"))
    status = 400 if form.errors else 200
    return render_template(
        "manage/retention_edit.html",
        survey=survey,
        form=form,
        example=add_months(clock.now(), survey.retention_months),
        title=f"How long to keep comments: {survey.title}",
    ), status
