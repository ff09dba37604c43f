"""Responses in from a CSV file in the export format: validated whole, stored all or nothing.

Every problem is reported with its row (the header is row 1, as a spreadsheet
numbers them) and column, so a person can fix a keyed spreadsheet in one pass.
Nothing is stored unless every row is good, and then all rows are stored in one
transaction together with the audit row. ``dry_run`` validates and reports only.

Ignored on import (the database works them out): ``is_late`` (from the date
received and the wave's close), ``included`` except for late returns when the
wave's rule is "officer decides", the ``segment_*`` columns (from the answers)
and every ``<id>_label`` column (from the option codes). See docs/csv-format.md.

A wave takes an import only once it has opened, and each row's date received
must not be before the day it opened: the rules of keyed returns
(:mod:`feedback.services.returns`), so no way in is looser than another.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import IO, Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback import clock
from feedback.models import Answer, Channel, Response, Wave
from feedback.models.responses import human_code
from feedback.models.surveys import LateRule
from feedback.queries.data import existing_references
from feedback.services import audit
from feedback.services.comments import code_after_store
from feedback.services.exporting import MULTI_SEPARATOR, export_columns, restore
from feedback.services.responses import answer_rows, answer_values, response_without_answers
from feedback.services.returns import check_takes_returns, received_too_early
from surveys.schema import Question, SurveyDefinition
from surveys.validation import AnswerError, validate_answer, validate_comment

_BATCH = 500
NOT_OPEN_YET = "You cannot import responses into a wave that has not opened yet"
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
#: Columns the database works out; read past on import.
COMPUTED_COLUMNS = frozenset(
    {
        "is_late",
        "segment_respondent_type",
        "segment_ehcp_status",
        "segment_age_band",
        "segment_locality",
        "segment_setting",
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file. ``row`` 1 is the header; ``None`` means the whole file."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        return (
            f"{where}, column {self.column}: {self.message}"
            if self.column
            else (f"{where}: {self.message}")
        )


@dataclass
class ImportResult:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    stored: bool = False
    dry_run: bool = False
    references: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Row:
    number: int
    reference: str | None
    channel: Channel
    received_at: datetime
    received_on: date
    include_late: bool | None
    answers: dict[str, Any]


class _Layout:
    """What each header column means for this wave's survey version."""

    def __init__(self, definition: SurveyDefinition):
        self.answer_columns: dict[str, tuple[Question, bool]] = {}
        self.known: set[str] = set()
        for column in export_columns(definition):
            self.known.add(column.name)
        # Equality monitoring may come in (keyed paper forms) though it never goes out.
        for q in definition.questions:
            self.answer_columns[q.id] = (q, False)
            self.known.add(q.id)
            if q.type != "text":
                self.known.add(f"{q.id}_label")
            if q.comment_id:
                self.answer_columns[q.comment_id] = (q, True)
                self.known.add(q.comment_id)
        self.required = [q.id for q in definition.questions if q.required]


def check_takes_import(wave: Wave) -> None:
    """:raise DomainError: when ``wave`` has not opened yet, as keyed returns are refused."""
    check_takes_returns(wave, message=NOT_OPEN_YET)


def read_rows(data: bytes | str | IO) -> Iterator[list[str]]:
    """CSV records from bytes (UTF-8, with or without a byte-order mark) or text."""
    if hasattr(data, "read"):
        data = data.read()
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    yield from csv.reader(io.StringIO(text, newline=""), strict=True)


def import_csv(
    session: Session,
    wave: Wave,
    data: bytes | str | IO,
    *,
    channel: Channel = Channel.PAPER,
    dry_run: bool = False,
    user=None,
    actor: str | None = None,
    source: str = "",
) -> ImportResult:
    """Validate ``data`` against ``wave``'s survey and store every row, or none.

    ``channel`` is used for rows whose ``channel`` cell is blank.

    :return: an :class:`ImportResult`; ``stored`` is true only when every row
        was good, ``dry_run`` was off and the commit succeeded.
    :raise DomainError: before reading anything, when ``wave`` has not opened
        yet (a dry run too: no row could be good for it).
    """
    check_takes_import(wave)
    result = ImportResult(dry_run=dry_run)
    try:
        parsed = _parse(session, wave, read_rows(data), channel, result)
    except UnicodeDecodeError:
        result.problems.append(
            Problem(None, "", "the file is not UTF-8 text; save it as CSV UTF-8")
        )
        return result
    except csv.Error as exc:
        result.problems.append(Problem(None, "", f"the file is not valid CSV ({exc})"))
        return result
    result.rows = len(parsed)
    if result.problems or dry_run:
        return result
    return _store(session, wave, parsed, result, user=user, actor=actor, source=source)


def _parse(
    session: Session, wave: Wave, records: Iterable[list[str]], channel: Channel, result
) -> list[_Row]:
    records = iter(records)
    header = next(records, None)
    if header is None:
        result.problems.append(Problem(None, "", "the file is empty"))
        return []
    header = [h.strip() for h in header]
    layout = _Layout(wave.definition)
    result.problems.extend(_header_problems(header, layout))
    if result.problems:
        return []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
            result.problems.append(
                Problem(number, "", f"{len(record)} cells, but the header has {len(header)}")
            )
            continue
        cells = {name: restore(value) for name, value in zip(header, record, strict=False)}
        row = _parse_row(number, cells, wave, layout, channel, result.problems)
        if row is None:
            continue
        if row.reference:
            if row.reference in seen:
                result.problems.append(
                    Problem(
                        number, "reference", f"the same reference is on row {seen[row.reference]}"
                    )
                )
            seen.setdefault(row.reference, number)
        rows.append(row)
    for reference in sorted(existing_references(session, seen)):
        result.problems.append(
            Problem(seen[reference], "reference", f"{reference} is already in the database")
        )
    result.problems.sort(key=lambda p: (p.row or 0, p.column))
    return rows


def _header_problems(header: list[str], layout: _Layout) -> list[Problem]:
    problems = []
    for i, name in enumerate(header):
        if name in header[:i]:
            problems.append(Problem(1, name, "this column appears twice"))
        elif name not in layout.known:
            problems.append(Problem(1, name, "unknown column for this survey"))
    for qid in layout.required:
        if qid not in header:
            problems.append(Problem(1, qid, "required question column is missing"))
    return problems


def _parse_row(
    number: int,
    cells: dict[str, str],
    wave: Wave,
    layout: _Layout,
    default_channel: Channel,
    problems: list[Problem],
) -> _Row | None:
    before = len(problems)

    def fail(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    reference = cells.get("reference", "").strip() or None
    if reference and not _REFERENCE.match(reference):
        fail("reference", "use up to 16 letters, digits and hyphens")
    code = cells.get("wave", "").strip()
    if code and code != wave.code:
        fail("wave", f"this row is for wave {code}, not {wave.code}")
    channel = _channel(cells.get("channel", ""), default_channel, fail)
    submitted = _parse_moment(cells.get("submitted_at", ""), "submitted_at", fail)
    received_on = _parse_day(cells.get("received_on", ""), "received_on", fail)
    included = _parse_bool(cells.get("included", ""), "included", fail)
    answers = _answers(cells, layout, fail)
    _check_received_day(wave, received_on, submitted, fail)
    if len(problems) > before:
        return None
    received_at = submitted or (
        datetime.combine(received_on, time.min) if received_on else clock.now()
    )
    include_late = (
        included
        if wave.late_rule is LateRule.OFFICER_DECIDES and wave.is_late(received_at)
        else None
    )
    return _Row(
        number,
        reference,
        channel,
        received_at,
        received_on or received_at.date(),
        include_late,
        answers,
    )


def _check_received_day(
    wave: Wave, received_on: date | None, submitted: datetime | None, fail
) -> None:
    """The row's date received (its own, or else the day it was submitted) is not too early."""
    column, day = ("received_on", received_on)
    if received_on is None and submitted is not None:
        column, day = ("submitted_at", submitted.date())
    if too_early := received_too_early(wave, day):
        fail(column, too_early)


def _channel(value: str, default: Channel, fail) -> Channel:
    value = value.strip().lower()
    if not value:
        return default
    try:
        return Channel(value)
    except ValueError:
        fail("channel", f"use one of {', '.join(c.value for c in Channel)}")
        return default


def _parse_day(value: str, column: str, fail) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if day > clock.now().date():
            fail(column, "the date must not be in the future")
        return day
    fail(column, "enter a real date like 2026-11-25 or 25/11/2026")
    return None


def _parse_moment(value: str, column: str, fail) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    moment = None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        for fmt in (*_DATETIME_FORMATS, "%d/%m/%Y"):
            try:
                moment = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        fail(column, "enter a date and time like 2026-11-25T14:30:00")
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment > clock.now():
        fail(column, "the time must not be in the future")
    return moment


def _parse_bool(value: str, column: str, fail) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    fail(column, "use true or false")
    return None


def _answers(cells: dict[str, str], layout: _Layout, fail) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for name, value in cells.items():
        if name not in layout.answer_columns:
            continue
        question, is_comment = layout.answer_columns[name]
        try:
            if is_comment:
                answers[name] = validate_comment(question, value)
                continue
            if question.type == "text":
                answers[name] = validate_answer(question, value)
                continue
            codes = [c.strip() for c in value.split(MULTI_SEPARATOR)] if value.strip() else []
            unknown = [c for c in codes if c and question.option(c) is None]
            if unknown:
                offered = ", ".join(o.code for o in question.options)
                fail(name, f"‘{unknown[0]}’ is not an option code here; use one of {offered}")
                continue
            answers[name] = validate_answer(question, codes)
        except AnswerError as exc:
            fail(name, _message(question, is_comment, exc))
    return answers


def _message(question: Question, is_comment: bool, exc: AnswerError) -> str:
    if (
        question.required
        and not is_comment
        and exc.message in ("Select an answer", "Enter your answer")
    ):
        return "missing answer to a required question"
    return exc.message


def _store(
    session: Session, wave: Wave, rows: list[_Row], result: ImportResult, *, user, actor, source
) -> ImportResult:
    """Insert every row and the audit record in one transaction.

    Responses and answer rows are built as :func:`build_response` builds them for
    any other channel, then written a batch at a time with Core bulk INSERTs (the ORM
    leaves out None values, which splits rows into many small batches of
    differing keys). Batches keep memory flat; the single commit at the end
    keeps the import all or nothing.
    """
    keyed_by = getattr(user, "email", None) or actor or "import"
    references: list[str] = []
    try:
        for start in range(0, len(rows), _BATCH):
            references += _insert_batch(session, wave, rows[start : start + _BATCH], keyed_by)
        audit.record(
            session,
            "responses.import",
            user=user,
            actor=actor,
            target=f"wave:{wave.id}",
            detail={"wave": wave.code, "rows": len(rows), "source": source[:200]},
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        result.problems.append(
            Problem(
                None,
                "reference",
                "a reference was stored by someone else meanwhile; nothing was imported, try again",
            )
        )
        return result
    result.stored = True
    result.references = references
    code_after_store(session, wave_id=wave.id)
    return result


def _insert_batch(session: Session, wave: Wave, rows: list[_Row], keyed_by: str) -> list[str]:
    responses = []
    for row in rows:
        response = response_without_answers(
            wave,
            row.answers,
            channel=row.channel,
            received_at=row.received_at,
            received_on=row.received_on,
            keyed_by=keyed_by,
            include_late=row.include_late,
        )
        response.reference = row.reference or human_code()
        responses.append((response, answer_values(wave, row.answers)))
    table = Response.__table__
    ids = session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [_response_values(wave, r) for r, _ in responses],
    ).all()
    answers = [
        row
        for response_id, (response, values) in zip(ids, responses, strict=True)
        for row in answer_rows(response_id, response, values)
    ]
    if answers:
        session.execute(insert(Answer.__table__), answers)
    return [r.reference for r, _ in responses]


def _response_values(wave: Wave, response: Response) -> dict[str, Any]:
    return {
        "wave_id": wave.id,
        "reference": response.reference,
        "draft_id": None,
        "channel": response.channel,
        "respondent_type": response.respondent_type,
        "ehcp_status": response.ehcp_status,
        "age_band": response.age_band,
        "locality": response.locality,
        "setting": response.setting,
        "submitted_at": response.submitted_at,
        "received_on": response.received_on,
        "is_late": response.is_late,
        "included": response.included,
        "keyed_by": response.keyed_by,
    }


__all__ = [
    "COMPUTED_COLUMNS",
    "NOT_OPEN_YET",
    "ImportResult",
    "Problem",
    "check_takes_import",
    "import_csv",
    "read_rows",
]
