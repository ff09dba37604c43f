"""The forum's downloads: counts per KPI option with small numbers hidden, never rows or text."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent
from feedback.services.exporting import AGGREGATE_HEADER, aggregate_rows
from tests.fixtures.surveys import COMPLETE_ANSWERS

ANNUAL = COMPLETE_ANSWERS["parent-carer-annual"]


def respond(create_response, wave, n: int, **answers) -> None:
    for _ in range(n):
        create_response(wave, {**ANNUAL, **answers})


def counts_for(rows, question_id: str) -> dict[str, str]:
    return {r[5]: r[6] for r in rows if r[2] == question_id}


def test_counts_per_option_with_small_numbers_suppressed(db_session, create_wave, create_response):
    wave = create_wave()
    respond(create_response, wave, 12, kpi_4_1="agree")
    respond(create_response, wave, 6, kpi_4_1="disagree")
    respond(create_response, wave, 2, kpi_4_1="strongly_agree")
    counts = counts_for(aggregate_rows(db_session, wave), "kpi_4_1")
    assert counts["Strongly agree"] == "c"  # 2 is too few to show
    assert counts["Disagree"] == "c"  # hidden too, or 2 = 20 - 12 - 6
    assert counts["Agree"] == "12"
    assert counts["Total"] == "20"
    assert counts["Neither agree nor disagree"] == "0"


def test_a_question_answered_by_fewer_than_ten_shows_only_its_total(
    db_session, create_wave, create_response
):
    wave = create_wave()
    respond(create_response, wave, 9)
    counts = counts_for(aggregate_rows(db_session, wave), "kpi_4_2")
    assert counts.pop("Total") == "9"
    assert set(counts.values()) == {"c"}


def test_excluded_late_returns_and_other_respondent_types_are_not_counted(
    db_session, create_wave, create_response
):
    from feedback.models.surveys import LateRule

    wave = create_wave(late_rule=LateRule.EXCLUDE)
    respond(create_response, wave, 10)
    excluded = create_response(wave, dict(ANNUAL))
    excluded.is_late, excluded.included = True, False
    young = create_response(wave, dict(ANNUAL))
    young.respondent_type = "young_person"  # 4/1 counts parents and carers only
    db_session.commit()
    counts = counts_for(aggregate_rows(db_session, wave), "kpi_4_1")
    assert counts["Total"] == "10" and counts["Agree"] == "10"
    assert counts_for(aggregate_rows(db_session, wave), "kpi_4_2")["Total"] == "11"


def test_a_forum_member_downloads_counts_but_no_rows_or_comments(
    client_request, login_as, create_wave, create_response, db_session
):
    wave = create_wave()
    respond(create_response, wave, 10)
    member = login_as("forum")
    page = client_request.get("/forum/exports")
    assert page.select_one(f"tr[data-wave='{wave.code}'] button")
    response = client_request.post(
        f"/forum/exports/{wave.id}", {}, form_url="/forum/exports", expected_status=200
    )
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == AGGREGATE_HEADER
    assert {r[2] for r in rows[1:]} == {f"kpi_4_{i}" for i in range(1, 7)}
    assert ANNUAL["general_comments"] not in text and ANNUAL["kpi_4_1_comment"] not in text
    assert "eq_ethnicity" not in text
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "exports.aggregate")
    ).one()
    assert event.user_id == member.id and event.detail["wave"] == wave.code


@pytest.mark.parametrize("role", ["forum", "board"])
def test_forum_and_board_cannot_reach_row_level_exports(
    client_request, login_as, create_wave, create_response, role
):
    wave = create_wave()
    create_response(wave)
    login_as(role)
    for url in (
        f"/manage/waves/{wave.id}/export",
        "/manage/data",
        f"/manage/waves/{wave.id}/import",
    ):
        assert client_request.get_response(url).status_code == 403, url
    token = client_request.csrf_token("/staff/")
    posted = client_request.client.post(
        f"/manage/waves/{wave.id}/export", data={"format": "csv", "csrf_token": token}
    )
    assert posted.status_code == 403


def test_board_members_cannot_download_aggregates_either(client_request, login_as, create_wave):
    create_wave()
    login_as("board")
    assert client_request.get_response("/forum/exports").status_code == 403
