"""Made-up example responses: results to look at on a fresh laptop, never in a real wave."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from feedback import clock
from feedback.models import Answer, CommentCoding, Response
from feedback.services.demo import add_example_responses, example_answers
from feedback.services.kpi_results import kpi_report
from feedback.services.surveys import open_demo_waves


def _stored(db_session, wave) -> int:
    return db_session.scalar(select(func.count()).where(Response.wave_id == wave.id))


@pytest.fixture
def demo_waves(db_session, load_surveys, frozen_time):
    frozen_time("2026-11-25T10:00:00")
    load_surveys()
    return open_demo_waves(db_session)


@pytest.mark.parametrize("slug", ["parent-carer-annual", "kpi-pulse", "young-person"])
def test_example_answers_are_complete_and_valid(definitions, slug):
    answers = example_answers(definitions[slug], random.Random(1))
    required = {q.id for q in definitions[slug].questions if q.required}
    assert required <= {k for k, v in answers.items() if v not in (None, ())}


def test_example_responses_fill_a_new_demo_wave_once(db_session, demo_waves):
    wave = demo_waves[0]
    assert add_example_responses(db_session, wave, 30) == 30
    assert _stored(db_session, wave) == 30
    assert add_example_responses(db_session, wave, 30) == 0
    assert _stored(db_session, wave) == 30


def test_example_responses_never_touch_a_real_wave(db_session, create_wave):
    wave = create_wave("parent-carer-annual", name="Annual survey 2026")
    assert add_example_responses(db_session, wave, 30) == 0
    assert _stored(db_session, wave) == 0


def test_example_responses_are_dated_between_opening_and_now(db_session, demo_waves):
    wave = demo_waves[0]
    add_example_responses(db_session, wave, 20)
    first, last = db_session.execute(
        select(func.min(Response.submitted_at), func.max(Response.submitted_at)).where(
            Response.wave_id == wave.id
        )
    ).one()
    assert wave.opens_at <= first <= last <= clock.now()


def test_demo_command_gives_the_dashboard_results_and_coded_comments(app, db_session, frozen_time):
    frozen_time("2026-11-25T10:00:00")
    result = app.test_cli_runner().invoke(args=["demo", "--example-responses", "40"])
    assert result.exit_code == 0, result.output
    assert "Added 120 made-up example responses" in result.output
    annual = next(w for w in open_demo_waves(db_session) if "annual" in w.code)
    row = next(r for r in kpi_report(db_session, annual.id) if r["code"] == "4/2")
    assert row["n"] >= 10 and row["pct"] is not None
    texts = db_session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.wave_id == annual.id, Answer.text.is_not(None))
    )
    coded = db_session.scalar(select(func.count()).select_from(CommentCoding))
    assert texts > 0 and coded > 0


def test_demo_command_adds_nothing_unless_asked(app, db_session, frozen_time):
    frozen_time("2026-11-25T10:00:00")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "made-up" not in result.output
    assert db_session.scalar(select(func.count()).select_from(Response)) == 0
