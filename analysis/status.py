"""Status against a milestone, and direction of travel between results.

Both decisions use confidence intervals rather than point estimates, so a
wobble of a few points in a small sample is not reported as progress or
decline.

Percentages (0 to 100) in and out; differences are in percentage points.

Status rule (95% Wilson interval ``[low, high]`` of the latest result)
---------------------------------------------------------------------
* **insufficient data**: no result, ``n == 0``, or the result is suppressed
  for disclosure control;
* **met**: ``low >= target`` (we are confident the target is reached);
* **not on track**: ``high < expected``, where ``expected`` is the straight
  line from the baseline (at its date) to the target (at its date),
  evaluated at the result's date and held at the target after that date;
* **on track**: otherwise (the interval reaches the trajectory).

Direction of travel rule (95% Newcombe interval of ``later - earlier``)
-----------------------------------------------------------------------
* **improved**: the whole interval is above zero;
* **declined**: the whole interval is below zero;
* **no significant change**: the interval includes zero;
* **insufficient data** when either result is missing, empty or suppressed,
  and **no previous result** when there is nothing to compare with.

For measures where lower is better pass ``higher_is_better=False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from analysis.proportions import newcombe_difference, wilson_interval

__all__ = [
    "Status",
    "Direction",
    "StatusResult",
    "DirectionResult",
    "trajectory_value",
    "milestone_status",
    "direction_of_travel",
]


class Status(StrEnum):
    """Status of a KPI result against its next milestone."""

    MET = "met"
    ON_TRACK = "on track"
    NOT_ON_TRACK = "not on track"
    INSUFFICIENT_DATA = "insufficient data"


class Direction(StrEnum):
    """Direction of travel between consecutive results."""

    IMPROVED = "improved"
    DECLINED = "declined"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    INSUFFICIENT_DATA = "insufficient data"
    NO_PREVIOUS = "no previous result"


@dataclass(frozen=True)
class StatusResult:
    """Status with the numbers behind it (percentages), and a plain reason."""

    status: Status
    target: float
    expected: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str


@dataclass(frozen=True)
class DirectionResult:
    """Direction label and the change ``later - earlier`` in points, with its interval."""

    label: Direction
    diff: float | None = None
    diff_low: float | None = None
    diff_high: float | None = None

    def as_dict(self) -> dict:
        """Plain-data form for JSON exports."""
        return {
            "label": str(self.label),
            "diff": self.diff,
            "diff_low": self.diff_low,
            "diff_high": self.diff_high,
        }


def trajectory_value(
    baseline: float, baseline_date: date, target: float, target_date: date, on: date
) -> float:
    """Expected value at ``on`` on the straight line from baseline to target.

    Before the baseline date the baseline is expected; after the target
    date the target is.

    Raises
    ------
    ValueError
        If the target date is not after the baseline date.

    Examples
    --------
    Half way between 18 Dec 2019 (38.5%) and 18 Dec 2020 (48.5%):

    >>> round(trajectory_value(38.5, date(2019, 12, 18), 48.5, date(2020, 12, 18),
    ...                        date(2020, 6, 18)), 2)
    43.5
    """
    if target_date <= baseline_date:
        raise ValueError("the target date must be after the baseline date")
    span = (target_date - baseline_date).days
    elapsed = min(max((on - baseline_date).days, 0), span)
    return baseline + (target - baseline) * elapsed / span


def _missing(positive: int | None, n: int | None, suppressed: bool) -> bool:
    return suppressed or positive is None or n is None or n == 0


def milestone_status(
    positive: int | None,
    n: int | None,
    *,
    result_date: date,
    baseline: float,
    baseline_date: date,
    target: float,
    target_date: date,
    suppressed: bool = False,
    confidence: float = 0.95,
    higher_is_better: bool = True,
) -> StatusResult:
    """Met / on track / not on track for one result against one milestone.

    Parameters
    ----------
    positive, n : int or None
        Positive count and valid base of the result. ``None`` or ``n == 0``
        means there is no result and gives "insufficient data".
    result_date : datetime.date
        Date of the result (e.g. the wave's close date).
    baseline, baseline_date : float, datetime.date
        Baseline percentage and when it was established.
    target, target_date : float, datetime.date
        Milestone percentage and its date.
    suppressed : bool, default False
        The result is hidden by disclosure control; its status must not
        hint at the hidden value, so it is "insufficient data".
    confidence : float, default 0.95
        Confidence level of the Wilson interval.
    higher_is_better : bool, default True
        Flip the comparisons for measures where lower is better.

    Returns
    -------
    StatusResult

    Raises
    ------
    ValueError
        On invalid counts or a target date not after the baseline date.

    Examples
    --------
    60/100 (Wilson 50.2% to 69.1%) against a 48.5% target is met:

    >>> milestone_status(60, 100, result_date=date(2020, 12, 1), baseline=38.5,
    ...                  baseline_date=date(2019, 12, 18), target=48.5,
    ...                  target_date=date(2020, 12, 18)).status
    <Status.MET: 'met'>
    """
    if _missing(positive, n, suppressed):
        why = "the result is suppressed (small numbers)" if suppressed else "there is no result"
        return StatusResult(Status.INSUFFICIENT_DATA, target, None, None, None, why.capitalize())
    ci = wilson_interval(positive, n, confidence=confidence)
    low, high = ci.low * 100, ci.high * 100
    expected = trajectory_value(baseline, baseline_date, target, target_date, result_date)
    if not higher_is_better:
        low, high = -high, -low
        signed_target, signed_expected = -target, -expected
    else:
        signed_target, signed_expected = target, expected
    pct = round(confidence * 100)
    if low >= signed_target:
        status = Status.MET
        reason = f"The whole {pct}% interval is at or beyond the target"
    elif high < signed_expected:
        status = Status.NOT_ON_TRACK
        reason = f"The whole {pct}% interval falls short of the expected trajectory"
    else:
        status = Status.ON_TRACK
        reason = f"The {pct}% interval reaches the expected trajectory"
    if not higher_is_better:
        low, high = -high, -low
    return StatusResult(status, target, expected, low, high, reason)


def direction_of_travel(
    previous_positive: int | None,
    previous_n: int | None,
    positive: int | None,
    n: int | None,
    *,
    previous_suppressed: bool = False,
    suppressed: bool = False,
    confidence: float = 0.95,
    higher_is_better: bool = True,
) -> DirectionResult:
    """Improved / declined / no significant change between two results.

    Parameters
    ----------
    previous_positive, previous_n : int or None
        The earlier result. Both ``None`` means there is no earlier result
        ("no previous result"); ``n == 0`` means "insufficient data".
    positive, n : int or None
        The later result.
    previous_suppressed, suppressed : bool, default False
        Either result hidden by disclosure control gives "insufficient
        data", because a difference interval could reveal a hidden value.
    confidence : float, default 0.95
        Confidence level of the Newcombe interval.
    higher_is_better : bool, default True
        For measures where a fall is an improvement.

    Returns
    -------
    DirectionResult
        ``diff``, ``diff_low`` and ``diff_high`` in percentage points
        (``later - earlier``), ``None`` when not computed.

    Raises
    ------
    ValueError
        On invalid counts.

    Examples
    --------
    60/100 then 75/100: +15 points, 95% interval +2.0 to +27.3:

    >>> d = direction_of_travel(60, 100, 75, 100)
    >>> str(d.label), round(d.diff, 1), round(d.diff_low, 1), round(d.diff_high, 1)
    ('improved', 15.0, 2.0, 27.3)
    """
    if previous_positive is None and previous_n is None and not previous_suppressed:
        return DirectionResult(Direction.NO_PREVIOUS)
    if _missing(previous_positive, previous_n, previous_suppressed) or _missing(
        positive, n, suppressed
    ):
        return DirectionResult(Direction.INSUFFICIENT_DATA)
    ci = newcombe_difference(previous_positive, previous_n, positive, n, confidence=confidence)
    diff, low, high = ci.estimate * 100, ci.low * 100, ci.high * 100
    if low > 0:
        label = Direction.IMPROVED if higher_is_better else Direction.DECLINED
    elif high < 0:
        label = Direction.DECLINED if higher_is_better else Direction.IMPROVED
    else:
        label = Direction.NO_SIGNIFICANT_CHANGE
    return DirectionResult(label, diff, low, high)
