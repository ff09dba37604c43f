"""The survey report per wave: sections, readings, suppression, XLSX and standalone HTML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from feedback.services.actions import create_action


def _url(wave, suffix: str = "") -> str:
    return f"/forum/waves/{wave.id}/report{suffix}"


@pytest.mark.parametrize("role", ["forum", "board", "officer"])
def test_forum_board_and_officers_can_read_the_report(results, login_as, client_request, role):
    login_as(role)
    page = client_request.get(_url(results[1]))
    assert page.select_one("h1").get_text(strip=True) == "Survey report: Annual 2026"


def test_the_report_is_one_click_from_the_dashboard(results, login_as, client_request):
    login_as("forum")
    link = client_request.get("/forum/dashboard").select_one("#report-link")["href"]
    assert client_request.get(link).select_one("#kpis")


def test_the_report_has_every_section_of_the_board_appendix(results, login_as, client_request):
    login_as("forum")
    page = client_request.get(_url(results[1]))
    headings = [h.get_text(strip=True) for h in page.select(".app-report h2")]
    assert headings == [
        "1. Who answered",
        "2. KPI results against baseline and target",
        "3. What people told us: themes in comments",
        "4. Equality: results for different groups",
        "5. You said, we did",
    ]


def test_response_numbers_by_channel_and_group(results, login_as, client_request):
    login_as("forum")
    page = client_request.get(_url(results[1]))
    rows = [
        [c.get_text(strip=True) for c in tr.select("th, td")]
        for tr in page.select("#table-responses-by-channel tbody tr")
    ]
    assert rows == [["Online", "50", "50"], ["Paper", "10", "10"], ["Total", "60", "60"]]
    ehcp = page.select_one("#table-responses-by-ehcp-status").get_text(" ", strip=True)
    assert "Yes 52" in ehcp and "No 8" in ehcp


def test_each_kpi_has_a_plain_english_reading(results, login_as, client_request):
    login_as("forum")
    page = client_request.get(_url(results[1]))
    reading = page.select_one("#reading-4-1").get_text(" ", strip=True)
    assert (
        "75% of 60 parents and carers who answered gave a positive answer "
        "(95% CI 62.8% to 84.2%): up 25 points since Annual 2025" in reading
    )
    row = page.select_one("#table-kpi-results tbody tr").get_text(" ", strip=True)
    assert row.startswith("4/1 Trust and confidence 75% 62.8% to 84.2% 60 38.5% (December 2019)")


def test_themes_come_with_redacted_quotes(
    db_session, results, add_comment, login_as, client_request
):
    _, wave = results
    add_comment(
        wave, "Mrs Jones at Hillside School kept us waiting for months.", received_at=wave.opens_at
    )
    login_as("forum")
    page = client_request.get(_url(wave))
    assert page.select_one("#table-themes tbody tr th").get_text(strip=True) == "Waiting times"
    quotes = " ".join(q.get_text() for q in page.select(".app-quote"))
    assert quotes
    assert "Jones" not in page.get_text() and "Hillside" not in page.get_text()


def test_the_equality_breakdown_is_suppressed(results, login_as, client_request):
    login_as("forum")
    page = client_request.get(_url(results[1]))
    ehcp = [
        [c.get_text(strip=True) for c in tr.select("th, td")]
        for tr in page.select("#table-kpi-by-ehcp-status tbody tr")
    ]
    # "No" has 8 answers; "Yes" is hidden too, or it could be subtracted from the total.
    assert {r[0] for r in ehcp} == {"Yes", "No"}
    assert all(cell == "c" for r in ehcp for cell in r[1:])


def test_equality_monitoring_hides_groups_under_ten(
    db_session, create_wave, fill_responses, login_as, client_request
):
    wave = create_wave("parent-carer-annual", name="Annual 2027")
    fill_responses(wave, 30, 20, eq_ethnicity="white")
    fill_responses(wave, 6, 3, eq_ethnicity="asian")
    fill_responses(wave, 12, 5, eq_ethnicity="prefer_not")
    login_as("forum")
    page = client_request.get(_url(wave))
    cells = {
        tr.select_one("th").get_text(strip=True): tr.select_one("td").get_text(strip=True)
        for tr in page.select("#table-equality-eq-ethnicity tbody tr")
    }
    assert cells["Asian or Asian British"] == "c"
    # The next smallest is hidden too, so 48 - 30 - 12 cannot give the 6 away.
    assert cells["Prefer not to say"] == "c"
    assert cells["White"] == "30" and cells["Total"] == "48"


def test_the_report_lists_you_said_we_did_actions(
    db_session, results, create_user, login_as, client_request
):
    create_action(
        db_session,
        subject="theme:waiting_times",
        you_said="Therapy waits are too long.",
        we_did="Two more therapists from January.",
        owner="Designated Clinical Officer",
        status="on_target",
        by=create_user("officer"),
    )
    login_as("forum")
    row = client_request.get(_url(results[1])).select_one("#table-actions tbody tr")
    text = row.get_text(" ", strip=True)
    assert "Therapy waits are too long." in text and "Underway and on target" in text


def test_the_xlsx_download_opens_and_has_the_tables(results, login_as, client_request):
    login_as("board")
    response = client_request.get_response(_url(results[1], ".xlsx"))
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert {
        "responses-by-channel",
        "kpi-results",
        "themes",
        "kpi-by-ehcp-status",
        "actions",
    } <= set(book.sheetnames)
    sheet = book["kpi-results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("KPI results against baseline and target")
    assert rows[1][:4] == ("KPI", "Result", "95% interval", "Answers (n)")
    assert rows[2][:4] == ("4/1 Trust and confidence", "75%", "62.8% to 84.2%", 60)
    assert list(book["kpi-by-ehcp-status"].iter_rows(values_only=True))[2][1] == "c"


def test_the_html_download_is_a_standalone_file(results, login_as, client_request):
    login_as("forum")
    response = client_request.get_response(_url(results[1], ".html"))
    assert response.headers["Content-Disposition"].endswith('.html"')
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Survey report: Annual 2026"
    assert not page.select("script, link[rel=stylesheet]")
    assert "@media print" in page.select_one("style").string
    assert page.select_one("#table-kpi-results") and not page.select("#downloads")


def test_the_print_stylesheet_hides_navigation_and_keeps_table_rows_whole():
    css = (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text()
    printed = " ".join(css.split("@media print")[1:])
    assert ".govuk-service-navigation" in printed and ".app-staff-bar" in printed
    assert "break-inside: avoid" in printed and "table-header-group" in printed


@pytest.mark.parametrize("suffix", ["", ".xlsx", ".html"])
def test_an_unknown_wave_has_no_report(login_as, client_request, suffix):
    login_as("forum")
    client_request.get(f"/forum/waves/999999/report{suffix}", expected_status=404)
