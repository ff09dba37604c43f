"""The forum and board dashboard: KPI cards and accessible charts, assembled from the services.

Nothing here counts answers: KPI rows come from
:func:`feedback.services.kpi_results.kpi_report`, themes from
:mod:`feedback.services.theme_results`, response counts from
:mod:`feedback.queries.results`. This module turns them into words and into
chart specs for ``templates/components/chart.html``, building each chart's
JSON and its table from the same numbers so the two can never disagree.

Suppression applies to every filtered view. A filtered KPI view is one cell of
a breakdown, and showing it next to the whole-area result would let anyone
subtract to find the rest; so a filter on a segment is read from the
breakdown by that segment, where secondary suppression has already hidden any
cell that the others would give away. Counts of responses go through
:func:`analysis.suppression.suppress_table`, and nothing about people is shown
for a view of fewer than ten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from analysis.suppression import MIN_BASE, SUPPRESSED, suppress_table
from analysis.targets import format_pct
from feedback.models import Channel, Wave
from feedback.queries import results as rq
from feedback.services.kpi_results import kpi_report, report_waves, wave_labels
from surveys.kpis import KPIS, PARENT_CARER, YOUNG_PERSON

NO_RESULT = "No result"
RESPONDENT_LABELS = {PARENT_CARER: "Parents and carers", YOUNG_PERSON: "Young people"}
CHANNEL_LABELS = {
    Channel.ONLINE: "Online",
    Channel.PAPER: "Paper",
    Channel.PHONE: "Phone",
    Channel.EVENT: "At an event",
}
FILTER_TITLES = {
    "respondent_type": "Respondent type",
    "ehcp_status": "EHCP status",
    "age_band": "Age band",
}
_WHO = {
    (PARENT_CARER,): "parents and carers",
    (YOUNG_PERSON,): "young people",
    (PARENT_CARER, YOUNG_PERSON): "parents, carers and young people",
}


# Filters


@dataclass(frozen=True)
class ResultFilters:
    """What the dashboard is narrowed to; ``None`` means everyone, or the latest wave."""

    wave_id: int | None = None
    respondent_type: str | None = None
    ehcp_status: str | None = None
    age_band: str | None = None

    @property
    def segments(self) -> dict[str, str]:
        """The segment filters that are set, in a fixed order."""
        return {k: getattr(self, k) for k in FILTER_TITLES if getattr(self, k)}

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def comment_filters(self):
        from feedback.queries.comments import CommentFilters

        return CommentFilters(**self.segments)


def filter_options(waves: Sequence[Wave]) -> dict[str, list[tuple[str, str]]]:
    """The values each segment filter offers, as (value, label), from the waves' definitions."""
    options: dict[str, dict[str, str]] = {
        "respondent_type": dict(RESPONDENT_LABELS),
        "ehcp_status": {},
        "age_band": {},
    }
    for wave in waves:
        for question in wave.definition.questions:
            if question.segment in ("ehcp_status", "age_band"):
                for option in question.options:
                    options[question.segment].setdefault(
                        option.maps_to or option.code, option.label
                    )
    return {k: list(v.items()) for k, v in options.items()}


def parse_filters(args: Mapping[str, str], waves: Sequence[Wave]) -> ResultFilters:
    """Read filters from a query string, ignoring values the page does not offer.

    :raise LookupError: when ``wave`` names no reportable wave (the view answers 404).
    """
    options = filter_options(waves)
    chosen: dict[str, Any] = {}
    for name, values in options.items():
        value = args.get(name) or None
        if value in dict(values):
            chosen[name] = value
    raw_wave = args.get("wave") or None
    if raw_wave is not None:
        ids = {w.id for w in waves}
        if not raw_wave.isdigit() or int(raw_wave) not in ids:
            raise LookupError(f"no reportable wave {raw_wave!r}")
        chosen["wave_id"] = int(raw_wave)
    elif waves:
        chosen["wave_id"] = waves[-1].id
    return ResultFilters(**chosen)


# KPI rows and words


def filtered_kpi_rows(session: Session, filters: ResultFilters) -> list[dict[str, Any]]:
    """KPI rows for the view, suppressed as a cell of the breakdown by the last filter.

    With no segment filter this is the whole-area report. With filters, the
    last one is the breakdown and the others narrow it, so the row shown is
    exactly the cell a breakdown table would show, secondary suppression and all.
    """
    segments = filters.segments
    if not segments:
        return kpi_report(session, filters.wave_id)
    *narrow, (name, value) = segments.items()
    rows = kpi_report(session, filters.wave_id, segment=name, filters=dict(narrow))
    chosen = [r for r in rows if r["segment"]["value"] == value]
    if chosen:
        return chosen
    # Nobody in this group answered a KPI question: there is nothing to give away.
    return kpi_report(session, filters.wave_id, filters=segments)


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


# Charts: each returns {"id", "spec", "table"} built from one list of numbers.


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
) -> dict[str, Any] | None:
    """Responses by channel and respondent type, suppressed; None when fewer than ten in all."""
    total = sum(counts.values())
    if total < MIN_BASE:
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


# The whole dashboard


def theme_charts(session: Session, filters: ResultFilters) -> list[dict[str, Any]]:
    """Themes by wave and sentiment by theme, when the comment analysis is installed."""
    try:
        from feedback.services import theme_results
    except ImportError:  # pragma: no cover - arrives with the comment analysis (issue 5)
        return []
    comment_filters = filters.comment_filters()
    charts = [
        themes_by_wave_chart(
            theme_results.themes_by_wave(session, filters.wave_id, comment_filters)
        ),
        sentiment_chart(
            theme_results.sentiment_by_theme(session, filters.wave_id, comment_filters)
        ),
    ]
    return [c for c in charts if c is not None]


def dashboard(session: Session, args: Mapping[str, str]) -> dict[str, Any]:
    """Everything the dashboard shows for the query-string ``args``.

    :raise LookupError: when ``args`` names a wave that cannot be reported on.
    """
    waves = report_waves(session)
    filters = parse_filters(args, waves)
    labels = wave_labels(waves)
    page: dict[str, Any] = {
        "filters": filters,
        "options": filter_options(waves),
        "waves": [(w.id, labels[w.id]) for w in reversed(waves)],
        "wave": next((w for w in waves if w.id == filters.wave_id), None),
        "wave_label": labels.get(filters.wave_id),
        "cards": [],
        "charts": [],
        "notes": [],
    }
    page["fields"] = filter_fields(filters, page["waves"], page["options"])
    page["summary"] = filter_summary(filters, page["options"])
    if page["wave"] is None:
        return page
    rows = filtered_kpi_rows(session, filters)
    asked = {q.kpi for q in page["wave"].definition.kpi_questions}
    page["cards"] = [kpi_card(r) | {"asked": r["code"] in asked} for r in rows]
    participation = participation_table(
        rq.channel_by_respondent_type(session, filters.wave_id, filters.segments)
    )
    charts = [kpi_results_chart(rows), trend_chart(rows)]
    themes = theme_charts(session, filters)
    charts += themes
    charts.append(participation_chart(participation))
    page["charts"] = [c for c in charts if c is not None]
    if not themes:
        page["notes"].append(
            f"Themes in comments are not shown: fewer than {MIN_BASE} people in this view "
            "wrote a comment."
        )
    if participation is None:
        page["notes"].append(
            f"Fewer than {MIN_BASE} people answered in this view, so who answered and how "
            "is not shown."
        )
    return page


def filter_fields(
    filters: ResultFilters,
    waves: Sequence[tuple[int, str]],
    options: Mapping[str, list[tuple[str, str]]],
) -> list[dict[str, Any]]:
    """The filter form's selects, as GOV.UK select parameters."""
    fields = [
        {
            "id": "filter-wave",
            "name": "wave",
            "label": {"text": "Survey"},
            "items": [
                {"value": str(i), "text": label, "selected": i == filters.wave_id}
                for i, label in waves
            ],
        }
    ]
    for name, title in FILTER_TITLES.items():
        current = getattr(filters, name)
        fields.append(
            {
                "id": f"filter-{name.replace('_', '-')}",
                "name": name,
                "label": {"text": title},
                "items": [{"value": "", "text": "Everyone", "selected": current is None}]
                + [
                    {"value": value, "text": label, "selected": value == current}
                    for value, label in options[name]
                ],
            }
        )
    return fields


def filter_summary(filters: ResultFilters, options: Mapping[str, list[tuple[str, str]]]) -> str:
    """The segment filters in words, e.g. "EHCP status: Yes; Age band: 5 to 10 years"."""
    parts = [
        f"{FILTER_TITLES[name]}: {dict(options[name]).get(value, value)}"
        for name, value in filters.segments.items()
    ]
    return "; ".join(parts) or "Everyone"
