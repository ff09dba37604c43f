"""Confidence intervals, tests and sample sizes for survey proportions.

Everything here works on counts and proportions between 0 and 1. The
report layers (``targets``, ``status``, ``kpi_report``) talk in percentages;
they convert at their boundary.

Methods
-------
* Wilson score interval for one proportion (Wilson 1927), which behaves well
  at 0/n and n/n where the textbook Wald interval collapses to zero width.
* Newcombe's hybrid score interval for a difference of two independent
  proportions (Newcombe 1998, "method 10"), built from the two Wilson
  intervals.
* The pooled two-proportion z test.
* Sample size and minimum detectable difference for a two-sided test at a
  given power, so pages can say when a sample is too small to detect the
  change a target asks for.

References
----------
Newcombe RG. Two-sided confidence intervals for the single proportion:
comparison of seven methods. Stat Med 1998;17:857-872.

Newcombe RG. Interval estimation for the difference between independent
proportions: comparison of eleven methods. Stat Med 1998;17:873-890.

Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions,
3rd ed., section 4.2 (sample size without continuity correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

__all__ = [
    "Interval",
    "ZTest",
    "z_for_confidence",
    "wilson_interval",
    "newcombe_difference",
    "two_proportion_z_test",
    "sample_size_per_group",
    "minimum_detectable_difference",
]

EmptyPolicy = Literal["raise", "nan"]

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval (all as proportions)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class ZTest:
    """Result of a two-proportion z test; ``diff`` is ``p2 - p1``."""

    diff: float
    z: float
    p_value: float


def z_for_confidence(confidence: float = 0.95) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    confidence : float, default 0.95
        Confidence level strictly between 0 and 1.

    Returns
    -------
    float
        ``z`` such that ``P(-z < Z < z) = confidence``.

    Raises
    ------
    ValueError
        If ``confidence`` is not strictly between 0 and 1.

    Examples
    --------
    >>> round(z_for_confidence(0.95), 4)
    1.96
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return _NORMAL.inv_cdf(0.5 + confidence / 2.0)


def _check_counts(positive: int, n: int, name: str = "") -> None:
    label = f"{name} " if name else ""
    if isinstance(positive, bool) or isinstance(n, bool):
        raise ValueError(f"{label}counts must be integers, not booleans")
    if int(positive) != positive or int(n) != n:
        raise ValueError(f"{label}counts must be whole numbers, got {positive!r}/{n!r}")
    if n < 0 or positive < 0:
        raise ValueError(f"{label}counts must not be negative, got {positive!r}/{n!r}")
    if positive > n:
        raise ValueError(f"{label}positive count {positive!r} exceeds its base n={n!r}")


def wilson_interval(
    positive: int, n: int, *, confidence: float = 0.95, empty: EmptyPolicy = "raise"
) -> Interval:
    """Wilson score interval for a single proportion.

    Parameters
    ----------
    positive : int
        Number of respondents giving a positive answer.
    n : int
        Valid base: respondents who answered, excluding "don't know" and
        "not applicable" where the KPI definition excludes them.
    confidence : float, default 0.95
        Two-sided confidence level.
    empty : {"raise", "nan"}, default "raise"
        What to do when ``n == 0`` (no valid answers): raise ``ValueError``
        or return an :class:`Interval` of NaNs.

    Returns
    -------
    Interval
        ``estimate = positive / n`` and the score interval, clipped to [0, 1].

    Raises
    ------
    ValueError
        If counts are negative, not whole, ``positive > n``, or ``n == 0``
        with ``empty="raise"``.

    Notes
    -----
    With ``z`` the normal quantile and ``p = positive / n``::

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)

    Examples
    --------
    Newcombe (1998a) table I gives 0.2553 to 0.3662 for 81/263:

    >>> ci = wilson_interval(81, 263)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2553, 0.3662)
    """
    _check_counts(positive, n)
    if n == 0:
        if empty == "nan":
            return Interval(math.nan, math.nan, math.nan)
        if empty != "raise":
            raise ValueError(f"empty must be 'raise' or 'nan', got {empty!r}")
        raise ValueError("n is 0: a proportion needs at least one valid answer")
    z = z_for_confidence(confidence)
    p = positive / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0/n and n/n the bound equals the estimate exactly; clipping removes
    # floating-point dust such as -1e-17.
    low = 0.0 if positive == 0 else max(0.0, centre - half)
    high = 1.0 if positive == n else min(1.0, centre + half)
    return Interval(p, low, high)


def newcombe_difference(
    positive_1: int,
    n_1: int,
    positive_2: int,
    n_2: int,
    *,
    confidence: float = 0.95,
    empty: EmptyPolicy = "raise",
) -> Interval:
    """Newcombe hybrid score interval for the change ``p2 - p1``.

    Group 1 is the earlier (or reference) result and group 2 the later one,
    so a positive difference is an increase. The two samples must be
    independent (different respondents, as in separate survey waves).

    Parameters
    ----------
    positive_1, n_1 : int
        Positive count and valid base of the earlier result.
    positive_2, n_2 : int
        Positive count and valid base of the later result.
    confidence : float, default 0.95
        Two-sided confidence level.
    empty : {"raise", "nan"}, default "raise"
        What to do when either base is 0.

    Returns
    -------
    Interval
        ``estimate = p2 - p1`` with its interval, within [-1, 1].

    Raises
    ------
    ValueError
        On invalid counts, or an empty base with ``empty="raise"``.

    Notes
    -----
    With Wilson limits ``(l1, u1)`` and ``(l2, u2)`` and ``d = p2 - p1``
    (Newcombe 1998b, method 10, written for ``p2 - p1``)::

        low  = d - sqrt((p2 - l2)² + (u1 - p1)²)
        high = d + sqrt((u2 - p2)² + (p1 - l1)²)

    Examples
    --------
    Newcombe (1998b) table II, example (a): 56/70 versus 48/80 gives
    0.0524 to 0.3339 (the earlier result is 48/80 here):

    >>> ci = newcombe_difference(48, 80, 56, 70)
    >>> round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4)
    (0.2, 0.0524, 0.3339)
    """
    _check_counts(positive_1, n_1, "first")
    _check_counts(positive_2, n_2, "second")
    if n_1 == 0 or n_2 == 0:
        if empty == "nan":
            return Interval(math.nan, math.nan, math.nan)
        if empty != "raise":
            raise ValueError(f"empty must be 'raise' or 'nan', got {empty!r}")
        raise ValueError("a difference needs both results to have at least one valid answer")
    one = wilson_interval(positive_1, n_1, confidence=confidence)
    two = wilson_interval(positive_2, n_2, confidence=confidence)
    d = two.estimate - one.estimate
    low = d - math.hypot(two.estimate - two.low, one.high - one.estimate)
    high = d + math.hypot(two.high - two.estimate, one.estimate - one.low)
    return Interval(d, max(-1.0, low), min(1.0, high))


def two_proportion_z_test(positive_1: int, n_1: int, positive_2: int, n_2: int) -> ZTest:
    """Pooled two-sided z test of ``p1 == p2`` for independent samples.

    Parameters
    ----------
    positive_1, n_1 : int
        Positive count and valid base of the first (earlier) result.
    positive_2, n_2 : int
        Positive count and valid base of the second (later) result.

    Returns
    -------
    ZTest
        ``diff = p2 - p1``, the z statistic and the two-sided p-value. When
        both results are 0% or both 100% the pooled standard error is zero;
        there is then no evidence of a difference and ``z = 0, p = 1``.

    Raises
    ------
    ValueError
        On invalid counts or when either base is 0.

    Notes
    -----
    The normal approximation is poor for small expected counts; prefer the
    Newcombe interval (:func:`newcombe_difference`) for the decision and use
    this test as a cross-check.

    Examples
    --------
    60/100 then 75/100: pooled p = 0.675, SE = 0.06624, z = 2.2646:

    >>> t = two_proportion_z_test(60, 100, 75, 100)
    >>> round(t.z, 4), round(t.p_value, 4)
    (2.2646, 0.0235)
    """
    _check_counts(positive_1, n_1, "first")
    _check_counts(positive_2, n_2, "second")
    if n_1 == 0 or n_2 == 0:
        raise ValueError("a z test needs both results to have at least one valid answer")
    p1, p2 = positive_1 / n_1, positive_2 / n_2
    pooled = (positive_1 + positive_2) / (n_1 + n_2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_1 + 1 / n_2))
    if se == 0.0:
        return ZTest(p2 - p1, 0.0, 1.0)
    z = (p2 - p1) / se
    return ZTest(p2 - p1, z, 2.0 * (1.0 - _NORMAL.cdf(abs(z))))


def _check_probability(value: float, name: str) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a proportion between 0 and 1, got {value!r}")


def _z_alpha_beta(alpha: float, power: float) -> tuple[float, float]:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"power must be between 0 and 1, got {power!r}")
    return _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)


def sample_size_per_group(
    p_1: float, p_2: float, *, alpha: float = 0.05, power: float = 0.80
) -> int:
    """Respondents needed in each of two waves to detect ``p1 -> p2``.

    Parameters
    ----------
    p_1, p_2 : float
        Expected proportions (0 to 1) in the earlier and later waves.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.80
        Probability of detecting the change if it is real.

    Returns
    -------
    int
        Size of each group, rounded up (Fleiss, no continuity correction)::

            n = (z_a·sqrt(2·pbar·qbar) + z_b·sqrt(p1q1 + p2q2))² / (p1 - p2)²

    Raises
    ------
    ValueError
        If the proportions are outside [0, 1] or equal, or alpha/power are
        not strictly between 0 and 1.

    Examples
    --------
    50% to 60% at 80% power, 5% two-sided needs 388 per wave:

    >>> sample_size_per_group(0.50, 0.60)
    388
    """
    _check_probability(p_1, "p_1")
    _check_probability(p_2, "p_2")
    if p_1 == p_2:
        raise ValueError("p_1 and p_2 are equal: no sample size can detect a zero change")
    z_a, z_b = _z_alpha_beta(alpha, power)
    p_bar = (p_1 + p_2) / 2
    top = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p_1 * (1 - p_1) + p_2 * (1 - p_2)
    )
    # Round away floating-point dust before the ceiling (388.0000000001 -> 388).
    return math.ceil(round(top * top / (p_1 - p_2) ** 2, 9))


def _power_gap(p_1: float, d: float, n_2: int, n_1: int | None, z_a: float, z_b: float) -> float:
    """Positive when a true change ``d`` is detectable with the given sizes."""
    p_2 = p_1 + d
    if n_1 is None:
        # One-sample test against a fixed published value (no sampling error).
        need = z_a * math.sqrt(p_1 * (1 - p_1) / n_2) + z_b * math.sqrt(p_2 * (1 - p_2) / n_2)
    else:
        pooled = (n_1 * p_1 + n_2 * p_2) / (n_1 + n_2)
        need = z_a * math.sqrt(pooled * (1 - pooled) * (1 / n_1 + 1 / n_2)) + z_b * math.sqrt(
            p_1 * (1 - p_1) / n_1 + p_2 * (1 - p_2) / n_2
        )
    return abs(d) - need


def minimum_detectable_difference(
    p_1: float,
    n_2: int,
    n_1: int | None = None,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    direction: Literal["increase", "decrease"] = "increase",
) -> float | None:
    """Smallest true change from ``p_1`` a test would detect at the given power.

    Parameters
    ----------
    p_1 : float
        Earlier (baseline) proportion, 0 to 1.
    n_2 : int
        Valid base of the later wave.
    n_1 : int or None, default None
        Valid base of the earlier wave. ``None`` means the earlier value is a
        fixed published figure with no known sample (such as an imported
        baseline), so only the later wave carries sampling error.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.80
        Required power.
    direction : {"increase", "decrease"}, default "increase"
        Which way the change is sought.

    Returns
    -------
    float or None
        The minimum detectable difference as a proportion (0.10 is ten
        percentage points), or ``None`` when even moving to 0% or 100% would
        not be detected with these sample sizes.

    Raises
    ------
    ValueError
        On a proportion outside [0, 1], a base below 1, or a bad alpha/power.

    Notes
    -----
    Solved by bisection on the normal-approximation power equation (pooled
    variance under the null, unpooled under the alternative), so it agrees
    with :func:`sample_size_per_group` for equal groups.

    Examples
    --------
    From 50% with 388 respondents in each wave, about 10 points:

    >>> round(minimum_detectable_difference(0.50, 388, 388), 3)
    0.1
    """
    _check_probability(p_1, "p_1")
    for name, value in (("n_2", n_2), ("n_1", n_1)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    if direction not in ("increase", "decrease"):
        raise ValueError(f"direction must be 'increase' or 'decrease', got {direction!r}")
    z_a, z_b = _z_alpha_beta(alpha, power)
    sign = 1.0 if direction == "increase" else -1.0
    room = (1.0 - p_1) if direction == "increase" else p_1
    if room <= 0 or _power_gap(p_1, sign * room, n_2, n_1, z_a, z_b) < 0:
        return None
    lo, hi = 0.0, room
    for _ in range(60):
        mid = (lo + hi) / 2
        if _power_gap(p_1, sign * mid, n_2, n_1, z_a, z_b) >= 0:
            hi = mid
        else:
            lo = mid
    return hi
