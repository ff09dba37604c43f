"""Milestone targets in both modes, with the labels pages must show.

Reference figures are the seed 004 baselines worked by hand, matching the
illustration table in REQUIREMENTS-FROM-SEEDS.md section 1.6.
"""

from datetime import date

import pytest

from analysis.targets import (
    DEFAULT_MILESTONES,
    MilestoneRule,
    TargetMode,
    add_months,
    format_pct,
    milestone_targets,
    next_milestone,
    target_label,
    target_value,
)

BASELINE_DATE = date(2019, 12, 18)  # KPI 4 survey closed 18 Dec 2019 (seed 004:543-544)


@pytest.mark.parametrize(
    ("baseline", "points_10", "points_15", "relative_10", "relative_15"),
    [
        (38.5, 48.5, 53.5, 42.35, 44.275),  # 38.5*1.10, 38.5*1.15
        (58.0, 68.0, 73.0, 63.8, 66.7),
        (66.0, 76.0, 81.0, 72.6, 75.9),
    ],
)
def test_targets_in_points_and_relative_modes_match_hand_arithmetic(
    baseline, points_10, points_15, relative_10, relative_15
):
    assert target_value(baseline, 10) == pytest.approx(points_10)
    assert target_value(baseline, 15, TargetMode.POINTS) == pytest.approx(points_15)
    assert target_value(baseline, 10, "relative") == pytest.approx(relative_10)
    assert target_value(baseline, 15, TargetMode.RELATIVE) == pytest.approx(relative_15)


def test_label_says_percentage_points_by_default():
    assert target_label(38.5, 10) == "38.5% + 10 points = 48.5%"


def test_label_says_percent_of_baseline_in_relative_mode_and_rounds_half_up():
    # 42.35 must round to 42.4, not to 42.3 as binary floats can.
    assert target_label(38.5, 10, "relative") == "38.5% + 10% of baseline = 42.4%"


def test_targets_are_capped_at_one_hundred_and_the_label_says_so():
    assert target_value(95.0, 10) == 100.0
    assert target_label(95.0, 10) == "95% + 10 points = 105%, capped at 100%"
    assert target_value(95.0, 10, "relative") == 100.0


def test_a_negative_plus_for_lower_is_better_measures_stays_at_or_above_zero():
    assert target_value(5.0, -10) == 0.0
    assert target_label(20.0, -5) == "20% - 5 points = 15%"


@pytest.mark.parametrize(
    ("baseline", "plus", "mode"),
    [(-1, 10, "points"), (101, 10, "points"), (50, float("nan"), "points"), (50, 10, "pp")],
)
def test_invalid_baselines_increments_and_modes_are_rejected(baseline, plus, mode):
    with pytest.raises(ValueError):
        target_value(baseline, plus, mode)


def test_default_milestones_are_plus_10_at_12_months_and_plus_15_at_18_months():
    targets = milestone_targets(38.5, BASELINE_DATE)
    # Seed 004: Dec-20 and Jun-21 targets for a Dec-19 baseline.
    assert [(t.date, t.value, t.mode) for t in targets] == [
        (date(2020, 12, 18), 48.5, TargetMode.POINTS),
        (date(2021, 6, 18), 53.5, TargetMode.POINTS),
    ]
    assert DEFAULT_MILESTONES[0].months == 12


def test_milestones_are_configurable_and_sorted_by_date():
    rules = [MilestoneRule(24, 20, "relative"), MilestoneRule(6, 5)]
    targets = milestone_targets(50.0, BASELINE_DATE, rules)
    assert [t.label for t in targets] == [
        "50% + 5 points = 55%",
        "50% + 20% of baseline = 60%",
    ]
    assert targets[1].as_dict() == {
        "date": "2021-12-18",
        "value": 60.0,
        "mode": "relative",
        "label": "50% + 20% of baseline = 60%",
    }


def test_a_milestone_must_fall_after_the_baseline():
    with pytest.raises(ValueError, match="months"):
        milestone_targets(50.0, BASELINE_DATE, [MilestoneRule(0, 10)])


def test_month_arithmetic_clamps_to_the_end_of_short_months():
    assert add_months(date(2020, 8, 31), 6) == date(2021, 2, 28)
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)


def test_next_milestone_is_the_first_on_or_after_the_date():
    targets = milestone_targets(38.5, BASELINE_DATE)
    assert next_milestone(targets, date(2020, 6, 30)).value == 48.5
    assert next_milestone(targets, date(2020, 12, 18)).value == 48.5  # due that day
    assert next_milestone(targets, date(2020, 12, 19)).value == 53.5
    assert next_milestone(targets, date(2021, 6, 19)) is None


def test_percentages_in_labels_drop_a_trailing_zero():
    assert format_pct(58.0) == "58%"
    assert format_pct(44.275) == "44.3%"


def test_docstring_examples_run():
    import doctest

    import analysis.targets

    assert doctest.testmod(analysis.targets).failed == 0
