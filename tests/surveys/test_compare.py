"""Comparing KPI wording between survey definitions, for results-page warnings."""

from __future__ import annotations

import doctest
from dataclasses import replace

import pytest

import surveys.compare
from surveys.compare import kpi_wording_changes, kpi_wording_fingerprints, question_changes
from surveys.loader import load_all
from surveys.schema import Option, SurveyDefinition


@pytest.fixture(scope="module")
def defs() -> dict[str, SurveyDefinition]:
    return load_all()


def _edit(definition: SurveyDefinition, qid: str, **changes) -> SurveyDefinition:
    return replace(
        definition,
        questions=tuple(replace(q, **changes) if q.id == qid else q for q in definition.questions),
    )


def test_identical_definitions_have_no_changes(defs):
    pulse = defs["kpi-pulse"]
    assert kpi_wording_changes(pulse, pulse) == []
    assert question_changes(pulse, pulse) == []


def test_pulse_survey_asks_the_annual_kpis_in_the_same_words(defs):
    assert kpi_wording_changes(defs["parent-carer-annual"], defs["kpi-pulse"]) == []


def test_hint_changes_are_reported_only_when_asked_for(defs):
    annual, pulse = defs["parent-carer-annual"], defs["kpi-pulse"]
    changes = kpi_wording_changes(annual, pulse, include_hints=True)
    assert [(c.kpi, c.aspects) for c in changes] == [("4/3", ("hint",)), ("4/4", ("hint",))]


def test_rewording_a_kpi_question_is_reported_with_both_texts(defs):
    before = defs["kpi-pulse"]
    after = _edit(before, "kpi_4_2", text="How good is the help your child gets?")
    [change] = kpi_wording_changes(before, after)
    assert change.kpi == "4/2"
    assert change.aspects == ("text",)
    assert change.before == before.question("kpi_4_2").text
    assert change.after == "How good is the help your child gets?"
    assert change.message.startswith("KPI 4/2: question reworded")


def test_whitespace_alone_is_not_a_change(defs):
    before = defs["kpi-pulse"]
    text = before.question("kpi_4_2").text
    after = _edit(before, "kpi_4_2", text="  " + text.replace(" ", "\n  ", 1) + " ")
    assert kpi_wording_changes(before, after) == []


def test_relabelled_added_and_reordered_options_are_reported(defs):
    before = defs["kpi-pulse"]
    question = before.question("kpi_4_1")
    relabelled = tuple(
        replace(o, label="Strongly agree!") if o.code == "strongly_agree" else o
        for o in question.options
    )
    added = (*question.options, Option(code="unsure", label="Not sure"))
    reordered = tuple(reversed(question.options))

    [c1] = kpi_wording_changes(before, _edit(before, "kpi_4_1", options=relabelled))
    [c2] = kpi_wording_changes(before, _edit(before, "kpi_4_1", options=added))
    [c3] = kpi_wording_changes(before, _edit(before, "kpi_4_1", options=reordered))
    assert c1.aspects == c2.aspects == c3.aspects == ("options",)
    assert "option 'strongly_agree' relabelled" in c1.details[0]
    assert c2.details == ("option 'unsure' added",)
    assert c3.details == ("options reordered",)


def test_counting_a_different_option_as_positive_is_a_change(defs):
    before = defs["kpi-pulse"]
    after = _edit(before, "kpi_4_1", positive=("strongly_agree",))
    [change] = kpi_wording_changes(before, after)
    assert change.aspects == ("positive",)
    assert "to strongly_agree" in change.details[0]


def test_kpis_asked_in_only_one_survey_are_reported_as_added_or_removed(defs):
    changes = {c.kpi: c for c in kpi_wording_changes(defs["young-person"], defs["kpi-pulse"])}
    assert changes["4/1"].aspects == ("added",)
    assert changes["4/1"].message == "KPI 4/1 was not asked in the earlier survey"
    back = {c.kpi: c for c in kpi_wording_changes(defs["kpi-pulse"], defs["young-person"])}
    assert back["4/4"].aspects == ("removed",)
    assert set(back["4/2"].aspects) >= {"text", "options", "positive"}


def test_a_kpi_asked_twice_is_refused(defs):
    before = defs["kpi-pulse"]
    twice = _edit(before, "kpi_4_2", kpi="4/1")
    with pytest.raises(ValueError, match="asked by both"):
        kpi_wording_changes(before, twice)


def test_question_changes_name_added_removed_and_changed_questions(defs):
    before = defs["kpi-pulse"]
    dropped = replace(before, questions=before.questions[:-1])
    reworded = _edit(dropped, "kpi_4_1", text="Do you trust us?", hint="Be honest.")
    changes = question_changes(before, reworded)
    assert [(c.question_id, c.kind) for c in changes] == [
        (before.questions[-1].id, "removed"),
        ("kpi_4_1", "changed"),
    ]
    assert "hint text changed" in changes[1].details
    assert [(c.question_id, c.kind) for c in question_changes(reworded, before)][-1] == (
        before.questions[-1].id,
        "added",
    )


def test_fingerprints_match_exactly_when_no_wording_change(defs):
    annual = kpi_wording_fingerprints(defs["parent-carer-annual"])
    pulse = kpi_wording_fingerprints(defs["kpi-pulse"])
    young = kpi_wording_fingerprints(defs["young-person"])
    assert annual == pulse
    assert young["4/2"] != annual["4/2"]
    after = _edit(defs["kpi-pulse"], "kpi_4_5", text="Were you listened to?")
    assert kpi_wording_fingerprints(after)["4/5"] != pulse["4/5"]


def test_examples_in_docstrings_run():
    assert doctest.testmod(surveys.compare).failed == 0
