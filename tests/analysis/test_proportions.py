"""Reference values for the interval, test and sample-size helpers.

Wilson and Newcombe figures are the published values in Newcombe (1998),
Stat Med 17:857-872 (table I, method 3) and 17:873-890 (table II,
method 10), quoted to four decimals there.
"""

import math

import pytest

from analysis.proportions import (
    minimum_detectable_difference,
    newcombe_difference,
    sample_size_per_group,
    two_proportion_z_test,
    wilson_interval,
    z_for_confidence,
)


@pytest.mark.parametrize(
    ("positive", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998a table I
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # 60/100 by hand: z=1.959964, centre=(0.6+0.019207)/1.038415=0.596299,
        # half=1.887458*sqrt(0.0024+0.0000960)=0.094281 -> 0.5020 to 0.6906
        (60, 100, 0.5020, 0.6906),
    ],
)
def test_wilson_interval_matches_published_values(positive, n, low, high):
    ci = wilson_interval(positive, n)
    assert ci.estimate == pytest.approx(positive / n)
    assert ci.low == pytest.approx(low, abs=5e-5)
    assert ci.high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_at_all_positive_reaches_exactly_one():
    ci = wilson_interval(20, 20)
    # Mirror image of 0/20 (upper 0.1611), so the lower bound is 0.8389.
    assert ci.high == 1.0
    assert ci.low == pytest.approx(0.8389, abs=5e-5)


def test_wilson_interval_at_zero_positive_starts_exactly_at_zero():
    assert wilson_interval(0, 5).low == 0.0


def test_wilson_interval_with_no_answers_raises_by_default():
    with pytest.raises(ValueError, match="n is 0"):
        wilson_interval(0, 0)


def test_wilson_interval_with_no_answers_can_return_nan():
    ci = wilson_interval(0, 0, empty="nan")
    assert all(math.isnan(v) for v in (ci.estimate, ci.low, ci.high))


@pytest.mark.parametrize(("positive", "n"), [(-1, 10), (11, 10), (2.5, 10), (True, 10), (1, -3)])
def test_wilson_interval_rejects_impossible_counts(positive, n):
    with pytest.raises(ValueError):
        wilson_interval(positive, n)


def test_wider_confidence_gives_a_wider_interval():
    narrow, wide = wilson_interval(30, 80, confidence=0.9), wilson_interval(30, 80, confidence=0.99)
    assert wide.low < narrow.low and wide.high > narrow.high


def test_confidence_outside_zero_and_one_is_rejected():
    with pytest.raises(ValueError, match="confidence"):
        z_for_confidence(1.0)


@pytest.mark.parametrize(
    ("earlier", "later", "low", "high"),
    [
        # Newcombe 1998b table II, method 10, written as later - earlier.
        ((48, 80), (56, 70), 0.0524, 0.3339),  # example (a)
        ((3, 10), (9, 10), 0.1705, 0.8090),  # (b)
        ((0, 29), (5, 56), -0.0381, 0.1926),  # (d)
        ((0, 20), (0, 10), -0.1611, 0.2775),  # (e)
        ((0, 10), (0, 10), -0.2775, 0.2775),  # (f)
        ((0, 20), (10, 10), 0.6791, 1.0000),  # (g)
        ((0, 10), (10, 10), 0.6075, 1.0000),  # (h)
    ],
)
def test_newcombe_difference_matches_published_table(earlier, later, low, high):
    ci = newcombe_difference(*earlier, *later)
    assert ci.low == pytest.approx(low, abs=5e-5)
    assert ci.high == pytest.approx(high, abs=5e-5)


def test_newcombe_difference_for_the_issue_example_60_to_75_in_100():
    # By hand from the Wilson limits 0.5020-0.6906 and 0.6570-0.8245:
    # low = 0.15 - sqrt(0.0930^2 + 0.0906^2) = 0.0202,
    # high = 0.15 + sqrt(0.0745^2 + 0.0980^2) = 0.2731.
    ci = newcombe_difference(60, 100, 75, 100)
    assert ci.estimate == pytest.approx(0.15)
    assert ci.low == pytest.approx(0.0201, abs=2e-4)
    assert ci.high == pytest.approx(0.2731, abs=2e-4)


def test_newcombe_difference_reverses_sign_when_the_order_is_swapped():
    up, down = newcombe_difference(60, 100, 75, 100), newcombe_difference(75, 100, 60, 100)
    assert down.estimate == pytest.approx(-up.estimate)
    assert down.low == pytest.approx(-up.high)
    assert down.high == pytest.approx(-up.low)


def test_newcombe_difference_with_an_empty_wave_raises_or_returns_nan():
    with pytest.raises(ValueError):
        newcombe_difference(0, 0, 5, 10)
    assert math.isnan(newcombe_difference(0, 0, 5, 10, empty="nan").low)


def test_two_proportion_z_test_for_60_then_75_in_100():
    # Pooled p = 135/200 = 0.675; SE = sqrt(0.675*0.325*0.02) = 0.066238;
    # z = 0.15/0.066238 = 2.2646; two-sided p = 2*(1 - Phi(2.2646)) = 0.0235.
    t = two_proportion_z_test(60, 100, 75, 100)
    assert t.diff == pytest.approx(0.15)
    assert t.z == pytest.approx(2.2646, abs=1e-4)
    assert t.p_value == pytest.approx(0.0235, abs=1e-4)


def test_two_proportion_z_test_with_identical_extremes_shows_no_difference():
    t = two_proportion_z_test(0, 30, 0, 40)
    assert (t.z, t.p_value) == (0.0, 1.0)


def test_two_proportion_z_test_needs_answers_in_both_waves():
    with pytest.raises(ValueError):
        two_proportion_z_test(3, 10, 0, 0)


def test_sample_size_for_fifty_to_sixty_percent_is_388_per_wave():
    # Fleiss (no continuity correction): (1.959964*sqrt(2*.55*.45)
    # + 0.841621*sqrt(.25+.24))^2 / 0.01 = (1.378944 + 0.589135)^2 / 0.01 = 387.33.
    assert sample_size_per_group(0.50, 0.60) == 388


def test_sample_size_for_the_kpi_4_1_ten_point_target():
    # 38.5% -> 48.5%: pbar = 0.435; 1.959964*sqrt(0.49155) = 1.374143 and
    # 0.841621*sqrt(0.236775 + 0.249775) = 0.587057; 1.961200^2 / 0.01 = 384.63.
    assert sample_size_per_group(0.385, 0.485) == 385


def test_sample_size_refuses_a_zero_change():
    with pytest.raises(ValueError, match="equal"):
        sample_size_per_group(0.4, 0.4)


def test_minimum_detectable_difference_inverts_the_sample_size():
    assert minimum_detectable_difference(0.50, 388, 388) == pytest.approx(0.10, abs=1e-3)


def test_minimum_detectable_difference_against_a_fixed_published_baseline_is_smaller():
    # With no sampling error in the baseline only one wave carries noise.
    two_sample = minimum_detectable_difference(0.385, 100, 100)
    one_sample = minimum_detectable_difference(0.385, 100)
    assert one_sample < two_sample
    # One sample, by hand: d = 1.96*sqrt(.385*.615/100) + 0.8416*sqrt(p1*q1/100)
    # solves to d = 0.1374 (p1 = 0.5224: 0.09537 + 0.04204 = 0.1374).
    assert one_sample == pytest.approx(0.1374, abs=1e-3)


def test_minimum_detectable_difference_is_none_when_nothing_could_be_detected():
    assert minimum_detectable_difference(0.5, 1, 1) is None


def test_minimum_detectable_difference_for_a_decrease_is_negative_direction_size():
    assert minimum_detectable_difference(0.5, 388, 388, direction="decrease") == pytest.approx(
        0.10, abs=1e-3
    )


@pytest.mark.parametrize("kwargs", [{"alpha": 0}, {"power": 1}, {"direction": "sideways"}])
def test_minimum_detectable_difference_rejects_bad_assumptions(kwargs):
    with pytest.raises(ValueError):
        minimum_detectable_difference(0.5, 100, **kwargs)


def test_docstring_examples_run():
    import doctest

    import analysis.proportions

    assert doctest.testmod(analysis.proportions).failed == 0
