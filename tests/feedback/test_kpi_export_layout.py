"""The XLSX KPI report's Appendix A header: milestone targets grouped under their period."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from analysis.targets import MilestoneRule
from feedback.services import kpis as service
from feedback.services.kpi_export import COLUMNS, KPI4_GROUP, export_kpis

WAITS = "Actions 5.1: Waiting times"


def _sheet(db_session):
    return load_workbook(io.BytesIO(export_kpis(db_session, "xlsx")))["Appendix A"]


def _header_row(sheet, group: str) -> int:
    """The first of the two header rows under a table's "Actions ..." heading."""
    title = next(r for r in sheet.iter_rows(min_col=1, max_col=1) if r[0].value == group)
    return title[0].row + 1


def _row(sheet, top: int, width: int) -> list:
    return [sheet.cell(top, col).value for col in range(1, width + 1)]


def _merged(sheet) -> set[str]:
    return {str(r) for r in sheet.merged_cells.ranges}


def _line(sheet, kpi: str) -> list:
    return next([c.value for c in r] for r in sheet.iter_rows() if r[0].value == f"KPI {kpi}")


def _other(db_session, code: str, kind: str, value: float, when: date, label: str = ""):
    service.add_other_value(
        db_session,
        code=code,
        measure=f"Average waiting time, service {code}",
        unit="weeks",
        kind=kind,
        value=value,
        period_date=when,
        period_label=label,
        action_group=WAITS,
    )


def test_kpi_4_targets_sit_under_performance_target_with_a_column_per_period(db_session):
    service.seed_baselines(db_session)

    sheet = _sheet(db_session)

    top = _header_row(sheet, KPI4_GROUP)
    assert _row(sheet, top, 12) == [
        "KPI",
        "Measure",
        "Frequency",
        "Baseline (date)",
        "Latest (date)",
        "Direction of travel",
        "Performance target",
        None,
        "Status",
        "6 point trend",
        "n and 95% interval",
        "Commentary",
    ]
    assert _row(sheet, top + 1, 12)[6:8] == ["12 Months (Dec-20)", "18 Months (Jun-21)"]
    merged = _merged(sheet)
    assert f"G{top}:H{top}" in merged
    assert {f"A{top}:A{top + 1}", f"F{top}:F{top + 1}", f"L{top}:L{top + 1}"} <= merged
    line = _line(sheet, "4/1")
    assert line[6].startswith("48.5% by Dec-20") and line[7].startswith("53.5% by Jun-21")
    assert line[8] == "Insufficient data"


def test_kpis_with_different_milestones_get_a_column_for_each_period(db_session):
    service.seed_baselines(db_session)
    service.set_milestones(
        db_session, "4/2", [MilestoneRule(6, 5.0), MilestoneRule(12, 10.0, "relative")]
    )

    sheet = _sheet(db_session)

    top = _header_row(sheet, KPI4_GROUP)
    assert _row(sheet, top + 1, 9)[6:9] == [
        "6 Months (Jun-20)",
        "12 Months (Dec-20)",
        "18 Months (Jun-21)",
    ]
    assert f"G{top}:I{top}" in _merged(sheet)
    assert sheet.cell(top, 10).value == "Status"
    kpi_1, kpi_2 = _line(sheet, "4/1"), _line(sheet, "4/2")
    assert kpi_1[6] is None and kpi_1[8].startswith("53.5% by Jun-21")
    assert kpi_2[6].startswith("63% by Jun-20") and kpi_2[8] is None
    assert "10% of baseline" in kpi_2[7]


def test_other_kpis_group_targets_under_the_periods_recorded(db_session):
    _other(db_session, "5/1", "baseline", 9, date(2019, 6, 30))
    _other(db_session, "5/1", "target", 8, date(2019, 12, 31), "6 Months")
    _other(db_session, "5/1", "target", 7, date(2020, 6, 30), "12 Months")
    _other(db_session, "5/2", "target", 10, date(2020, 6, 30), "12 Months")

    sheet = _sheet(db_session)

    top = _header_row(sheet, WAITS)
    assert sheet.cell(top, 7).value == "Performance target"
    assert _row(sheet, top + 1, 8)[6:8] == ["6 Months (Dec-19)", "12 Months (Jun-20)"]
    assert f"G{top}:H{top}" in _merged(sheet)
    assert _line(sheet, "5/1")[3:8] == ["9 weeks (Jun-19)", None, None, "8 weeks", "7 weeks"]
    assert _line(sheet, "5/2")[6:8] == [None, "10 weeks"]


def test_a_table_without_targets_keeps_one_column_under_the_heading(db_session):
    _other(db_session, "5/1", "performance", 9, date(2019, 11, 30))

    sheet = _sheet(db_session)

    top = _header_row(sheet, WAITS)
    assert _row(sheet, top, 8)[6:8] == ["Performance target", "Status"]
    assert f"G{top}:G{top + 1}" in _merged(sheet)
    assert sheet.cell(top, 9).value == "6 point trend"
    assert _line(sheet, "5/1")[6:9] == [None, None, "9 weeks (Nov-19)"]


@pytest.mark.parametrize("label", ['=HYPERLINK("http://x")', "+1", "@SUM(A1)"])
def test_period_headings_cannot_run_as_formulas(db_session, label):
    _other(db_session, "5/1", "target", 8, date(2019, 12, 31), label)

    sheet = _sheet(db_session)

    heading = sheet.cell(_header_row(sheet, WAITS) + 1, 7)
    assert heading.data_type == "s" and heading.value.startswith("'")
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_csv_keeps_its_flat_header_whatever_the_periods(db_session):
    service.seed_baselines(db_session)
    service.set_milestones(db_session, "4/2", [MilestoneRule(6, 5.0), MilestoneRule(12, 10.0)])
    _other(db_session, "5/1", "target", 8, date(2019, 12, 31), "6 Months")
    _other(db_session, "5/1", "target", 7, date(2020, 6, 30), "12 Months")

    reader = csv.reader(io.StringIO(export_kpis(db_session, "csv").decode()))
    header, *rows = list(reader)

    assert header == ["Action group", *COLUMNS]
    assert all(len(r) == len(header) for r in rows)
    kpi_5_1 = next(r for r in rows if r[1] == "KPI 5/1")
    assert kpi_5_1[7:9] == ["8 weeks (6 Months)", "7 weeks (12 Months)"]
