"""Several KPI breakdowns from one grouped count: the same rows as one report per segment."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from feedback.models.surveys import LateRule, WaveStatus
from feedback.queries.kpis import (
    KpiCount,
    kpi_counts,
    kpi_counts_by_segments,
    segment_margins,
)
from feedback.services import survey_report as report_service
from feedback.services.kpi_results import (
    UnknownWave,
    kpi_breakdowns,
    kpi_report,
    report_waves,
)
from feedback.services.kpis import seed_baselines
from feedback.services.survey_report import report_tables, survey_report

SEGMENTS = ("respondent_type", "ehcp_status", "age_band")
ALL_SEGMENTS = (*SEGMENTS, "locality", "channel")

AGREE = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know"]
RATE = ["very_good", "good", "neither", "poor", "very_poor", "dont_know"]


@pytest.fixture
def mixed(db_session, create_wave, complete_answers, frozen_time):
    """Three waves with every kind of response the counting rules treat apart.

    Annual 2025 and Annual 2026 (parent-carer form, late returns excluded) and a
    young-person wave in 2026. In the annual waves, answers are drawn at random
    (seeded) so that some groups are large and some small; among them are late
    returns the wave excludes, young people who answered the parent form (they
    count for 4/2, 4/3 and 4/6 only, not the parent-only 4/1, 4/4, 4/5), and
    responses with no respondent type, no age band or no EHCP status (each a
    group of its own, "Not recorded").
    """
    from feedback.services.responses import build_response

    frozen_time("2026-12-15T12:00:00")
    rng = random.Random(20261215)

    def annual(name, opens, total):
        wave = create_wave(
            "parent-carer-annual",
            name=name,
            status=WaveStatus.CLOSED,
            opens_at=opens,
            closes_at=opens + timedelta(days=60),
            late_rule=LateRule.EXCLUDE,
        )
        for i in range(total):
            answers = complete_answers("parent-carer-annual")
            answers["ehcp_status"] = rng.choice(["yes", "yes", "yes", "no", "in_assessment"])
            answers["child_age"] = rng.choice(["age_5_10", "age_5_10", "age_11_15", "age_0_4"])
            for kpi in ("kpi_4_1", "kpi_4_4", "kpi_4_5"):
                answers[kpi] = rng.choice(AGREE[:3] + AGREE)
            for kpi in ("kpi_4_2", "kpi_4_3"):
                answers[kpi] = rng.choice(RATE[:2] + RATE)
            if i % 9 == 0:
                answers.pop("ehcp_status")
            if i % 7 == 0:
                answers.pop("child_age")
            late = i % 11 == 0
            received = wave.closes_at + timedelta(days=3) if late else opens + timedelta(days=1)
            response = build_response(wave, answers, received_at=received)
            if i % 8 == 0:
                response.respondent_type = "young_person"  # a young person used the parent form
            if i % 13 == 0:
                response.respondent_type = None
            db_session.add(response)
        db_session.commit()
        return wave

    first = annual("Annual 2025", datetime(2025, 10, 1), 90)
    second = annual("Annual 2026", datetime(2026, 9, 1), 160)
    young = create_wave(
        "young-person",
        name="Young people 2026",
        status=WaveStatus.CLOSED,
        opens_at=datetime(2026, 9, 15),
        closes_at=datetime(2026, 11, 15),
    )
    for i in range(30):
        answers = complete_answers("young-person")
        answers["yp_kpi_4_2"] = "mostly" if i % 3 else "not_really"
        if i % 4 == 0:
            answers.pop("yp_age", None)
        db_session.add(build_response(young, answers, received_at=datetime(2026, 10, 1)))
    db_session.commit()
    seed_baselines(db_session)
    return first, second, young


def test_the_fixture_has_every_kind_of_unusual_response(db_session, mixed):
    from sqlalchemy import select

    from feedback.models import Response

    responses = db_session.scalars(select(Response).where(Response.wave_id == mixed[1].id)).all()
    assert any(r.is_late and not r.included for r in responses)
    assert any(r.respondent_type == "young_person" for r in responses)
    assert any(r.respondent_type is None for r in responses)
    assert any(r.age_band is None for r in responses)
    assert any(r.ehcp_status is None for r in responses)


@pytest.mark.parametrize(
    "filters",
    [None, {"ehcp_status": "yes"}, {"channel": "online", "age_band": ["age_5_10", "age_11_15"]}],
)
def test_margins_are_the_single_segment_counts(db_session, mixed, filters):
    waves = report_waves(db_session)

    combos = kpi_counts_by_segments(db_session, waves, segments=ALL_SEGMENTS, filters=filters)
    margins = segment_margins(combos, ALL_SEGMENTS)

    for segment in ALL_SEGMENTS:
        alone = kpi_counts(db_session, waves, segment=segment, filters=filters)
        assert sorted(margins[segment], key=_order) == sorted(alone, key=_order), segment


def _order(c: KpiCount):
    return (c.wave_id, c.kpi, c.segment is None, str(c.segment))


def test_counts_by_segments_respect_respondent_scope_and_late_returns(
    db_session, create_wave, create_response, complete_answers, frozen_time
):
    now = frozen_time("2026-01-10T12:00:00")
    wave = create_wave("parent-carer-annual", state="closed", late_rule=LateRule.EXCLUDE)
    on_time = now - timedelta(days=5)
    create_response(wave, received_at=on_time)
    young = create_response(wave, received_at=on_time)
    young.respondent_type = "young_person"
    create_response(wave, received_at=now)  # late, excluded
    db_session.commit()

    counts = kpi_counts_by_segments(db_session, [wave], segments=("respondent_type", "age_band"))
    cells = {(c.kpi, c.values): (c.n, c.positive) for c in counts}

    # 4/1 is asked of parents only: the young person does not count, the late return neither.
    assert cells[("4/1", ("parent_carer", "age_5_10"))] == (1, 1)
    assert ("4/1", ("young_person", "age_5_10")) not in cells
    # 4/2 counts young people too.
    assert cells[("4/2", ("young_person", "age_5_10"))] == (1, 1)
    assert cells[("4/2", ("parent_carer", "age_5_10"))] == (1, 1)


def test_null_segment_values_stay_a_group_of_their_own(
    db_session, create_wave, create_response, complete_answers
):
    wave = create_wave("parent-carer-annual")
    create_response(wave)
    answers = complete_answers("parent-carer-annual")
    del answers["child_age"], answers["ehcp_status"]
    create_response(wave, answers)

    counts = kpi_counts_by_segments(db_session, [wave], segments=("ehcp_status", "age_band"))
    margins = segment_margins(counts, ("ehcp_status", "age_band"))

    assert {(c.kpi, c.values) for c in counts if c.kpi == "4/1"} == {
        ("4/1", ("yes", "age_5_10")),
        ("4/1", (None, None)),
    }
    assert [(c.segment, c.n) for c in margins["age_band"] if c.kpi == "4/1"] == [
        ("age_5_10", 1),
        (None, 1),
    ]


@pytest.mark.parametrize("segments", [(), ("ehcp_status", "ehcp_status"), ("shoe_size",)])
def test_counts_by_segments_refuse_no_repeated_or_unknown_segments(
    db_session, create_wave, segments
):
    wave = create_wave("parent-carer-annual")
    with pytest.raises(ValueError):
        kpi_counts_by_segments(db_session, [wave], segments=segments)


@pytest.mark.parametrize(
    "filters", [None, {"ehcp_status": "yes"}, {"locality": ["north", "south"]}]
)
def test_each_breakdown_is_the_report_for_that_segment(db_session, mixed, filters):
    first, second, young = mixed
    for wave_id in (None, first.id, second.id, young.id):
        breakdowns = kpi_breakdowns.uncached(db_session, wave_id, ALL_SEGMENTS, filters)

        assert list(breakdowns) == list(ALL_SEGMENTS)
        for segment in ALL_SEGMENTS:
            expected = kpi_report.uncached(db_session, wave_id, segment=segment, filters=filters)
            assert breakdowns[segment] == expected, (wave_id, segment)


def test_breakdowns_hide_the_same_cells_as_the_report(db_session, results):
    """In the results fixture, 2026's EHCP breakdown hides "no" and then "yes" too."""
    _, second = results

    breakdowns = kpi_breakdowns(db_session, second.id, SEGMENTS)

    for segment in SEGMENTS:
        assert breakdowns[segment] == kpi_report(db_session, second.id, segment=segment)
    ehcp = [
        r for r in breakdowns["ehcp_status"] if r["code"] == "4/1" and r["wave"] == "Annual 2026"
    ]
    assert {r["segment"]["value"]: r["suppressed"] for r in ehcp} == {"yes": True, "no": True}


def test_breakdowns_keep_rounding_and_count_a_repeated_segment_once(db_session, mixed):
    _, second, _ = mixed

    breakdowns = kpi_breakdowns(db_session, second.id, ["age_band", "age_band"], decimals=None)

    assert list(breakdowns) == ["age_band"]
    assert breakdowns["age_band"] == kpi_report(
        db_session, second.id, segment="age_band", decimals=None
    )


def test_breakdowns_are_cached_per_data_version(db_session, mixed):
    from feedback import cache

    _, second, _ = mixed
    cache.results.clear()
    kpi_breakdowns(db_session, second.id, SEGMENTS)
    again = kpi_breakdowns(db_session, second.id, list(SEGMENTS))

    assert cache.results.hits == 1
    assert again == kpi_breakdowns.uncached(db_session, second.id, SEGMENTS)


def test_breakdowns_refuse_an_unknown_wave_or_segment(db_session, mixed):
    with pytest.raises(UnknownWave):
        kpi_breakdowns(db_session, 10_000, SEGMENTS)
    with pytest.raises(ValueError, match="unknown segment"):
        kpi_breakdowns(db_session, None, ("shoe_size",))
    assert kpi_breakdowns(db_session, None, ()) == {}


def _one_report_per_segment(session, wave_id, segments, filters=None, **options):
    """How the survey report counted its breakdowns before: one kpi_report each."""
    return {
        s: kpi_report(session, wave_id, segment=s, filters=filters, **options) for s in segments
    }


@pytest.mark.parametrize("which", ["results", "mixed"])
def test_the_survey_report_tables_are_unchanged(db_session, request, monkeypatch, which):
    group_tables = []
    for wave in request.getfixturevalue(which):
        now = report_tables(survey_report(db_session, wave.id))
        with monkeypatch.context() as patch:
            patch.setattr(report_service, "kpi_breakdowns", _one_report_per_segment)
            before = report_tables(survey_report(db_session, wave.id))
        assert now == before
        group_tables += [t["id"] for t in now if t["id"].startswith("table-kpi-by-")]
    assert group_tables  # the comparison covers the equality tables, not just their absence
