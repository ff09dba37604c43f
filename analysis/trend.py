"""Six-point trend per KPI across annual and pulse waves.

Appendix A of the improvement plan (seed 004) has a "6 Point Trend" column
for KPI 4, and the plan adds a June mid-term pulse survey beside the annual
one. The trend is therefore the last six results in date order whatever the
wave type, with a warning wherever two neighbouring points are not like
for like: the question wording version changed, or the population surveyed
changed (the pulse targeted families with an EHCP; the baseline went to all
parents and carers).

Percentages (0 to 100) out; suppressed points keep their place with
``pct = None`` so the line shows a gap rather than a hidden value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analysis.proportions import wilson_interval
from analysis.suppression import MIN_BASE, is_base_suppressed

__all__ = ["TrendPoint", "Trend", "six_point_trend", "trends_by_kpi"]


@dataclass(frozen=True)
class TrendPoint:
    """One result in a trend; values are ``None`` when suppressed or empty."""

    date: date
    wave: str
    kind: str | None
    n: int | None
    positive: int | None
    pct: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    wording_version: str | None = None
    population_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON (date as ISO text)."""
        return {
            "date": self.date.isoformat(),
            "wave": self.wave,
            "kind": self.kind,
            "n": self.n,
            "positive": self.positive,
            "pct": self.pct,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "suppressed": self.suppressed,
            "wording_version": self.wording_version,
            "population_note": self.population_note,
        }


@dataclass(frozen=True)
class Trend:
    """Up to six points, oldest first, and comparability warnings."""

    points: list[TrendPoint]
    warnings: list[str] = field(default_factory=list)


def _point(record: Mapping[str, Any], min_base: int) -> TrendPoint:
    when = record.get("date")
    if not isinstance(when, date):
        raise ValueError(f"each result needs a 'date' (datetime.date), got {when!r}")
    n, positive = record.get("n"), record.get("positive")
    hidden = is_base_suppressed(n, min_base=min_base)
    pct = low = high = None
    if not hidden and positive is not None:
        ci = wilson_interval(positive, n)
        pct, low, high = ci.estimate * 100, ci.low * 100, ci.high * 100
    return TrendPoint(
        date=when,
        wave=str(record.get("wave") or when.isoformat()),
        kind=record.get("kind"),
        n=n,
        positive=None if hidden else positive,
        pct=pct,
        ci_low=low,
        ci_high=high,
        suppressed=hidden,
        wording_version=record.get("wording_version"),
        population_note=record.get("population_note"),
    )


def _warnings(points: list[TrendPoint], warn_on_unrecorded: bool) -> list[str]:
    notes = []
    checks = (("wording_version", "Question wording"), ("population_note", "Population surveyed"))
    for before, after in zip(points, points[1:], strict=False):
        for attr, what in checks:
            old, new = getattr(before, attr), getattr(after, attr)
            if old is None or new is None:
                if warn_on_unrecorded and old != new:
                    notes.append(
                        f"{what} is not recorded for {before.wave if old is None else after.wave};"
                        f" {before.wave} and {after.wave} may not be comparable"
                    )
            elif old != new:
                notes.append(
                    f"{what} changed between {before.wave} ({old}) and {after.wave} ({new});"
                    " the results may not be comparable"
                )
    return notes


def six_point_trend(
    results: Iterable[Mapping[str, Any]],
    *,
    points: int = 6,
    min_base: int = MIN_BASE,
    warn_on_unrecorded: bool = True,
) -> Trend:
    """The last ``points`` results of one KPI, oldest first, with warnings.

    Parameters
    ----------
    results : iterable of mappings
        One per wave with ``date`` (datetime.date, required), ``wave``
        (label), ``kind`` ("annual", "pulse"...), ``positive``, ``n``,
        ``wording_version`` and ``population_note``. Missing ``n`` or
        ``positive`` gives an empty point (no percentage).
    points : int, default 6
        How many of the latest results to keep.
    min_base : int, default 10
        Results with a smaller base are suppressed.
    warn_on_unrecorded : bool, default True
        Also warn when wording version or population is recorded for one
        point but not its neighbour. Two unrecorded neighbours never warn.

    Returns
    -------
    Trend

    Raises
    ------
    ValueError
        If ``points`` is below 1, a date is missing, or counts are invalid.

    Examples
    --------
    >>> t = six_point_trend([
    ...     {"date": date(2019, 12, 18), "wave": "Dec 2019", "positive": 77, "n": 200,
    ...      "wording_version": "v1", "population_note": "all parents and carers"},
    ...     {"date": date(2020, 6, 30), "wave": "Jun 2020", "positive": 48, "n": 100,
    ...      "wording_version": "v1", "population_note": "EHCP families"},
    ... ])
    >>> [p.pct for p in t.points]
    [38.5, 48.0]
    >>> t.warnings[0]
    'Population surveyed changed between Dec 2019 (all parents and carers) and Jun 2020 (EHCP families); the results may not be comparable'
    """  # noqa: E501
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(f"points must be a whole number of at least 1, got {points!r}")
    converted = [_point(r, min_base) for r in results]
    # Wave label breaks ties on the same date so the order is repeatable.
    converted.sort(key=lambda p: (p.date, p.wave))
    latest = converted[-points:]
    return Trend(points=latest, warnings=_warnings(latest, warn_on_unrecorded))


def trends_by_kpi(
    rows: Iterable[Mapping[str, Any]],
    *,
    kpi_key: str = "kpi",
    points: int = 6,
    min_base: int = MIN_BASE,
    warn_on_unrecorded: bool = True,
) -> dict[str, Trend]:
    """:func:`six_point_trend` for every KPI in a flat list of results.

    Examples
    --------
    >>> rows = [{"kpi": "4/1", "date": date(2020, 6, 30), "positive": 5, "n": 8}]
    >>> trends_by_kpi(rows)["4/1"].points[0].suppressed
    True
    """
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[str(row[kpi_key])].append(row)
    return {
        kpi: six_point_trend(
            group, points=points, min_base=min_base, warn_on_unrecorded=warn_on_unrecorded
        )
        for kpi, group in sorted(grouped.items())
    }
