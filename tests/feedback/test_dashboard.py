"""The results dashboard: KPI cards in words, accessible charts whose tables match, suppression."""

from __future__ import annotations

import json
import re

import pytest

from feedback.services.kpi_words import kpi_reading


def _charts(page) -> dict[str, tuple[dict, list[list[str]]]]:
    """Each chart's JSON spec and its table's body cells, by canvas id."""
    charts = {}
    for canvas in page.select("canvas[data-chart]"):
        spec = json.loads(page.select_one(f"script#{canvas['data-chart']}").string)
        table = page.select_one(f"#{canvas['id']}-table")
        rows = [
            [c.get_text(strip=True) for c in tr.select("th, td")] for tr in table.select("tbody tr")
        ]
        charts[canvas["id"]] = (spec, rows)
    return charts


def _number(cell: str) -> float | None:
    """The first number in a table cell ("38.5% (n=40)" -> 38.5); None for "c" or "No result"."""
    found = re.match(r"^(\d+(?:\.\d+)?)", cell)
    return float(found.group(1)) if found else None


@pytest.mark.parametrize("role", ["forum", "board", "officer", "admin"])
def test_forum_board_and_officers_see_the_dashboard(results, login_as, client_request, role):
    login_as(role)
    page = client_request.get("/forum/dashboard")
    assert len(page.select(".app-kpi-card")) == 6
    assert page.select_one("#report-link")["href"] == f"/forum/waves/{results[1].id}/report"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/forum/dashboard")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_the_dashboard_says_so_when_there_are_no_results(login_as, client_request):
    login_as("forum")
    page = client_request.get("/forum/dashboard")
    assert "There are no survey results yet" in page.select_one("main").get_text()
    assert not page.select("canvas")


def test_a_kpi_card_gives_result_interval_baseline_target_status_and_direction_in_words(
    results, login_as, client_request
):
    login_as("forum")
    card = client_request.get("/forum/dashboard").select_one("#kpi-card-4-1")
    assert card.select_one(".app-kpi-result").get_text(" ", strip=True) == "75% of 60 answers"
    assert card.select_one(".app-kpi-interval").get_text(strip=True) == "62.8% to 84.2%"
    text = card.get_text(" ", strip=True)
    assert "Baseline 38.5% (December 2019)" in text
    assert "Next target 53.5% by June 2021" in text
    assert card.select_one(".app-kpi-status").get_text(strip=True) == (
        "Met the June 2021 target of 53.5%"
    )
    assert card.select_one(".app-kpi-direction").get_text(strip=True) == (
        "Improved: up 25 points since Annual 2025, a real improvement"
    )
    assert card.select_one(".app-kpi-reading").get_text(strip=True) == (
        "75% of 60 parents and carers who answered gave a positive answer "
        "(95% CI 62.8% to 84.2%): up 25 points since Annual 2025, a real improvement; "
        "met the June 2021 target of 53.5%."
    )


def test_every_chart_is_an_image_with_a_message_and_an_adjacent_table(
    results, login_as, client_request
):
    login_as("board")
    page = client_request.get("/forum/dashboard")
    canvases = page.select("canvas[data-chart]")
    assert {c["id"] for c in canvases} == {
        "chart-kpi-results",
        "chart-kpi-trend",
        "chart-themes-by-wave",
        "chart-sentiment",
        "chart-participation",
    }
    for canvas in canvases:
        assert canvas["role"] == "img"
        assert len(canvas["aria-label"]) > 40
        figure = canvas.find_parent("figure")
        assert figure.select_one("table caption").get_text(strip=True)
    # Chart data arrives as JSON read by a static script: no inline JavaScript.
    for script in page.select("script"):
        assert script.get("src") or script.get("type") == "application/json" or script.get("nonce")
    assert page.select_one('script[src="/static/vendor/chart.umd.min.js"]')
    assert page.select_one('script[src="/static/js/charts.js"]')


def test_the_kpi_chart_message_counts_targets_met():
    # The aria-label states the message, not just the chart type.
    from feedback.services.charts import kpi_results_chart

    rows = [
        {
            "code": "4/1",
            "pct": 50.0,
            "ci_low": 40.0,
            "ci_high": 60.0,
            "n": 90,
            "trend": [{}],
            "suppressed": False,
            "status": "met",
            "baseline": None,
            "next_target": None,
        },
        {
            "code": "4/2",
            "pct": None,
            "n": None,
            "trend": [],
            "suppressed": True,
            "status": "insufficient data",
            "baseline": None,
            "next_target": None,
        },
    ]
    chart = kpi_results_chart(rows)
    assert "1 met their target and 0 are on track" in chart["spec"]["label"]
    assert chart["spec"]["errorBars"] == [{"low": 40.0, "high": 60.0}, None]
    assert chart["table"]["rows"][1][1:4] == ["No result", "No result", "0"]


def test_chart_json_equals_the_numbers_in_its_table(results, login_as, client_request):
    login_as("forum")
    charts = _charts(client_request.get("/forum/dashboard"))

    spec, rows = charts["chart-kpi-results"]
    latest, baseline, target = (d["data"] for d in spec["data"]["datasets"])
    assert latest == [_number(r[1]) for r in rows]
    assert baseline == [_number(r[4]) for r in rows]
    assert target == [_number(r[5]) for r in rows]
    assert [f"{b['low']:g}% to {b['high']:g}%" for b in spec["errorBars"]] == [r[2] for r in rows]
    assert latest[0] == 75.0 and baseline[0] == 38.5

    # The other charts: dataset k is column k + offset of the table.
    for chart_id, offset in {
        "chart-kpi-trend": 1,
        "chart-themes-by-wave": 1,
        "chart-sentiment": 2,
        "chart-participation": 1,
    }.items():
        spec, rows = charts[chart_id]
        labels = spec["data"]["labels"]
        body = [r for r in rows if r[0] != "Total"]
        assert labels == [r[0] for r in body], chart_id
        for k, dataset in enumerate(spec["data"]["datasets"]):
            assert dataset["data"] == [_number(r[k + offset]) for r in body], chart_id

    spec, rows = charts["chart-kpi-trend"]
    assert spec["data"]["labels"] == ["Annual 2025", "Annual 2026"]
    assert rows[0][1] == "50% (n=40)" and rows[1][1] == "75% (n=60)"
    spec, rows = charts["chart-participation"]
    assert rows == [["Online", "50", "50"], ["Paper", "10", "10"], ["Total", "60", "60"]]


def test_a_filter_reads_the_breakdown_so_a_small_group_cannot_be_worked_out(
    results, login_as, client_request
):
    """8 families without an EHCP: their group is hidden, and so is "yes", or 60 - 52 gives it."""
    login_as("forum")
    for value in ("no", "yes"):
        page = client_request.get(f"/forum/dashboard?ehcp_status={value}")
        card = page.select_one("#kpi-card-4-1")
        assert card.select_one(".app-kpi-result").get_text(strip=True) == "c"
        assert card.select_one(".app-kpi-interval").get_text(strip=True) == "c"
        assert "hidden to protect privacy" in card.select_one(".app-kpi-reading").get_text()
        spec, rows = _charts(page)["chart-kpi-results"]
        assert spec["data"]["datasets"][0]["data"][0] is None
        assert spec["errorBars"][0] is None
        assert rows[0][1:4] == ["c", "c", "c"]
        assert "75%" not in page.select_one("main").get_text()


def test_a_filtered_view_of_fewer_than_ten_hides_who_answered(results, login_as, client_request):
    login_as("forum")
    page = client_request.get("/forum/dashboard?age_band=age_0_4")
    assert not page.select("#chart-participation")
    notes = " ".join(n.get_text() for n in page.select(".app-note"))
    assert "fewer than 10 people are in it" in notes and "Themes in comments are not shown" in notes
    assert not page.select("#chart-themes-by-wave, #chart-sentiment")


def test_filters_keep_their_choices_and_ignore_values_not_offered(
    results, login_as, client_request
):
    first, _ = results
    login_as("forum")
    page = client_request.get(f"/forum/dashboard?wave={first.id}&age_band=nonsense")
    assert page.select_one("#filter-wave option[selected]")["value"] == str(first.id)
    assert page.select_one("#filter-age-band option[selected]")["value"] == ""
    card = page.select_one("#kpi-card-4-1")
    assert card.select_one(".app-kpi-result").get_text(" ", strip=True) == "50% of 40 answers"


@pytest.mark.parametrize("wave", ["999999", "abc"])
def test_an_unknown_wave_is_not_found(results, login_as, client_request, wave):
    login_as("forum")
    client_request.get(f"/forum/dashboard?wave={wave}", expected_status=404)


def test_the_reading_says_when_there_is_no_result_yet():
    row = {"code": "4/2", "respondents": ["parent_carer", "young_person"], "trend": [], "n": None}
    assert kpi_reading(row) == "There is no result yet from parents, carers and young people."


def test_a_card_says_when_the_chosen_survey_does_not_ask_about_its_kpi(
    results, create_wave, fill_responses, login_as, client_request
):
    from datetime import datetime

    from feedback.models import WaveStatus

    young = create_wave(
        "young-person",
        name="Young people 2026",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2026, 12, 1),
        closes_at=datetime(2026, 12, 10),
    )
    fill_responses(young, 12, 0)
    login_as("forum")
    page = client_request.get(f"/forum/dashboard?wave={young.id}")
    source = page.select_one("#kpi-card-4-1 .app-kpi-source").get_text(" ", strip=True)
    assert source == "Young people 2026 does not ask about this KPI."
    assert not page.select("#kpi-card-4-2 .app-kpi-source")
    notes = " ".join(n.get_text() for n in page.select(".app-note"))
    assert "Themes in comments are not shown" in notes


def test_a_survey_with_no_answers_yet_shows_no_result_everywhere(
    create_wave, login_as, client_request
):
    wave = create_wave("parent-carer-annual", name="Just opened")
    login_as("forum")
    page = client_request.get("/forum/dashboard")
    assert "Just opened" in page.select_one("#showing").get_text()
    card = page.select_one("#kpi-card-4-1")
    assert card.select_one(".app-kpi-result").get_text(strip=True) == "No result"
    assert "There is no result yet from parents and carers." in card.get_text()
    spec, rows = _charts(page)["chart-kpi-results"]
    assert spec["data"]["datasets"][0]["data"] == [None] * 6
    report = client_request.get(f"/forum/waves/{wave.id}/report")
    assert (
        "Fewer than 10 people answered"
        in report.select_one("#who-answered").find_next("p").get_text()
    )


def test_who_answered_is_withheld_when_subtracting_from_the_whole_would_reveal_a_few(
    results, fill_responses, login_as, client_request
):
    """52 with an EHCP answered (42 online, 10 on paper); 8 without, all online.

    Add 3 families without an EHCP on the phone: the EHCP "yes" table alone is
    safe, but the whole survey's phone count minus its phone count is 3.
    """
    from feedback.models import Channel

    _, wave = results
    fill_responses(wave, 3, 1, ehcp_status="no", channel=Channel.PHONE)
    login_as("forum")
    page = client_request.get(f"/forum/dashboard?wave={wave.id}")
    assert page.select("#chart-participation")
    page = client_request.get(f"/forum/dashboard?wave={wave.id}&ehcp_status=yes")
    assert not page.select("#chart-participation")
    notes = " ".join(n.get_text() for n in page.select(".app-note"))
    assert "comparing it with the whole survey would reveal a small group" in notes


def test_themes_are_withheld_where_the_whole_survey_would_give_away_a_small_group(
    results, login_as, client_request
):
    """60 commented in 2026 and 52 of them have an EHCP: the two views would give the other 8."""
    login_as("forum")
    everyone = client_request.get("/forum/dashboard")
    assert everyone.select("#chart-themes-by-wave")
    page = client_request.get("/forum/dashboard?ehcp_status=yes")
    assert not page.select("#chart-themes-by-wave, #chart-sentiment")
    notes = " ".join(n.get_text() for n in page.select(".app-note"))
    assert "would reveal the comments of a small group" in notes
