"""Check and normalise answers, whatever channel they arrive by.

The same rules serve the online journey, officers keying paper returns and CSV
import, so an answer is valid or invalid in one place only. Messages follow the
GOV.UK style ("Select…", "Enter…") because they are shown to respondents as is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from surveys.schema import Question, SurveyDefinition

AnswerValue = str | tuple[str, ...] | None

# C0 and C1 control characters except tab, line feed and carriage return. NUL in
# particular: PostgreSQL refuses it in text while SQLite stores it, so dropping it
# here makes both databases behave the same.
_CONTROL = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160)]}


class AnswerError(ValueError):
    """An answer that cannot be accepted; ``message`` is fit to show the respondent."""

    def __init__(self, question_id: str, message: str):
        self.question_id = question_id
        self.message = message
        super().__init__(f"{question_id}: {message}")


def clean_text(value: str) -> str:
    """Normalise free text: NFC, no control characters, Windows line ends folded, trimmed."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return value.translate(_CONTROL).strip()


def _choice_message(question: Question) -> str:
    return "Select an answer" if question.required else "Select an answer, or continue without one"


def validate_answer(question: Question, raw: Iterable[str] | str | None) -> AnswerValue:
    """Return the normalised answer for ``question`` from raw submitted values.

    ``raw`` is what a form or CSV cell gave: a string, a list of strings (checkboxes),
    or ``None``. Choice answers are option codes.

    :raise AnswerError: when a required answer is missing, an option code is not
        one of the question's options, or text is longer than allowed.
    """
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values = [clean_text(v) for v in values if isinstance(v, str)]
    values = [v for v in values if v]
    if question.type == "text":
        return _validate_text(question.id, question.max_length, values, question.required)
    codes = {o.code for o in question.options}
    for v in values:
        if v not in codes:
            raise AnswerError(question.id, "Select one of the options")
    if not values:
        if question.required:
            raise AnswerError(question.id, _choice_message(question))
        return None
    if question.type == "choice":
        if len(values) > 1:
            raise AnswerError(question.id, "Select one answer only")
        return values[0]
    chosen = tuple(o.code for o in question.options if o.code in values)
    exclusive = [o.code for o in question.options if o.exclusive and o.code in chosen]
    if exclusive and len(chosen) > 1:
        label = question.label_for(exclusive[0])
        raise AnswerError(question.id, f"Select ‘{label}’ on its own, or select other answers")
    return chosen


def _validate_text(answer_id: str, limit: int, values: list[str], required: bool) -> str | None:
    text = "\n".join(values)
    if not text:
        if required:
            raise AnswerError(answer_id, "Enter your answer")
        return None
    if len(text) > limit:
        raise AnswerError(answer_id, f"Your answer must be {limit:,} characters or fewer")
    return text


def validate_comment(question: Question, raw: Iterable[str] | str | None) -> str | None:
    """Validate the optional "tell us more" text that belongs to ``question``."""
    if question.comment is None or question.comment_id is None:
        return None
    values = [raw] if isinstance(raw, str) else list(raw or [])
    cleaned = [clean_text(v) for v in values if isinstance(v, str)]
    return _validate_text(
        question.comment_id, question.comment.max_length, [v for v in cleaned if v], False
    )


def missing_answers(definition: SurveyDefinition, answers: Mapping[str, Any]) -> list[str]:
    """Ids of required questions that have no answer yet, in page order."""
    return [
        q.id for q in definition.questions if q.required and answers.get(q.id) in (None, "", ())
    ]


def validate_response(
    definition: SurveyDefinition, raw: Mapping[str, Any]
) -> dict[str, AnswerValue]:
    """Validate a whole response at once (paper returns, CSV rows).

    :raise ResponseErrors: with one :class:`AnswerError` per bad answer.
    """
    answers: dict[str, AnswerValue] = {}
    errors: list[AnswerError] = []
    for q in definition.questions:
        try:
            answers[q.id] = validate_answer(q, raw.get(q.id))
        except AnswerError as exc:
            errors.append(exc)
        # Checked on its own, so a bad rating does not hide an over-long comment.
        try:
            if q.comment_id:
                answers[q.comment_id] = validate_comment(q, raw.get(q.comment_id))
        except AnswerError as exc:
            errors.append(exc)
    if errors:
        raise ResponseErrors(errors)
    return answers


class ResponseErrors(ValueError):
    """Every problem in one response, so a person can fix them all in one go."""

    def __init__(self, errors: list[AnswerError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def segments_for(definition: SurveyDefinition, answers: Mapping[str, Any]) -> dict[str, str | None]:
    """The breakdown attributes of a response (respondent type, EHCP status, ...).

    A fixed ``respondent_type`` on the definition wins; otherwise the answer to the
    question with ``segment: respondent_type`` decides it through ``maps_to``.
    """
    found: dict[str, str | None] = {"respondent_type": definition.respondent_type}
    for q in definition.questions:
        if not q.segment:
            continue
        code = answers.get(q.id)
        opt = q.option(code) if isinstance(code, str) else None
        found[q.segment] = (opt.maps_to or opt.code) if opt else found.get(q.segment)
    return found
