"""Officers' pages for changing and withdrawing baselines, and changing and deleting
commentary and the plan's other KPI values."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from feedback.models.audit import AuditEvent
from feedback.models.kpis import BaselineStatus, KpiBaseline, KpiCommentary, OtherKpiValue
from feedback.services import kpis as service

DEC_2019 = date(2019, 12, 18)
BASELINE_FORM = {
    "source": "imported",
    "value": "40.0",
    "baseline_date": ["18", "12", "2019"],
    "document": "Corrected analysis of the baseline survey",
    "reason": "Late postal returns were missing from the first count",
}


@pytest.fixture
def officer(login_as):
    return login_as("officer")


@pytest.fixture
def second_version(db_session):
    """KPI 4/1: the seeded version 1 ratified, version 2 a draft."""
    service.seed_baselines(db_session)
    return service.new_baseline_version(
        db_session, "4/1", value=40.0, baseline_date=DEC_2019, reason="Recount"
    )


def _text(page, selector: str) -> str:
    return page.select_one(selector).get_text(" ", strip=True)


def _statuses(page) -> list[str]:
    return [t.get_text(strip=True) for t in page.select('[data-field="status"]')]


# --- baselines -------------------------------------------------------------------------


def test_officer_changes_a_draft_baseline_and_the_history_says_who(
    db_session, client_request, officer, second_version
):
    edit = f"/manage/kpis/4-1/baselines/{second_version.id}/edit"
    form = client_request.get(edit)
    assert form.select_one("#value")["value"] == "40.0"

    client_request.post(edit, {**BASELINE_FORM, "value": "41.5"})

    page = client_request.get("/manage/kpis/4-1")
    card = page.select_one("#baseline-v2")
    assert _text(card, '[data-field="value"]').startswith("41.5% (published figure)")
    assert officer.email in _text(card, '[data-field="edited"]')
    assert _text(page, ".govuk-notification-banner--success").endswith("Version 2 changed.")


def test_changing_an_agreed_baseline_warns_then_returns_it_to_draft(
    db_session, client_request, officer, second_version
):
    service.agree_baseline(db_session, second_version, date(2020, 3, 1), service.SUB_GROUP)
    edit = f"/manage/kpis/4-1/baselines/{second_version.id}/edit"

    form = client_request.get(edit)
    assert "Saving a change returns it to draft" in _text(form, "#agreed-warning")

    client_request.post(edit, {**BASELINE_FORM, "value": "39.0"})

    page = client_request.get("/manage/kpis/4-1")
    assert _statuses(page) == ["draft", "ratified"]
    assert _text(page.select_one("#baseline-v2"), '[data-field="agreed"]') == "Not yet"
    assert "returned to draft" in _text(page, ".govuk-notification-banner--success")
    assert page.select_one("#agree-form") is not None


def test_ratified_baseline_pages_explain_that_a_new_version_is_needed(
    db_session, client_request, officer
):
    service.seed_baselines(db_session)
    ratified = db_session.scalars(select(KpiBaseline).filter_by(kpi="4/1")).one()

    detail = client_request.get("/manage/kpis/4-1")
    assert detail.select_one("#change-baseline") is None
    assert "make a new version with a reason" in _text(detail, '[data-field="locked-note"]')

    for step in ("edit", "withdraw"):
        page = client_request.get(f"/manage/kpis/4-1/baselines/{ratified.id}/{step}")
        assert "cannot be changed" in _text(page, "h1")
        assert "make a new version with the reason" in _text(page, "#locked-reason")
        assert page.select_one("#new-version")["href"] == "/manage/kpis/4-1/baselines/new"

    client_request.post(
        f"/manage/kpis/4-1/baselines/{ratified.id}/withdraw",
        {"reason": "Wrong"},
        form_url="/manage/kpis/4-1",
        expected_status=409,
    )
    db_session.expire_all()
    assert db_session.get(KpiBaseline, ratified.id).status is BaselineStatus.RATIFIED


def test_officer_withdraws_a_draft_and_it_stays_in_the_history_as_withdrawn(
    db_session, client_request, officer, second_version
):
    withdraw = f"/manage/kpis/4-1/baselines/{second_version.id}/withdraw"
    form = client_request.get(withdraw)
    assert _text(form, "#after-withdrawal").startswith("Reports keep using version 1")
    assert "govuk-button--warning" in form.select_one("#withdraw-form [type=submit]")["class"]

    client_request.post(withdraw, {"reason": "The recount double-counted paper returns"})

    page = client_request.get("/manage/kpis/4-1")
    assert _statuses(page) == ["withdrawn", "ratified"]
    assert _text(page.select_one("#baseline-v2"), '[data-field="withdrawn"]').endswith(
        "The recount double-counted paper returns"
    )
    assert page.select_one("#withdraw-baseline") is None
    table = client_request.get("/manage/kpis")
    assert _text(table, '[data-kpi="4/1"] [data-field="baseline"]') == "38.5% (Dec-19)"


def test_withdrawing_the_only_version_says_the_kpi_will_have_no_baseline(
    db_session, client_request, officer
):
    only = service.new_baseline_version(db_session, "4/2", value=58.0, baseline_date=DEC_2019)

    form = client_request.get(f"/manage/kpis/4-2/baselines/{only.id}/withdraw")

    assert "KPI 4/2 will have no baseline" in _text(form, "#after-withdrawal")


def test_withdrawal_needs_a_reason(db_session, client_request, officer, second_version):
    response = client_request.post(
        f"/manage/kpis/4-1/baselines/{second_version.id}/withdraw",
        {"reason": ""},
        expected_status=400,
    )

    summary = _text(response.page, ".govuk-error-summary")
    assert "Enter the reason for withdrawing the baseline" in summary
    db_session.expire_all()
    assert db_session.get(KpiBaseline, second_version.id).status is BaselineStatus.DRAFT


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "wave", "wave": ""}, "Select the survey wave"),
        ({"source": "wave", "wave": "abc"}, "Select the survey wave"),
        ({"source": "wave", "wave": "987654"}, "Select the survey wave"),
        ({"source": "imported", "value": ""}, "Enter the published figure"),
    ],
)
def test_a_changed_baseline_needs_its_figure_or_one_of_the_waves_offered(
    db_session, client_request, officer, second_version, fields, message
):
    response = client_request.post(
        f"/manage/kpis/4-1/baselines/{second_version.id}/edit",
        {**BASELINE_FORM, **fields},
        expected_status=400,
    )

    assert message in _text(response.page, ".govuk-error-summary")
    db_session.expire_all()
    assert db_session.get(KpiBaseline, second_version.id).value == 40.0


def test_a_new_baseline_needs_its_published_figure(db_session, client_request, officer):
    response = client_request.post(
        "/manage/kpis/4-1/baselines/new", {**BASELINE_FORM, "value": ""}, expected_status=400
    )

    assert "Enter the published figure" in _text(response.page, ".govuk-error-summary")


def test_a_baseline_of_another_kpi_is_not_found(
    db_session, client_request, officer, second_version
):
    client_request.get(f"/manage/kpis/4-2/baselines/{second_version.id}/edit", expected_status=404)


# --- commentary ------------------------------------------------------------------------


@pytest.fixture
def commentary(db_session, create_user):
    return service.add_commentary(
        db_session,
        "4/3",
        period_label="Dec-20",
        period_end=date(2020, 12, 31),
        body="Survey closed early.",
        user=create_user("officer"),
    )


def test_commentary_is_changed_and_keeps_its_author(
    db_session, client_request, officer, commentary
):
    edit = f"/manage/kpis/4-3/commentary/{commentary.id}/edit"
    assert client_request.get(edit).select_one("#body").get_text() == "Survey closed early."

    client_request.post(
        edit,
        {
            "period_label": "Dec-20",
            "period_end": ["31", "12", "2020"],
            "body": "Survey closed early because of lockdown.",
        },
    )

    page = client_request.get("/manage/kpis/4-3")
    shown = page.select_one(f"#commentary-{commentary.id}")
    assert _text(shown, '[data-field="body"]') == "Survey closed early because of lockdown."
    signed = _text(shown, '[data-field="signed"]')
    assert signed.startswith("Test officer, ") and "; changed by Test officer, " in signed


def test_deleting_commentary_asks_first_then_deletes(
    db_session, client_request, officer, commentary
):
    url = f"/manage/kpis/4-3/commentary/{commentary.id}/delete"

    confirm = client_request.get(url)
    assert _text(confirm, "h1").startswith("Are you sure you want to delete this commentary")
    assert "Survey closed early." in _text(confirm, "#to-delete")
    assert "govuk-button--warning" in confirm.select_one("#confirm-delete")["class"]
    assert db_session.scalars(select(KpiCommentary)).all() != []

    client_request.post(url)

    assert db_session.scalars(select(KpiCommentary)).all() == []
    page = client_request.get("/manage/kpis/4-3")
    assert page.select(".app-commentary") == []
    event = db_session.scalars(select(AuditEvent).filter_by(action="kpi.commentary.deleted")).one()
    assert event.actor == officer.email


def test_commentary_is_only_reached_through_its_own_kpi(
    db_session, client_request, officer, commentary
):
    client_request.get(f"/manage/kpis/4-1/commentary/{commentary.id}/delete", expected_status=404)


# --- other KPI values ------------------------------------------------------------------

OTHER_FORM = {
    "code": "5/1",
    "action_group": "Actions 5.1: Waiting times",
    "measure": "Average waiting time for Paediatric Dietetics",
    "frequency": "Monthly",
    "kind": "performance",
    "unit": "weeks",
    "period_label": "Nov-19",
    "period_date": ["30", "11", "2019"],
    "value": "9",
    "source_note": "Seed 004, Appendix A",
}


@pytest.fixture
def other_value(db_session):
    return service.add_other_value(
        db_session,
        code="5/1",
        measure="Average waiting time for Paediatric Dietetics",
        unit="weeks",
        value=9.0,
        period_date=date(2019, 11, 30),
        action_group="Actions 5.1: Waiting times",
        frequency="Monthly",
        source_note="Seed 004, Appendix A",
    )


def test_other_kpi_value_is_changed_and_says_who_changed_it(
    db_session, client_request, officer, other_value
):
    edit = f"/manage/kpis/other/{other_value.id}/edit"
    assert client_request.get(edit).select_one("#value")["value"] == "9"

    client_request.post(edit, {**OTHER_FORM, "value": "8"})

    page = client_request.get("/manage/kpis/other")
    row = page.select_one(f"#other-value-{other_value.id}")
    assert row.select("td")[2].get_text() == "8 weeks"
    recorded = _text(row, '[data-field="recorded"]')
    assert recorded.startswith("system, ") and f"changed by {officer.email}" in recorded


def test_deleting_an_other_kpi_value_asks_first_then_deletes(
    db_session, client_request, officer, other_value
):
    url = f"/manage/kpis/other/{other_value.id}/delete"

    confirm = client_request.get(url)
    assert _text(confirm, "h1") == "Are you sure you want to delete this value for KPI 5/1?"
    assert "9 weeks" in _text(confirm, "#to-delete")
    assert confirm.select_one(".govuk-button-group a")["href"] == "/manage/kpis/other"

    client_request.post(url)

    assert db_session.scalars(select(OtherKpiValue)).all() == []
    page = client_request.get("/manage/kpis/other")
    assert _text(page, "#other-values tbody") == "None yet"
