"""Officers' KPI pages: the table, governance actions, milestones, commentary, exports."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from feedback.models.kpis import BaselineStatus, KpiBaseline
from feedback.models.surveys import WaveStatus
from feedback.services.kpis import seed_baselines


@pytest.fixture
def officer(login_as):
    return login_as("officer")


@pytest.fixture
def small_wave(create_wave, create_response):
    """A closed wave with 3 responses: every KPI result must be suppressed."""
    wave = create_wave(
        "parent-carer-annual",
        name="Small wave",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2020, 11, 1),
        closes_at=datetime(2020, 12, 1),
    )
    for _ in range(3):
        create_response(wave, received_at=datetime(2020, 11, 2))
    return wave


def _field(page, code, name):
    return page.select_one(f'[data-kpi="{code}"] [data-field="{name}"]').get_text(" ", strip=True)


def test_kpi_table_shows_seeded_baseline_targets_with_mode(db_session, client_request, officer):
    seed_baselines(db_session)

    page = client_request.get("/manage/kpis")

    assert _field(page, "4/1", "baseline") == "38.5% (Dec-19)"
    assert "38.5% + 10 points = 48.5%" in _field(page, "4/1", "target-1")
    assert "by Dec-20" in _field(page, "4/1", "target-1")
    assert "38.5% + 15 points = 53.5%" in _field(page, "4/1", "target-2")
    assert _field(page, "4/1", "status") == "Insufficient data"


def test_kpi_table_suppresses_small_results(db_session, client_request, officer, small_wave):
    seed_baselines(db_session)

    page = client_request.get("/manage/kpis")

    assert _field(page, "4/1", "latest").startswith("c (Dec-20, Small wave)")
    assert "result suppressed" in _field(page, "4/1", "n")
    assert "%" not in _field(page, "4/1", "trend")


def test_forum_members_cannot_open_the_officer_kpi_pages(client_request, login_as):
    login_as("forum")
    client_request.get("/manage/kpis", expected_status=403)


def test_new_version_is_agreed_then_ratified_and_replaces_the_old_one(
    db_session, client_request, officer
):
    seed_baselines(db_session)
    url = "/manage/kpis/4-1/baselines/new"
    client_request.post(
        url,
        {
            "source": "imported",
            "value": "40.0",
            "baseline_date": ["18", "12", "2019"],
            "document": "Corrected analysis of the baseline survey",
            "reason": "Late postal returns were missing from the first count",
        },
    )
    draft = db_session.query(KpiBaseline).filter_by(kpi="4/1", version=2).one()
    assert draft.status is BaselineStatus.DRAFT

    decide = "/manage/kpis/4-1/baselines/{}/{}"
    date_fields = {"on": ["1", "3", "2020"]}
    client_request.post(
        decide.format(draft.id, "agree"),
        {**date_fields, "by": "SENDCIB co-production sub-group"},
        form_url="/manage/kpis/4-1",
    )
    client_request.post(
        decide.format(draft.id, "ratify"),
        {"on": ["5", "3", "2020"], "by": "SENDCIB"},
        form_url="/manage/kpis/4-1",
    )

    page = client_request.get("/manage/kpis/4-1")
    statuses = [t.get_text(strip=True) for t in page.select('[data-field="status"]')]
    assert statuses == ["ratified", "superseded"]
    assert "40%" in _field(client_request.get("/manage/kpis"), "4/1", "baseline")


def test_new_version_needs_a_reason(db_session, client_request, officer):
    seed_baselines(db_session)
    response = client_request.post(
        "/manage/kpis/4-1/baselines/new",
        {
            "source": "imported",
            "value": "40",
            "baseline_date": ["18", "12", "2019"],
        },
        expected_status=400,
    )
    assert "Enter the reason" in response.page.select_one(".govuk-error-summary").get_text()


def test_relative_milestones_are_saved_and_shown_in_words(db_session, client_request, officer):
    seed_baselines(db_session)
    client_request.post(
        "/manage/kpis/4-2/milestones",
        {
            "months_1": "12",
            "plus_1": "10",
            "mode_1": "relative",
            "months_2": "18",
            "plus_2": "15",
            "mode_2": "points",
        },
    )

    page = client_request.get("/manage/kpis/4-2")

    modes = [td.get_text(strip=True) for td in page.select('#milestones [data-field="mode"]')]
    assert modes == ["percent of the baseline (relative)", "percentage points"]
    assert "58% + 10% of baseline = 63.8%" in page.select_one('[data-field="target"]').get_text()


def test_commentary_is_dated_signed_and_shown(db_session, client_request, officer):
    client_request.post(
        "/manage/kpis/4-3",
        {
            "period_label": "Dec-20",
            "period_end": ["31", "12", "2020"],
            "body": "The annual survey closed early because of lockdown.",
        },
    )

    page = client_request.get("/manage/kpis")

    assert _field(page, "4/3", "commentary") == (
        "Dec-20 (Test officer): The annual survey closed early because of lockdown."
    )


def test_other_kpi_value_is_recorded(db_session, client_request, officer):
    client_request.post(
        "/manage/kpis/other",
        {
            "code": "1/2",
            "action_group": "Actions 1.2: EHCPs completed within 20 weeks",
            "measure": "% of EHCPs completed within statutory timescales",
            "frequency": "Quarterly",
            "kind": "performance",
            "unit": "percent",
            "period_label": "Dec-19",
            "period_date": ["31", "12", "2019"],
            "value": "22.4",
            "source_note": "Seed 004, Appendix A",
        },
    )

    page = client_request.get("/manage/kpis/other")

    assert page.select_one("#other-values tbody td:nth-of-type(3)").get_text() == "22.4%"


def test_export_from_the_page_is_json_with_suppression(
    db_session, client_request, officer, small_wave
):
    seed_baselines(db_session)

    response = client_request.post(
        "/manage/kpis/export", {"fmt": "json"}, form_url="/manage/kpis", expected_status=200
    )

    data = json.loads(response.data)
    row = next(k for k in data["kpis"] if k["code"] == "4/1")
    assert response.mimetype == "application/json"
    assert (row["n"], row["pct"], row["suppressed"]) == (3, None, True)


def test_detail_page_shows_the_trend_as_an_accessible_chart_with_a_table(
    db_session, client_request, officer, create_wave, create_response
):
    wave = create_wave(
        "parent-carer-annual",
        name="Annual 2020",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2020, 11, 1),
        closes_at=datetime(2020, 12, 1),
    )
    for _ in range(12):
        create_response(wave, received_at=datetime(2020, 11, 2))

    page = client_request.get("/manage/kpis/4-1")

    canvas = page.select_one("canvas[role=img]")
    assert canvas is not None and canvas["aria-label"]
    cells = [td.get_text(strip=True) for td in page.select("#chart-kpi-trend-table tbody td")]
    assert cells and cells[0].startswith("100%")
