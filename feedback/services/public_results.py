"""Headline KPI results for the public "You said, we did" page and the annual statement.

Only closed waves are shown to the public: a result from a survey that is still
open can move, and a family reading the page should not see it change under
them. Results are the whole-area ones (no breakdowns), with the same
suppression as everywhere else, and are written without statistical terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from analysis.targets import format_pct
from feedback import clock
from feedback.models import WaveStatus
from feedback.services.kpi_results import kpi_report, report_waves, wave_date
from feedback.services.kpi_words import result_state, who
from surveys.kpis import KPIS


def _month(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%B %Y")


def public_reading(row: Mapping[str, Any], today: date | None = None) -> str:
    """A KPI result in plain English, for families.

    For example: "75% of the 60 parents and carers who answered gave a positive
    answer. When we started measuring, in December 2019, it was 38.5%. Our
    target was 53.5% by June 2021: we met it."
    """
    state = result_state(row)
    if state == "hidden":
        return (
            "Too few people answered for us to show this result without risking identifying them."
        )
    if state == "none":
        return "We do not have a result for this yet."
    today = today or clock.now().date()
    text = (
        f"{format_pct(row['pct'])} of the {row['n']} {who(row)} who answered gave a positive "
        "answer."
    )
    baseline = row.get("baseline") or {}
    if baseline.get("value") is not None:
        text += (
            f" When we started measuring, in {_month(baseline['date'])}, it was "
            f"{format_pct(baseline['value'])}."
        )
    direction = (row.get("direction") or {}).get("label")
    trend = row.get("trend") or []
    if direction in ("improved", "declined") and len(trend) >= 2:
        change = "gone up" if direction == "improved" else "gone down"
        text += f" It has {change} since {trend[-2]['wave']}."
    target = row.get("next_target")
    if target:
        due = date.fromisoformat(target["date"])
        status = row.get("status")
        if due < today:  # the deadline has passed: it was met or it was not
            verdict = "we met it" if status == "met" else "we have not met it yet"
            text += f" Our target was {format_pct(target['value'])} by {_month(target['date'])}"
        else:
            verdict = {
                "met": "we have already met it",
                "on track": "we are on track",
                "not on track": "we are not on track yet",
            }.get(status)
            text += f" Our target is {format_pct(target['value'])} by {_month(target['date'])}"
        text += f": {verdict}." if verdict else "."
    return text


def headline_results(session: Session, *, year: int | None = None) -> dict[str, Any] | None:
    """Results as at the latest closed wave (in ``year``, if given); None if there is none."""
    closed = [w for w in report_waves(session) if w.status is WaveStatus.CLOSED]
    if year is not None:
        closed = [w for w in closed if wave_date(w).year == year]
    if not closed:
        return None
    wave = closed[-1]
    today = clock.now().date()
    rows = kpi_report(session, wave.id)
    return {
        "wave": wave,
        "date": wave_date(wave),
        "rows": [
            {
                "code": r["code"],
                "short": KPIS[r["code"]].short,
                "measure": r["measure"],
                "state": result_state(r),
                "result": format_pct(r["pct"]) if result_state(r) == "shown" else None,
                "n": r["n"] if result_state(r) == "shown" else None,
                "survey": r["wave"],
                "reading": public_reading(r, today),
            }
            for r in rows
        ],
    }
