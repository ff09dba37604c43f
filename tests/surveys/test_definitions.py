"""The co-produced definitions load, say what they measure, and round-trip through JSON."""

from __future__ import annotations

import pytest

from surveys.kpis import KPIS, PARENT_CARER, YOUNG_PERSON
from surveys.loader import load_all, parse_definition, to_dict


@pytest.fixture(scope="module")
def all_definitions():
    return load_all()


def test_the_three_co_produced_surveys_are_defined(all_definitions):
    assert set(all_definitions) == {"parent-carer-annual", "young-person", "kpi-pulse"}


@pytest.mark.parametrize("slug", ["parent-carer-annual", "kpi-pulse"])
def test_parent_surveys_ask_all_six_kpis_once_each(all_definitions, slug):
    kpis = [q.kpi for q in all_definitions[slug].kpi_questions]
    assert sorted(kpis) == sorted(KPIS)


def test_young_person_survey_asks_only_the_kpis_that_count_young_people(all_definitions):
    d = all_definitions["young-person"]
    asked = {q.kpi for q in d.kpi_questions}
    assert asked == {code for code, kpi in KPIS.items() if YOUNG_PERSON in kpi.respondents}
    assert d.respondent_type == YOUNG_PERSON and d.easy_read


def test_every_easy_read_question_and_option_icon_has_a_text_alternative(all_definitions):
    d = all_definitions["young-person"]
    icons = [q.icon for q in d.questions] + [o.icon for q in d.questions for o in q.options]
    assert all(i is None or i.alt.strip() for i in icons)
    assert all(q.icon for q in d.questions)


def test_every_kpi_question_has_positive_options_and_a_comment_box(all_definitions):
    for d in all_definitions.values():
        for q in d.kpi_questions:
            assert q.positive and set(q.positive) <= {o.code for o in q.options}
            assert q.comment is not None, q.id


def test_dont_know_is_excluded_from_every_kpi_denominator(all_definitions):
    for d in all_definitions.values():
        for q in d.kpi_questions:
            assert "dont_know" in q.excluded, (d.slug, q.id)


def test_equality_questions_are_optional_and_offer_prefer_not_to_say(all_definitions):
    d = all_definitions["parent-carer-annual"]
    equality = [q for q in d.questions if d.section(q.section).equality]
    assert equality
    for q in equality:
        assert not q.required
        assert "prefer_not" in {o.code for o in q.options}


def test_parent_survey_records_who_answers_and_child_details(all_definitions):
    d = all_definitions["parent-carer-annual"]
    segments = {q.segment for q in d.questions if q.segment}
    assert segments == {"respondent_type", "age_band", "ehcp_status", "setting", "locality"}
    ages = [o.code for o in d.question("child_age").options]
    assert ages == ["age_0_4", "age_5_10", "age_11_15", "age_16_18", "age_19_25"]


@pytest.mark.parametrize("slug", ["parent-carer-annual", "young-person", "kpi-pulse"])
def test_definition_survives_a_round_trip_through_its_stored_form(all_definitions, slug):
    d = all_definitions[slug]
    assert parse_definition(to_dict(d), slug) == d


def test_show_json_prints_the_definition(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "show", "kpi-pulse", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["slug"] == "kpi-pulse"
    assert [q["kpi"] for s in data["sections"] for q in s["questions"] if "kpi" in q] == list(KPIS)


def test_show_names_the_known_surveys_for_an_unknown_slug(app):
    result = app.test_cli_runner().invoke(args=["surveys", "show", "nope"])
    assert result.exit_code != 0
    assert "parent-carer-annual" in result.output


def test_respondent_type_comes_from_the_role_question(all_definitions):
    from surveys.validation import segments_for

    d = all_definitions["parent-carer-annual"]
    assert (
        segments_for(d, {"respondent_role": "carer", "ehcp_status": "yes"})["respondent_type"]
        == PARENT_CARER
    )
