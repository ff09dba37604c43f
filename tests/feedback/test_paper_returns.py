"""Officers keying paper and phone returns: one page, every error at once, late-return rules."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Channel, Response
from feedback.models.surveys import LateRule
from tests.fixtures.surveys import COMPLETE_ANSWERS

CLOSED_AT = datetime(2026, 11, 10, 17, 0)


def url(wave) -> str:
    return f"/manage/waves/{wave.id}/returns/new"


def return_data(received="20 11 2026", channel="paper", **answers) -> dict:
    data = {**COMPLETE_ANSWERS["parent-carer-annual"], **answers}
    data = {k: v for k, v in data.items() if v is not None}
    data["return-channel"] = channel
    data["return-received"] = received.split(" ") if received else ["", "", ""]
    return data


def stored(db_session, wave) -> list[Response]:
    return list(
        db_session.scalars(
            select(Response).where(Response.wave_id == wave.id).order_by(Response.id)
        )
    )


@pytest.fixture
def officer(login_as):
    return login_as("officer")


def test_every_question_of_the_survey_is_on_one_page(client_request, officer, create_wave):
    wave = create_wave()
    page = client_request.get(url(wave))
    definition = wave.definition
    for answer_id in definition.answer_ids():
        assert page.select_one(f"[name={answer_id}]"), answer_id
    legends = [e.get_text(" ", strip=True) for e in page.select("legend")]
    assert any(legend.startswith("1. Are you a parent or carer") for legend in legends)
    assert page.select_one("#return-received-day")["name"] == "return-received"
    assert page.select_one("input[name=return-channel][value=paper]").has_attr("checked")


def test_a_paper_return_is_stored_with_its_channel_and_who_keyed_it(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave()
    response = client_request.post(url(wave), return_data(channel="phone"))
    assert response.location.endswith(f"{url(wave)}?channel=phone&received=2026-11-20")
    (saved,) = stored(db_session, wave)
    assert saved.channel is Channel.PHONE
    assert saved.keyed_by == officer.email
    assert saved.received_on.isoformat() == "2026-11-20"
    assert (saved.is_late, saved.included) == (False, True)
    answers = {a.question_id: a.option_code or a.text for a in saved.answers}
    assert answers["kpi_4_1"] == "agree" and answers["eq_ethnicity"] == "prefer_not"
    page = client_request.get(response.location)
    assert saved.reference in page.select_one(".govuk-notification-banner--success").get_text()
    assert page.select_one("input[name=return-channel][value=phone]").has_attr("checked")
    assert page.select_one("#return-received-day")["value"] == "20"
    assert page.select_one("input[name=kpi_4_1][checked]") is None


def test_all_problems_are_shown_at_once_each_linking_to_its_field(
    client_request, officer, create_wave, db_session
):
    wave = create_wave()
    data = return_data(received="31 2 2026", kpi_4_1=None, kpi_4_6="not-an-option")
    data["kpi_4_2_comment"] = "x" * 2001
    response = client_request.post(url(wave), data, form_url=url(wave), expected_status=400)
    summary = response.page.select(".govuk-error-summary__list a")
    links = {a["href"]: a.get_text(strip=True) for a in summary}
    assert links == {
        "#return-received-day": "Date received must be a real date",
        "#kpi_4_1": "Question 6: Select an answer",
        "#kpi_4_2_comment": (
            "Question 7, tell us more: Your answer must be 2,000 characters or fewer"
        ),
        "#kpi_4_6": "Question 11: Select one of the options",
    }
    for href in links:
        assert response.page.select_one(href), href
    assert response.page.select_one("#kpi_4_2_comment").get_text() == "x" * 2001
    assert stored(db_session, wave) == []


def test_a_paper_return_received_after_close_is_marked_late(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="closed", closes_at=CLOSED_AT, late_rule=LateRule.INCLUDE)
    client_request.post(url(wave), return_data(received="11 11 2026"))
    client_request.post(url(wave), return_data(received="10 11 2026"))
    assert [(r.is_late, r.included) for r in stored(db_session, wave)] == [
        (True, True),
        (False, True),
    ]


def test_the_exclude_rule_leaves_late_returns_out_by_itself(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="closed", closes_at=CLOSED_AT, late_rule=LateRule.EXCLUDE)
    page = client_request.get(url(wave))
    assert page.select_one("[name=return-late]") is None
    assert "left out of" in page.select_one(".govuk-inset-text").get_text()
    client_request.post(url(wave), return_data(received="12 11 2026"))
    assert [(r.is_late, r.included) for r in stored(db_session, wave)] == [(True, False)]


def test_when_the_officer_decides_a_late_return_needs_their_decision(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="closed", closes_at=CLOSED_AT, late_rule=LateRule.OFFICER_DECIDES)
    response = client_request.post(
        url(wave), return_data(received="12 11 2026"), expected_status=400
    )
    assert response.page.select_one(".govuk-error-summary a[href='#return-late']")
    data = return_data(received="12 11 2026")
    client_request.post(url(wave), {**data, "return-late": "include"})
    client_request.post(url(wave), {**data, "return-late": "exclude"})
    on_time = client_request.post(url(wave), return_data(received="9 11 2026"))
    assert on_time.status_code == 302
    assert [(r.is_late, r.included) for r in stored(db_session, wave)] == [
        (True, True),
        (True, False),
        (False, True),
    ]


def test_a_future_date_received_is_refused(client_request, officer, create_wave, frozen_time):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave()
    response = client_request.post(
        url(wave), return_data(received="22 11 2026"), expected_status=400
    )
    assert "today or in the past" in response.page.select_one(".govuk-error-summary").get_text()


def test_the_officer_can_change_a_late_decision_and_it_is_audited(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="closed", closes_at=CLOSED_AT, late_rule=LateRule.OFFICER_DECIDES)
    client_request.post(url(wave), {**return_data(received="12 11 2026"), "return-late": "exclude"})
    (late,) = stored(db_session, wave)
    listing = f"/manage/waves/{wave.id}/returns"
    page = client_request.get(listing)
    row = page.select_one(f"tr[data-reference='{late.reference}']")
    assert "Late" in row.get_text() and row.select_one("button[value=include]")
    client_request.post(
        f"/manage/waves/{wave.id}/returns/{late.id}/decision",
        {"decision": "include"},
        form_url=listing,
    )
    assert [r.included for r in stored(db_session, wave)] == [True]
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.late_decision")
    ).one()
    assert event.detail["included"] is True and event.user_id == officer.id


def test_an_on_time_return_cannot_be_excluded(client_request, officer, create_wave, db_session):
    wave = create_wave()
    client_request.post(url(wave), return_data(received=datetime.now().strftime("%d %m %Y")))
    (on_time,) = stored(db_session, wave)
    client_request.post(
        f"/manage/waves/{wave.id}/returns/{on_time.id}/decision",
        {"decision": "exclude"},
        form_url=f"/manage/waves/{wave.id}/returns",
        expected_status=400,
    )


@pytest.mark.parametrize("role", ["forum", "board"])
def test_forum_and_board_members_cannot_key_or_list_returns(
    client_request, login_as, create_wave, role
):
    wave = create_wave()
    login_as(role)
    assert client_request.get_response(url(wave)).status_code == 403
    assert client_request.get_response(f"/manage/waves/{wave.id}/returns").status_code == 403


def test_a_date_received_of_only_spaces_asks_for_the_date(
    client_request, officer, create_wave, db_session
):
    wave = create_wave()
    data = return_data()
    data["return-received"] = [" ", "  ", " "]
    response = client_request.post(url(wave), data, expected_status=400)
    summary = response.page.select_one(".govuk-error-summary").get_text()
    assert "Enter the date the return was received" in summary
    assert stored(db_session, wave) == []
