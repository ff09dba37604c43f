"""Report tables over coded comments: pure functions over DataFrames.

Input is one row per comment with at least ``themes`` (list of keys),
``sentiment`` and ``redacted`` columns, plus whatever grouping columns the
report needs (``wave``, ``question``, ``segment``, an equality or age-band
column). Quotes come from ``redacted`` only: the board never sees raw text.

Small numbers are hidden with the KPI rule from :mod:`analysis.suppression`
(a share whose base is under 10 commenters shows ``"c"``), so comment tables
cannot be used to re-identify someone the KPI tables protect.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from analysis.suppression import MIN_BASE, SUPPRESSED, suppress_small_bases

SENTIMENTS = ("positive", "negative", "mixed", "neutral")
_TOKEN_RE = re.compile(r"[a-z']{3,}")


def _check(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"comment frame lacks column(s): {', '.join(missing)}")


def theme_shares(
    frame: pd.DataFrame, by: list[str] | None = None, min_base: int = MIN_BASE
) -> pd.DataFrame:
    """Share of commenters raising each theme, per group.

    Parameters
    ----------
    frame : DataFrame
        One row per comment with a ``themes`` list column.
    by : list of str, optional
        Grouping columns (e.g. ``["wave", "question"]``); none for overall.
    min_base : int, default 10
        Groups with fewer commenters show ``"c"`` for count and pct.

    Returns
    -------
    DataFrame
        Columns ``by + ["theme", "n", "count", "pct", "suppressed"]``; ``n``
        is the number of commenters in the group, ``pct`` is 0-100.

    Examples
    --------
    >>> df = pd.DataFrame({"themes": [["transport"]] * 4 + [[]] * 8})
    >>> theme_shares(df)[["theme", "n", "count", "pct"]].to_dict("records")
    [{'theme': 'transport', 'n': 12, 'count': 4, 'pct': 33.3}]
    """
    by = list(by or [])
    _check(frame, ["themes", *by])
    rows = []
    groups = frame.groupby(by, sort=True, dropna=False) if by else [((), frame)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        counts = Counter(t for themes in group["themes"] for t in set(themes or ()))
        n = len(group)
        for theme, count in sorted(counts.items()):
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "theme": theme,
                    "n": n,
                    "count": count,
                    "pct": round(100 * count / n, 1),
                }
            )
    out = pd.DataFrame(rows, columns=[*by, "theme", "n", "count", "pct"])
    return suppress_small_bases(out, value_keys=("count", "pct"), min_base=min_base)


def sentiment_split(
    frame: pd.DataFrame, by: list[str] | None = None, min_base: int = MIN_BASE
) -> pd.DataFrame:
    """Percentage of comments per sentiment label, per group (base-suppressed)."""
    by = list(by or [])
    _check(frame, ["sentiment", *by])
    groups = frame.groupby(by, sort=True, dropna=False) if by else [((), frame)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        n = len(group)
        counts = group["sentiment"].value_counts()
        row = {**dict(zip(by, key, strict=True)), "n": n}
        row.update({s: round(100 * int(counts.get(s, 0)) / n, 1) for s in SENTIMENTS})
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*by, "n", *SENTIMENTS])
    return suppress_small_bases(out, value_keys=SENTIMENTS, min_base=min_base)


def change_since_previous(
    shares: pd.DataFrame, wave: str = "wave", by: list[str] | None = None
) -> pd.DataFrame:
    """Add ``change``: percentage-point change in a theme's share since the
    previous wave (waves in sorted order). Missing or suppressed either side
    gives ``None`` rather than a misleading number.

    Examples
    --------
    >>> s = pd.DataFrame({"wave": [1, 2], "theme": ["transport"] * 2, "pct": [20.0, 35.0]})
    >>> change_since_previous(s)["change"].tolist()
    [None, 15.0]
    """
    by = list(by or [])
    _check(shares, [wave, "theme", "pct", *by])
    out = shares.sort_values([*by, "theme", wave]).copy()
    changes = []
    waves = sorted(out[wave].unique())
    prev_wave = {w: waves[i - 1] if i else None for i, w in enumerate(waves)}
    table = {
        (tuple(r[b] for b in by), r["theme"], r[wave]): r["pct"] for r in out.to_dict("records")
    }
    for r in out.to_dict("records"):
        key = (tuple(r[b] for b in by), r["theme"])
        before = table.get((*key, prev_wave[r[wave]]))
        now = r["pct"]
        ok = all(isinstance(v, int | float) and not pd.isna(v) for v in (before, now))
        changes.append(round(now - before, 1) if ok else None)
    out["change"] = pd.Series(changes, index=out.index, dtype=object)
    return out.sort_index()


def _tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN_RE.findall(text.lower()))


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def representative_quotes(
    frame: pd.DataFrame, theme: str, k: int = 3, diversity: float = 0.6
) -> list[str]:
    """Three (``k``) typical but different redacted quotes for a theme.

    Maximal marginal relevance over token sets: relevance is a quote's
    overlap with the theme's common vocabulary (so it is *about* the theme,
    not merely long), and each pick is penalised by its overlap with quotes
    already chosen (so the three say different things). Deterministic: ties
    go to the earlier row.

    Parameters
    ----------
    frame : DataFrame
        With ``themes`` and ``redacted`` columns.
    theme : str
        Theme key.
    k : int, default 3
    diversity : float, default 0.6
        0 ranks by relevance alone, 1 by novelty alone.

    Examples
    --------
    >>> df = pd.DataFrame({"themes": [["transport"]] * 3, "redacted": [
    ...     "The taxi is late", "The taxi is always late", "Escort changed again"]})
    >>> representative_quotes(df, "transport", k=2)
    ['The taxi is always late', 'Escort changed again']
    """
    if k < 1 or not 0 <= diversity <= 1:
        raise ValueError("k must be positive and diversity between 0 and 1")
    _check(frame, ["themes", "redacted"])
    quotes = [
        q
        for q, ts in zip(frame["redacted"], frame["themes"], strict=True)
        if theme in (ts or ()) and isinstance(q, str) and q.strip()
    ]
    if not quotes:
        return []
    token_sets = [_tokens(q) for q in quotes]
    freq = Counter(t for ts in token_sets for t in ts)
    common = frozenset(t for t, _ in freq.most_common(30))
    relevance = [_jaccard(ts, common) for ts in token_sets]
    chosen: list[int] = []
    while len(chosen) < min(k, len(quotes)):
        best, best_score = None, None
        for i, ts in enumerate(token_sets):
            if i in chosen:
                continue
            redundancy = max((_jaccard(ts, token_sets[j]) for j in chosen), default=0.0)
            score = (1 - diversity) * relevance[i] - diversity * redundancy
            if best_score is None or score > best_score:
                best, best_score = i, score
        chosen.append(best)
    return [quotes[i] for i in chosen]


def theme_breakdown(frame: pd.DataFrame, column: str, min_base: int = MIN_BASE) -> pd.DataFrame:
    """Theme by breakdown (equality group, age band...) table of shares.

    Rows are themes, columns the categories of ``column``; each cell is the
    percentage of that category's commenters raising the theme, or ``"c"``
    when the category has fewer than ``min_base`` commenters.

    Examples
    --------
    >>> df = pd.DataFrame({"themes": [["transport"]] * 12 + [["transport"]] * 3,
    ...                    "age": ["0-4"] * 12 + ["5-10"] * 3})
    >>> theme_breakdown(df, "age").loc["transport"].tolist()
    [100.0, 'c']
    """
    shares = theme_shares(frame, [column], min_base=min_base)
    if shares.empty:
        return pd.DataFrame()
    table = shares.pivot(index="theme", columns=column, values="pct")
    bases = frame.groupby(column, dropna=False).size()
    table = table.reindex(columns=list(bases.index))
    for cat in table.columns:
        if bases[cat] < min_base:
            table[cat] = SUPPRESSED
    table = table.astype(object).where(table.notna(), 0.0)
    table.columns.name = column
    return table
