"""The live participation monitor: how many have answered a wave, by day and by group.

Open to everyone with ``results.view`` (officers, the forum and the board), not
only officers: the figures are counts with small numbers suppressed, nothing
about any one family, and forum members are the ones who chase replies in
their networks while a wave is open.
"""

from __future__ import annotations

from flask import abort, render_template

from feedback.extensions import db
from feedback.manage import bp
from feedback.permissions import RESULTS_VIEW, permission_required
from feedback.queries import workspace
from feedback.queries.participation import Breakdown, Participation
from feedback.queries.participation import participation as participation_for


@bp.get("/participation")
@permission_required(RESULTS_VIEW)
def monitor():
    found = workspace.waves_overview(db.session)
    counts = workspace.response_counts(db.session, [w.id for w in found])
    return render_template("manage/monitor.html", title="Participation", waves=found, counts=counts)


@bp.get("/waves/<int:wave_id>/participation")
@permission_required(RESULTS_VIEW)
def participation(wave_id: int):
    wave = workspace.wave_by_id(db.session, wave_id) or abort(404)
    p = participation_for(db.session, wave)
    return render_template(
        "manage/monitor_wave.html",
        title=f"Participation: {wave.name}",
        wave=wave,
        p=p,
        daily=daily_chart(p),
        breakdowns=[breakdown_chart(b) for b in p.breakdowns],
    )


def daily_chart(p: Participation) -> dict:
    """Responses per day as a bar chart, with a running total in the table."""
    running, rows = 0, []
    for day, n in p.per_day:
        running += n
        rows.append([day.strftime("%a %-d %b %Y"), n, running])
    return {
        "id": "responses-per-day",
        "spec": {
            "type": "bar",
            "label": f"Bar chart of responses per day: {p.total} responses in total",
            "data": {
                "labels": [day.strftime("%-d %b") for day, _ in p.per_day],
                "datasets": [{"label": "Responses", "data": [n for _, n in p.per_day]}],
            },
            "options": {
                "plugins": {"legend": {"display": False}},
                "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
            },
        },
        "table": {
            "caption": "Responses per day",
            "head": ["Day", "Responses", "Running total"],
            "rows": rows,
        },
    }


def breakdown_chart(b: Breakdown) -> dict:
    """One characteristic as a horizontal bar chart; hidden counts are gaps, "c" in the table."""
    hidden = " Counts under 5 are hidden." if b.suppressed else ""
    return {
        "id": f"by-{b.key}",
        "spec": {
            "type": "bar",
            "label": f"Bar chart. {b.caption}.{hidden}",
            "data": {
                "labels": [label for label, _ in b.rows],
                "datasets": [
                    {
                        "label": "Responses",
                        "data": [n if isinstance(n, int) else None for _, n in b.rows],
                    }
                ],
            },
            "options": {
                "indexAxis": "y",
                "plugins": {"legend": {"display": False}},
                "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
            },
        },
        "table": {
            "caption": b.caption,
            "head": [b.title, "Responses"],
            "rows": [[label, n] for label, n in b.rows] + [["Total", b.total]],
        },
    }
