"""Officers' KPI pages: results against baseline and targets, governance, settings, export.

KPI codes contain a slash, so URLs use ``4-1`` for KPI 4/1. A draft or agreed
baseline can be changed or withdrawn; a ratified one is locked, and its pages
say a change is a new version with a reason. Commentary and the other KPIs'
values can be changed or deleted, deleting after a confirmation page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from analysis.targets import MilestoneRule
from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_kpis import (
    BaselineForm,
    CommentaryForm,
    ConfirmForm,
    EditBaselineForm,
    EditCommentaryForm,
    EditOtherValueForm,
    ExportForm,
    GovernanceForm,
    MilestonesForm,
    OtherValueForm,
    WithdrawBaselineForm,
)
from feedback.models.kpis import BaselineStatus, KpiBaseline, KpiCommentary, OtherKpiValue
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


def _attempt(field, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service ``action``: ``(True, its result)``, or ``(False, None)`` after a
    domain error, which is rolled back and shown on ``field`` for the officer to fix."""
    try:
        return True, action()
    except DomainError as exc:
        db.session.rollback()
        field.errors.append(str(exc).capitalize())
        return False, None


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


def _wave_select() -> list[SelectChoice]:
    return [SelectChoice("", "Select a wave")] + [
        SelectChoice(value, label) for value, label in _wave_choices()
    ]


@bp.route("/kpis/<slug>/baselines/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_baseline_new(slug: str):
    code = _code(slug)
    form = BaselineForm()
    form.wave.choices = _wave_select()
    if form.validate_on_submit():
        done, _ = _attempt(
            form.reason,
            lambda: kpi_service.new_baseline_version(
                db.session, code, **_baseline_values(form), user=current_user
            ),
        )
        if done:
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
    }


def _baseline_form_data(baseline: KpiBaseline) -> dict:
    return {
        "source": baseline.source.value,
        "value": None if baseline.value is None else Decimal(str(baseline.value)),
        "wave": "" if baseline.wave_id is None else str(baseline.wave_id),
        "baseline_date": baseline.baseline_date,
        "document": baseline.document,
        "document_date": baseline.document_date,
        "note": baseline.note,
        "reason": baseline.reason,
    }


def _locked(slug: str, baseline: KpiBaseline):
    """The page saying a ratified (or withdrawn) version cannot change: 409 for a POST."""
    page = render_template(
        "manage/kpis_baseline_locked.html",
        slug=slug,
        baseline=baseline,
        title=f"Version {baseline.version} of the KPI {baseline.kpi} baseline cannot be changed",
    )
    return page, (409 if request.method == "POST" else 200)


@bp.route("/kpis/<slug>/baselines/<int:baseline_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_baseline_edit(slug: str, baseline_id: int):
    baseline = _baseline(_code(slug), baseline_id)
    if not baseline.editable:
        return _locked(slug, baseline)
    form = EditBaselineForm(data=_baseline_form_data(baseline))
    form.wave.choices = _wave_select()
    was_agreed = baseline.status is BaselineStatus.AGREED
    if form.validate_on_submit():
        done, changed = _attempt(
            form.reason,
            lambda: kpi_service.revise_baseline(
                db.session, baseline, **_baseline_values(form), user=current_user
            ),
        )
        if done:
            flash(_revised_message(baseline.version, changed, was_agreed), "success")
            return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_baseline.html",
        form=form,
        slug=slug,
        baseline=baseline,
        title=f"Change version {baseline.version} of the KPI {baseline.kpi} baseline",
    ), (400 if form.errors else 200)


def _revised_message(version: int, changed: list[str], was_agreed: bool) -> str:
    if not changed:
        return f"Nothing was changed in version {version}."
    if was_agreed:
        return (
            f"Version {version} changed and returned to draft. "
            "Record the co-production sub-group's agreement again."
        )
    return f"Version {version} changed."


@bp.route("/kpis/<slug>/baselines/<int:baseline_id>/withdraw", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_baseline_withdraw(slug: str, baseline_id: int):
    baseline = _baseline(_code(slug), baseline_id)
    if not baseline.editable:
        return _locked(slug, baseline)
    form = WithdrawBaselineForm()
    if form.validate_on_submit():
        done, _ = _attempt(
            form.reason,
            lambda: kpi_service.withdraw_baseline(
                db.session, baseline, form.reason.data, user=current_user
            ),
        )
        if done:
            flash(f"Version {baseline.version} withdrawn. It stays in the history.", "success")
            return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_baseline_withdraw.html",
        form=form,
        slug=slug,
        baseline=baseline,
        fallback=kpi_service.fallback_baseline(db.session, baseline),
        title=f"Withdraw version {baseline.version} of the KPI {baseline.kpi} baseline",
    ), (400 if form.errors else 200)


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
        done, _ = _attempt(
            form.months_2,
            lambda: kpi_service.set_milestones(db.session, code, rules, user=current_user),
        )
        if done:
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


def _commentary(code: str, commentary_id: int) -> KpiCommentary:
    """:raise 404: for no such commentary, or one on another KPI."""
    row = db.session.get(KpiCommentary, commentary_id)
    if row is None or row.kpi != code:
        abort(404)
    return row


@bp.route("/kpis/<slug>/commentary/<int:commentary_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_commentary_edit(slug: str, commentary_id: int):
    code = _code(slug)
    row = _commentary(code, commentary_id)
    form = EditCommentaryForm(
        data={"period_label": row.period_label, "period_end": row.period_end, "body": row.body}
    )
    if form.validate_on_submit():
        done, changed = _attempt(
            form.body,
            lambda: kpi_service.edit_commentary(
                db.session,
                row,
                period_label=form.period_label.data,
                period_end=form.period_end.data,
                body=form.body.data,
                user=current_user,
            ),
        )
        if done:
            flash("Commentary changed." if changed else "Nothing was changed.", "success")
            return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_commentary_edit.html",
        form=form,
        slug=slug,
        row=row,
        title=f"Change commentary on KPI {code}",
    ), (400 if form.errors else 200)


@bp.route("/kpis/<slug>/commentary/<int:commentary_id>/delete", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpi_commentary_delete(slug: str, commentary_id: int):
    """Ask first (GET), then delete (POST); the audit log keeps the text."""
    code = _code(slug)
    row = _commentary(code, commentary_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        period = row.period_label
        kpi_service.delete_commentary(db.session, row, user=current_user)
        flash(f"Commentary for {period} deleted.", "success")
        return redirect(url_for("manage.kpi_detail", slug=slug))
    return render_template(
        "manage/kpis_delete.html",
        form=form,
        title=f"Are you sure you want to delete this commentary on KPI {code}?",
        summary=[
            ("Reporting period", f"{row.period_label} (to {row.period_end:%d %B %Y})"),
            ("Commentary", row.body),
            ("Written by", f"{row.author}, {row.created_at:%d %B %Y}"),
        ],
        button="Delete commentary",
        cancel=url_for("manage.kpi_detail", slug=slug),
    )


def _other_value(value_id: int) -> OtherKpiValue:
    """:raise 404: for no such value."""
    return db.session.get(OtherKpiValue, value_id) or abort(404)


def _other_values(form: OtherValueForm) -> dict:
    values = {k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")}
    values["value"] = None if values["value"] is None else float(values["value"])
    return values


@bp.route("/kpis/other", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpis_other():
    form = OtherValueForm()
    if form.validate_on_submit():
        done, _ = _attempt(
            form.code,
            lambda: kpi_service.add_other_value(
                db.session, **_other_values(form), user=current_user
            ),
        )
        if done:
            flash(f"Value for KPI {form.code.data} added.", "success")
            return redirect(url_for("manage.kpis_other"))
    return render_template(
        "manage/kpis_other.html",
        form=form,
        values=kpi_service.other_values(db.session),
        title="Other improvement plan KPIs",
    ), (400 if form.errors else 200)


def _decimal(value: float) -> Decimal:
    """A stored number as the form shows it back: 9.0 as 9, 22.4 as 22.4."""
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


@bp.route("/kpis/other/<int:value_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpis_other_edit(value_id: int):
    row = _other_value(value_id)
    form = EditOtherValueForm(
        data={
            "code": row.code,
            "action_group": row.action_group,
            "measure": row.measure,
            "frequency": row.frequency,
            "kind": row.kind.value,
            "unit": row.unit.value,
            "period_label": row.period_label,
            "period_date": row.period_date,
            "value": None if row.value is None else _decimal(row.value),
            "text": row.text or "",
            "source_note": row.source_note,
        }
    )
    if form.validate_on_submit():
        done, changed = _attempt(
            form.code,
            lambda: kpi_service.edit_other_value(
                db.session, row, **_other_values(form), user=current_user
            ),
        )
        if done:
            flash(
                f"Value for KPI {row.code} changed." if changed else "Nothing was changed.",
                "success",
            )
            return redirect(url_for("manage.kpis_other"))
    return render_template(
        "manage/kpis_other_edit.html",
        form=form,
        row=row,
        title=f"Change a value for KPI {row.code}",
    ), (400 if form.errors else 200)


@bp.route("/kpis/other/<int:value_id>/delete", methods=["GET", "POST"])
@permission_required(MANAGE)
def kpis_other_delete(value_id: int):
    """Ask first (GET), then delete (POST); the audit log keeps the value and its source."""
    row = _other_value(value_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        code = row.code
        kpi_service.delete_other_value(db.session, row, user=current_user)
        flash(f"Value for KPI {code} deleted.", "success")
        return redirect(url_for("manage.kpis_other"))
    return render_template(
        "manage/kpis_delete.html",
        form=form,
        title=f"Are you sure you want to delete this value for KPI {row.code}?",
        summary=[
            ("KPI", f"{row.code}: {row.measure}"),
            ("Column", row.kind.value.capitalize()),
            ("Period", row.period_label),
            ("Value", row.display),
            ("Source", row.source_note or "Not recorded"),
        ],
        button="Delete value",
        cancel=url_for("manage.kpis_other"),
    )
