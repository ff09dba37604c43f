"""Officers' wave pages: schedule a wave of an approved version, change it, open and close it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_surveys import WaveForm
from feedback.models import SurveyVersion, WaveKind, WaveStatus
from feedback.models.surveys import LateRule
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.queries import workspace
from feedback.services import waves as wave_service
from feedback.services.waves import EDITABLE, WaveDetails, WaveError

MANAGE = "waves.manage"


#: Wave attribute -> form field, where they differ.
_FIELDS = {"opens_at": "opens_on", "closes_at": "closes_on"}


def _wave_or_404(wave_id: int):
    return workspace.wave_by_id(db.session, wave_id) or abort(404)


def _form(wave=None) -> WaveForm:
    """The wave form; for an existing wave, without the fields its state locks."""
    if wave is None:
        form = WaveForm(data={"kind": "annual", "late_rule": "officer_decides"})
    else:
        form = WaveForm(data=_form_data(wave))
        for name in EDITABLE[WaveStatus.SCHEDULED] - EDITABLE[wave.status]:
            delattr(form, _FIELDS.get(name, name))
    if form.version is not None:
        versions = workspace.approved_versions(db.session)
        if wave is not None and wave.version not in versions:
            versions.insert(0, wave.version)
        form.version.choices = [
            SelectChoice(v.id, f"{v.survey.title}, version {v.version}") for v in versions
        ] or [SelectChoice(0, "No approved versions yet")]
    return form


def _form_data(wave) -> dict:
    return {
        "version": wave.survey_version_id,
        "name": wave.name,
        "code": wave.code,
        "kind": wave.kind.value,
        "opens_on": wave.opens_at.date(),
        "closes_on": WaveForm.close_day(wave.closes_at),
        "population_note": wave.population_note,
        "late_rule": wave.late_rule.value,
    }


def _details(form: WaveForm, wave=None) -> WaveDetails:
    """What the form says, with a locked field's current value where the form has none."""

    def value(name, convert):
        field = getattr(form, _FIELDS.get(name, name), None)
        return convert(field) if field is not None else getattr(wave, name)

    return WaveDetails(
        version=value("version", lambda f: _version(f.data)),
        name=value("name", lambda f: f.data.strip()),
        code=value("code", lambda f: f.data),
        kind=value("kind", lambda f: WaveKind(f.data)),
        opens_at=value("opens_at", lambda f: form.opens_at),
        closes_at=value("closes_at", lambda f: form.closes_at),
        population_note=value("population_note", lambda f: (f.data or "").strip()),
        late_rule=value("late_rule", lambda f: LateRule(f.data)),
    )


def _version(version_id: int) -> SurveyVersion:
    version = db.session.get(SurveyVersion, version_id)
    if version is None:
        raise WaveError("version", "Select an approved survey version")
    return version


def _save(form: WaveForm, wave=None):
    """Create or update from a valid form; a service refusal becomes a field error."""
    try:
        if wave is None:
            wave = wave_service.create_wave(db.session, _details(form), by=current_user)
        else:
            wave_service.update_wave(db.session, wave, _details(form, wave), by=current_user)
    except WaveError as exc:
        db.session.rollback()
        field = getattr(form, _FIELDS.get(exc.field, exc.field), None) or form.name
        field.errors.append(str(exc))
        return None
    return wave


def _waves_page(errors=None, status=200):
    found = workspace.waves_overview(db.session)
    counts = workspace.response_counts(db.session, [w.id for w in found])
    return render_template(
        "manage/waves.html", title="Waves", waves=found, counts=counts, errors=errors or []
    ), status


@bp.get("/waves")
@permission_required(MANAGE)
def waves():
    return _waves_page()


@bp.route("/waves/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def new_wave():
    form = _form()
    if form.validate_on_submit() and (wave := _save(form)):
        flash(f"{wave.name} is scheduled. Open it when you are ready.", "success")
        return redirect(url_for(".waves"))
    return render_template(
        "manage/waves_form.html", title="Schedule a wave", form=form, wave=None, editable=None
    ), (400 if form.errors else 200)


@bp.route("/waves/<int:wave_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_wave(wave_id: int):
    wave = _wave_or_404(wave_id)
    form = _form(wave)
    if form.validate_on_submit() and _save(form, wave):
        flash(f"{wave.name} saved", "success")
        return redirect(url_for(".waves"))
    return render_template(
        "manage/waves_form.html",
        title=f"Change {wave.name}",
        form=form,
        wave=wave,
        editable=EDITABLE[wave.status],
    ), (400 if form.errors else 200)


@bp.post("/waves/<int:wave_id>/<any(open, close):action>")
@permission_required(MANAGE)
def wave_action(wave_id: int, action: str):
    wave = _wave_or_404(wave_id)
    change = wave_service.open_wave if action == "open" else wave_service.close_wave
    try:
        change(db.session, wave, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        return _waves_page([{"text": f"{wave.name}: {exc}", "href": f"#wave-{wave.id}"}], 400)
    flash(f"{wave.name} is {'open' if action == 'open' else 'closed'}", "success")
    return redirect(url_for(".waves"))
