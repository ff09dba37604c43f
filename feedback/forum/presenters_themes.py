"""Shaping theme results for the themes pages: filters, chart specs and highlighted comments.

Highlighting is built from stored offsets into the *redacted* text: the page
gets a list of ``(text, themes)`` pieces and Jinja escapes each piece, so no
comment text is ever marked safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from analysis.suppression import SUPPRESSED
from feedback.forum.forms_themes import FilterForm
from feedback.models import Wave
from feedback.models.comments import SENTIMENTS, CommentCoding
from feedback.queries import comments as queries
from feedback.queries.comments import GENERAL, CommentFilters
from feedback.services.codebook import codebook_of, latest_version
from surveys.kpis import KPIS

RESPONDENT_LABELS = {"parent_carer": "Parents and carers", "young_person": "Young people"}
EHCP_LABELS = {
    "yes": "Has an EHCP",
    "no": "No EHCP",
    "in_assessment": "Being assessed for an EHCP",
    "dont_know": "Does not know",
}


def segment_label(column: str, value: str) -> str:
    if column == "respondent_type":
        return RESPONDENT_LABELS.get(value, value.replace("_", " ").capitalize())
    if column == "ehcp_status":
        return EHCP_LABELS.get(value, value.replace("_", " ").capitalize())
    if column == "kpi":
        return "General comments" if value == GENERAL else f"KPI {value} {_kpi_short(value)}"
    match = re.fullmatch(r"age_(\d+)_(\d+)", value)
    return f"{match[1]} to {match[2]} years" if match else value.replace("_", " ")


def _kpi_short(code: str) -> str:
    kpi = KPIS.get(code)
    return kpi.short if kpi else ""


_ANY = {
    "kpi": "All questions",
    "respondent_type": "Everyone",
    "ehcp_status": "Any EHCP status",
    "age_band": "Any age",
}


def filters_from(
    session: Session, args: Mapping[str, str]
) -> tuple[FilterForm, Wave | None, CommentFilters]:
    """The filter form, the chosen wave (newest by default) and the filters it allows.

    A value that is not on offer (typed into the address bar) is ignored
    rather than trusted.
    """
    waves = queries.waves_with_comments(session)
    form = FilterForm(formdata=None, data=dict(args))
    form.wave.choices = [SelectChoice(str(w.id), w.name) for w in waves]
    wave = next((w for w in waves if str(w.id) == args.get("wave")), waves[0] if waves else None)
    values = queries.segment_values(session, wave.id) if wave else {}
    chosen: dict[str, str | None] = {}
    for column, anything in _ANY.items():
        field = getattr(form, column)
        options = values.get(column, [])
        field.choices = [SelectChoice("", anything)] + [
            SelectChoice(v, segment_label(column, v)) for v in options
        ]
        chosen[column] = args.get(column) if args.get(column) in options else None
        field.data = chosen[column] or ""
    form.wave.data = str(wave.id) if wave else ""
    return form, wave, CommentFilters(**chosen)


def page_number(args: Mapping[str, str]) -> int:
    value = args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 10_000 else 1


def safe_back(target: str | None, default: str) -> str:
    """Only same-site paths, so a crafted link cannot send someone elsewhere."""
    same_site = target and target.startswith("/") and not target.startswith("//")
    return target if same_site and not urlsplit(target).netloc else default


def coding_choices(session: Session, current: list[str]) -> list[SelectChoice]:
    """Active themes to tick, plus any retired theme the comment still has."""
    book = codebook_of(latest_version(session))
    return [
        SelectChoice(t.key, t.label + (" (retired)" if t.retired else ""))
        for t in book.themes
        if not t.retired or t.key in current
    ]


def highlight(text: str, highlights: list[list]) -> list[dict[str, Any]]:
    """Split ``text`` into pieces, each with the themes whose evidence covers it.

    Offsets out of range (a stale coding) are clipped, never trusted.

    Examples
    --------
    >>> highlight("the taxi was late", [[4, 8, "transport"]])
    [{'text': 'the ', 'themes': []}, {'text': 'taxi', 'themes': ['transport']}, \
{'text': ' was late', 'themes': []}]
    """
    size = len(text)
    spans = []
    for item in highlights or []:
        start, end, theme = max(0, int(item[0])), min(size, int(item[1])), str(item[2])
        if start < end:
            spans.append((start, end, theme))
    cuts = sorted({0, size, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        themes = sorted({t for s, e, t in spans if s <= start and end <= e})
        pieces.append({"text": text[start:end], "themes": themes})
    return pieces


def comment_view(coding: CommentCoding, labels: Mapping[str, str]) -> dict[str, Any]:
    """What a page shows of one coded comment: redacted text only."""
    return {
        "id": coding.id,
        "pieces": highlight(coding.redacted, coding.highlights),
        "question": segment_label("kpi", coding.kpi or GENERAL),
        "themes": [labels.get(k, k) for k in coding.final_themes],
        "sentiment": coding.final_sentiment,
        "checked": coding.human is not None,
        "checked_on": coding.human.coded_at if coding.human else None,
        "auto_themes": [labels.get(k, k) for k in coding.theme_keys("auto")],
        "auto_sentiment": coding.sentiment,
        "evidence": [
            {"theme": labels.get(k, k), "phrases": phrases}
            for k, phrases in (coding.evidence or {}).items()
            if phrases
        ],
    }


def _shown(value: Any) -> str:
    return SUPPRESSED if value == SUPPRESSED else f"{value}%"


def _point(value: Any) -> float | None:
    return None if value == SUPPRESSED else value


def themes_chart(data: dict[str, Any]) -> dict[str, Any] | None:
    """Chart and table: share of commenters per theme, this wave against earlier ones."""
    if not data["themes"]:
        return None
    waves = data["waves"]
    current = waves[-1]
    top = data["themes"][0]
    message = (
        f"Share of people who commented raising each theme in {current['name']}"
        + (" compared with earlier waves" if len(waves) > 1 else "")
        + (
            f". Most raised: {top['label']}, {top['pct'][-1]}%."
            if top["pct"][-1] != SUPPRESSED
            else ". Fewer than 10 people commented, so shares are hidden."
        )
    )
    spec = {
        "type": "bar",
        "label": message,
        "data": {
            "labels": [t["label"] for t in data["themes"]],
            "datasets": [
                {"label": w["name"], "data": [_point(t["pct"][i]) for t in data["themes"]]}
                for i, w in enumerate(waves)
            ],
        },
        "options": {"indexAxis": "y", "scales": {"x": {"min": 0, "max": 100}}},
    }
    table = {
        "caption": "Share of people who commented raising each theme, by wave",
        "head": ["Theme"] + [f"{w['name']} (n={w['n']})" for w in waves],
        "rows": [[t["label"]] + [_shown(v) for v in t["pct"]] for t in data["themes"]],
    }
    return {"spec": spec, "table": table}


def sentiment_chart(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Chart and table: how comments on each theme feel, in percent."""
    if not rows:
        return None
    shown = [r for r in rows if not r["suppressed"]]
    worst = max(shown, key=lambda r: r["negative"], default=None)
    message = "How comments on each theme feel: positive, negative, mixed or neutral" + (
        f". Most negative: {worst['label']}, {worst['negative']}% negative." if worst else "."
    )
    spec = {
        "type": "bar",
        "label": message,
        "data": {
            "labels": [r["label"] for r in rows],
            "datasets": [
                {"label": s.capitalize(), "data": [_point(r[s]) for r in rows]} for s in SENTIMENTS
            ],
        },
        "options": {
            "indexAxis": "y",
            "scales": {"x": {"stacked": True, "min": 0, "max": 100}, "y": {"stacked": True}},
        },
    }
    table = {
        "caption": "Sentiment of comments on each theme (percent of the theme's comments)",
        "head": ["Theme", "People", *(s.capitalize() for s in SENTIMENTS)],
        "rows": [[r["label"], r["people"], *(_shown(r[s]) for s in SENTIMENTS)] for r in rows],
    }
    return {"spec": spec, "table": table}
