"""An answer page's save merges into the draft in the database, without reading it first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback import clock
from feedback.models import Draft
from feedback.services.responses import (
    find_draft_state,
    merge_answers,
    save_answers,
    start_draft,
    submit_draft,
)


@pytest.fixture
def pulse(create_wave):
    return create_wave("kpi-pulse")


@pytest.fixture
def draft(db_session, pulse):
    return start_draft(db_session, pulse, days=30)


def stored(db_session, token: str) -> dict:
    return find_draft_state(db_session, token).answers


def test_merging_keeps_other_answers_and_takes_away_a_cleared_one(db_session, pulse, draft):
    save_answers(db_session, draft, {"kpi_4_1": "agree", "kpi_4_1_comment": "Slow"}, days=30)

    merged = merge_answers(
        db_session,
        pulse.id,
        draft.token,
        {"kpi_4_2": "good", "kpi_4_1_comment": None, "respondent_role": ("carer",)},
        days=30,
    )

    assert merged is True
    assert stored(db_session, draft.token) == {
        "kpi_4_1": "agree",
        "kpi_4_2": "good",
        "respondent_role": ["carer"],
    }


def test_two_pages_saved_from_one_old_copy_keep_both_answers(db_session, pulse, draft):
    """Each merge writes only its own page, so neither save loses the other's answer."""
    merge_answers(db_session, pulse.id, draft.token, {"kpi_4_1": "agree"}, days=30)
    merge_answers(db_session, pulse.id, draft.token, {"kpi_4_2": "poor"}, days=30)

    assert stored(db_session, draft.token) == {"kpi_4_1": "agree", "kpi_4_2": "poor"}


def test_merging_extends_the_draft_life_and_never_shortens_it(db_session, pulse, draft):
    first_expiry = draft.expires_at
    clock.freeze(clock.now() + timedelta(days=10))
    merge_answers(db_session, pulse.id, draft.token, {"kpi_4_1": "agree"}, days=30)
    extended = find_draft_state(db_session, draft.token).expires_at

    merge_answers(db_session, pulse.id, draft.token, {"kpi_4_2": "good"}, days=1)

    assert extended == clock.now() + timedelta(days=30) > first_expiry
    assert find_draft_state(db_session, draft.token).expires_at == extended


def test_a_draft_that_is_not_live_is_left_as_it_was(db_session, pulse, draft, create_wave):
    other = create_wave("kpi-pulse")
    before = stored(db_session, draft.token)

    assert not merge_answers(db_session, pulse.id, "no-such-token", {"kpi_4_1": "agree"}, days=30)
    assert not merge_answers(db_session, other.id, draft.token, {"kpi_4_1": "agree"}, days=30)
    assert stored(db_session, draft.token) == before

    clock.freeze(draft.expires_at)
    assert not merge_answers(db_session, pulse.id, draft.token, {"kpi_4_1": "agree"}, days=30)
    stored_expiry = select(Draft.expires_at).where(Draft.id == draft.id)
    assert db_session.scalar(stored_expiry) == draft.expires_at  # not brought back to life


def test_a_sent_draft_takes_no_more_answers(db_session, pulse, draft, complete_answers):
    answers = complete_answers("kpi-pulse")
    save_answers(db_session, draft, answers, days=30)
    submit_draft(db_session, draft, pulse)

    assert not merge_answers(db_session, pulse.id, draft.token, {"kpi_4_1": "disagree"}, days=30)
    assert stored(db_session, draft.token) == answers


def test_an_answer_sent_with_a_stale_draft_field_is_merged_into_the_sessions_draft(
    client_request, db_session, pulse
):
    """The page's hidden draft token names no live draft, but the session knows theirs."""
    url = client_request.post(f"/surveys/{pulse.code}/start", form_url=f"/surveys/{pulse.code}/")
    qid = url.location.rsplit("/", 1)[-1]

    client_request.post(url.location, {"answer": "parent", "draft": "not-a-live-draft"})

    stored = db_session.scalars(select(Draft).where(Draft.wave_id == pulse.id)).one()
    db_session.refresh(stored)
    assert stored.answers == {qid: "parent"}
