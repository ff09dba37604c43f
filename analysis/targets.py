"""KPI milestone targets of the form "baseline plus X".

The improvement plan (seed 004, Appendix A) sets every KPI 4 target as
"Baseline plus 10%" and "Baseline plus 15%" without saying whether "plus"
means percentage points or a relative increase. Both are supported, points
is the default, and every target carries a label that says which one it is,
so a page can never show a bare number.

All values are percentages (0 to 100), not proportions.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

__all__ = [
    "TargetMode",
    "MilestoneRule",
    "Target",
    "DEFAULT_MILESTONES",
    "format_pct",
    "add_months",
    "target_value",
    "target_label",
    "milestone_targets",
    "next_milestone",
]


class TargetMode(StrEnum):
    """What "plus X" means."""

    POINTS = "points"
    """X percentage points: 38.5% + 10 = 48.5%."""
    RELATIVE = "relative"
    """X percent of the baseline: 38.5% × 1.10 = 42.35%."""


@dataclass(frozen=True)
class MilestoneRule:
    """A milestone "baseline plus ``plus``", ``months`` after the baseline date."""

    months: int
    plus: float
    mode: TargetMode = TargetMode.POINTS


@dataclass(frozen=True)
class Target:
    """A dated milestone target with the label pages must show beside it."""

    date: date
    value: float
    mode: TargetMode
    plus: float
    baseline: float
    label: str
    capped: bool = False

    def as_dict(self) -> dict:
        """Plain-data form for JSON: date as ISO text, mode as its string."""
        return {
            "date": self.date.isoformat(),
            "value": self.value,
            "mode": str(self.mode),
            "label": self.label,
        }


DEFAULT_MILESTONES: tuple[MilestoneRule, ...] = (
    MilestoneRule(months=12, plus=10.0),
    MilestoneRule(months=18, plus=15.0),
)
"""Seed 004: baseline Dec-19, "plus 10%" at Dec-20 and "plus 15%" at Jun-21."""


def format_pct(value: float, decimals: int = 1) -> str:
    """Format a percentage for labels, half-up, without a trailing ``.0``.

    Examples
    --------
    >>> format_pct(42.35), format_pct(58.0), format_pct(48.5)
    ('42.4%', '58%', '48.5%')
    """
    # Decimal(str(...)) rounds 42.35 half-up as people expect; binary floats
    # would otherwise round it to 42.3 or 42.4 depending on representation.
    quantum = Decimal(1).scaleb(-decimals)
    text = str(Decimal(str(round(value, 10))).quantize(quantum, rounding=ROUND_HALF_UP))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _format_number(value: float) -> str:
    return format_pct(value)[:-1]


def add_months(start: date, months: int) -> date:
    """Add calendar months, clamping to the end of shorter months.

    Examples
    --------
    >>> add_months(date(2019, 12, 18), 12), add_months(date(2020, 8, 31), 6)
    (datetime.date(2020, 12, 18), datetime.date(2021, 2, 28))
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _check_pct(value: float, name: str) -> None:
    if not (isinstance(value, int | float) and not isinstance(value, bool)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and 0.0 <= value <= 100.0):
        raise ValueError(f"{name} must be a percentage between 0 and 100, got {value!r}")


def _raw_target(baseline: float, plus: float, mode: TargetMode | str) -> float:
    _check_pct(baseline, "baseline")
    if not (isinstance(plus, int | float) and math.isfinite(plus)):
        raise ValueError(f"plus must be a finite number, got {plus!r}")
    mode = TargetMode(mode)
    if mode is TargetMode.POINTS:
        return baseline + plus
    return baseline * (1.0 + plus / 100.0)


def target_value(
    baseline: float, plus: float, mode: TargetMode | str = TargetMode.POINTS, *, cap: float = 100.0
) -> float:
    """The target "baseline plus ``plus``", kept within 0 and ``cap``.

    Parameters
    ----------
    baseline : float
        Baseline percentage, 0 to 100.
    plus : float
        The increase: points, or percent of the baseline. May be negative for
        measures where lower is better.
    mode : TargetMode or {"points", "relative"}, default "points"
        Meaning of ``plus``.
    cap : float, default 100.0
        Highest achievable value; a percentage cannot exceed 100.

    Returns
    -------
    float
        The target percentage.

    Raises
    ------
    ValueError
        If the baseline is not a percentage, ``plus`` is not finite, or the
        mode is unknown.

    Examples
    --------
    >>> target_value(38.5, 10), round(target_value(38.5, 10, "relative"), 2)
    (48.5, 42.35)
    >>> target_value(95, 10)
    100.0
    """
    return min(float(cap), max(0.0, _raw_target(baseline, plus, mode)))


def target_label(
    baseline: float, plus: float, mode: TargetMode | str = TargetMode.POINTS, *, cap: float = 100.0
) -> str:
    """Human label saying how the target was worked out.

    Examples
    --------
    >>> target_label(38.5, 10)
    '38.5% + 10 points = 48.5%'
    >>> target_label(38.5, 10, "relative")
    '38.5% + 10% of baseline = 42.4%'
    >>> target_label(95, 10)
    '95% + 10 points = 105%, capped at 100%'
    """
    mode = TargetMode(mode)
    raw = _raw_target(baseline, plus, mode)
    value = target_value(baseline, plus, mode, cap=cap)
    sign = "+" if plus >= 0 else "-"
    amount = _format_number(abs(plus))
    if mode is TargetMode.POINTS:
        what = f"{amount} point" if amount == "1" else f"{amount} points"
    else:
        what = f"{amount}% of baseline"
    text = f"{format_pct(baseline)} {sign} {what} = {format_pct(raw)}"
    if value != raw:
        text += f", capped at {format_pct(value)}"
    return text


def milestone_targets(
    baseline: float,
    baseline_date: date,
    milestones: Iterable[MilestoneRule] = DEFAULT_MILESTONES,
    *,
    cap: float = 100.0,
) -> list[Target]:
    """Dated targets for one KPI from its baseline and milestone rules.

    Parameters
    ----------
    baseline : float
        Baseline percentage, 0 to 100.
    baseline_date : datetime.date
        When the baseline was established (e.g. the survey close date).
    milestones : iterable of MilestoneRule, default DEFAULT_MILESTONES
        +10 points at 12 months and +15 points at 18 months unless configured.
    cap : float, default 100.0
        Upper limit for every target.

    Returns
    -------
    list of Target
        Sorted by date.

    Raises
    ------
    ValueError
        On an invalid baseline, mode, or a milestone not after the baseline.

    Examples
    --------
    >>> [t.label for t in milestone_targets(38.5, date(2019, 12, 18))]
    ['38.5% + 10 points = 48.5%', '38.5% + 15 points = 53.5%']
    >>> [t.date.isoformat() for t in milestone_targets(38.5, date(2019, 12, 18))]
    ['2020-12-18', '2021-06-18']
    """
    targets = []
    for rule in milestones:
        if isinstance(rule.months, bool) or int(rule.months) != rule.months or rule.months < 1:
            raise ValueError(f"milestone months must be a whole number >= 1, got {rule.months!r}")
        mode = TargetMode(rule.mode)
        value = target_value(baseline, rule.plus, mode, cap=cap)
        targets.append(
            Target(
                date=add_months(baseline_date, int(rule.months)),
                value=value,
                mode=mode,
                plus=float(rule.plus),
                baseline=float(baseline),
                label=target_label(baseline, rule.plus, mode, cap=cap),
                capped=value != _raw_target(baseline, rule.plus, mode),
            )
        )
    return sorted(targets, key=lambda t: t.date)


def next_milestone(targets: Sequence[Target], on: date) -> Target | None:
    """The first milestone falling on or after ``on``.

    A result dated on a milestone's own date is judged against that
    milestone. Returns ``None`` once every milestone has passed; callers
    decide whether to judge against the last one instead.

    Examples
    --------
    >>> ts = milestone_targets(38.5, date(2019, 12, 18))
    >>> next_milestone(ts, date(2020, 6, 30)).value
    48.5
    >>> next_milestone(ts, date(2021, 1, 1)).value
    53.5
    >>> next_milestone(ts, date(2021, 7, 1)) is None
    True
    """
    upcoming = [t for t in targets if t.date >= on]
    return min(upcoming, key=lambda t: t.date) if upcoming else None
