"""The printable survey report for one wave, also as an XLSX workbook and a standalone HTML file."""

from __future__ import annotations

from flask import Response, abort, render_template, url_for

from feedback.extensions import db
from feedback.forum import bp
from feedback.permissions import RESULTS_VIEW, permission_required
from feedback.services import report_export
from feedback.services.survey_report import survey_report


def _report(wave_id: int) -> dict:
    """:raise 404: for a wave that does not exist or has no KPI results to report."""
    try:
        return survey_report(db.session, wave_id)
    except LookupError:
        abort(404)


def _download(body: bytes | str, fmt: str, report: dict) -> Response:
    name = f"survey-report-{report['wave'].code}.{fmt}"
    return Response(
        body,
        content_type=report_export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/waves/<int:wave_id>/report")
@permission_required(RESULTS_VIEW)
def report(wave_id: int):
    report = _report(wave_id)
    downloads = [
        (
            "Download the tables as a spreadsheet (XLSX)",
            url_for("forum.report_xlsx", wave_id=wave_id),
        ),
        (
            "Download the report as a web page file (HTML)",
            url_for("forum.report_html", wave_id=wave_id),
        ),
    ]
    return render_template(
        "forum/report.html",
        report=report,
        downloads=downloads,
        title=f"Survey report: {report['label']}",
    )


@bp.get("/waves/<int:wave_id>/report.xlsx")
@permission_required(RESULTS_VIEW)
def report_xlsx(wave_id: int):
    report = _report(wave_id)
    return _download(report_export.report_xlsx(report), "xlsx", report)


@bp.get("/waves/<int:wave_id>/report.html")
@permission_required(RESULTS_VIEW)
def report_html(wave_id: int):
    report = _report(wave_id)
    page = render_template(
        "components/report_document.html",
        report=report,
        css=report_export.report_css(),
        title=f"Survey report: {report['label']}",
    )
    return _download(page, "html", report)
