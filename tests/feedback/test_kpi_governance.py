"""Baseline governance, the December 2019 seed, and the CLI exports in all three formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from feedback.models.kpis import BaselineStatus, KpiBaseline
from feedback.models.surveys import WaveStatus
from feedback.models.types import DomainError
from feedback.services import kpis as service
from feedback.services.kpi_export import export_kpis


@pytest.fixture
def draft(db_session):
    return service.new_baseline_version(
        db_session, "4/2", value=58.0, baseline_date=date(2019, 12, 18), document="Seed 004"
    )


def test_draft_moves_to_agreed_then_ratified(db_session, draft):
    service.agree_baseline(db_session, draft, date(2020, 2, 6), service.SUB_GROUP)
    service.ratify_baseline(db_session, draft, date(2020, 2, 11), service.BOARD)
    assert draft.status is BaselineStatus.RATIFIED
    assert (draft.agreed_on, draft.ratified_on) == (date(2020, 2, 6), date(2020, 2, 11))


def test_a_draft_cannot_be_ratified_before_it_is_agreed(db_session, draft):
    with pytest.raises(DomainError, match="agree it first"):
        service.ratify_baseline(db_session, draft, date(2020, 2, 11), service.BOARD)


def test_ratification_cannot_come_before_agreement(db_session, draft):
    service.agree_baseline(db_session, draft, date(2020, 2, 6), service.SUB_GROUP)
    with pytest.raises(DomainError, match="before the date it was agreed"):
        service.ratify_baseline(db_session, draft, date(2020, 2, 1), service.BOARD)


def test_a_ratified_baseline_is_locked_against_any_change(db_session):
    service.seed_baselines(db_session)
    baseline = db_session.query(KpiBaseline).filter_by(kpi="4/1").one()

    baseline.value = 45.0
    with pytest.raises(DomainError, match="ratified and locked"):
        db_session.flush()
    db_session.rollback()


def test_a_change_needs_a_new_version_with_a_reason(db_session):
    service.seed_baselines(db_session)
    with pytest.raises(DomainError, match="reason"):
        service.new_baseline_version(
            db_session, "4/1", value=40.0, baseline_date=date(2019, 12, 18)
        )
    newer = service.new_baseline_version(
        db_session, "4/1", value=40.0, baseline_date=date(2019, 12, 18), reason="Recount"
    )
    assert newer.version == 2
    # Until the new version is ratified, reports keep using the ratified one.
    assert service.current_baselines(db_session)["4/1"].version == 1


def test_only_one_unfinished_version_at_a_time(db_session, draft):
    with pytest.raises(DomainError, match="still draft"):
        service.new_baseline_version(
            db_session, "4/2", value=60.0, baseline_date=date(2019, 12, 18), reason="Again"
        )


def test_seed_is_idempotent_and_keeps_provenance_and_the_second_figure(db_session):
    assert service.seed_baselines(db_session) == ["4/1", "4/2", "4/3", "4/4", "4/5", "4/6"]
    assert service.seed_baselines(db_session) == []

    rows = {b.kpi: b for b in db_session.query(KpiBaseline)}
    assert {k: b.value for k, b in rows.items()} == {
        "4/1": 38.5,
        "4/2": 58.0,
        "4/3": 63.0,
        "4/4": 55.0,
        "4/5": 62.0,
        "4/6": 66.0,
    }
    b = rows["4/2"]
    assert (b.status, b.agreed_on, b.ratified_on) == (
        BaselineStatus.RATIFIED,
        date(2020, 2, 6),
        date(2020, 2, 11),
    )
    assert b.baseline_date == date(2019, 12, 18)
    assert "14 November to 18 December 2019" in b.note and "late postal returns" in b.note
    assert "30%" in b.recorded_note and "does not define it" in b.recorded_note


@pytest.fixture
def seeded_with_results(db_session, create_wave, create_response):
    service.seed_baselines(db_session)
    wave = create_wave(
        "parent-carer-annual",
        name='=HYPERLINK("http://x") wave',
        status=WaveStatus.CLOSED,
        opens_at=datetime(2020, 11, 1),
        closes_at=datetime(2020, 12, 1),
    )
    for _ in range(12):
        create_response(wave, received_at=datetime(2020, 11, 2))
    service.add_other_value(
        db_session,
        code="5/1",
        measure="Average wait for a first appointment",
        unit="weeks",
        kind="baseline",
        value=18,
        period_date=date(2019, 6, 30),
        action_group="Actions 5.1: Waiting times",
    )
    return wave


def test_cli_exports_json_with_the_documented_shape(app, db_session, seeded_with_results, tmp_path):
    out = tmp_path / "kpis.json"
    result = app.test_cli_runner().invoke(args=["kpis", "export", "--format", "json", "--out", out])
    assert result.exit_code == 0, result.output

    data = json.loads(out.read_text())
    row = next(k for k in data["kpis"] if k["code"] == "4/1")
    for key in ("code", "measure", "n", "positive", "pct", "ci_low", "ci_high", "status", "trend"):
        assert key in row
    assert set(row["baseline"]) >= {"value", "source"}
    assert set(row["targets"][0]) >= {"date", "value", "mode"}
    assert set(row["direction"]) == {"label", "diff", "diff_low", "diff_high"}
    assert (row["n"], row["positive"], row["baseline"]["value"]) == (12, 12, 38.5)
    assert data["other_kpis"][0]["code"] == "5/1"


def test_cli_exports_csv_with_formula_text_neutralised(
    app, db_session, seeded_with_results, tmp_path
):
    out = tmp_path / "kpis.csv"
    result = app.test_cli_runner().invoke(args=["kpis", "export", "--format", "csv", "--out", out])
    assert result.exit_code == 0, result.output

    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    kpi = next(r for r in rows if r["KPI"] == "KPI 4/1")
    assert kpi["Baseline (date)"] == "38.5% (Dec-19)"
    assert "=HYPERLINK" in kpi["Latest (date)"]
    assert not any(v.startswith("=") for r in rows for v in r.values())
    assert next(r for r in rows if r["KPI"] == "KPI 5/1")["Baseline (date)"] == "18 weeks (Jun-19)"


def test_cli_exports_xlsx_laid_out_like_appendix_a(app, db_session, seeded_with_results, tmp_path):
    out = tmp_path / "kpis.xlsx"
    result = app.test_cli_runner().invoke(args=["kpis", "export", "--format", "xlsx", "--out", out])
    assert result.exit_code == 0, result.output

    sheet = load_workbook(out)["Appendix A"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    groups = [r[0] for r in values if r[0] and str(r[0]).startswith("Actions")]
    assert groups == [
        "Actions 4.1: EHCP plans are co-produced with parents and young people. "
        "Strengthen offer from SENDIAS.",
        "Actions 5.1: Waiting times",
    ]
    assert not any(isinstance(v, str) and v.startswith("=") for r in values for v in r)
    assert sheet["A1"].data_type == "s"


def test_exports_suppress_small_results(db_session, create_wave, create_response):
    service.seed_baselines(db_session)
    wave = create_wave(
        "parent-carer-annual",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2020, 11, 1),
        closes_at=datetime(2020, 12, 1),
    )
    for _ in range(4):
        create_response(wave, received_at=datetime(2020, 11, 2))

    text = export_kpis(db_session, "csv").decode()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["KPI"] == "KPI 4/1")
    assert row["Latest (date)"].startswith("c (")
    assert "result suppressed" in row["n and 95% interval"]
    book = load_workbook(io.BytesIO(export_kpis(db_session, "xlsx")))
    data = [[c.value for c in r] for r in book["KPI 4 data"].iter_rows()]
    assert next(r for r in data if r[0] == "4/1")[4:8] == ["c", "c", "c", "c"]


def test_cli_seed_baselines_twice(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["kpis", "seed-baselines"])
    second = runner.invoke(args=["kpis", "seed-baselines"])
    assert "4/1, 4/2" in first.output
    assert "already there" in second.output
