"""Six-point trend across annual and pulse waves, with comparability warnings."""

from datetime import date

import pytest

from analysis.trend import six_point_trend, trends_by_kpi


def wave(year, month, positive, n, *, kind="annual", wording="v1", population="all"):
    return {
        "date": date(year, month, 28),
        "wave": f"{year}-{month:02d}",
        "kind": kind,
        "positive": positive,
        "n": n,
        "wording_version": wording,
        "population_note": population,
    }


def test_trend_keeps_the_last_six_results_oldest_first_across_wave_kinds():
    results = [
        wave(2019, 12, 77, 200),
        wave(2020, 6, 40, 100, kind="pulse"),
        wave(2020, 12, 90, 200),
        wave(2021, 6, 45, 100, kind="pulse"),
        wave(2021, 12, 95, 200),
        wave(2022, 6, 50, 100, kind="pulse"),
        wave(2022, 12, 100, 200),
    ]
    trend = six_point_trend(reversed(results))
    assert [p.wave for p in trend.points] == [
        "2020-06",
        "2020-12",
        "2021-06",
        "2021-12",
        "2022-06",
        "2022-12",
    ]
    assert [p.kind for p in trend.points][:2] == ["pulse", "annual"]
    # 77/200 dropped; 40/100 = 40% kept, Wilson 30.9% to 49.8%.
    first = trend.points[0]
    assert first.pct == pytest.approx(40.0)
    assert (round(first.ci_low, 1), round(first.ci_high, 1)) == (30.9, 49.8)
    assert trend.warnings == []


def test_fewer_than_six_results_are_all_shown():
    assert len(six_point_trend([wave(2019, 12, 77, 200)]).points) == 1
    assert six_point_trend([]).points == []


def test_a_wording_change_between_points_is_warned_about():
    trend = six_point_trend([wave(2019, 12, 77, 200), wave(2020, 12, 90, 200, wording="v2")])
    assert trend.warnings == [
        "Question wording changed between 2019-12 (v1) and 2020-12 (v2);"
        " the results may not be comparable"
    ]


def test_a_population_change_between_points_is_warned_about():
    trend = six_point_trend(
        [wave(2019, 12, 77, 200), wave(2020, 6, 40, 100, population="EHCP families only")]
    )
    assert len(trend.warnings) == 1
    assert "Population surveyed changed" in trend.warnings[0]


def test_unrecorded_wording_warns_only_when_asked():
    results = [wave(2019, 12, 77, 200), wave(2020, 12, 90, 200, wording=None)]
    assert "not recorded for 2020-12" in six_point_trend(results).warnings[0]
    assert six_point_trend(results, warn_on_unrecorded=False).warnings == []


def test_small_bases_leave_a_gap_in_the_trend():
    trend = six_point_trend([wave(2019, 12, 77, 200), wave(2020, 6, 5, 8, kind="pulse")])
    gap = trend.points[1]
    assert gap.suppressed and gap.pct is None and gap.positive is None
    assert gap.as_dict()["n"] == 8


def test_a_wave_with_no_valid_answers_is_an_empty_point():
    point = six_point_trend([wave(2019, 12, None, 0)]).points[0]
    assert point.pct is None and point.suppressed


def test_results_need_a_date_and_the_point_count_must_be_positive():
    with pytest.raises(ValueError, match="date"):
        six_point_trend([{"positive": 1, "n": 20}])
    with pytest.raises(ValueError, match="points"):
        six_point_trend([], points=0)


def test_trends_are_grouped_per_kpi():
    rows = [{**wave(2019, 12, 77, 200), "kpi": "4/1"}, {**wave(2019, 12, 116, 200), "kpi": "4/2"}]
    trends = trends_by_kpi(rows)
    assert sorted(trends) == ["4/1", "4/2"]
    assert trends["4/2"].points[0].pct == pytest.approx(58.0)


def test_docstring_examples_run():
    import doctest

    import analysis.trend

    assert doctest.testmod(analysis.trend).failed == 0
