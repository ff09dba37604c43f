"""Answer validation: the same rules for online, paper and imported answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.loader import load_all
from surveys.validation import (
    AnswerError,
    ResponseErrors,
    clean_text,
    missing_answers,
    validate_answer,
    validate_comment,
    validate_response,
)

DEFS = load_all()
ANNUAL = DEFS["parent-carer-annual"]


def test_a_required_choice_left_empty_asks_to_select_an_answer():
    with pytest.raises(AnswerError, match="Select an answer"):
        validate_answer(ANNUAL.question("kpi_4_1"), [])


def test_an_option_code_that_is_not_offered_is_refused():
    with pytest.raises(AnswerError, match="Select one of the options"):
        validate_answer(ANNUAL.question("kpi_4_1"), ["brilliant"])


def test_two_answers_to_a_single_choice_are_refused():
    with pytest.raises(AnswerError, match="one answer only"):
        validate_answer(ANNUAL.question("kpi_4_1"), ["agree", "disagree"])


def test_optional_questions_may_be_skipped():
    assert validate_answer(ANNUAL.question("eq_ethnicity"), None) is None


def test_free_text_longer_than_its_limit_is_refused_with_the_limit():
    q = ANNUAL.question("general_comments")
    with pytest.raises(AnswerError, match="4,000 characters or fewer"):
        validate_answer(q, "x" * 4001)
    assert validate_answer(q, "x" * 4000) == "x" * 4000


def test_comment_box_is_optional_and_bounded():
    q = ANNUAL.question("kpi_4_2")
    assert validate_comment(q, "") is None
    with pytest.raises(AnswerError, match="2,000 characters"):
        validate_comment(q, "y" * 2001)


def test_control_characters_and_nul_are_dropped_but_line_breaks_kept():
    assert clean_text("a\x00b\x07c\r\nd\te") == "abc\nd\te"


def test_text_is_normalised_to_composed_unicode():
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_missing_answers_lists_required_questions_in_page_order():
    answers = {"respondent_role": "parent", "kpi_4_1": "agree"}
    missing = missing_answers(ANNUAL, answers)
    assert missing[:3] == ["child_age", "ehcp_status", "setting"]
    assert "locality" not in missing and "eq_ethnicity" not in missing


def test_whole_response_reports_every_bad_answer():
    with pytest.raises(ResponseErrors) as caught:
        validate_response(DEFS["kpi-pulse"], {"kpi_4_1": "nope"})
    ids = {e.question_id for e in caught.value.errors}
    assert {"respondent_role", "ehcp_status", "kpi_4_1", "kpi_4_6"} <= ids


@given(st.text(max_size=300))
def test_any_text_either_validates_clean_or_is_refused_with_a_message(raw):
    q = ANNUAL.question("general_comments")
    try:
        value = validate_answer(q, raw)
    except AnswerError as exc:
        assert exc.message
    else:
        assert value is None or (value == clean_text(value) and "\x00" not in value)


@given(st.lists(st.text(max_size=20), max_size=4))
def test_any_choice_input_gives_a_real_option_or_a_message(values):
    q = ANNUAL.question("kpi_4_3")
    try:
        value = validate_answer(q, values)
    except AnswerError as exc:
        assert exc.message.startswith("Select")
    else:
        assert value in {o.code for o in q.options}
