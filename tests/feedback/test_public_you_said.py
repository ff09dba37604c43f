"""The public "You said, we did" page and the annual statement: published actions only."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from feedback.services.actions import create_action, set_published, update_action

FIELDS = {
    "subject": "kpi:4/5",
    "you_said": "Parents did not feel listened to at EHCP reviews.",
    "we_did": "Every review now starts with the family's own views, written by them.",
    "owner": "SEND Team Manager",
    "status": "on_target",
    "due_on": date(2027, 7, 31),
}


@pytest.fixture
def action(db_session, create_user):
    """``action(published=True, **overrides)`` records (and publishes) an action."""
    officer = create_user("officer")

    def make(published: bool = True, **overrides):
        made = create_action(db_session, **{**FIELDS, **overrides}, by=officer)
        if published:
            set_published(db_session, made, True, by=officer)
        return made

    return make


def test_the_page_needs_no_login_and_lists_only_published_actions(client_request, action):
    shown = action(you_said="Shown to everyone.")
    hidden = action(published=False, you_said="Still a draft.")
    page = client_request.get("/you-said-we-did")
    assert page.select_one(f"#action-{shown.id} .app-you-said").get_text(strip=True) == (
        "Shown to everyone."
    )
    assert not page.select(f"#action-{hidden.id}")
    assert "Still a draft." not in page.get_text()


def test_each_action_shows_its_status_in_words(client_request, action):
    made = action(status="at_risk")
    card = client_request.get("/you-said-we-did").select_one(f"#action-{made.id}")
    assert card.select_one(".app-status-tag").get_text(strip=True) == "Underway but at risk"
    assert "Listened to in EHC plans (KPI 4/5)" in card.select_one("h3").get_text()
    assert "31 July 2027" in card.get_text()


def test_forum_comments_and_history_notes_never_go_public(client_request, action, db_session):
    from feedback.services.actions import add_comment

    made = action()
    add_comment(db_session, made, "Internal: the provider is struggling.")
    update_action(db_session, made, **FIELDS, note="Budget not yet agreed.")
    text = client_request.get("/you-said-we-did").get_text()
    assert "Internal: the provider is struggling." not in text
    assert "Budget not yet agreed." not in text


def test_officer_text_is_escaped_on_the_public_page(client_request, action):
    made = action(you_said='<img src=x onerror="alert(1)"> & <b>bold</b>')
    page = client_request.get("/you-said-we-did")
    said = page.select_one(f"#action-{made.id} .app-you-said")
    assert said.get_text(strip=True) == '<img src=x onerror="alert(1)"> & <b>bold</b>'
    assert not said.select("img, b")


def test_line_breaks_become_paragraphs(client_request, action):
    made = action(we_did="First we listened.\n\nThen we changed the form.")
    page = client_request.get("/you-said-we-did")
    paragraphs = page.select(f"#action-{made.id} .app-we-did p")
    assert [p.get_text() for p in paragraphs] == ["First we listened.", "Then we changed the form."]


def test_the_public_list_of_surveys_links_here(client_request):
    page = client_request.get("/")
    assert page.select_one('a[href="/you-said-we-did"]')


# The annual statement


def test_the_statement_lists_actions_live_in_that_year(
    client_request, action, db_session, frozen_time
):
    frozen_time("2025-03-01T09:00:00")
    finished_2025 = action(you_said="Finished in 2025.")
    long_running = action(you_said="Still going.")
    frozen_time("2025-10-01T09:00:00")
    update_action(
        db_session,
        finished_2025,
        **{**FIELDS, "you_said": "Finished in 2025.", "status": "completed"},
    )
    frozen_time("2026-05-01T09:00:00")
    new_2026 = action(you_said="New in 2026.")
    action(published=False, you_said="Not published.")

    page = client_request.get("/you-said-we-did/2026")
    rows = [r.get_text(" ", strip=True) for r in page.select("#statement-actions tbody tr")]
    assert len(rows) == 2
    assert any("Still going." in r for r in rows) and any("New in 2026." in r for r in rows)
    page = client_request.get("/you-said-we-did/2025")
    rows = [r.get_text(" ", strip=True) for r in page.select("#statement-actions tbody tr")]
    assert len(rows) == 2 and any("Completed and signed off" in r for r in rows)
    assert long_running and new_2026


def test_the_statement_downloads_as_xlsx_with_formulas_neutralised(
    client_request, action, frozen_time
):
    frozen_time("2026-05-01T09:00:00")
    action(you_said='=HYPERLINK("http://evil.example")')
    response = client_request.get_response("/you-said-we-did/2026.xlsx")
    assert response.headers["Content-Disposition"].endswith('you-said-we-did-2026.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Theme or KPI", "You said", "We did")
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][5] == "Underway and on target"


def test_the_statement_downloads_as_csv(client_request, action, frozen_time):
    frozen_time("2026-05-01T09:00:00")
    action()
    response = client_request.get_response("/you-said-we-did/2026.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][0] == "Listened to in EHC plans (KPI 4/5)"
    assert rows[1][4] == "2027-07-31"


@pytest.mark.parametrize("year", ["2010", "2099"])
def test_years_outside_the_records_are_not_found(client_request, year, frozen_time):
    frozen_time("2026-05-01T09:00:00")
    client_request.get(f"/you-said-we-did/{year}", expected_status=404)


# Headline results


def test_headline_results_are_in_plain_english(results, client_request):
    page = client_request.get("/you-said-we-did")
    row = page.select_one("#headline-4-1")
    assert row.select_one(".app-headline-result").get_text(strip=True) == "75%"
    assert row.select_one(".app-headline-reading").get_text(strip=True) == (
        "75% of the 60 parents and carers who answered gave a positive answer. "
        "When we started measuring, in December 2019, it was 38.5%. "
        "It has gone up since Annual 2025. Our target was 53.5% by June 2021: we met it."
    )
    results_text = page.select_one(".app-headline-results").get_text()
    assert "95%" not in results_text and " CI " not in results_text


def test_a_survey_still_open_is_not_on_the_public_page(create_wave, fill_responses, client_request):
    wave = create_wave("parent-carer-annual", name="Open now")
    fill_responses(wave, 30, 20)
    page = client_request.get("/you-said-we-did")
    assert not page.select("#results")


def test_small_public_results_are_suppressed(create_wave, fill_responses, client_request):
    from datetime import datetime

    from feedback.models import WaveStatus

    wave = create_wave(
        "parent-carer-annual",
        name="Small",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2026, 1, 1),
        closes_at=datetime(2026, 2, 1),
    )
    fill_responses(wave, 8, 5)
    page = client_request.get("/you-said-we-did")
    row = page.select_one("#headline-4-1")
    assert row.select_one(".app-headline-result").get_text(strip=True) == "Not shown"
    assert "Too few people answered" in row.get_text()
    assert "%" not in page.select_one(".app-headline-results").get_text()


def test_the_statement_has_that_years_headline_results(results, client_request):
    page = client_request.get("/you-said-we-did/2026")
    assert "Annual 2026" in page.select_one("#results").find_next("p").get_text()
    assert not client_request.get("/you-said-we-did/2024").select("#results")
    response = client_request.get_response("/you-said-we-did/2026.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Results 2026"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("KPI", "Measure", "Result", "Answers", "Survey", "What it means")
    assert rows[1][:5] == (
        "4/1 Trust and confidence",
        rows[1][1],
        "75%",
        60,
        "Annual 2026",
    )


@pytest.mark.parametrize(
    ("status", "due", "words"),
    [
        ("on track", "2027-06-30", "Our target is 50% by June 2027: we are on track."),
        ("not on track", "2027-06-30", "Our target is 50% by June 2027: we are not on track yet."),
        ("on track", "2026-06-30", "Our target was 50% by June 2026: we have not met it yet."),
        ("met", "2026-06-30", "Our target was 50% by June 2026: we met it."),
    ],
)
def test_the_public_reading_says_is_or_was_by_the_target_date(status, due, words):
    from feedback.services.public_results import public_reading

    row = {
        "pct": 45.0,
        "n": 120,
        "suppressed": False,
        "trend": [{"wave": "Annual 2026"}],
        "respondents": ["parent_carer"],
        "status": status,
        "next_target": {"value": 50.0, "date": due},
    }
    reading = public_reading(row, today=date(2026, 12, 1))
    assert (
        reading == f"45% of the 120 parents and carers who answered gave a positive answer. {words}"
    )
