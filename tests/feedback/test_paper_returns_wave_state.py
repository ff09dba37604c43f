"""Which waves take keyed returns: only one that has opened, whether still open or closed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from feedback.models import Channel, Response
from feedback.models.surveys import LateRule
from feedback.models.types import DomainError
from feedback.services.returns import enter_return
from tests.feedback.test_paper_returns import return_data, stored, url
from tests.fixtures.surveys import COMPLETE_ANSWERS

REFUSAL = "You cannot enter a return for a wave that has not opened yet"


@pytest.fixture
def officer(login_as):
    return login_as("officer")


@pytest.mark.parametrize("state", ["scheduled", "not_yet_open"])
def test_return_for_a_wave_not_yet_open_is_refused(
    client_request, officer, create_wave, db_session, frozen_time, state
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    page = client_request.get(url(wave), expected_status=400)
    link = page.select_one(".govuk-error-summary a")
    assert link.get_text(strip=True) == REFUSAL
    assert page.select_one(link["href"]).get_text(strip=True).startswith("This wave")
    assert not page.select("[name=kpi_4_1]"), "no entry form for a wave that has not opened"
    response = client_request.post(
        url(wave), return_data(received="20 11 2026"), form_url="/staff/", expected_status=400
    )
    assert response.page.select_one(".govuk-error-summary a").get_text(strip=True) == REFUSAL
    assert stored(db_session, wave) == []


def test_a_scheduled_wave_says_it_must_be_opened_first(
    client_request, officer, create_wave, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="scheduled")
    page = client_request.get(f"/manage/waves/{wave.id}/returns")
    assert page.select_one("#enter-return") is None
    note = page.select_one("#not-open")
    assert "scheduled and has not been opened" in note.get_text()
    assert note.select_one("a")["href"] == "/manage/waves"


def test_a_wave_open_before_its_open_date_says_when_it_opens(
    client_request, officer, create_wave, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="not_yet_open")
    page = client_request.get(f"/manage/waves/{wave.id}/returns")
    assert page.select_one("#enter-return") is None
    assert page.select_one("#not-open").get_text(strip=True) == (
        "This wave opens on 24 November 2026 at 09:00. You can enter returns for it from then."
    )


@pytest.mark.parametrize("state", ["open", "closed"])
def test_open_and_closed_waves_offer_return_entry(
    client_request, officer, create_wave, frozen_time, state
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    listing = client_request.get(f"/manage/waves/{wave.id}/returns")
    assert listing.select_one("#enter-return")["href"] == url(wave)
    assert listing.select_one("#not-open") is None
    page = client_request.get(url(wave))
    assert page.select_one("[name=kpi_4_1]")


def test_responses_data_offers_entry_only_for_waves_that_have_opened(
    client_request, officer, create_wave, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    waves = {state: create_wave(state=state) for state in ("scheduled", "open", "closed")}
    waves["not_yet_open"] = create_wave(state="not_yet_open")
    page = client_request.get("/manage/data")
    offered = {
        state
        for state, wave in waves.items()
        if page.select_one(f"tr[data-wave='{wave.code}'] a[href='{url(wave)}']")
    }
    assert offered == {"open", "closed"}
    imports = {
        state
        for state, wave in waves.items()
        if page.select_one(f"tr[data-wave='{wave.code}'] a[href='/manage/waves/{wave.id}/import']")
    }
    assert imports == {"open", "closed"}
    for wave in waves.values():
        keyed = f"tr[data-wave='{wave.code}'] a[href='/manage/waves/{wave.id}/returns']"
        assert page.select_one(keyed), "every wave's keyed returns can still be read"


def _key(db_session, wave, user, received_on: date) -> Response:
    return enter_return(
        db_session,
        wave,
        dict(COMPLETE_ANSWERS["parent-carer-annual"]),
        channel=Channel.PAPER,
        received_on=received_on,
        include_late=None,
        user=user,
    )


@pytest.mark.parametrize("state", ["scheduled", "not_yet_open"])
def test_the_service_refuses_a_return_for_a_wave_not_yet_open(
    db_session, create_wave, create_user, frozen_time, state
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    with pytest.raises(DomainError, match="has not opened yet"):
        _key(db_session, wave, create_user("officer"), date(2026, 11, 20))
    assert db_session.scalars(select(Response).where(Response.wave_id == wave.id)).all() == []


def test_the_service_takes_a_late_return_for_a_closed_wave(
    db_session, create_wave, create_user, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(
        state="closed", closes_at=datetime(2026, 11, 10, 17, 0), late_rule=LateRule.INCLUDE
    )
    response = _key(db_session, wave, create_user("officer"), date(2026, 11, 12))
    assert (response.is_late, response.included) == (True, True)
