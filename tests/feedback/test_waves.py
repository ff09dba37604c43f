"""Officers schedule, change, open and close waves; the public link follows the wave."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Survey, VersionStatus, Wave, WaveKind, WaveStatus
from feedback.models.surveys import LateRule
from feedback.models.types import DomainError
from feedback.services import lifecycle
from feedback.services import waves as wave_service


@pytest.fixture
def pulse(db_session, load_surveys):
    load_surveys()
    survey = db_session.scalars(select(Survey).where(Survey.slug == "kpi-pulse")).one()
    assert survey.latest.status is VersionStatus.APPROVED  # loaded now: requests end sessions
    return survey


def _form(version_id: int, **overrides) -> dict:
    data = {
        "version": str(version_id),
        "name": "Pulse survey, spring 2027",
        "code": "pulse-spring-2027",
        "kind": "pulse",
        "opens_on": ["1", "3", "2027"],
        "closes_on": ["31", "3", "2027"],
        "population_note": "Families with an EHCP",
        "late_rule": "exclude",
    }
    data.update(overrides)
    return data


def test_officer_schedules_a_wave_of_an_approved_version(
    client_request, login_as, pulse, db_session
):
    officer = login_as("officer")
    response = client_request.post("/manage/waves/new", _form(pulse.latest.id))
    assert response.location == "/manage/waves"
    wave = db_session.scalars(select(Wave).where(Wave.code == "pulse-spring-2027")).one()
    assert wave.status is WaveStatus.SCHEDULED
    assert wave.kind is WaveKind.PULSE and wave.late_rule is LateRule.EXCLUDE
    assert wave.opens_at == datetime(2027, 3, 1)
    assert wave.closes_at == datetime(2027, 4, 1), "open to the end of the close day"
    assert wave.population_note == "Families with an EHCP"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "wave.create")).one()
    assert event.user_id == officer.id and event.target == f"wave:{wave.id}"


def test_wave_list_shows_status_public_link_and_responses(
    client_request, login_as, create_wave, create_response
):
    wave = create_wave("kpi-pulse")
    create_response(wave)
    login_as("officer")
    row = client_request.get("/manage/waves").select_one(f"#wave-{wave.id}")
    assert row.select_one(".govuk-tag").get_text(strip=True) == "Open"
    link = row.select_one(".app-wave-link")
    assert link["href"] == f"/surveys/{wave.code}/"
    assert link.get_text().endswith(f"/surveys/{wave.code}/")
    assert row.select_one(".govuk-table__cell--numeric").get_text(strip=True) == "1"
    assert row.select_one(f"#close-wave-{wave.id}")


def test_only_approved_versions_are_offered(
    client_request, login_as, pulse, db_session, create_user
):
    draft = lifecycle.new_draft(db_session, pulse, by=create_user("officer"))
    login_as("officer")
    page = client_request.get("/manage/waves/new")
    offered = [o["value"] for o in page.select("select#version option")]
    assert str(pulse.versions[0].id) in offered
    assert str(draft.id) not in offered


def test_a_draft_version_cannot_be_sent_out(db_session, pulse, create_user):
    officer = create_user("officer")
    draft = lifecycle.new_draft(db_session, pulse, by=officer)
    details = wave_service.WaveDetails(
        version=draft,
        name="x",
        code="draft-wave",
        kind=WaveKind.OTHER,
        opens_at=datetime(2027, 1, 1),
        closes_at=datetime(2027, 2, 1),
        population_note="",
        late_rule=LateRule.INCLUDE,
    )
    with pytest.raises(wave_service.WaveError, match="Select an approved survey version"):
        wave_service.create_wave(db_session, details, by=officer)


@pytest.mark.parametrize(
    ("overrides", "href", "message"),
    [
        ({"name": ""}, "#name", "Enter a name for the wave"),
        ({"code": "Has Spaces"}, "#code", "Link code must be 3 to 80 lower-case letters"),
        ({"kind": ""}, "#kind", "Select the kind of wave"),
        ({"opens_on": ["31", "2", "2027"]}, "#opens_on", "Not a valid date value."),
        ({"closes_on": ["1", "2", "2027"]}, "#closes_on", "The close date must be after"),
        ({"late_rule": ""}, "#late_rule", "Select what happens to late returns"),
    ],
)
def test_wave_form_errors_name_the_field(client_request, login_as, pulse, overrides, href, message):
    login_as("officer")
    response = client_request.post(
        "/manage/waves/new", _form(pulse.latest.id, **overrides), expected_status=400
    )
    link = response.page.select_one(".govuk-error-summary a")
    assert link["href"] == href
    assert link.get_text(strip=True).startswith(message)


def test_a_link_code_is_used_once(client_request, login_as, create_wave, pulse):
    wave = create_wave("kpi-pulse")
    login_as("officer")
    response = client_request.post(
        "/manage/waves/new", _form(pulse.latest.id, code=wave.code), expected_status=400
    )
    link = response.page.select_one(".govuk-error-summary a")
    assert link.get_text(strip=True) == "That link code is already used by another wave"


def test_wave_opens_and_closes_with_the_public_link(
    client_request, login_as, pulse, db_session, frozen_time
):
    frozen_time("2027-02-20T09:00:00")
    login_as("officer")
    client_request.post("/manage/waves/new", _form(pulse.latest.id))
    wave = db_session.scalars(select(Wave).where(Wave.code == "pulse-spring-2027")).one()
    public = "/surveys/pulse-spring-2027/"

    def public_heading() -> str:
        return client_request.get(public).select_one("h1").get_text(strip=True)

    assert public_heading() == "This survey is not open yet"
    client_request.post(f"/manage/waves/{wave.id}/open", form_url="/manage/waves")
    wave = db_session.get(Wave, wave.id)
    assert wave.status is WaveStatus.OPEN
    assert public_heading() == "This survey is not open yet", "its first day has not come"

    frozen_time("2027-03-01T00:00:00")
    assert public_heading() == "Quick check-in on SEND support"

    frozen_time("2027-03-10T12:30:00")
    login_as("officer")  # a new sign-in: the staff session timed out in the meantime
    client_request.post(f"/manage/waves/{wave.id}/close", form_url="/manage/waves")
    wave = db_session.get(Wave, wave.id)
    assert wave.status is WaveStatus.CLOSED
    assert wave.closes_at == datetime(2027, 3, 10, 12, 30)
    assert public_heading() == "This survey has closed"
    assert wave.is_late(datetime(2027, 3, 10, 12, 31))
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith("wave."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["wave.create", "wave.open", "wave.close"]


def test_a_closed_wave_cannot_be_opened_again(client_request, login_as, create_wave):
    wave = create_wave("kpi-pulse", state="closed")
    login_as("officer")
    token = client_request.csrf_token("/manage/waves")
    response = client_request.client.post(
        f"/manage/waves/{wave.id}/open", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert b"a closed wave cannot be opened" in response.data


def test_a_wave_of_a_version_not_approved_cannot_open(db_session, create_wave, create_user):
    wave = create_wave("kpi-pulse", state="scheduled")
    wave.version.status = VersionStatus.RETIRED
    with pytest.raises(DomainError, match="only an approved survey version"):
        wave_service.open_wave(db_session, wave, by=create_user("officer"))


def test_a_scheduled_wave_cannot_be_closed(db_session, create_wave, create_user):
    wave = create_wave("kpi-pulse", state="scheduled")
    with pytest.raises(DomainError, match="a scheduled wave cannot be closed"):
        wave_service.close_wave(db_session, wave, by=create_user("officer"))


def test_an_open_wave_keeps_its_link_but_can_extend_its_close(
    client_request, login_as, create_wave, db_session
):
    wave = create_wave("kpi-pulse")
    login_as("officer")
    url = f"/manage/waves/{wave.id}/edit"
    page = client_request.get(url)
    assert not page.select("#code") and not page.select("#version")
    assert wave.code in page.select_one("#locked-fields").get_text()
    new_close = wave.closes_at.date().replace(year=wave.closes_at.year + 1)
    client_request.post(
        url,
        {
            "name": "Renamed",
            "kind": "pulse",
            "closes_on": [str(new_close.day), str(new_close.month), str(new_close.year)],
            "population_note": "",
            "late_rule": "include",
            "code": "sneaky-new-code",
        },
    )
    wave = db_session.get(Wave, wave.id)
    assert wave.name == "Renamed" and wave.late_rule is LateRule.INCLUDE
    assert wave.closes_at.date() > new_close.replace(day=1) and wave.code.endswith("-1")
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "wave.edit")).one()
    assert set(event.detail["changed"]) == {"name", "closes_at", "late_rule"}


def test_a_closed_wave_keeps_its_dates(db_session, create_wave, create_user):
    wave = create_wave("kpi-pulse", state="closed")
    details = wave_service.WaveDetails(
        version=wave.version,
        name=wave.name,
        code=wave.code,
        kind=wave.kind,
        opens_at=wave.opens_at,
        closes_at=datetime(2099, 1, 1),
        population_note=wave.population_note,
        late_rule=wave.late_rule,
    )
    with pytest.raises(wave_service.WaveError, match="closed, so its close date cannot change"):
        wave_service.update_wave(db_session, wave, details, by=create_user("officer"))


def test_without_an_approved_version_there_is_nothing_to_send_out(
    client_request, login_as, pulse, db_session, create_user
):
    from feedback.models import SurveyVersion

    officer = create_user("officer")
    for version in db_session.scalars(select(SurveyVersion)):
        lifecycle.move(db_session, version, "retire", by=officer)
    login_as("officer")
    page = client_request.get("/manage/waves/new")
    assert [o.get_text() for o in page.select("select#version option")] == [
        "No approved versions yet"
    ]
    response = client_request.post("/manage/waves/new", _form(0), expected_status=400)
    link = response.page.select_one(".govuk-error-summary a")
    assert (link["href"], link.get_text(strip=True)) == (
        "#version",
        "Select an approved survey version",
    )
