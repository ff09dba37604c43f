"""Chart specs for ``templates/components/chart.html``, each with its table from the same numbers.

Every builder returns ``{"id", "title", "spec", "table"}``: the Chart.js spec
(with an ``aria-label`` message that states what the chart shows) and the
adjacent table. Both are made from one list of values in one loop, so a
suppressed value is ``null`` in the chart exactly where the table says "c".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis.suppression import MIN_BASE, SMALL_COUNT_RANGE, SUPPRESSED, suppress_table
from analysis.targets import format_pct
from feedback.models import Channel
from feedback.services.kpi_words import NO_RESULT, interval, pct, result_state, status_text
from surveys.kpis import KPIS, PARENT_CARER, YOUNG_PERSON

RESPONDENT_LABELS = {PARENT_CARER: "Parents and carers", YOUNG_PERSON: "Young people"}
CHANNEL_LABELS = {
    Channel.ONLINE: "Online",
    Channel.PAPER: "Paper",
    Channel.PHONE: "Phone",
    Channel.EVENT: "At an event",
}


def _num(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def kpi_results_chart(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Latest result (with its 95% interval) against baseline and next target, per KPI."""
    labels, latest, bars, base, goal, table = [], [], [], [], [], []
    for row in rows:
        hidden = result_state(row) == "hidden"
        value = None if hidden else _num(row.get("pct"))
        labels.append(f"{row['code']} {KPIS[row['code']].short}")
        latest.append(value)
        bars.append({"low": row["ci_low"], "high": row["ci_high"]} if value is not None else None)
        b = (row.get("baseline") or {}).get("value")
        t = (row.get("next_target") or {}).get("value")
        base.append(b)
        goal.append(t)
        table.append(
            [
                labels[-1],
                pct(value, hidden),
                interval(row),
                str(row["n"]) if row.get("n") else (SUPPRESSED if hidden else "0"),
                pct(b),
                pct(t),
                status_text(row),
            ]
        )
    counts = {s: sum(1 for r in rows if r.get("status") == s) for s in ("met", "on track")}
    message = (
        f"Latest result for each of the {len(rows)} KPIs, with its 95% confidence interval, "
        f"beside its baseline and next target. {counts['met']} met their target and "
        f"{counts['on track']} are on track."
    )
    return {
        "id": "chart-kpi-results",
        "title": "Latest result, baseline and next target",
        "spec": {
            "type": "bar",
            "label": message,
            "data": {
                "labels": labels,
                "datasets": [
                    {"label": "Latest result (%)", "data": latest},
                    {"label": "Baseline (%)", "data": base},
                    {"label": "Next target (%)", "data": goal},
                ],
            },
            "errorBars": bars,
            "options": _percent_axis("y"),
        },
        "table": {
            "caption": "Latest result, 95% confidence interval, baseline and next target",
            "head": [
                "KPI",
                "Latest",
                "95% interval",
                "Answers (n)",
                "Baseline",
                "Target",
                "Status",
            ],
            "rows": table,
        },
    }


def _percent_axis(axis: str, *, stacked: bool = False) -> dict[str, Any]:
    other = "x" if axis == "y" else "y"
    scales = {
        axis: {"min": 0, "max": 100, "title": {"display": True, "text": "Percent"}},
        other: {},
    }
    if stacked:
        scales[axis]["stacked"] = scales[other]["stacked"] = True
    options: dict[str, Any] = {"scales": scales}
    if axis == "x":
        options["indexAxis"] = "y"
    return options


def trend_chart(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Each KPI's last six results, one line per KPI, on a shared axis of survey waves."""
    points: dict[str, tuple[str, str]] = {}
    for row in rows:
        for p in row.get("trend") or []:
            points.setdefault(p["wave"], (p["date"], p["wave"]))
    waves = [w for _, w in sorted(points.values())]
    datasets, table_cols = [], []
    went = {"up": 0, "down": 0}
    for row in rows:
        by_wave = {p["wave"]: p for p in row.get("trend") or []}
        values = [
            None if w not in by_wave or by_wave[w]["suppressed"] else by_wave[w]["pct"]
            for w in waves
        ]
        datasets.append({"label": f"KPI {row['code']}", "data": values, "spanGaps": True})
        table_cols.append([_trend_cell(by_wave.get(w)) for w in waves])
        shown = [v for v in values if v is not None]
        if len(shown) >= 2 and shown[-1] != shown[0]:
            went["up" if shown[-1] > shown[0] else "down"] += 1
    message = (
        f"Results for each KPI over the last {len(waves)} survey"
        f"{'s' if len(waves) != 1 else ''}: {went['up']} higher than at the start of the "
        f"period, {went['down']} lower."
    )
    return {
        "id": "chart-kpi-trend",
        "title": "Trend over the last six surveys",
        "spec": {
            "type": "line",
            "label": message,
            "data": {"labels": waves, "datasets": datasets},
            "options": _percent_axis("y"),
        },
        "table": {
            "caption": "Each KPI's result by survey (number of answers in brackets)",
            "head": ["Survey", *(f"KPI {r['code']}" for r in rows)],
            "rows": [[w, *(col[i] for col in table_cols)] for i, w in enumerate(waves)],
        },
    }


def _trend_cell(point: Mapping[str, Any] | None) -> str:
    if point is None:
        return NO_RESULT
    if point["suppressed"]:
        return SUPPRESSED
    return f"{format_pct(point['pct'])} (n={point['n']})"


def themes_by_wave_chart(data: Mapping[str, Any], top: int = 10) -> dict[str, Any] | None:
    """Share of commenters raising each theme, in this wave and the ones before it."""
    if not data["themes"]:
        return None
    themes = data["themes"][:top]
    waves = data["waves"]
    datasets = [
        {
            "label": w["name"],
            "data": [_num(t["pct"][i]) for t in themes],
        }
        for i, w in enumerate(waves)
    ]
    latest = waves[-1]
    first = themes[0]
    message = (
        f"Share of people who commented who raised each theme, by survey. "
        f"In {latest['name']} the theme raised most was {first['label']}"
        + (f" ({pct(_num(first['pct'][-1]))})." if _num(first["pct"][-1]) is not None else ".")
    )
    return {
        "id": "chart-themes-by-wave",
        "title": "Themes by survey",
        "spec": {
            "type": "bar",
            "label": message,
            "data": {"labels": [t["label"] for t in themes], "datasets": datasets},
            "options": _percent_axis("x"),
        },
        "table": {
            "caption": "Percentage of people who commented who raised each theme",
            "head": ["Theme", *(f"{w['name']} (n={w['n']})" for w in waves)],
            "rows": [
                [t["label"], *(pct(_num(v), v == SUPPRESSED) for v in t["pct"])] for t in themes
            ],
        },
    }


SENTIMENT_LABELS = {
    "positive": "Positive",
    "negative": "Negative",
    "mixed": "Mixed",
    "neutral": "Neutral",
}


def sentiment_chart(rows: Sequence[Mapping[str, Any]], top: int = 10) -> dict[str, Any] | None:
    """Per theme, the percentage of its comments that are positive, negative, mixed, neutral."""
    rows = list(rows)[:top]
    if not rows:
        return None
    datasets = [
        {"label": label, "data": [_num(r.get(key)) for r in rows]}
        for key, label in SENTIMENT_LABELS.items()
    ]
    shown = [r for r in rows if _num(r.get("negative")) is not None]
    message = "Sentiment of comments on each theme."
    if shown:
        worst = max(shown, key=lambda r: r["negative"])
        message += (
            f" The most negative was {worst['label']}: {pct(worst['negative'])} of its comments."
        )
    return {
        "id": "chart-sentiment",
        "title": "Sentiment by theme",
        "spec": {
            "type": "bar",
            "label": message,
            "data": {"labels": [r["label"] for r in rows], "datasets": datasets},
            "options": _percent_axis("x", stacked=True),
        },
        "table": {
            "caption": "Percentage of each theme's comments by sentiment",
            "head": ["Theme", "People", *SENTIMENT_LABELS.values()],
            "rows": [
                [
                    r["label"],
                    str(r["people"]),
                    *(pct(_num(r.get(k)), r.get(k) == SUPPRESSED) for k in SENTIMENT_LABELS),
                ]
                for r in rows
            ],
        },
    }


def participation_table(
    counts: Mapping[tuple[Channel, str | None], int],
    whole: Mapping[tuple[Channel, str | None], int] | None = None,
) -> dict[str, Any] | None:
    """Responses by channel and respondent type, suppressed; None when it cannot be shown.

    ``whole`` is the same table without the view's filter. Subtracting the
    filtered table from it gives the people outside the filter, so the table is
    withheld when any of those differences (or the filtered total) is a small
    number, as well as when fewer than ten people are in the view.
    """
    total = sum(counts.values())
    if total < MIN_BASE:
        return None
    if whole is not None:
        low, high = SMALL_COUNT_RANGE
        rest = [whole.get(k, 0) - counts.get(k, 0) for k in set(whole) | set(counts)]
        if any(low <= n <= high for n in [*rest, sum(rest)]):
            return None
    types = [t for t in RESPONDENT_LABELS if any(k[1] == t for k in counts)]
    if any(k[1] not in RESPONDENT_LABELS for k in counts):
        types.append(None)
    channels = [c for c in CHANNEL_LABELS if any(k[0] is c for k in counts)]
    body = [[counts.get((c, t), 0) for t in types] for c in channels]
    table = suppress_table(body)
    return {
        "channels": [CHANNEL_LABELS[c] for c in channels],
        "types": [RESPONDENT_LABELS.get(t, "Not recorded") for t in types],
        "cells": table.cells,
        "row_totals": table.row_totals,
        "column_totals": table.column_totals,
        "total": table.grand_total,
    }


def participation_chart(table: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if table is None:
        return None
    datasets = [
        {"label": label, "data": [_num(row[i]) for row in table["cells"]]}
        for i, label in enumerate(table["types"])
    ]
    totals = [t for t in table["row_totals"] if _num(t) is not None]
    message = f"How people answered, by respondent type: {table['total']} responses in all"
    if totals:
        top = max(range(len(table["row_totals"])), key=lambda i: _num(table["row_totals"][i]) or -1)
        message += f", most of them {table['channels'][top].lower()} ({table['row_totals'][top]})"
    return {
        "id": "chart-participation",
        "title": "Participation by channel and respondent type",
        "spec": {
            "type": "bar",
            "label": message + ".",
            "data": {"labels": table["channels"], "datasets": datasets},
            "options": {
                "scales": {
                    "x": {"stacked": True},
                    "y": {"stacked": True, "title": {"display": True, "text": "Responses"}},
                }
            },
        },
        "table": {
            "caption": "Responses by channel and respondent type (c: hidden, a small number)",
            "head": ["Channel", *table["types"], "Total"],
            "rows": [
                [ch, *(str(v) for v in table["cells"][i]), str(table["row_totals"][i])]
                for i, ch in enumerate(table["channels"])
            ]
            + [["Total", *(str(v) for v in table["column_totals"]), str(table["total"])]],
        },
    }
