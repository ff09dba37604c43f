"""The forum and board dashboard: KPI cards and accessible charts, assembled from the services.

Nothing here counts answers: KPI rows come from
:func:`feedback.services.kpi_results.kpi_report`, themes from
:mod:`feedback.services.theme_results`, response counts from
:mod:`feedback.queries.results`. :mod:`feedback.services.kpi_words` turns
results into words and :mod:`feedback.services.charts` into chart specs whose
JSON and table come from the same numbers; this module reads the filters and
puts the page together.

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
from typing import Any

from sqlalchemy.orm import Session

from analysis.suppression import MIN_BASE
from feedback.models import Wave
from feedback.queries import results as rq
from feedback.services.charts import (
    RESPONDENT_LABELS,
    kpi_results_chart,
    participation_chart,
    participation_table,
    sentiment_chart,
    themes_by_wave_chart,
    trend_chart,
)
from feedback.services.kpi_results import kpi_report, report_waves, wave_labels
from feedback.services.kpi_words import kpi_card

FILTER_TITLES = {
    "respondent_type": "Respondent type",
    "ehcp_status": "EHCP status",
    "age_band": "Age band",
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


# The whole dashboard


def theme_charts(session: Session, filters: ResultFilters) -> list[dict[str, Any]]:
    """Themes by wave and sentiment by theme, when the comment analysis is installed."""
    try:
        from feedback.services import theme_results
    except ImportError:  # pragma: no cover - arrives with the comment analysis (issue 5)
        return []
    comment_filters = filters.comment_filters()
    by_wave = theme_results.themes_by_wave(session, filters.wave_id, comment_filters)
    shown = [w["id"] for w in by_wave["waves"] if not w["suppressed"]]
    if _themes_give_away_a_small_group(session, shown, filters):
        return []
    charts = [
        themes_by_wave_chart(by_wave),
        sentiment_chart(
            theme_results.sentiment_by_theme(session, filters.wave_id, comment_filters)
        ),
    ]
    return [c for c in charts if c is not None]


def _themes_give_away_a_small_group(
    session: Session, wave_ids: Sequence[int], filters: ResultFilters
) -> bool:
    """Whether, in any wave shown, a view with one filter fewer has 1 to 9 more commenters.

    Themes are shares of the people who commented. If the wider view (say,
    everyone) has 60 commenters and this one (families with an EHCP) 52, the
    two pages together give the themes of the other 8, a group too small to
    show; so the narrower view withholds its themes, as participation does.
    """
    from feedback.queries.comments import CommentFilters, commenters

    segments = filters.segments
    for wave_id in wave_ids:
        people = commenters(session, wave_id, CommentFilters(**segments))[0]
        for name in segments:
            wider = {k: v for k, v in segments.items() if k != name}
            rest = commenters(session, wave_id, CommentFilters(**wider))[0] - people
            if 0 < rest < MIN_BASE:
                return True
    return False


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
    participation = _participation(session, filters)
    charts = [kpi_results_chart(rows), trend_chart(rows)]
    themes = theme_charts(session, filters)
    charts += themes
    charts.append(participation_chart(participation))
    page["charts"] = [c for c in charts if c is not None]
    if not themes:
        page["notes"].append(
            f"Themes in comments are not shown: fewer than {MIN_BASE} people in this view "
            "wrote a comment, or comparing it with the whole survey would reveal the "
            "comments of a small group."
        )
    if participation is None:
        page["notes"].append(
            "Who answered and how is not shown for this view: fewer than "
            f"{MIN_BASE} people are in it, or comparing it with the whole survey would "
            "reveal a small group."
        )
    return page


def _participation(session: Session, filters: ResultFilters) -> dict[str, Any] | None:
    """The participation table for the view, withheld if any view with one filter fewer
    would give away a small group by subtraction."""
    segments = filters.segments
    counts = rq.channel_by_respondent_type(session, filters.wave_id, segments)
    table = participation_table(counts)
    for name in segments:
        if table is None:
            break
        wider = {k: v for k, v in segments.items() if k != name}
        whole = rq.channel_by_respondent_type(session, filters.wave_id, wider)
        table = participation_table(counts, whole)
    return table


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
