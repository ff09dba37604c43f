"""The participation monitor: daily counts as they are, breakdowns with small numbers hidden."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from feedback.models import Channel, Response
from feedback.queries.participation import counts_by, participation, responses_per_day


@pytest.fixture
def wave(create_wave, frozen_time):
    """A pulse wave that opened on 1 March 2027 and closes at the end of 31 March."""
    frozen_time("2027-03-05T12:00:00")
    return create_wave("kpi-pulse", opens_at=datetime(2027, 3, 1), closes_at=datetime(2027, 4, 1))


@pytest.fixture
def answer(wave, create_response, complete_answers):
    """``answer(n, ehcp="yes", on="2027-03-02", channel=Channel.ONLINE)`` adds n responses."""

    def add(n: int, *, ehcp: str = "yes", on: str = "2027-03-02", channel=Channel.ONLINE):
        for _ in range(n):
            answers = dict(complete_answers("kpi-pulse"), ehcp_status=ehcp)
            create_response(
                wave, answers, received_at=datetime.fromisoformat(f"{on}T10:00:00"), channel=channel
            )

    return add


def test_responses_per_day_are_counted_in_sql_and_every_day_is_shown(db_session, wave, answer):
    answer(3, on="2027-03-02")
    answer(1, on="2027-03-04")
    assert responses_per_day(db_session, wave.id) == {date(2027, 3, 2): 3, date(2027, 3, 4): 1}
    p = participation(db_session, wave)
    assert p.per_day == [
        (date(2027, 3, 1), 0),
        (date(2027, 3, 2), 3),
        (date(2027, 3, 3), 0),
        (date(2027, 3, 4), 1),
        (date(2027, 3, 5), 0),
    ]
    assert p.total == 4


def test_counts_by_a_column_include_unanswered(db_session, wave, answer, create_response):
    answer(2, ehcp="no")
    create_response(wave, {"respondent_role": "parent"})
    assert counts_by(db_session, wave.id, Response.ehcp_status) == {"no": 2, None: 1}


def test_breakdowns_are_withheld_below_ten_responses(db_session, wave, answer):
    answer(9)
    p = participation(db_session, wave)
    assert p.breakdowns == [] and p.breakdowns_withheld
    assert sum(n for _, n in p.per_day) == 9, "daily totals are still shown"


def test_small_counts_are_hidden_with_a_complementary_cell(db_session, wave, answer):
    answer(10, ehcp="yes")
    answer(2, ehcp="no", channel=Channel.PAPER)
    answer(7, ehcp="in_assessment", channel=Channel.PHONE)
    p = participation(db_session, wave)
    ehcp = next(b for b in p.breakdowns if b.key == "ehcp-status")
    assert dict(ehcp.rows) == {
        "Yes": 10,
        "Not yet, they are being assessed for one": "c",
        "No": "c",
    }, "2 is hidden, and the 7 beside it so the 2 cannot be worked out from the total"
    assert ehcp.total == 19 and ehcp.suppressed
    channel = next(b for b in p.breakdowns if b.key == "channel")
    assert dict(channel.rows) == {"Online": 10, "Paper": "c", "Phone": "c", "At an event": 0}
    respondent = next(b for b in p.breakdowns if b.key == "respondent-type")
    assert respondent.rows == [("Parents and carers", 19)] and not respondent.suppressed


def test_monitor_page_draws_each_chart_with_its_table(
    client_request, login_as, wave, answer, frozen_time
):
    answer(10, ehcp="yes")
    answer(3, ehcp="no", on="2027-03-04")
    frozen_time("2027-03-05T12:00:00")
    login_as("forum")
    page = client_request.get(f"/manage/waves/{wave.id}/participation")
    assert page.select_one("#total-responses strong").get_text() == "13"
    canvases = page.select("canvas[role=img]")
    assert [c["id"] for c in canvases] == [
        "responses-per-day",
        "by-respondent-type",
        "by-ehcp-status",
        "by-channel",
    ]
    assert "13 responses in total" in canvases[0]["aria-label"]
    assert "hidden" in canvases[2]["aria-label"]
    daily = page.select("#responses-per-day-table tbody tr")
    assert [r.get_text(" ", strip=True) for r in daily[1:4]] == [
        "Tue 2 Mar 2027 10 10",
        "Wed 3 Mar 2027 0 10",
        "Thu 4 Mar 2027 3 13",
    ]
    cells = {
        r.select_one("th").get_text(strip=True): r.select_one("td").get_text(strip=True)
        for r in page.select("#by-ehcp-status-table tbody tr")
    }
    assert cells["No"] == "c" and cells["Yes"] == "c" and cells["Total"] == "13"
    assert page.select_one("script#by-ehcp-status-data")
    assert page.select_one("script[src$='charts.js']")


def test_monitor_page_says_why_breakdowns_are_missing(client_request, login_as, wave, answer):
    answer(4)
    login_as("board")
    page = client_request.get(f"/manage/waves/{wave.id}/participation")
    assert "once 10 people have answered" in page.select_one("#breakdowns-withheld").get_text()
    assert [c["id"] for c in page.select("canvas")] == ["responses-per-day"]


def test_participation_index_lists_waves_for_the_forum(client_request, login_as, wave, answer):
    answer(2)
    login_as("forum")
    page = client_request.get("/manage/participation")
    link = page.select_one(f"a[href='/manage/waves/{wave.id}/participation']")
    assert link.get_text() == wave.name
    assert "Participation" in [
        a.get_text(strip=True) for a in page.select(".govuk-service-navigation a")
    ]
