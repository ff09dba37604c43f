"""KPI results in words: what the cards, the report and the public page say about a result.

Every function takes one row of :func:`feedback.services.kpi_results.kpi_report`
(the JSON export shape) and says, without colour, whether it is shown, hidden
to protect privacy, or missing, and how it compares with its baseline, target
and previous result.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from analysis.suppression import MIN_BASE, SUPPRESSED
from analysis.targets import format_pct
from surveys.kpis import KPIS, PARENT_CARER, YOUNG_PERSON

NO_RESULT = "No result"
_WHO = {
    (PARENT_CARER,): "parents and carers",
    (YOUNG_PERSON,): "young people",
    (PARENT_CARER, YOUNG_PERSON): "parents, carers and young people",
}


def result_state(row: Mapping[str, Any]) -> str:
    """``shown``; ``hidden`` (there is a result, suppressed); or ``none`` (nobody answered)."""
    if not row.get("trend") and not row.get("n"):
        return "none"
    if row.get("suppressed"):
        return "hidden"
    return "none" if row.get("pct") is None else "shown"


def pct(value: float | None, suppressed: bool = False) -> str:
    """A percentage as the tables show it: ``38.5%``, ``c`` when suppressed, or "No result"."""
    if suppressed:
        return SUPPRESSED
    return NO_RESULT if value is None else format_pct(value)


def interval(row: Mapping[str, Any]) -> str:
    state = result_state(row)
    if state != "shown":
        return SUPPRESSED if state == "hidden" else NO_RESULT
    return f"{format_pct(row['ci_low'])} to {format_pct(row['ci_high'])}"


def who(row: Mapping[str, Any]) -> str:
    return _WHO.get(tuple(row.get("respondents") or ()), "people")


def _month(iso: str | date) -> str:
    day = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return day.strftime("%B %Y")


def target_text(row: Mapping[str, Any]) -> str:
    target = row.get("next_target")
    if not target:
        return "No target set"
    return f"{format_pct(target['value'])} by {_month(target['date'])}"


def baseline_text(row: Mapping[str, Any]) -> str:
    baseline = row.get("baseline")
    if not baseline:
        return "No baseline agreed"
    if baseline.get("value") is None:
        return f"{SUPPRESSED} (fewer than {MIN_BASE} answers)"
    return f"{format_pct(baseline['value'])} ({_month(baseline['date'])})"


_DIRECTION_WORDS = {
    "improved": "Improved",
    "declined": "Declined",
    "no significant change": "No real change",
}


def direction_phrase(row: Mapping[str, Any]) -> str | None:
    """The change since the previous result, e.g. "up 5 points since Pulse 2025, a real rise"."""
    direction = row.get("direction") or {}
    label, diff = direction.get("label"), direction.get("diff")
    if label not in _DIRECTION_WORDS or diff is None:
        return None
    previous = _previous_wave(row)
    since = f" since {previous}" if previous else ""
    way = "up" if diff > 0 else "down" if diff < 0 else "no change"
    change = f"{way} {_points(diff)}" if diff else way
    if label == "improved":
        return f"{change}{since}, a real improvement"
    if label == "declined":
        return f"{change}{since}, a real decline"
    return f"{change}{since}, which could be chance"


def direction_text(row: Mapping[str, Any]) -> str:
    """Direction of travel in words, with the change and whether it could be chance."""
    label = (row.get("direction") or {}).get("label")
    phrase = direction_phrase(row)
    if phrase:
        return f"{_DIRECTION_WORDS[label]}: {phrase}"
    if label == "no previous result":
        return "No previous result to compare with"
    return "Not enough answers to say"


def _points(diff: float | None) -> str:
    if diff is None:
        return ""
    size = format_pct(abs(diff))[:-1]
    return f"{size} point{'s' if size != '1' else ''}"


def _previous_wave(row: Mapping[str, Any]) -> str | None:
    trend = row.get("trend") or []
    return trend[-2]["wave"] if len(trend) >= 2 else None


def status_text(row: Mapping[str, Any]) -> str:
    """Status against the next target, in words."""
    status = row.get("status")
    target = row.get("next_target")
    goal = f"the {_month(target['date'])} target of {format_pct(target['value'])}" if target else ""
    if status == "met":
        return f"Met {goal}".strip()
    if status == "on track":
        return f"On track for {goal}".strip()
    if status == "not on track":
        return f"Not yet on track for {goal}".strip()
    return f"Not enough data: {row.get('status_reason') or 'no result'}"


def kpi_reading(row: Mapping[str, Any]) -> str:
    """One plain-English sentence for a KPI result, as the board report words it.

    For example: "38.5% of 240 parents and carers who answered gave a positive
    answer (95% CI 32.6% to 44.8%): up 5 points since Pulse 2025, which could be
    chance; not yet on track for the December 2026 target of 48.5%."
    """
    state = result_state(row)
    if state != "shown":
        if state == "hidden":
            return (
                "The result is hidden to protect privacy: too few people answered in this "
                "group, or in a group it could be worked out from."
            )
        return f"There is no result yet from {who(row)}."
    sentence = (
        f"{format_pct(row['pct'])} of {row['n']} {who(row)} who answered gave a positive answer "
        f"(95% CI {format_pct(row['ci_low'])} to {format_pct(row['ci_high'])})"
    )
    phrase = direction_phrase(row)
    if phrase:
        sentence += ": " + phrase
    status = status_text(row)
    if not status.startswith("Not enough"):
        sentence += "; " + status[0].lower() + status[1:]
    return sentence + "."


def kpi_card(row: Mapping[str, Any]) -> dict[str, Any]:
    """What one KPI card says, all in words."""
    kpi = KPIS[row["code"]]
    return {
        "code": row["code"],
        "short": kpi.short,
        "measure": row["measure"],
        "result": pct(row.get("pct"), result_state(row) == "hidden"),
        "n": row.get("n"),
        "interval": interval(row),
        "baseline": baseline_text(row),
        "target": target_text(row),
        "status": status_text(row),
        "status_key": (row.get("status") or "insufficient data").replace(" ", "-"),
        "direction": direction_text(row),
        "reading": kpi_reading(row),
        "wave": row.get("wave"),
    }
