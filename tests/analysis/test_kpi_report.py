"""KPI report rows: the shape the pages and the JSON export carry."""

import json
from datetime import date

import pandas as pd
import pytest

from analysis.kpi_report import build_kpi_report, sample_size_note
from analysis.targets import MilestoneRule

BASELINE_DATE = date(2019, 12, 18)
KPIS = {
    "4/1": "Trust and confidence of parents and carers",
    "4/2": "Help and support to meet needs",
    "4/3": "Information and advice about assessment",
    "4/4": "Parents and carers can influence change",
}
BASELINES = {
    # Imported Sefton figure (seed 004) with provenance, and a designated wave.
    "4/1": {"value": 38.5, "date": BASELINE_DATE, "source": "Seed 004 Appendix A"},
    "4/2": {"wave": "Baseline 2019"},
    "4/3": {"value": 63.0, "date": BASELINE_DATE, "source": "Seed 004 Appendix A"},
}
RESULTS = [
    {
        "kpi": "4/1",
        "wave": "Pulse Jun 2020",
        "date": date(2020, 6, 30),
        "kind": "pulse",
        "positive": 55,
        "n": 120,
        "wording_version": "v1",
        "population_note": "EHCP families",
    },
    {
        "kpi": "4/1",
        "wave": "Annual Dec 2020",
        "date": date(2020, 12, 18),
        "kind": "annual",
        "positive": 150,
        "n": 300,
        "wording_version": "v1",
        "population_note": "all families",
    },
    {
        "kpi": "4/2",
        "wave": "Baseline 2019",
        "date": BASELINE_DATE,
        "kind": "annual",
        "positive": 116,
        "n": 200,
    },
    {
        "kpi": "4/2",
        "wave": "Annual Dec 2020",
        "date": date(2020, 12, 18),
        "kind": "annual",
        "positive": 150,
        "n": 200,
    },
    {
        "kpi": "4/3",
        "wave": "Annual Dec 2020",
        "date": date(2020, 12, 18),
        "kind": "annual",
        "positive": 5,
        "n": 8,
    },
]


def report(**kwargs):
    rows = build_kpi_report(RESULTS, KPIS, BASELINES, **kwargs)
    return {row.code: row for row in rows}


def test_rows_come_in_kpi_order_with_the_json_export_keys():
    rows = build_kpi_report(RESULTS, KPIS, BASELINES)
    assert [r.code for r in rows] == ["4/1", "4/2", "4/3", "4/4"]
    data = rows[0].as_dict()
    for key in (
        "code",
        "measure",
        "n",
        "positive",
        "pct",
        "ci_low",
        "ci_high",
        "baseline",
        "targets",
        "status",
        "direction",
        "trend",
    ):
        assert key in data
    assert set(data["direction"]) == {"label", "diff", "diff_low", "diff_high"}
    assert set(data["targets"][0]) >= {"date", "value", "mode", "label"}
    json.dumps([r.as_dict() for r in rows])  # must serialise without a custom encoder


def test_latest_result_interval_and_status_for_an_imported_baseline():
    row = report()["4/1"]
    # 150/300: Wilson centre 0.5, half = 1.959964/1.012805 * sqrt(0.25/300 + 3.8415/360000)
    # = 0.05622, so 44.4% to 55.6%. Target 48.5% is due that day: the interval
    # straddles it, so on track (not met, not behind).
    assert (row.n, row.positive, row.pct, row.ci_low, row.ci_high) == (300, 150, 50.0, 44.4, 55.6)
    assert row.baseline == {"value": 38.5, "date": BASELINE_DATE, "source": "Seed 004 Appendix A"}
    assert row.next_target.label == "38.5% + 10 points = 48.5%"
    assert str(row.status) == "on track"


def test_direction_compares_the_two_latest_results_whatever_the_wave_kind():
    row = report()["4/1"]
    # 55/120 (45.8%) -> 150/300 (50%): +4.2 points, interval includes zero.
    assert str(row.direction.label) == "no significant change"
    assert row.direction.diff == 4.2
    assert row.direction.diff_low < 0 < row.direction.diff_high


def test_population_change_in_the_trend_is_reported():
    row = report()["4/1"]
    assert [p.wave for p in row.trend] == ["Pulse Jun 2020", "Annual Dec 2020"]
    assert "Population surveyed changed" in row.trend_warnings[0]


def test_baseline_from_a_designated_wave_drives_targets_status_and_direction():
    row = report()["4/2"]
    # 116/200 = 58%; 150/200 = 75% with Wilson 68.6% to 80.5% (centre 0.745282,
    # half 0.059628); lower bound 68.6 >= target 68 -> met.
    assert row.baseline["value"] == 58.0 and row.baseline["source"] == "wave: Baseline 2019"
    assert [t.value for t in row.targets] == [68.0, 73.0]
    assert str(row.status) == "met"
    assert str(row.direction.label) == "improved" and row.direction.diff == 17.0
    # Two samples of 200 detect about 13 points, so a 10-point target is too small.
    assert "too small to detect" in row.sample_note


def test_a_small_base_is_suppressed_everywhere_in_the_row():
    row = report()["4/3"]
    assert row.suppressed is True
    assert (row.pct, row.positive, row.ci_low, row.ci_high) == (None, None, None, None)
    assert str(row.status) == "insufficient data"
    assert row.trend[0].pct is None
    assert row.as_dict()["n"] == 8


def test_direction_is_not_shown_next_to_a_suppressed_result():
    results = RESULTS + [
        {
            "kpi": "4/3",
            "wave": "Pulse Jun 2021",
            "date": date(2021, 6, 30),
            "kind": "pulse",
            "positive": 70,
            "n": 100,
        },
    ]
    row = {r.code: r for r in build_kpi_report(results, KPIS, BASELINES)}["4/3"]
    assert str(row.direction.label) == "insufficient data"
    assert row.direction.diff is None


def test_a_kpi_with_no_results_or_baseline_gets_an_insufficient_data_row():
    row = report()["4/4"]
    assert (row.n, row.pct, row.baseline, row.targets) == (None, None, None, [])
    assert str(row.status) == "insufficient data"
    assert str(row.direction.label) == "no previous result"


def test_reporting_as_at_an_earlier_wave_ignores_later_results():
    row = report(wave="Pulse Jun 2020")["4/1"]
    assert row.wave == "Pulse Jun 2020" and row.n == 120
    assert str(row.direction.label) == "no previous result"
    assert report(wave="Pulse Jun 2020")["4/2"].n is None


def test_relative_mode_milestones_can_be_set_per_kpi():
    rules = {"4/1": [MilestoneRule(12, 10, "relative")]}
    row = report(milestones=rules)["4/1"]
    assert [t.as_dict()["label"] for t in row.targets] == ["38.5% + 10% of baseline = 42.4%"]
    assert row.targets[0].as_dict()["mode"] == "relative"
    # 4/3 falls back to the defaults: +10 and +15 points.
    assert [t.value for t in report(milestones=rules)["4/3"].targets] == [73.0, 78.0]


def test_dataframe_input_gives_the_same_rows_as_records():
    frame = pd.DataFrame(RESULTS)
    frame["date"] = pd.to_datetime(frame["date"])
    from_frame = [r.as_dict() for r in build_kpi_report(frame, KPIS, BASELINES)]
    from_records = [r.as_dict() for r in build_kpi_report(RESULTS, KPIS, BASELINES)]
    assert from_frame == from_records


def test_unrounded_output_is_available():
    row = report(decimals=None)["4/1"]
    assert row.ci_low == pytest.approx(44.378, abs=1e-3)


def test_a_baseline_naming_a_missing_wave_is_an_error():
    with pytest.raises(ValueError, match="no result"):
        build_kpi_report(RESULTS, KPIS, {"4/1": {"wave": "Nope"}})


def test_a_result_without_a_date_is_an_error():
    with pytest.raises(ValueError, match="date"):
        build_kpi_report([{"kpi": "4/1", "positive": 1, "n": 20}], KPIS, BASELINES)


def test_sample_note_states_the_power_and_significance_assumptions():
    # One sample against the fixed 38.5%: d = 1.96*sqrt(.236775/60) + 0.8416*sqrt(p1q1/60)
    # is met at d = 0.177 (p1 = 0.562), so about 18 points.
    note = sample_size_note(60, 38.5, 48.5)
    assert note == (
        "With 60 valid answers, a 10-point change is too small to detect reliably: the smallest"
        " change this sample would reliably detect is about 18 points"
        " (80% power, 5% two-sided test)."
    )
    assert "enough for the 10-point change" in sample_size_note(1000, 38.5, 48.5)
    assert sample_size_note(0, 38.5, 48.5) is None


def test_docstring_examples_run():
    import doctest

    import analysis.kpi_report

    assert doctest.testmod(analysis.kpi_report).failed == 0
