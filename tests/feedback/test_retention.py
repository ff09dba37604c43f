"""Data protection: free text goes after the retention period; a response can be erased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from feedback.models import Answer, AuditEvent, Draft, Response, Survey
from feedback.services.responses import start_draft
from feedback.services.retention import (
    NoSuchResponse,
    add_months,
    apply_retention,
    erase_response,
    set_retention,
)

CLOSED = datetime(2024, 3, 31, 17, 0)


def answers_of(db_session, response_id: int) -> dict[str, str | None]:
    rows = db_session.scalars(select(Answer).where(Answer.response_id == response_id))
    return {a.question_id: a.option_code or a.text for a in rows}


def test_months_are_added_by_the_calendar():
    assert add_months(datetime(2024, 1, 31, 9), 1) == datetime(2024, 2, 29, 9)
    assert add_months(CLOSED, 24) == datetime(2026, 3, 31, 17)
    assert add_months(datetime(2025, 11, 30), 3) == datetime(2026, 2, 28)


def test_retention_deletes_free_text_and_keeps_kpi_answers(
    db_session, create_wave, create_response, frozen_time
):
    frozen_time("2026-04-01T09:00:00")
    old = create_wave(state="closed", opens_at=datetime(2024, 3, 1), closes_at=CLOSED)
    recent = create_wave(state="closed")
    gone = create_response(old)
    kept = create_response(recent)
    start_draft(db_session, old, days=30)

    results = apply_retention(db_session, actor="test")

    assert [(r.wave_code, r.texts, r.drafts) for r in results] == [(old.code, 2, 1)]
    remaining = answers_of(db_session, gone.id)
    assert "general_comments" not in remaining and "kpi_4_1_comment" not in remaining
    assert remaining["kpi_4_1"] == "agree" and remaining["eq_ethnicity"] == "prefer_not"
    assert "general_comments" in answers_of(db_session, kept.id)
    assert db_session.scalar(select(func.count(Draft.id)).where(Draft.wave_id == old.id)) == 0
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.retention")
    ).one()
    assert event.detail == {"wave": old.code, "texts": 2, "drafts": 1}
    assert apply_retention(db_session, actor="test") == []


def test_retention_waits_for_the_survey_setting(
    db_session, create_wave, create_response, frozen_time
):
    frozen_time("2026-04-01T09:00:00")
    wave = create_wave(state="closed", opens_at=datetime(2024, 3, 1), closes_at=CLOSED)
    response = create_response(wave)
    survey = wave.version.survey
    set_retention(db_session, survey, 36, actor="test")
    assert apply_retention(db_session, actor="test") == []
    assert "general_comments" in answers_of(db_session, response.id)
    set_retention(db_session, survey, 12, actor="test")
    assert [r.texts for r in apply_retention(db_session, actor="test")] == [2]


def test_retention_dry_run_counts_and_deletes_nothing(
    db_session, create_wave, create_response, frozen_time
):
    frozen_time("2026-04-01T09:00:00")
    wave = create_wave(state="closed", opens_at=datetime(2024, 3, 1), closes_at=CLOSED)
    response = create_response(wave)
    assert [r.texts for r in apply_retention(db_session, dry_run=True)] == [2]
    assert "general_comments" in answers_of(db_session, response.id)


def test_retention_is_out_of_range_below_one_month(db_session, create_wave):
    import pytest

    survey = create_wave().version.survey
    with pytest.raises(ValueError, match="between 1 and 120"):
        set_retention(db_session, survey, 0)


def test_surveys_keep_comments_for_24_months_by_default(db_session, load_surveys):
    load_surveys()
    assert set(db_session.scalars(select(Survey.retention_months))) == {24}


def test_a_response_is_erased_by_its_reference(db_session, create_wave, create_response):
    wave = create_wave()
    response = create_response(wave)
    other = create_response(wave)
    erase_response(db_session, response.reference.lower().replace("-", " "), actor="test")
    assert db_session.get(Response, response.id) is None
    assert answers_of(db_session, response.id) == {}
    assert db_session.get(Response, other.id) is not None
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.erase")
    ).one()
    assert event.target == f"response:{response.reference}"


def test_erasing_an_unknown_reference_says_so(db_session):
    import pytest

    with pytest.raises(NoSuchResponse):
        erase_response(db_session, "NONE-SUCH")


def test_an_officer_erases_a_response_from_the_page(
    client_request, login_as, create_wave, create_response, db_session
):
    officer = login_as("officer")
    response = create_response(create_wave())
    found = client_request.post(
        "/manage/data/erase",
        {"reference": response.reference.lower()},
        form_url="/manage/data/erase",
    )
    assert found.location == f"/manage/data/erase/{response.reference}"
    page = client_request.get(found.location)
    assert response.reference in page.select_one("h1").get_text()
    client_request.post(found.location, {})
    assert db_session.get(Response, response.id) is None
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.erase")
    ).one()
    assert event.user_id == officer.id


def test_an_unknown_reference_is_an_error_on_the_erase_page(client_request, login_as):
    login_as("officer")
    response = client_request.post(
        "/manage/data/erase", {"reference": "ZZZZ-ZZZZ"}, expected_status=400
    )
    assert (
        "No response has this reference"
        in response.page.select_one(".govuk-error-summary").get_text()
    )


def test_forum_members_cannot_erase(client_request, login_as, create_wave, create_response):
    response = create_response(create_wave())
    login_as("forum")
    assert client_request.get_response("/manage/data/erase").status_code == 403
    assert (
        client_request.get_response(f"/manage/data/erase/{response.reference}").status_code == 403
    )


def test_an_officer_changes_how_long_comments_are_kept(
    client_request, login_as, load_surveys, db_session
):
    login_as("officer")
    load_surveys()
    survey = db_session.scalars(select(Survey).where(Survey.slug == "young-person")).one()
    edit = f"/manage/data/retention/{survey.id}"
    bad = client_request.post(edit, {"months": "0"}, expected_status=400)
    assert "between 1 and 120" in bad.page.select_one(".govuk-error-summary").get_text()
    client_request.post(edit, {"months": "12"})
    page = client_request.get("/manage/data/retention")
    row = page.select_one("tr[data-survey=young-person]")
    assert "12" in row.get_text()
    assert (
        db_session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.retention"))
        .one()
        .detail["months"]
        == 12
    )


def test_cli_retention_reports_then_deletes(
    app, db_session, create_wave, create_response, frozen_time
):
    frozen_time("2026-04-01T09:00:00")
    wave = create_wave(state="closed", opens_at=datetime(2024, 3, 1), closes_at=CLOSED)
    response = create_response(wave)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["responses", "retention", "--dry-run"])
    assert f"{wave.code}: would delete 2 free-text answers" in dry.output
    assert "general_comments" in answers_of(db_session, response.id)
    done = runner.invoke(args=["responses", "retention"])
    assert f"{wave.code}: deleted 2 free-text answers" in done.output
    assert "general_comments" not in answers_of(db_session, response.id)
    again = runner.invoke(args=["responses", "retention"])
    assert "nothing is due" in again.output


def test_cli_sets_retention_months_and_erases_by_reference(
    app, db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    runner = app.test_cli_runner()
    slug = wave.version.survey.slug
    shown = runner.invoke(args=["responses", "retention-months", slug, "36"])
    assert shown.exit_code == 0 and "kept 36 months" in shown.output
    assert runner.invoke(args=["responses", "retention-months", slug, "0"]).exit_code == 2
    refused = runner.invoke(args=["responses", "erase", response.reference], input="n\n")
    assert refused.exit_code == 1 and db_session.get(Response, response.id) is not None
    erased = runner.invoke(args=["responses", "erase", response.reference, "--yes"])
    assert erased.exit_code == 0 and db_session.get(Response, response.id) is None
    missing = runner.invoke(args=["responses", "erase", "NONE-SUCH", "--yes"])
    assert missing.exit_code == 1 and "no response has the reference" in missing.output


def test_a_crafted_reference_in_the_url_is_simply_not_found(client_request, login_as):
    login_as("officer")
    for junk in ("%00ABC", "ABCD-1234%27--", "x" * 40):
        assert client_request.get_response(f"/manage/data/erase/{junk}").status_code == 404


def test_an_imported_reference_is_found_as_stored(db_session, create_wave, create_response):
    wave = create_wave()
    response = create_response(wave)
    response.reference = "paper-0042"
    db_session.commit()
    erase_response(db_session, " paper-0042 ", actor="test")
    assert db_session.get(Response, response.id) is None
