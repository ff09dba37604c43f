"""Responses come in only for a wave that has opened, dated no earlier than the day it opened.

The same two rules on every way in: keyed returns (page and service) and CSV
imports (service, page and command line).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Channel
from feedback.models.types import DomainError
from feedback.services.importing import import_csv
from feedback.services.returns import enter_return
from tests.feedback.test_import_export import annual_row, header_csv, wave_responses
from tests.feedback.test_paper_returns import return_data, stored, url
from tests.fixtures.surveys import COMPLETE_ANSWERS

IMPORT_REFUSAL = "You cannot import responses into a wave that has not opened yet"
TOO_EARLY = "The date received must be on or after the day the wave opened, 1 October 2026"
OPENED = datetime(2026, 10, 1, 9, 0)
NOT_YET_OPEN = ["scheduled", "not_yet_open"]


@pytest.fixture
def officer(login_as):
    return login_as("officer")


def import_url(wave) -> str:
    return f"/manage/waves/{wave.id}/import"


def upload(text: str, **fields) -> dict:
    return {"file": (io.BytesIO(text.encode("utf-8")), "returns.csv"), "channel": "paper", **fields}


def imports_audited(db_session) -> list[AuditEvent]:
    return list(
        db_session.scalars(select(AuditEvent).where(AuditEvent.action == "responses.import"))
    )


# --- a wave that has not opened takes no import ------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("state", NOT_YET_OPEN)
def test_import_into_a_wave_not_yet_open_is_refused_and_stores_nothing(
    db_session, create_wave, frozen_time, state, dry_run
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    with pytest.raises(DomainError, match=IMPORT_REFUSAL):
        import_csv(db_session, wave, header_csv([annual_row()]), dry_run=dry_run, actor="t")
    assert wave_responses(db_session, wave) == []
    assert imports_audited(db_session) == []


@pytest.mark.parametrize("state", NOT_YET_OPEN)
def test_the_import_page_refuses_a_wave_not_yet_open_and_offers_no_upload(
    client_request, officer, create_wave, db_session, frozen_time, state
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    page = client_request.get(import_url(wave), expected_status=400)
    link = page.select_one(".govuk-error-summary a")
    assert link.get_text(strip=True) == IMPORT_REFUSAL
    assert page.select_one(link["href"]).get_text(strip=True).startswith("This wave")
    assert page.title.get_text(strip=True).startswith("Error:")
    assert page.select_one("input[type=file]") is None
    posted = client_request.post(
        import_url(wave),
        upload(header_csv([annual_row()])),
        form_url="/staff/",
        expected_status=400,
        content_type="multipart/form-data",
    )
    summary = posted.page.select_one(".govuk-error-summary a").get_text(strip=True)
    assert summary == IMPORT_REFUSAL
    assert wave_responses(db_session, wave) == []
    assert imports_audited(db_session) == []


def test_the_import_page_says_a_scheduled_wave_must_be_opened_first(
    client_request, officer, create_wave, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="scheduled")
    note = client_request.get(import_url(wave), expected_status=400).select_one("#not-open")
    assert "scheduled and has not been opened" in note.get_text()
    assert note.select_one("a")["href"] == "/manage/waves"


def test_the_import_page_says_when_a_wave_opens(client_request, officer, create_wave, frozen_time):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state="not_yet_open")
    note = client_request.get(import_url(wave), expected_status=400).select_one("#not-open")
    assert note.get_text(strip=True) == (
        "This wave opens on 24 November 2026 at 09:00. You can import responses into it from then."
    )


@pytest.mark.parametrize("state", ["open", "closed"])
def test_open_and_closed_waves_take_an_import(
    client_request, officer, create_wave, db_session, frozen_time, state
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    page = client_request.get(import_url(wave))
    assert page.select_one("input[type=file][name=file]")
    client_request.post(
        import_url(wave),
        upload(header_csv([annual_row(received_on="2026-11-20")])),
        form_url=import_url(wave),
        content_type="multipart/form-data",
    )
    assert len(wave_responses(db_session, wave)) == 1


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
@pytest.mark.parametrize("state", NOT_YET_OPEN)
def test_cli_import_into_a_wave_not_yet_open_fails_with_one_line(
    app, db_session, create_wave, frozen_time, tmp_path, state, dry_run
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(state=state)
    path = tmp_path / "returns.csv"
    path.write_text(header_csv([annual_row()]), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["responses", "import", "--wave", wave.code, *dry_run, str(path)]
    )
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    why = (
        f"{wave.code} is scheduled; open it on the waves page first"
        if state == "scheduled"
        else f"{wave.code} opens on 2026-11-24 at 09:00"
    )
    assert line == f"Error: {IMPORT_REFUSAL}: {why}"
    assert wave_responses(db_session, wave) == []
    assert imports_audited(db_session) == []


# --- nothing received before the day the wave opened -------------------------------------


def test_return_received_before_the_wave_opened_is_refused(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    response = client_request.post(
        url(wave), return_data(received="30 9 2026"), form_url=url(wave), expected_status=400
    )
    links = {
        a["href"]: a.get_text(strip=True)
        for a in response.page.select(".govuk-error-summary__list a")
    }
    assert links == {"#return-received-day": TOO_EARLY}
    message = response.page.select_one("#return-received-error").get_text(strip=True)
    assert message.endswith(TOO_EARLY)
    assert stored(db_session, wave) == []


def test_a_return_received_on_the_opening_day_is_taken_before_the_opening_hour(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    client_request.post(url(wave), return_data(received="1 10 2026"))
    assert [r.received_on for r in stored(db_session, wave)] == [date(2026, 10, 1)]


def test_the_service_refuses_a_return_received_before_the_wave_opened(
    db_session, create_wave, create_user, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    with pytest.raises(DomainError, match=TOO_EARLY):
        enter_return(
            db_session,
            wave,
            dict(COMPLETE_ANSWERS["parent-carer-annual"]),
            channel=Channel.PAPER,
            received_on=date(2026, 9, 30),
            include_late=None,
            user=create_user("officer"),
        )
    assert stored(db_session, wave) == []


def early_rows() -> list[dict[str, str]]:
    """Row 2 dated before opening, row 3 submitted before it, row 4 on the opening day."""
    return [
        annual_row(received_on="30/09/2026"),
        annual_row(submitted_at="2026-09-30T15:00:00"),
        annual_row(received_on="2026-10-01"),
    ]


def test_imported_rows_received_before_the_wave_opened_are_refused_each_by_row(
    db_session, create_wave, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    result = import_csv(db_session, wave, header_csv(early_rows()), actor="t")
    assert not result.stored
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (2, "received_on", TOO_EARLY),
        (3, "submitted_at", TOO_EARLY),
    ]
    assert wave_responses(db_session, wave) == []
    assert import_csv(db_session, wave, header_csv(early_rows()[2:]), actor="t").stored


def test_the_import_page_lists_each_row_received_before_the_wave_opened(
    client_request, officer, create_wave, db_session, frozen_time
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    page = client_request.get(import_url(wave))
    assert "on or after the day the wave opened, 1 October 2026" in page.select_one("main").text
    response = client_request.post(
        import_url(wave),
        upload(header_csv(early_rows())),
        form_url=import_url(wave),
        expected_status=400,
        content_type="multipart/form-data",
    )
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in response.page.select("#import-report tbody tr")
    ]
    assert rows == [["2", "received_on", TOO_EARLY], ["3", "submitted_at", TOO_EARLY]]
    assert wave_responses(db_session, wave) == []


def test_cli_import_reports_each_row_received_before_the_wave_opened(
    app, db_session, create_wave, frozen_time, tmp_path
):
    frozen_time("2026-11-21T09:00:00")
    wave = create_wave(opens_at=OPENED)
    path = tmp_path / "early.csv"
    path.write_text(header_csv(early_rows()), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["responses", "import", "--wave", str(wave.id), str(path)]
    )
    assert result.exit_code == 1
    assert f"row 2, column received_on: {TOO_EARLY}" in result.output
    assert f"row 3, column submitted_at: {TOO_EARLY}" in result.output
    assert wave_responses(db_session, wave) == []
