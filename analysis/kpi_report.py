"""Per-KPI report rows: latest result, baseline, targets, status, direction, trend.

This assembles what the KPI pages and the XLSX/CSV/JSON exports show, from
plain inputs the SQL layer already aggregated (counts per KPI per wave), so
no response-level data is needed. :meth:`KpiReportRow.as_dict` is the JSON
export shape::

    {code, measure, wave, date, n, positive, pct, ci_low, ci_high, suppressed,
     baseline: {value, date, source}, targets: [{date, value, mode, label}],
     next_target, status, status_reason,
     direction: {label, diff, diff_low, diff_high},
     trend: [{date, wave, kind, n, positive, pct, ci_low, ci_high, suppressed, ...}],
     trend_warnings, sample_note}

Percentages are 0 to 100 and differences are percentage points. Disclosure
control is applied here: a result with a base below ``min_base`` has
``positive``, ``pct`` and its interval set to ``None`` and
``suppressed = True``, and its status and direction are "insufficient
data" so that no derived figure hints at the hidden value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from analysis.proportions import minimum_detectable_difference
from analysis.status import (
    Direction,
    DirectionResult,
    Status,
    direction_of_travel,
    milestone_status,
)
from analysis.suppression import MIN_BASE
from analysis.targets import (
    DEFAULT_MILESTONES,
    MilestoneRule,
    Target,
    format_pct,
    milestone_targets,
    next_milestone,
)
from analysis.trend import TrendPoint, six_point_trend

__all__ = ["KpiReportRow", "build_kpi_report", "sample_size_note"]

_RESULT_KEYS = (
    "kpi",
    "wave",
    "date",
    "kind",
    "positive",
    "n",
    "wording_version",
    "population_note",
)


@dataclass(frozen=True)
class KpiReportRow:
    """One KPI's line in the report. See the module docstring for fields."""

    code: str
    measure: str
    wave: str | None
    date: date | None
    n: int | None
    positive: int | None
    pct: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    baseline: dict[str, Any] | None
    targets: list[Target]
    next_target: Target | None
    status: Status
    status_reason: str
    direction: DirectionResult
    trend: list[TrendPoint]
    trend_warnings: list[str] = field(default_factory=list)
    sample_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (dates as ISO text, enums as strings)."""
        baseline = None
        if self.baseline is not None:
            baseline = dict(self.baseline)
            if isinstance(baseline.get("date"), date):
                baseline["date"] = baseline["date"].isoformat()
        return {
            "code": self.code,
            "measure": self.measure,
            "wave": self.wave,
            "date": self.date.isoformat() if self.date else None,
            "n": self.n,
            "positive": self.positive,
            "pct": self.pct,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "suppressed": self.suppressed,
            "baseline": baseline,
            "targets": [t.as_dict() for t in self.targets],
            "next_target": self.next_target.as_dict() if self.next_target else None,
            "status": str(self.status),
            "status_reason": self.status_reason,
            "direction": self.direction.as_dict(),
            "trend": [p.as_dict() for p in self.trend],
            "trend_warnings": list(self.trend_warnings),
            "sample_note": self.sample_note,
        }


def _round(value: float | None, decimals: int | None) -> float | None:
    if value is None or decimals is None:
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(str(round(value, 10))).quantize(quantum, rounding=ROUND_HALF_UP))


def _clean(value: Any) -> Any:
    """pandas/numpy scalars to plain Python; NaN/NaT to None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    return value


def _records(results: Iterable[Mapping[str, Any]] | pd.DataFrame) -> list[dict[str, Any]]:
    rows = results.to_dict("records") if isinstance(results, pd.DataFrame) else results
    cleaned = []
    for row in rows:
        rec = {key: _clean(row.get(key)) for key in _RESULT_KEYS}
        if rec["kpi"] is None or rec["date"] is None:
            raise ValueError(f"every result needs 'kpi' and 'date', got {dict(row)!r}")
        for key in ("n", "positive"):
            if rec[key] is not None:
                if int(rec[key]) != rec[key]:
                    raise ValueError(f"{key} must be a whole count, got {rec[key]!r}")
                rec[key] = int(rec[key])
        rec["kpi"] = str(rec["kpi"])
        rec["wave"] = None if rec["wave"] is None else str(rec["wave"])
        cleaned.append(rec)
    return cleaned


def sample_size_note(
    n: int | None,
    baseline: float,
    target: float,
    *,
    baseline_n: int | None = None,
    alpha: float = 0.05,
    power: float = 0.80,
) -> str | None:
    """Say plainly whether a sample can detect the change a target asks for.

    Parameters
    ----------
    n : int or None
        Valid base of the latest result; ``None`` or 0 gives ``None``.
    baseline, target : float
        Percentages; the change sought is ``target - baseline``.
    baseline_n : int or None, default None
        Base of the baseline when it came from a wave; ``None`` treats the
        baseline as a fixed published figure.
    alpha, power : float, default 0.05 and 0.80
        Two-sided significance level and power stated in the note.

    Returns
    -------
    str or None

    Examples
    --------
    >>> print(sample_size_note(60, 38.5, 48.5))
    With 60 valid answers, a 10-point change is too small to detect reliably: the smallest change this sample would reliably detect is about 18 points (80% power, 5% two-sided test).
    """  # noqa: E501
    if not n:
        return None
    change = target - baseline
    if change == 0:
        return None
    mdd = minimum_detectable_difference(
        baseline / 100,
        n,
        baseline_n,
        alpha=alpha,
        power=power,
        direction="increase" if change > 0 else "decrease",
    )
    terms = f"({format_pct(power * 100)} power, {format_pct(alpha * 100)} two-sided test)"
    size = format_pct(abs(change))[:-1]
    if mdd is None:
        return (
            f"With {n} valid answers, no change from the baseline could be detected "
            f"reliably {terms}."
        )
    smallest = format_pct(mdd * 100, 0)[:-1]
    if mdd * 100 > abs(change):
        return (
            f"With {n} valid answers, a {size}-point change is too small to detect reliably: "
            f"the smallest change this sample would reliably detect is about {smallest} points "
            f"{terms}."
        )
    return (
        f"With {n} valid answers, this sample can detect a change of about {smallest} points "
        f"or more, enough for the {size}-point change the target asks for {terms}."
    )


def _resolve_baseline(
    code: str,
    record: Mapping[str, Any] | None,
    by_wave: dict[str | None, dict[str, Any]],
    min_base: int,
) -> tuple[dict[str, Any] | None, int | None]:
    """Baseline as {value, date, source} plus its base n when it came from a wave."""
    if record is None:
        return None, None
    wave = record.get("wave")
    if wave is None:
        value, when = record.get("value"), _clean(record.get("date"))
        if value is None or not isinstance(when, date):
            raise ValueError(f"baseline for {code} needs 'value' and 'date', or a 'wave'")
        return {"value": float(value), "date": when, "source": record.get("source")}, None
    result = by_wave.get(str(wave))
    if result is None:
        raise ValueError(f"baseline for {code} names wave {wave!r}, which has no result")
    n, positive = result["n"], result["positive"]
    if n is None or positive is None or n < min_base:
        return {"value": None, "date": result["date"], "source": f"wave: {wave}"}, None
    source = record.get("source") or f"wave: {wave}"
    return {"value": positive / n * 100, "date": result["date"], "source": source}, n


def _row(
    code: str,
    measure: str,
    history: list[dict[str, Any]],
    all_results: list[dict[str, Any]],
    baseline_record: Mapping[str, Any] | None,
    rules: Sequence[MilestoneRule],
    opts: dict[str, Any],
) -> KpiReportRow:
    decimals, min_base = opts["decimals"], opts["min_base"]
    by_wave = {r["wave"]: r for r in all_results}
    baseline, baseline_n = _resolve_baseline(code, baseline_record, by_wave, min_base)
    trend = six_point_trend(history, min_base=min_base)
    latest = trend.points[-1] if trend.points else None
    previous = history[-2] if len(history) >= 2 else None

    targets: list[Target] = []
    if baseline is not None and baseline["value"] is not None:
        targets = milestone_targets(baseline["value"], baseline["date"], rules, cap=opts["cap"])
    when = latest.date if latest else None
    goal = None
    if targets and when is not None:
        goal = next_milestone(targets, when) or targets[-1]

    n = latest.n if latest else None
    positive = latest.positive if latest else None
    hidden = latest.suppressed if latest else True
    if goal is None or latest is None:
        status = Status.INSUFFICIENT_DATA
        reason = "There is no baseline or target" if latest else "There is no result"
        if baseline is not None and baseline["value"] is None:
            reason = "The baseline result is suppressed (small numbers)"
    else:
        verdict = milestone_status(
            positive,
            n,
            result_date=when,
            baseline=baseline["value"],
            baseline_date=baseline["date"],
            target=goal.value,
            target_date=goal.date,
            suppressed=hidden,
            confidence=opts["confidence"],
        )
        status, reason = verdict.status, verdict.reason

    if previous is None:
        direction = DirectionResult(Direction.NO_PREVIOUS)
    else:
        raw = direction_of_travel(
            previous["positive"],
            previous["n"],
            positive,
            n,
            previous_suppressed=(previous["n"] or 0) < min_base,
            suppressed=hidden,
            confidence=opts["confidence"],
        )
        direction = DirectionResult(
            raw.label, *(_round(v, decimals) for v in (raw.diff, raw.diff_low, raw.diff_high))
        )

    note = None
    if goal is not None and latest is not None:
        if hidden:
            note = f"Fewer than {min_base} valid answers: the result is suppressed"
        else:
            note = sample_size_note(
                n,
                baseline["value"],
                goal.value,
                baseline_n=baseline_n,
                alpha=opts["alpha"],
                power=opts["power"],
            )

    if baseline is not None:
        baseline = {**baseline, "value": _round(baseline["value"], decimals)}
    rounded_trend = [
        TrendPoint(
            **{
                **p.__dict__,
                **{k: _round(getattr(p, k), decimals) for k in ("pct", "ci_low", "ci_high")},
            }
        )
        for p in trend.points
    ]
    return KpiReportRow(
        code=code,
        measure=measure,
        wave=latest.wave if latest else None,
        date=when,
        n=n,
        positive=positive,
        pct=_round(latest.pct, decimals) if latest else None,
        ci_low=_round(latest.ci_low, decimals) if latest else None,
        ci_high=_round(latest.ci_high, decimals) if latest else None,
        suppressed=hidden,
        baseline=baseline,
        targets=targets,
        next_target=goal,
        status=status,
        status_reason=reason,
        direction=direction,
        trend=rounded_trend,
        trend_warnings=trend.warnings,
        sample_note=note,
    )


def build_kpi_report(
    results: Iterable[Mapping[str, Any]] | pd.DataFrame,
    kpis: Mapping[str, str],
    baselines: Mapping[str, Mapping[str, Any]],
    *,
    milestones: Sequence[MilestoneRule]
    | Mapping[str, Sequence[MilestoneRule]] = DEFAULT_MILESTONES,
    wave: str | None = None,
    min_base: int = MIN_BASE,
    confidence: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.80,
    cap: float = 100.0,
    decimals: int | None = 1,
) -> list[KpiReportRow]:
    """Build one report row per KPI from aggregated counts.

    Parameters
    ----------
    results : iterable of mappings, or pandas.DataFrame
        One record per KPI per wave: ``kpi``, ``wave`` (label or id),
        ``date`` (the wave's close date), ``kind`` ("annual"/"pulse"),
        ``positive``, ``n`` (valid base), and optionally
        ``wording_version`` and ``population_note``. ``n``/``positive`` may
        be missing (``None``/NaN) for a wave with no valid answers.
    kpis : mapping of str to str
        KPI code to measure wording, in report order. Results for other
        KPIs are ignored; a KPI with no results gets an "insufficient data"
        row.
    baselines : mapping of str to mapping
        Per KPI code either an imported figure ``{"value": 38.5, "date":
        date(2019, 12, 18), "source": "..."}`` or a designated wave
        ``{"wave": "Baseline 2019", "source": optional}``. A KPI without a
        baseline has no targets and status "insufficient data".
    milestones : sequence of MilestoneRule, or mapping of code to one
        Milestone rules for all KPIs or per KPI (KPIs missing from the
        mapping use :data:`~analysis.targets.DEFAULT_MILESTONES`).
    wave : str or None, default None
        Report as at this wave: it is the latest result and later waves are
        ignored. ``None`` uses each KPI's most recent result.
    min_base : int, default 10
        Results with a smaller valid base are suppressed.
    confidence : float, default 0.95
        Confidence level for intervals, status and direction.
    alpha, power : float, default 0.05 and 0.80
        Assumptions of the sample-size note.
    cap : float, default 100.0
        Upper limit for targets.
    decimals : int or None, default 1
        Round percentages and differences half-up for display; ``None``
        keeps full precision. Decisions always use unrounded values.

    Returns
    -------
    list of KpiReportRow
        In the order of ``kpis``.

    Raises
    ------
    ValueError
        On invalid counts, a result without KPI or date, or a baseline that
        names a wave with no result.

    Examples
    --------
    >>> rows = build_kpi_report(
    ...     [{"kpi": "4/1", "wave": "Pulse Jun 2020", "date": date(2020, 6, 30),
    ...       "positive": 60, "n": 100}],
    ...     {"4/1": "Trust and confidence of parents and carers"},
    ...     {"4/1": {"value": 38.5, "date": date(2019, 12, 18), "source": "seed 004"}},
    ... )
    >>> r = rows[0]
    >>> r.pct, r.ci_low, r.ci_high, str(r.status), r.next_target.label
    (60.0, 50.2, 69.1, 'met', '38.5% + 10 points = 48.5%')
    """
    records = _records(results)
    opts = {
        "decimals": decimals,
        "min_base": min_base,
        "confidence": confidence,
        "alpha": alpha,
        "power": power,
        "cap": cap,
    }
    rows = []
    for code, measure in kpis.items():
        everything = sorted(
            (r for r in records if r["kpi"] == code), key=lambda r: (r["date"], r["wave"] or "")
        )
        history = everything
        if wave is not None:
            cut = next((i for i, r in enumerate(everything) if r["wave"] == wave), None)
            history = [] if cut is None else everything[: cut + 1]
        rules = (
            milestones.get(code, DEFAULT_MILESTONES)
            if isinstance(milestones, Mapping)
            else milestones
        )
        rows.append(_row(code, measure, history, everything, baselines.get(code), rules, opts))
    return rows
