"""Forum and board downloads: aggregated, suppressed counts only, never row-level data."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user

from feedback.extensions import db
from feedback.forum import bp
from feedback.models import WaveStatus
from feedback.permissions import permission_required
from feedback.queries.data import wave_by_id, waves_with_counts
from feedback.services.exporting import MEDIA_TYPES, aggregate_export


@bp.get("/exports")
@permission_required("exports.aggregate")
def exports():
    waves = [
        (w, n) for w, n in waves_with_counts(db.session) if w.status is not WaveStatus.SCHEDULED
    ]
    return render_template("forum/exports.html", waves=waves, title="Download results")


@bp.post("/exports/<int:wave_id>")
@permission_required("exports.aggregate")
def export_counts(wave_id: int):
    """A POST, because every download is audited."""
    wave = wave_by_id(db.session, wave_id)
    if wave is None or wave.status is WaveStatus.SCHEDULED:
        abort(404)
    body = aggregate_export(db.session, wave, user=current_user)
    name = f"{wave.code}-kpi-counts.csv"
    return Response(
        body,
        mimetype=MEDIA_TYPES["csv"],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
