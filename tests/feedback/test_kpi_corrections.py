"""Correcting and withdrawing baselines before ratification; editing and deleting
commentary and the plan's other KPI values; every change in the audit log."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from feedback.models.audit import AuditEvent
from feedback.models.kpis import (
    BaselineSource,
    BaselineStatus,
    KpiBaseline,
    KpiCommentary,
    OtherKpiValue,
)
from feedback.models.types import DomainError
from feedback.services import kpis as service

DEC_2019 = date(2019, 12, 18)


def _events(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _fields(**overrides) -> dict:
    """The figure and provenance of a baseline as the edit page sends them."""
    return {
        "value": 58.0,
        "baseline_date": DEC_2019,
        "document": "Seed 004",
        "document_date": None,
        "note": "",
        "reason": "",
    } | overrides


@pytest.fixture
def draft(db_session):
    return service.new_baseline_version(
        db_session, "4/2", value=58.0, baseline_date=DEC_2019, document="Seed 004"
    )


@pytest.fixture
def agreed(db_session, draft):
    service.agree_baseline(db_session, draft, date(2020, 2, 6), service.SUB_GROUP)
    return draft


@pytest.fixture
def second_draft(db_session):
    """Version 2 of KPI 4/1 waiting, with the seeded ratified version 1 in force."""
    service.seed_baselines(db_session)
    return service.new_baseline_version(
        db_session, "4/1", value=40.0, baseline_date=DEC_2019, reason="Recount"
    )


# --- baselines: correcting -------------------------------------------------------------


def test_a_draft_baseline_is_corrected_and_the_change_is_audited(db_session, draft, create_user):
    officer = create_user("officer")

    changed = service.revise_baseline(
        db_session, draft, **_fields(value=57.5, note="Typo in the first entry"), user=officer
    )

    assert changed == ["value", "note"]
    assert (draft.value, draft.status, draft.edited_by) == (
        57.5,
        BaselineStatus.DRAFT,
        officer.email,
    )
    (event,) = _events(db_session, "kpi.baseline.edited")
    assert event.target == "KPI 4/2 v1"
    assert event.detail["changed"]["value"] == [58.0, 57.5]
    assert event.detail["returned_to_draft"] is False


def test_correcting_an_agreed_baseline_returns_it_to_draft(db_session, agreed):
    service.revise_baseline(db_session, agreed, **_fields(value=59.0))

    assert agreed.status is BaselineStatus.DRAFT
    assert (agreed.agreed_on, agreed.agreed_by) == (None, None)
    (event,) = _events(db_session, "kpi.baseline.edited")
    assert event.detail["returned_to_draft"] is True


def test_saving_an_agreed_baseline_unchanged_keeps_its_agreement(db_session, agreed):
    assert service.revise_baseline(db_session, agreed, **_fields()) == []

    assert agreed.status is BaselineStatus.AGREED
    assert agreed.edited_at is None
    assert _events(db_session, "kpi.baseline.edited") == []


def test_a_draft_can_change_from_a_published_figure_to_a_survey_wave(
    db_session, draft, create_wave
):
    wave = create_wave("parent-carer-annual", state="closed")

    service.revise_baseline(db_session, draft, **_fields(value=None, wave_id=wave.id))

    assert (draft.source, draft.value, draft.wave_id) == (BaselineSource.WAVE, None, wave.id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": None}, "either a published figure or a survey wave"),
        ({"value": 120.0}, "between 0 and 100"),
    ],
)
def test_a_correction_is_checked_like_a_new_version(db_session, draft, overrides, message):
    with pytest.raises(DomainError, match=message):
        service.revise_baseline(db_session, draft, **_fields(**overrides))


def test_a_later_version_keeps_its_reason_when_corrected(db_session, second_draft):
    with pytest.raises(DomainError, match="reason"):
        service.revise_baseline(db_session, second_draft, **_fields(value=41.0, reason=" "))


def test_ratified_baseline_cannot_be_edited(db_session):
    service.seed_baselines(db_session)
    ratified = db_session.scalars(select(KpiBaseline).filter_by(kpi="4/1")).one()

    with pytest.raises(DomainError, match="ratified .* locked.*new version with a reason"):
        service.revise_baseline(db_session, ratified, **_fields(value=45.0))
    db_session.rollback()
    assert db_session.get(KpiBaseline, ratified.id).value == 38.5


# --- baselines: withdrawing ------------------------------------------------------------


def test_ratified_baseline_cannot_be_withdrawn(db_session):
    service.seed_baselines(db_session)
    ratified = db_session.scalars(select(KpiBaseline).filter_by(kpi="4/1")).one()

    with pytest.raises(DomainError, match="locked.*new version with a reason"):
        service.withdraw_baseline(db_session, ratified, "Wrong figure")
    db_session.rollback()
    assert db_session.get(KpiBaseline, ratified.id).status is BaselineStatus.RATIFIED
    assert _events(db_session, "kpi.baseline.withdrawn") == []


def test_a_ratified_baseline_cannot_be_withdrawn_by_setting_its_status(db_session):
    service.seed_baselines(db_session)
    ratified = db_session.scalars(select(KpiBaseline).filter_by(kpi="4/3")).one()

    ratified.status = BaselineStatus.WITHDRAWN
    with pytest.raises(DomainError, match="a ratified baseline cannot become withdrawn"):
        db_session.flush()
    db_session.rollback()


def test_withdrawn_draft_stays_in_history_and_the_ratified_version_applies_again(
    db_session, second_draft, create_user
):
    officer = create_user("officer")

    service.withdraw_baseline(db_session, second_draft, "The recount was wrong", user=officer)

    history = service.baseline_history(db_session, "4/1")
    assert [(b.version, b.status) for b in history] == [
        (2, BaselineStatus.WITHDRAWN),
        (1, BaselineStatus.RATIFIED),
    ]
    assert (second_draft.withdrawal_reason, second_draft.withdrawn_by) == (
        "The recount was wrong",
        officer.email,
    )
    assert service.current_baselines(db_session)["4/1"].version == 1
    (event,) = _events(db_session, "kpi.baseline.withdrawn")
    assert (event.target, event.detail) == (
        "KPI 4/1 v2",
        {"was": "draft", "reason": "The recount was wrong"},
    )


def test_withdrawing_the_only_version_leaves_the_kpi_without_a_baseline(db_session, agreed):
    assert service.current_baselines(db_session)["4/2"].id == agreed.id

    service.withdraw_baseline(db_session, agreed, "Agreed in error")

    assert "4/2" not in service.current_baselines(db_session)
    assert agreed.status is BaselineStatus.WITHDRAWN


def test_withdrawal_needs_a_reason(db_session, draft):
    with pytest.raises(DomainError, match="reason"):
        service.withdraw_baseline(db_session, draft, "  ")
    db_session.rollback()
    assert db_session.get(KpiBaseline, draft.id).status is BaselineStatus.DRAFT


def test_a_withdrawn_baseline_is_frozen(db_session, draft):
    service.withdraw_baseline(db_session, draft, "Duplicate")

    with pytest.raises(DomainError, match="withdrawn"):
        service.revise_baseline(db_session, draft, **_fields(value=60.0))
    with pytest.raises(DomainError, match="withdrawn"):
        service.agree_baseline(db_session, draft, date(2020, 2, 6), service.SUB_GROUP)
    draft.status = BaselineStatus.DRAFT
    with pytest.raises(DomainError, match="withdrawn baseline cannot become draft"):
        db_session.flush()
    db_session.rollback()


def test_a_new_version_can_be_started_once_the_waiting_one_is_withdrawn(db_session, second_draft):
    service.withdraw_baseline(db_session, second_draft, "Wrong")

    third = service.new_baseline_version(
        db_session, "4/1", value=39.0, baseline_date=DEC_2019, reason="Second recount"
    )

    assert third.version == 3


# --- commentary ------------------------------------------------------------------------


@pytest.fixture
def commentary(db_session, create_user):
    author = create_user("officer")
    return service.add_commentary(
        db_session,
        "4/3",
        period_label="Dec-20",
        period_end=date(2020, 12, 31),
        body="Survey closed early.",
        user=author,
    )


def test_editing_commentary_keeps_the_author_and_records_who_edited_it(
    db_session, commentary, create_user, frozen_time
):
    editor = create_user("officer")
    editor.name = "Priya Shah"
    at = frozen_time(datetime(2021, 1, 15, 10, 0))

    assert service.edit_commentary(
        db_session,
        commentary,
        period_label="Dec-20",
        period_end=date(2020, 12, 31),
        body="Survey closed early because of lockdown.",
        user=editor,
    )

    assert commentary.author == "Test officer"
    assert (commentary.edited_by, commentary.edited_at) == ("Priya Shah", at)
    (event,) = _events(db_session, "kpi.commentary.edited")
    assert event.detail["changed"]["body"] == [
        "Survey closed early.",
        "Survey closed early because of lockdown.",
    ]


def test_editing_commentary_without_a_change_writes_nothing(db_session, commentary):
    changed = service.edit_commentary(
        db_session,
        commentary,
        period_label="Dec-20",
        period_end=date(2020, 12, 31),
        body="Survey closed early.",
    )

    assert changed is False
    assert commentary.edited_at is None
    assert _events(db_session, "kpi.commentary.edited") == []


def test_commentary_cannot_be_emptied(db_session, commentary):
    with pytest.raises(DomainError, match="enter the reporting period and the commentary"):
        service.edit_commentary(
            db_session, commentary, period_label="Dec-20", period_end=date(2020, 12, 31), body=""
        )


def test_deleting_commentary_keeps_its_text_in_the_audit_log(db_session, commentary):
    service.delete_commentary(db_session, commentary)

    assert db_session.scalars(select(KpiCommentary)).all() == []
    (event,) = _events(db_session, "kpi.commentary.deleted")
    assert event.detail["body"] == "Survey closed early."
    assert event.target == "KPI 4/3 Dec-20"


# --- other KPI values ------------------------------------------------------------------


def _other(**overrides) -> dict:
    return {
        "code": "5/1",
        "measure": "Average wait for Paediatric Dietetics",
        "unit": "weeks",
        "kind": "performance",
        "value": 9.0,
        "period_date": date(2019, 11, 30),
        "period_label": "Nov-19",
        "action_group": "Actions 5.1: Waiting times",
        "source_note": "Seed 004",
    } | overrides


@pytest.fixture
def other_value(db_session, create_user):
    return service.add_other_value(db_session, **_other(), user=create_user("officer"))


def test_editing_an_other_kpi_value_keeps_who_entered_it(
    db_session, other_value, create_user, frozen_time
):
    entered_by = other_value.entered_by
    editor = create_user("officer")
    at = frozen_time(datetime(2020, 1, 10, 9, 30))

    assert service.edit_other_value(
        db_session, other_value, **_other(value=8.0, source_note="Corrected"), user=editor
    )

    assert (other_value.display, other_value.entered_by) == ("8 weeks", entered_by)
    assert (other_value.edited_by, other_value.edited_at) == (editor.email, at)
    (event,) = _events(db_session, "kpi.other_value.edited")
    assert event.detail["changed"] == {
        "value": [9.0, 8.0],
        "source_note": ["Seed 004", "Corrected"],
    }


def test_an_other_kpi_value_cannot_be_moved_to_a_survey_kpi(db_session, other_value):
    with pytest.raises(DomainError, match="other KPIs"):
        service.edit_other_value(db_session, other_value, **_other(code="4/1"))


def test_deleting_an_other_kpi_value_is_audited(db_session, other_value):
    service.delete_other_value(db_session, other_value)

    assert db_session.scalars(select(OtherKpiValue)).all() == []
    (event,) = _events(db_session, "kpi.other_value.deleted")
    assert (event.target, event.detail["shown"]) == ("KPI 5/1 Nov-19", "9 weeks")
