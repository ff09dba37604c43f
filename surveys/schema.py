"""The shape of a survey definition (schema version 1), as frozen dataclasses.

A definition is data, written in YAML under ``surveys/definitions/`` and
documented in ``surveys/SCHEMA.md``. These classes are what the rest of the
platform sees once :mod:`surveys.loader` has checked a file, so a template or
an aggregation query never has to guess whether a field exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 1

QuestionType = Literal["choice", "multi_choice", "text"]
QUESTION_TYPES: tuple[str, ...] = ("choice", "multi_choice", "text")

#: Response attributes a question may fill, so results can be broken down in SQL.
SEGMENTS: tuple[str, ...] = ("respondent_type", "ehcp_status", "age_band", "locality", "setting")

DEFAULT_TEXT_LIMIT = 2000
MAX_TEXT_LIMIT = 5000


@dataclass(frozen=True)
class Icon:
    """A symbol shown beside easy-read text; ``alt`` is its text alternative."""

    name: str
    alt: str


@dataclass(frozen=True)
class Option:
    """One answer option with a stable code that never changes between versions."""

    code: str
    label: str
    hint: str | None = None
    #: For a segment question, the value stored on the response (e.g. ``parent_carer``).
    maps_to: str | None = None
    icon: Icon | None = None
    #: Shown after a divider ("or") and exclusive, as GOV.UK does for "None of these".
    exclusive: bool = False


@dataclass(frozen=True)
class Comment:
    """The optional "tell us more" box that follows a rating on the same page."""

    label: str
    hint: str | None = None
    max_length: int = DEFAULT_TEXT_LIMIT


@dataclass(frozen=True)
class Question:
    """One question; each is shown on its own page."""

    id: str
    type: QuestionType
    text: str
    section: str
    hint: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    kpi: str | None = None
    positive: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    comment: Comment | None = None
    max_length: int = DEFAULT_TEXT_LIMIT
    segment: str | None = None
    icon: Icon | None = None

    @property
    def comment_id(self) -> str | None:
        """The answer id under which this question's comment box is stored."""
        return f"{self.id}_comment" if self.comment else None

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def label_for(self, code: str) -> str:
        opt = self.option(code)
        return opt.label if opt else code


@dataclass(frozen=True)
class Section:
    """A run of questions with an optional introduction shown above the first."""

    id: str
    title: str
    intro: tuple[str, ...] = ()
    #: Equality monitoring: answers are only ever shown in suppressed aggregates.
    equality: bool = False


@dataclass(frozen=True)
class SurveyDefinition:
    """A whole survey, as co-produced and signed off."""

    slug: str
    version: int
    title: str
    audience: str
    summary: str
    time_to_complete: str
    intro: tuple[str, ...]
    privacy: tuple[str, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    easy_read: bool = False
    respondent_type: str | None = None
    population: str = ""
    schema_version: int = SCHEMA_VERSION
    source: str = field(default="", compare=False)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def index_of(self, question_id: str) -> int:
        for i, q in enumerate(self.questions):
            if q.id == question_id:
                return i
        raise KeyError(question_id)

    @property
    def kpi_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kpi)

    def answer_ids(self) -> list[str]:
        """Every id an answer can be stored under, in page order (export columns)."""
        ids: list[str] = []
        for q in self.questions:
            ids.append(q.id)
            if q.comment_id:
                ids.append(q.comment_id)
        return ids
