"""KPI counts from one GROUP BY, checked against hand-counted fixtures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from feedback import clock
from feedback.models import Channel
from feedback.models.surveys import LateRule
from feedback.queries.data import option_counts_statement
from feedback.queries.kpis import explain_kpi_counts, kpi_counts


@pytest.fixture
def answer(complete_answers):
    """``answer(slug, **overrides)``: a complete answer set with some answers changed."""

    def make(slug="parent-carer-annual", **overrides):
        answers = complete_answers(slug)
        for key, value in overrides.items():
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
        return answers

    return make


def _by_kpi(counts, wave):
    return {c.kpi: (c.n, c.positive) for c in counts if c.wave_id == wave.id}


def test_counts_exclude_dont_know_and_count_positive_codes(
    db_session, create_wave, create_response, answer
):
    wave = create_wave("parent-carer-annual")
    for value in ("strongly_agree", "agree", "agree", "neither", "disagree", "dont_know"):
        create_response(wave, answer(kpi_4_1=value))
    for value in ("not_applicable", "dont_know", "good", "poor"):
        create_response(wave, answer(kpi_4_3=value))

    counts = _by_kpi(kpi_counts(db_session, [wave]), wave)

    # 4/1: six agree from the 4/3 batch; first batch 5 valid of 6, 3 positive.
    assert counts["4/1"] == (5 + 4, 3 + 4)
    # 4/3: the complete answers say "poor"; not applicable and don't know are not counted.
    assert counts["4/3"] == (6 + 2, 1)


def test_young_people_do_not_count_towards_parent_only_kpis(
    db_session, create_wave, create_response, answer
):
    wave = create_wave("parent-carer-annual")
    create_response(wave, answer(kpi_4_1="agree", kpi_4_2="good"))
    keyed = create_response(wave, answer(kpi_4_1="agree", kpi_4_2="good"))
    keyed.respondent_type = "young_person"  # a young person answered the paper form
    db_session.commit()

    counts = _by_kpi(kpi_counts(db_session, [wave]), wave)

    assert counts["4/1"] == (1, 1)
    assert counts["4/4"] == (1, 0)
    assert counts["4/2"] == (2, 2)


def test_young_person_wave_counts_only_its_own_kpis(db_session, create_wave, create_response):
    wave = create_wave("young-person")
    create_response(wave)
    counts = _by_kpi(kpi_counts(db_session, [wave]), wave)
    # yp complete answers: 4/2 "mostly" (positive), 4/3 "a_bit", 4/6 "better" (positive).
    assert counts == {"4/2": (1, 1), "4/3": (1, 0), "4/6": (1, 1)}


def test_late_returns_the_wave_excludes_are_not_counted(
    db_session, create_wave, create_response, answer, frozen_time
):
    now = frozen_time("2026-01-10T12:00:00")
    wave = create_wave("parent-carer-annual", state="closed", late_rule=LateRule.EXCLUDE)
    create_response(wave, answer(kpi_4_1="agree"), received_at=now - timedelta(days=5))
    late = create_response(wave, answer(kpi_4_1="agree"), received_at=clock.now())
    assert late.is_late and not late.included

    counts = _by_kpi(kpi_counts(db_session, [wave]), wave)

    assert counts["4/1"] == (1, 1)


def test_counts_break_down_by_segment_and_filter(db_session, create_wave, create_response, answer):
    wave = create_wave("parent-carer-annual")
    create_response(wave, answer(ehcp_status="yes", kpi_4_1="agree"))
    create_response(wave, answer(ehcp_status="yes", kpi_4_1="disagree"))
    create_response(wave, answer(ehcp_status="no", kpi_4_1="agree"), channel=Channel.PAPER)

    by_ehcp = {
        c.segment: (c.n, c.positive)
        for c in kpi_counts(db_session, [wave], segment="ehcp_status")
        if c.kpi == "4/1"
    }
    by_channel = {
        c.segment: c.n for c in kpi_counts(db_session, [wave], segment="channel") if c.kpi == "4/1"
    }
    paper_only = kpi_counts(db_session, [wave], filters={"channel": "paper"})

    assert by_ehcp == {"yes": (2, 1), "no": (1, 1)}
    assert by_channel == {"online": 2, "paper": 1}
    assert {c.kpi: c.n for c in paper_only}["4/1"] == 1


def test_unknown_segment_is_refused(db_session, create_wave):
    wave = create_wave("parent-carer-annual")
    with pytest.raises(ValueError, match="unknown segment"):
        kpi_counts(db_session, [wave], segment="shoe_size")


def test_each_wave_counts_with_its_own_definition(db_session, create_wave, create_response, answer):
    annual = create_wave("parent-carer-annual")
    young = create_wave("young-person")
    create_response(annual, answer(kpi_4_2="good"))
    create_response(young)

    counts = kpi_counts(db_session, [annual, young])

    assert _by_kpi(counts, annual)["4/2"] == (1, 1)
    assert _by_kpi(counts, young)["4/2"] == (1, 1)


def test_whole_wave_counts_can_be_read_from_the_kpi_index(db_session, create_wave, dialect):
    wave = create_wave("parent-carer-annual")
    if dialect == "postgresql":  # an empty table is cheaper to scan; ask whether the index fits
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = explain_kpi_counts(db_session, [wave])
    assert "ix_answer_wave_kpi_option_segments" in plan


def test_breakdowns_read_the_kpi_index_alone_without_the_responses(
    db_session, create_wave, dialect
):
    wave = create_wave("parent-carer-annual")
    if dialect == "postgresql":
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = explain_kpi_counts(
        db_session, [wave], segment="age_band", filters={"ehcp_status": "yes"}
    )
    assert "ix_answer_wave_kpi_option_segments" in plan
    assert "response" not in plan.replace("ix_response", "")


@pytest.mark.parametrize("segment", ["respondent_type", "ehcp_status", "age_band", "channel"])
def test_sqlite_groups_a_breakdown_in_index_order_without_sorting_every_answer(
    db_session, create_wave, dialect, segment
):
    if dialect != "sqlite":
        pytest.skip("reads SQLite's query plan; PostgreSQL chooses by its statistics")
    wave = create_wave("parent-carer-annual")
    plan = explain_kpi_counts(db_session, [wave], segment=segment)
    # One sort: the outer query's, over the few grouped rows. A second would be every answer.
    assert plan.count("USE TEMP B-TREE FOR GROUP BY") == 1, plan


@pytest.mark.parametrize("kind", ["equality", "kpi"])
def test_sqlite_counts_options_from_the_kpi_index_alone(db_session, create_wave, dialect, kind):
    if dialect != "sqlite":
        pytest.skip("reads SQLite's query plan; PostgreSQL chooses by its statistics")
    wave = create_wave("parent-carer-annual")
    definition = wave.definition
    equality = {s.id for s in definition.sections if s.equality}
    questions = (
        [q for q in definition.questions if q.section in equality and q.options]
        if kind == "equality"
        else list(definition.kpi_questions)
    )
    stmt = option_counts_statement(wave.id, questions)
    sql = stmt.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = " ".join(str(r[3]) for r in db_session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "COVERING INDEX ix_answer_wave_kpi_option_segments" in plan, plan
