"""Officers' KPI pages: results against baseline and targets, governance, settings, export.

KPI codes contain a slash, so URLs use ``4-1`` for KPI 4/1.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from analysis.targets import MilestoneRule
from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_kpis import (
    BaselineForm,
    CommentaryForm,
    ExportForm,
    GovernanceForm,
    MilestonesForm,
    OtherValueForm,
)
from feedback.models.kpis import KpiBaseline
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.services import kpis as kpi_service
from feedback.services.charts import trend_chart
from feedback.services.kpi_export import MEDIA_TYPES, export_kpis, kpi4_table_rows
from feedback.services.kpi_results import UnknownWave, kpi_report, report_waves, wave_labels
from surveys.kpis import KPIS

MANAGE = "kpis.manage"


def _code(slug: str) -> str:
    """:raise 404: for a slug that is not a KPI 4 code."""
    code = slug.replace("-", "/")
    if code not in KPIS:
        abort(404)
    return code


def _wave_choices() -> list[tuple[str, str]]:
    """(id, label) of the waves with KPI results, newest first."""
    waves = report_waves(db.session)
    labels = wave_labels(waves)
    return [(str(w.id), labels[w.id]) for w in reversed(waves)]


@bp.get("/kpis")
@permission_required(MANAGE)
def kpis():
    wave_id = request.args.get("wave", type=int)
    try:
        rows = kpi_report(db.session, wave_id=wave_id)
    except UnknownWave:
        abort(404)
    return render_template(
        "manage/kpis.html",
        rows=rows,
        cells=kpi4_table_rows(rows),
        waves=_wave_choices(),
        wave_id=wave_id,
        export_form=ExportForm(),
        title="KPIs: baseline, targets and results",
    )


@bp.post("/kpis/export")
@permission_required(MANAGE)
def kpis_export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    wave_id = request.args.get("wave", type=int)
    try:
        payload = export_kpis(db.session, form.fmt.data, wave_id=wave_id, user=current_user)
    except UnknownWave:
        abort(404)
    name = f"kpi-baseline-report.{form.fmt.data}"
    return Response(
        payload,
        mimetype=MEDIA_TYPES[form.fmt.data],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/kpis/<slug>", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_detail(slug: str):
    code = _code(slug)
    form = CommentaryForm()
    if form.validate_on_submit():
        kpi_service.add_commentary(
            db.session,
            code,
            period_label=form.period_label.data,
            period_end=form.period_end.data,
            body=form.body.data,
            user=current_user,
        )
        flash("Commentary added.", "success")
        return redirect(url_for("manage.kpi_detail", slug=slug))
    row = next(r for r in kpi_report(db.session) if r["code"] == code)
    return render_template(
        "manage/kpis_detail.html",
        kpi=KPIS[code],
        slug=slug,
        row=row,
        trend=trend_chart([row]) if row["trend"] else None,
        history=kpi_service.baseline_history(db.session, code),
        commentary=kpi_service.commentary_history(db.session, code),
        form=form,
        governance_form=GovernanceForm(),
        title=f"KPI {code}: {KPIS[code].short}",
    ), (400 if form.errors else 200)


def _baseline(code: str, baseline_id: int) -> KpiBaseline:
    baseline = db.session.get(KpiBaseline, baseline_id)
    if baseline is None or baseline.kpi != code:
        abort(404)
    return baseline


@bp.post("/kpis/<slug>/baselines/<int:baseline_id>/<any(agree, ratify):step>")
@permission_required(MANAGE)
def kpi_baseline_decide(slug: str, baseline_id: int, step: str):
    baseline = _baseline(_code(slug), baseline_id)
    form = GovernanceForm()
    if not form.validate_on_submit():
        for message in [m for errors in form.errors.values() for m in errors]:
            flash(message, "error")
        return redirect(url_for("manage.kpi_detail", slug=slug))
    action = kpi_service.agree_baseline if step == "agree" else kpi_service.ratify_baseline
    try:
        action(db.session, baseline, form.on.data, form.by.data, user=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc).capitalize(), "error")
    else:
        flash("Agreement recorded." if step == "agree" else "Ratified and locked.", "success")
    return redirect(url_for("manage.kpi_detail", slug=slug))


@bp.route("/kpis/<slug>/baselines/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_baseline_new(slug: str):
    code = _code(slug)
    form = BaselineForm()
    form.wave.choices = [SelectChoice("", "Select a wave")] + [
        SelectChoice(value, label) for value, label in _wave_choices()
    ]
    if form.validate_on_submit():
        try:
            kpi_service.new_baseline_version(db.session, code, **_baseline_values(form))
        except DomainError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc).capitalize())
        else:
            flash("Draft baseline saved. Record its agreement and ratification next.", "success")
            return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_baseline.html", form=form, slug=slug, title=f"New baseline for KPI {code}"
    ), (400 if form.errors else 200)


def _baseline_values(form: BaselineForm) -> dict:
    imported = form.source.data == "imported"
    return {
        "value": float(form.value.data) if imported else None,
        "wave_id": None if imported else int(form.wave.data),
        "baseline_date": form.baseline_date.data,
        "document": form.document.data or "",
        "document_date": form.document_date.data,
        "note": form.note.data or "",
        "reason": form.reason.data or "",
        "user": current_user,
    }


@bp.route("/kpis/<slug>/milestones", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_milestones(slug: str):
    code = _code(slug)
    current = kpi_service.milestone_rules(db.session)[code]
    form = MilestonesForm(data=_milestone_data(current))
    if form.validate_on_submit():
        rules = [MilestoneRule(form.months_1.data, float(form.plus_1.data), form.mode_1.data)]
        if form.months_2.data and form.plus_2.data is not None:
            rules.append(
                MilestoneRule(
                    form.months_2.data, float(form.plus_2.data), form.mode_2.data or "points"
                )
            )
        try:
            kpi_service.set_milestones(db.session, code, rules, user=current_user)
        except DomainError as exc:
            db.session.rollback()
            form.months_2.errors.append(str(exc).capitalize())
        else:
            flash("Milestones saved.", "success")
            return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_milestones.html", form=form, slug=slug, title=f"Milestones for KPI {code}"
    ), (400 if form.errors else 200)


def _milestone_data(rules) -> dict:
    data = {}
    for i, rule in enumerate(rules[:2], start=1):
        data.update(
            {
                f"months_{i}": rule.months,
                f"plus_{i}": Decimal(str(rule.plus)),
                f"mode_{i}": str(rule.mode),
            }
        )
    return data


@bp.route("/kpis/other", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpis_other():
    form = OtherValueForm()
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")}
        values["value"] = None if values["value"] is None else float(values["value"])
        try:
            kpi_service.add_other_value(db.session, **values, user=current_user)
        except DomainError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc).capitalize())
        else:
            flash(f"Value for KPI {form.code.data} added.", "success")
            return redirect(url_for("manage.kpis_other"))
    return render_template(
        "manage/kpis_other.html",
        form=form,
        values=kpi_service.other_values(db.session),
        title="Other improvement plan KPIs",
    ), (400 if form.errors else 200)
