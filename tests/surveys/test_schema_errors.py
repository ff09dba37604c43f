"""A definition that breaks the schema is refused with the file and the field named."""

from __future__ import annotations

import copy

import pytest

from surveys.loader import DefinitionError, load_all, load_definition, parse_definition, to_dict


@pytest.fixture
def pulse():
    return to_dict(load_all()["kpi-pulse"])


def problems(data) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data, "broken.yaml")
    assert str(caught.value).startswith("broken.yaml: ")
    return caught.value.problems


def test_missing_option_code_names_the_field(pulse):
    del pulse["sections"][1]["questions"][0]["options"][2]["code"]
    assert "sections[1].questions[0].options[2].code: required" in problems(pulse)


def test_unknown_kpi_code_is_refused(pulse):
    pulse["sections"][1]["questions"][0]["kpi"] = "4/9"
    assert any("kpi: unknown KPI '4/9'" in p for p in problems(pulse))


def test_kpi_question_without_positive_options_is_refused(pulse):
    del pulse["sections"][1]["questions"][0]["positive"]
    assert any("must say which options count as positive" in p for p in problems(pulse))


def test_positive_code_must_be_an_option(pulse):
    pulse["sections"][1]["questions"][0]["positive"] = ["brilliant"]
    assert any("'brilliant' is not one of the options" in p for p in problems(pulse))


def test_option_cannot_be_positive_and_excluded(pulse):
    pulse["sections"][1]["questions"][0]["excluded"] = ["agree"]
    assert any("cannot be both positive and excluded" in p for p in problems(pulse))


def test_duplicate_question_ids_are_refused(pulse):
    pulse["sections"][1]["questions"][1]["id"] = pulse["sections"][1]["questions"][0]["id"]
    assert any("is used twice" in p for p in problems(pulse))


def test_unknown_fields_are_reported_not_ignored(pulse):
    pulse["sections"][0]["questions"][0]["colour"] = "blue"
    assert "sections[0].questions[0].colour: unknown field" in problems(pulse)


def test_newer_schema_version_is_refused(pulse):
    pulse["schema"] = 2
    assert any("schema version 1, not 2" in p for p in problems(pulse))


def test_every_problem_is_reported_at_once(pulse):
    broken = copy.deepcopy(pulse)
    del broken["title"]
    broken["sections"][1]["questions"][0]["kpi"] = "9/9"
    found = problems(broken)
    assert "title: required" in found and any("9/9" in p for p in found)


def test_bad_yaml_names_the_file(tmp_path):
    path = tmp_path / "oops.yaml"
    path.write_text("slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^oops.yaml: not valid YAML"):
        load_definition(path)
