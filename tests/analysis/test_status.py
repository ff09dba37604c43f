"""Status against milestones and direction of travel, from intervals."""

from datetime import date

import pytest

from analysis.status import (
    Direction,
    Status,
    direction_of_travel,
    milestone_status,
    trajectory_value,
)

BASE = {"baseline": 38.5, "baseline_date": date(2019, 12, 18)}
DEC_20 = {"target": 48.5, "target_date": date(2020, 12, 18)}


def status_of(positive, n, on, **extra):
    return milestone_status(positive, n, result_date=on, **BASE, **DEC_20, **extra)


def test_trajectory_is_a_straight_line_from_baseline_to_target():
    # 18 Dec 2019 -> 18 Dec 2020 is 366 days; 18 Jun 2020 is day 183, exactly half.
    assert trajectory_value(
        38.5, date(2019, 12, 18), 48.5, date(2020, 12, 18), date(2020, 6, 18)
    ) == pytest.approx(43.5)


def test_trajectory_holds_at_baseline_before_and_at_target_after():
    args = (38.5, date(2019, 12, 18), 48.5, date(2020, 12, 18))
    assert trajectory_value(*args, date(2019, 1, 1)) == 38.5
    assert trajectory_value(*args, date(2022, 1, 1)) == 48.5


def test_trajectory_needs_the_target_after_the_baseline():
    with pytest.raises(ValueError):
        trajectory_value(38.5, date(2020, 1, 1), 48.5, date(2020, 1, 1), date(2020, 1, 1))


def test_met_when_the_whole_interval_is_at_or_above_the_target():
    # 60/100: Wilson 50.2% to 69.1%; 50.2 >= 48.5.
    result = status_of(60, 100, date(2020, 12, 1))
    assert result.status is Status.MET
    assert result.ci_low == pytest.approx(50.20, abs=0.01)


def test_a_point_estimate_above_target_is_not_enough_to_be_met():
    # 50/100 = 50% beats 48.5% but Wilson is 40.4% to 59.6%: on track, not met.
    assert status_of(50, 100, date(2020, 12, 1)).status is Status.ON_TRACK


def test_not_on_track_when_the_whole_interval_is_below_the_trajectory():
    # 30/100: Wilson 21.9% to 39.6%; trajectory at 18 Jun 2020 is 43.5%.
    result = status_of(30, 100, date(2020, 6, 18))
    assert result.status is Status.NOT_ON_TRACK
    assert result.expected == pytest.approx(43.5)


def test_on_track_when_the_interval_reaches_the_trajectory_even_below_target():
    # 40/100: Wilson 30.9% to 49.8% reaches the 43.5% trajectory.
    assert status_of(40, 100, date(2020, 6, 18)).status is Status.ON_TRACK


def test_early_in_the_period_a_small_shortfall_is_still_on_track():
    # 35/100 (Wilson upper 44.75%) one month in: trajectory 38.5 + 10*31/366 = 39.35%.
    assert status_of(35, 100, date(2020, 1, 18)).status is Status.ON_TRACK


@pytest.mark.parametrize(
    ("positive", "n", "suppressed"), [(0, 0, False), (None, None, False), (5, 8, True)]
)
def test_no_result_or_a_suppressed_one_is_insufficient_data(positive, n, suppressed):
    result = status_of(positive, n, date(2020, 6, 18), suppressed=suppressed)
    assert result.status is Status.INSUFFICIENT_DATA
    assert result.ci_low is None and result.ci_high is None


def test_lower_is_better_measures_flip_the_comparison():
    # Waiting share target 20% from 30%: 10/100 (Wilson 5.5% to 17.4%) is met.
    result = milestone_status(
        10,
        100,
        result_date=date(2020, 12, 1),
        baseline=30.0,
        baseline_date=date(2019, 12, 18),
        target=20.0,
        target_date=date(2020, 12, 18),
        higher_is_better=False,
    )
    assert result.status is Status.MET
    assert result.ci_low < result.ci_high


def test_direction_improved_for_the_issue_reference_60_to_75_in_100():
    d = direction_of_travel(60, 100, 75, 100)
    # Hand check in test_proportions: +15 points, 95% interval +2.0 to +27.3.
    assert d.label is Direction.IMPROVED
    assert (d.diff, round(d.diff_low, 1), round(d.diff_high, 1)) == (pytest.approx(15.0), 2.0, 27.3)


def test_direction_declined_when_the_whole_interval_is_below_zero():
    assert direction_of_travel(75, 100, 60, 100).label is Direction.DECLINED


def test_a_five_point_rise_in_small_samples_is_no_significant_change():
    d = direction_of_travel(30, 60, 33, 60)
    assert d.label is Direction.NO_SIGNIFICANT_CHANGE
    assert d.diff_low < 0 < d.diff_high


def test_direction_without_an_earlier_result_says_so():
    d = direction_of_travel(None, None, 30, 60)
    assert d.label is Direction.NO_PREVIOUS
    assert d.as_dict() == {
        "label": "no previous result",
        "diff": None,
        "diff_low": None,
        "diff_high": None,
    }


def test_direction_is_not_computed_from_suppressed_or_empty_results():
    assert direction_of_travel(5, 8, 60, 100, previous_suppressed=True).label is (
        Direction.INSUFFICIENT_DATA
    )
    assert direction_of_travel(60, 100, 0, 0).label is Direction.INSUFFICIENT_DATA


def test_for_lower_is_better_measures_a_fall_is_an_improvement():
    assert direction_of_travel(75, 100, 60, 100, higher_is_better=False).label is (
        Direction.IMPROVED
    )


def test_docstring_examples_run():
    import doctest

    import analysis.status

    assert doctest.testmod(analysis.status).failed == 0
