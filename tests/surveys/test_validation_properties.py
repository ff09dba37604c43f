"""Properties of answer validation, over whatever a form, a paper return or a CSV can send."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from surveys.loader import load_all
from surveys.validation import (
    AnswerError,
    ResponseErrors,
    clean_text,
    missing_answers,
    validate_answer,
    validate_response,
)

DEFS = load_all()
QUESTIONS = [q for d in DEFS.values() for q in d.questions]
CONTROL = {*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)}

#: Anything a browser or a spreadsheet could send, lone surrogates included.
raw_text = st.text(st.characters(codec=None), max_size=300) | st.sampled_from(
    ["", " ", "\x00", "=1+1", "agree", "\u202e", "e\u0301", "\r\n", "\ud800"]
)
raw_values = st.none() | raw_text | st.lists(raw_text, max_size=5)
question = st.sampled_from(QUESTIONS)


@given(question, raw_values)
def test_any_input_is_an_answer_or_an_answer_error(q, raw):
    try:
        value = validate_answer(q, raw)
    except AnswerError as exc:
        assert exc.question_id == q.id and exc.message
        return
    codes = [o.code for o in q.options]
    if value is None:
        assert not q.required
    elif q.type == "text":
        assert isinstance(value, str) and 0 < len(value) <= q.max_length
        assert not CONTROL & {ord(c) for c in value}
        assert value == value.strip() and unicodedata.is_normalized("NFC", value)
    elif q.type == "choice":
        assert value in codes
    else:
        assert isinstance(value, tuple) and value
        assert list(value) == [c for c in codes if c in value], "option order, no repeats"


@given(question, st.data())
def test_a_valid_answer_validates_to_itself(q, data):
    if q.type == "text":
        raw = data.draw(raw_text)
    else:
        codes = [o.code for o in q.options]
        raw = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3))
    try:
        value = validate_answer(q, raw)
    except AnswerError:
        return  # refusals are covered above
    assume(value is not None)
    again = validate_answer(q, list(value) if isinstance(value, tuple) else value)
    assert again == value


@given(raw_text)
def test_clean_text_is_idempotent_and_drops_every_control_character(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not CONTROL & {ord(c) for c in cleaned}
    assert "\r" not in cleaned


@st.composite
def partial_responses(draw):
    definition = draw(st.sampled_from(list(DEFS.values())))
    answers = {}
    for q in definition.questions:
        if not draw(st.booleans()):
            continue
        if q.type == "text":
            answers[q.id] = draw(st.text(min_size=1, max_size=50))
        elif q.type == "choice":
            answers[q.id] = draw(st.sampled_from([o.code for o in q.options]))
        else:
            answers[q.id] = [draw(st.sampled_from([o.code for o in q.options if not o.exclusive]))]
    return definition, answers


@settings(max_examples=200)
@given(partial_responses())
def test_a_response_fails_exactly_on_its_missing_required_answers(case):
    definition, answers = case
    missing = set(missing_answers(definition, answers))
    try:
        validate_response(definition, answers)
    except ResponseErrors as exc:
        failed = {e.question_id for e in exc.errors}
        # Text that cleans to nothing counts as missing too.
        blank = {qid for qid, v in answers.items() if isinstance(v, str) and not clean_text(v)}
        assert (
            missing
            <= failed
            <= missing | blank | {q.id for q in definition.questions if q.type == "text"}
        )
        return
    assert not missing
