"""Theme results for pages and reports: what the forum, board and survey report show.

This is the layer the dashboard and the printable survey report call, so a
theme's numbers are the same wherever they appear. Counts come from SQL
``GROUP BY`` in :mod:`feedback.queries.comments` (human coding overriding
automatic, excluded responses left out); here they become shares, changes
and sentiment splits, with the KPI suppression rule applied: any result whose
base is fewer than 10 people shows ``"c"`` (:data:`analysis.suppression.SUPPRESSED`).
Nothing returned contains raw comment text.

Functions
---------
theme_summary(session, wave_id, filters=None, quotes=True) -> dict
    Every theme raised in the wave: people, share of commenters, change in
    percentage points since the survey's previous wave, sentiment split and
    three representative redacted quotes.
sentiment_by_theme(session, wave_id, filters=None) -> list[dict]
    Per theme, the percentage of its comments that are positive, negative,
    mixed and neutral.
themes_by_wave(session, wave_id, filters=None, waves=3) -> dict
    Share of commenters per theme in this wave and the survey's previous waves.

Filters are :class:`feedback.queries.comments.CommentFilters` (KPI question,
respondent type, EHCP status, age band).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from analysis.comments.agreement import sentiment_agreement, theme_agreement
from analysis.comments.emerging import emerging_themes
from analysis.comments.summaries import representative_quotes
from analysis.suppression import MIN_BASE, SUPPRESSED, is_base_suppressed
from feedback.cache import cached
from feedback.models import Wave
from feedback.models.comments import SENTIMENTS
from feedback.queries import comments as q
from feedback.queries.comments import CommentFilters
from feedback.services.codebook import codebook_of, latest_version


def theme_labels(session: Session) -> dict[str, str]:
    """Theme key to label in the current codebook (retired themes marked)."""
    book = codebook_of(latest_version(session))
    return {t.key: t.label + (" (retired)" if t.retired else "") for t in book.themes}


def _pct(count: int, base: int) -> float:
    return round(100 * count / base, 1) if base else 0.0


def _split(counts: dict[str, int], people: int) -> dict[str, Any]:
    """Sentiment percentages over comments, hidden when fewer than 10 people wrote them."""
    total = sum(counts.values())
    hidden = is_base_suppressed(people, min_base=MIN_BASE)
    row: dict[str, Any] = {"comments": total, "people": people, "suppressed": hidden}
    for label in SENTIMENTS:
        row[label] = SUPPRESSED if hidden else _pct(counts.get(label, 0), total)
    return row


def _shares(session: Session, wave_id: int, filters: CommentFilters | None) -> dict[str, Any]:
    people, comments = q.commenters(session, wave_id, filters)
    hidden = is_base_suppressed(people)
    counts = q.theme_counts(session, wave_id, filters)
    return {
        "n": people,
        "comments": comments,
        "suppressed": hidden,
        "counts": counts,
        "pct": {k: (SUPPRESSED if hidden else _pct(c, people)) for k, c in counts.items()},
    }


def _change(now: Any, before: Any) -> float | None:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return round(now - before, 1)
    return None


@cached
def theme_summary(
    session: Session, wave_id: int, filters: CommentFilters | None = None, *, quotes: bool = True
) -> dict[str, Any]:
    """Themes raised in a wave's comments, for the themes page, dashboard and report.

    Returns
    -------
    dict
        ``wave_id``, ``previous_wave_id`` (or None), ``filters``, ``n``
        (people who commented), ``comments``, ``suppressed`` (n below 10),
        ``sentiment`` (split over all comments) and ``themes``: a list, most
        raised first, of ``{"key", "label", "count", "pct", "previous_pct",
        "change", "sentiment", "quotes"}``; empty when suppressed, since even
        the list of themes raised would say something about so few people.
        ``change`` is percentage points since the previous
        wave of the same survey, ``None`` when either side is hidden or absent.
        ``quotes`` are at most three redacted comments, empty when suppressed.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise ValueError(f"no wave {wave_id}")
    filters = filters or CommentFilters()
    now = _shares(session, wave_id, filters)
    earlier = q.previous_waves(session, wave, limit=1)
    before = _shares(session, earlier[0].id, filters) if earlier else None
    labels = theme_labels(session)
    by_theme = q.theme_sentiment_counts(session, wave_id, filters)
    themes = []
    # Under 10 people even the list of themes raised would say something about them.
    shown = {} if now["suppressed"] else now["counts"]
    for key, count in sorted(shown.items(), key=lambda kv: (-kv[1], kv[0])):
        previous = before["pct"].get(key, 0.0) if before and not before["suppressed"] else None
        pct = now["pct"][key]
        themes.append(
            {
                "key": key,
                "label": labels.get(key, key),
                "count": count,
                "pct": pct,
                "previous_pct": previous,
                "change": _change(pct, previous),
                "sentiment": _split(by_theme.get(key, {}), count),
                "quotes": _quotes(session, wave_id, key, filters) if quotes else [],
            }
        )
    return {
        "wave_id": wave_id,
        "previous_wave_id": earlier[0].id if earlier else None,
        "filters": filters.as_args(),
        "n": now["n"],
        "comments": now["comments"],
        "suppressed": now["suppressed"],
        "sentiment": _split(q.sentiment_counts(session, wave_id, filters), now["n"]),
        "themes": themes,
    }


def _quotes(session: Session, wave_id: int, key: str, filters: CommentFilters) -> list[str]:
    texts = q.theme_quotes_input(session, wave_id, key, filters)
    if not texts:
        return []
    frame = pd.DataFrame({"themes": [[key]] * len(texts), "redacted": texts})
    return representative_quotes(frame, key, k=3)


def theme_quotes(
    session: Session, wave_id: int, key: str, filters: CommentFilters | None = None
) -> list[str]:
    """Three representative redacted quotes for one theme; none when the base is under 10."""
    filters = filters or CommentFilters()
    people, _ = q.commenters(session, wave_id, filters)
    if is_base_suppressed(people):
        return []
    return _quotes(session, wave_id, key, filters)


def theme_comments(
    session: Session,
    wave_id: int,
    key: str,
    filters: CommentFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 25,
) -> dict[str, Any]:
    """A theme's drill-down: people, quotes and one page of redacted comments.

    When fewer than 10 people commented in the filtered view, no comment is
    listed (``suppressed``): a comment beside a narrow filter would tell the
    reader who wrote it.
    """
    filters = filters or CommentFilters()
    people, _ = q.commenters(session, wave_id, filters)
    hidden = is_base_suppressed(people)
    codings, total = ([], 0)
    if not hidden:
        codings, total = q.theme_comments(
            session, wave_id, key, filters, page=page, per_page=per_page
        )
    return {
        "people": people,
        "suppressed": hidden,
        "quotes": [] if hidden else _quotes(session, wave_id, key, filters),
        "codings": codings,
        "total": total,
        "pages": max(1, -(-total // per_page)),
    }


@cached
def sentiment_by_theme(
    session: Session, wave_id: int, filters: CommentFilters | None = None
) -> list[dict[str, Any]]:
    """Per theme, sentiment of its comments in percent, most raised theme first.

    Each row: ``key``, ``label``, ``people``, ``comments`` and one percentage
    per label in :data:`feedback.models.comments.SENTIMENTS` (``"c"`` when
    fewer than 10 people raised the theme). No rows when fewer than 10 people
    commented at all.
    """
    people, _ = q.commenters(session, wave_id, filters)
    if is_base_suppressed(people):
        return []
    counts = q.theme_counts(session, wave_id, filters)
    by_theme = q.theme_sentiment_counts(session, wave_id, filters)
    labels = theme_labels(session)
    rows = []
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        row = _split(by_theme.get(key, {}), count)
        rows.append({"key": key, "label": labels.get(key, key), **row})
    return rows


@cached
def themes_by_wave(
    session: Session, wave_id: int, filters: CommentFilters | None = None, *, waves: int = 3
) -> dict[str, Any]:
    """Share of commenters per theme in this wave and up to ``waves - 1`` earlier ones.

    Returns
    -------
    dict
        ``waves``: oldest first, ``{"id", "name", "n", "suppressed"}``;
        ``themes``: ``{"key", "label", "pct": [one per wave]}`` for every theme
        raised in any wave that is shown, ordered by this wave's share. A theme
        not raised in a wave is 0.0; a suppressed wave is ``"c"`` throughout
        and adds no themes of its own.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise ValueError(f"no wave {wave_id}")
    chosen = [*reversed(q.previous_waves(session, wave, limit=waves - 1)), wave]
    shares = [_shares(session, w.id, filters) for w in chosen]
    labels = theme_labels(session)
    keys = sorted(
        {k for s in shares if not s["suppressed"] for k in s["counts"]},
        key=lambda k: (-shares[-1]["counts"].get(k, 0), k),
    )
    return {
        "waves": [
            {"id": w.id, "name": w.name, "n": s["n"], "suppressed": s["suppressed"]}
            for w, s in zip(chosen, shares, strict=True)
        ],
        "themes": [
            {
                "key": k,
                "label": labels.get(k, k),
                "pct": [SUPPRESSED if s["suppressed"] else s["pct"].get(k, 0.0) for s in shares],
            }
            for k in keys
        ],
    }


def agreement(session: Session, wave_id: int | None = None) -> dict[str, Any] | None:
    """Agreement of automatic with human coding on the comments people have checked.

    Returns ``None`` when nobody has checked a comment yet; otherwise ``n``,
    ``themes`` (per theme: ``key``, ``label``, ``n``, ``both``,
    ``auto_only``, ``human_only``, ``precision``, ``recall``, ``kappa``; a
    value is ``None`` where undefined) and ``sentiment`` (``accuracy``,
    ``kappa``). No suppression: these describe the coder, not the people.
    """
    auto_t, human_t, auto_s, human_s = q.confirmed_sample(session, wave_id)
    if not human_t:
        return None
    labels = theme_labels(session)
    rows = theme_agreement(
        {str(k): v for k, v in auto_t.items()}, {str(k): v for k, v in human_t.items()}
    )
    return {
        "n": len(human_t),
        "themes": [{**asdict(r), "label": labels.get(r.key, r.key)} for r in rows],
        "sentiment": sentiment_agreement(
            {str(k): v for k, v in auto_s.items()}, {str(k): v for k, v in human_s.items()}
        ),
    }


def emerging(
    session: Session, wave_id: int, filters: CommentFilters | None = None, *, min_count: int = 3
) -> dict[str, Any]:
    """Candidate new themes: frequent noun phrases in redacted comments with no theme.

    Returns ``n`` (people who commented), ``uncoded`` (comments with no
    theme), ``suppressed`` and ``candidates``: ``{"phrase", "comments",
    "examples"}`` with up to three redacted example comments each.
    """
    people, _ = q.commenters(session, wave_id, filters)
    hidden = is_base_suppressed(people)
    uncoded = q.uncoded_comments(session, wave_id, filters)
    candidates = [] if hidden else emerging_themes(uncoded, min_count=min_count)
    texts = {c["id"]: c["text"] for c in uncoded}
    for candidate in candidates:
        candidate["examples"] = [texts[i] for i in candidate["examples"]]
    return {"n": people, "uncoded": len(uncoded), "suppressed": hidden, "candidates": candidates}


__all__ = [
    "agreement",
    "emerging",
    "theme_comments",
    "CommentFilters",
    "sentiment_by_theme",
    "theme_labels",
    "theme_quotes",
    "theme_summary",
    "themes_by_wave",
]
