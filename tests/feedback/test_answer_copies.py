"""Every answer row repeats its response's segments and whether it counts, on every write path.

KPI breakdowns group the answer table alone (see ``feedback.models.Answer``), so
an answer whose copy differs from its response would put a family in the wrong
column of a report. Each test writes responses one way and checks every row.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, or_, select, update

from feedback.models import Answer, Channel, Response
from feedback.models.responses import RESPONSE_COPIES
from feedback.models.surveys import LateRule
from feedback.queries.kpis import kpi_counts_by_segments
from feedback.services.exporting import export_file
from feedback.services.importing import import_csv
from feedback.services.responses import build_response, save_answers, start_draft, submit_draft
from feedback.services.returns import set_late_decision


def copies_out_of_step(session) -> int:
    """Answer rows whose copy of a response column differs from the response's own value."""
    differs = [
        getattr(Answer, name).is_distinct_from(getattr(Response, name)) for name in RESPONSE_COPIES
    ]
    return session.scalar(
        select(func.count()).select_from(Answer).join(Response).where(or_(*differs))
    )


def answer_values(session, response_id: int) -> set[tuple]:
    columns = [getattr(Answer, name) for name in RESPONSE_COPIES]
    return set(session.execute(select(*columns).where(Answer.response_id == response_id)).all())


def test_submitted_answers_carry_their_response_segments(db_session, create_wave, create_response):
    wave = create_wave()
    response = create_response(wave, channel=Channel.PHONE)

    assert copies_out_of_step(db_session) == 0
    assert answer_values(db_session, response.id) == {
        (True, "parent_carer", "yes", "age_5_10", "north", Channel.PHONE)
    }


@pytest.mark.parametrize("slug", ["parent-carer-annual", "kpi-pulse", "young-person"])
def test_a_submitted_draft_stores_the_rows_build_response_makes(
    db_session, create_wave, complete_answers, slug
):
    """The online submission inserts its answer rows itself; they must match every other path's."""
    wave = create_wave(slug)
    answers = complete_answers(slug)
    draft = start_draft(db_session, wave, days=30)
    save_answers(db_session, draft, answers, days=30)
    response = submit_draft(db_session, draft, wave)

    columns = ["question_id", "kpi", "option_code", "text", *RESPONSE_COPIES]
    stored = db_session.execute(
        select(*(getattr(Answer, c) for c in columns)).where(Answer.response_id == response.id)
    ).all()
    built = build_response(wave, answers)
    expected = [
        (a.question_id, a.kpi, a.option_code, a.text, *(getattr(built, c) for c in RESPONSE_COPIES))
        for a in built.answers
    ]
    assert sorted(stored, key=repr) == sorted(expected, key=repr)
    assert len(stored) > len(wave.definition.questions) / 2
    assert copies_out_of_step(db_session) == 0


def test_a_late_decision_moves_the_return_in_and_out_of_every_breakdown(
    db_session, create_wave, create_response, create_user, frozen_time
):
    now = frozen_time("2026-01-10T12:00:00")
    wave = create_wave(state="closed", late_rule=LateRule.EXCLUDE)
    create_response(wave, received_at=now - timedelta(days=5))
    late = create_response(wave, received_at=now)
    officer = create_user("officer")

    def counted() -> int:
        counts = kpi_counts_by_segments(db_session, [wave], segments=("ehcp_status",))
        return sum(c.n for c in counts if c.kpi == "4/1")

    assert counted() == 1
    set_late_decision(db_session, late, True, user=officer)
    assert copies_out_of_step(db_session) == 0
    assert counted() == 2
    set_late_decision(db_session, late, False, user=officer)
    assert copies_out_of_step(db_session) == 0
    assert counted() == 1


def test_an_edit_to_a_response_reaches_its_answers_stored_and_loaded(
    db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    loaded = list(response.answers)

    response.ehcp_status = "in_assessment"
    response.locality = "south"
    db_session.commit()

    assert copies_out_of_step(db_session) == 0
    assert {(a.ehcp_status, a.locality) for a in loaded} == {("in_assessment", "south")}


def test_an_answer_added_by_response_id_alone_carries_its_segments(
    db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave, channel=Channel.PHONE)
    db_session.expunge_all()  # the response is not in the session: it must be read
    db_session.add(
        Answer(response_id=response.id, wave_id=wave.id, question_id="extra", text="Later note")
    )
    db_session.commit()

    assert copies_out_of_step(db_session) == 0


def test_imported_answers_carry_their_response_segments(db_session, create_wave, create_response):
    wave = create_wave()
    create_response(wave, channel=Channel.EVENT)
    exported = io.BytesIO()
    export_file(db_session, wave, "csv", exported, actor="test")
    db_session.query(Response).delete()
    db_session.commit()

    result = import_csv(db_session, wave, exported.getvalue(), actor="test")

    assert result.ok and result.stored, result.problems
    assert copies_out_of_step(db_session) == 0
    assert db_session.scalars(select(Answer.channel).distinct()).all() == [Channel.EVENT]


def test_results_refresh_mends_answers_after_a_response_is_changed_by_hand(
    app, db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    db_session.execute(
        update(Response.__table__)
        .where(Response.__table__.c.id == response.id)
        .values(age_band="age_16_25", included=False)
    )
    db_session.commit()
    assert copies_out_of_step(db_session) > 0

    result = app.test_cli_runner().invoke(args=["results", "refresh"])

    assert result.exit_code == 0, result.output
    assert "given their response's segments again" in result.output
    assert copies_out_of_step(db_session) == 0
