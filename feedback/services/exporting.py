"""Responses out: the row-level CSV/XLSX format, formula neutralisation and audited exports.

One row per response, with stable column names (see ``docs/csv-format.md``):
metadata first, then one column per answer id holding option codes or text, and
a ``<id>_label`` column beside every choice question. Equality-monitoring
questions are never written row by row; they only ever leave the database as
suppressed aggregates.

A spreadsheet runs any cell that starts with ``=``, ``+``, ``-`` or ``@`` (also
after spaces, or after a tab or carriage return) as a formula, and free text
comes from the public. :func:`neutralise` puts an apostrophe in front of such
text in both formats; :func:`restore` (used by the importer) takes it off again,
so export -> import -> export gives the same file byte for byte.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Answer, Response, Wave
from feedback.services.audit import record
from surveys.schema import Question, SurveyDefinition

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: Response metadata, in column order. The five segment columns carry a
#: ``segment_`` prefix because the annual survey has questions with the same ids
#: (``ehcp_status``, ``setting``, ``locality``) and a file needs unique headers.
METADATA_COLUMNS: tuple[str, ...] = (
    "reference",
    "wave",
    "channel",
    "submitted_at",
    "received_on",
    "is_late",
    "included",
    "segment_respondent_type",
    "segment_ehcp_status",
    "segment_age_band",
    "segment_locality",
    "segment_setting",
)
MULTI_SEPARATOR = "|"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500


@dataclass(frozen=True)
class Column:
    """One column of the row-level format.

    ``kind`` is ``meta`` (response metadata), ``answer`` (option codes or text
    for ``answer_id``) or ``label`` (option labels for ``answer_id``, for people
    reading the file; ignored on import).
    """

    name: str
    kind: Literal["meta", "answer", "label"]
    answer_id: str | None = None
    question: Question | None = None
    is_text: bool = False


def row_level_questions(definition: SurveyDefinition) -> list[Question]:
    """Questions that may appear in a row-level file: everything but equality monitoring."""
    equality = {s.id for s in definition.sections if s.equality}
    return [q for q in definition.questions if q.section not in equality]


def export_columns(definition: SurveyDefinition) -> list[Column]:
    """The columns of a wave's file, in order; the header is their names."""
    columns = [Column(name, "meta") for name in METADATA_COLUMNS]
    for q in row_level_questions(definition):
        columns.append(Column(q.id, "answer", q.id, q, is_text=q.type == "text"))
        if q.type != "text":
            columns.append(Column(f"{q.id}_label", "label", q.id, q))
        if q.comment_id:
            columns.append(Column(q.comment_id, "answer", q.comment_id, q, is_text=True))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{definition.slug}: answer ids clash with export columns: {clash}")
    return columns


def needs_neutralising(value: str) -> bool:
    """Whether a spreadsheet could read ``value`` as a formula."""
    return value.startswith(_FORMULA_STARTS) or value.lstrip(" ").startswith(_FORMULA_STARTS)


def neutralise(value: str) -> str:
    """Put an apostrophe before text a spreadsheet would run as a formula.

    Text that already starts with an apostrophe followed by such text gets one
    more, so that :func:`restore` can always take exactly one off again.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("  -1"), neutralise("fine")
    ('\\'=HYPERLINK("http://x")', "'  -1", 'fine')
    """
    if needs_neutralising(value) or (value.startswith("'") and _restorable(value)):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise`: drop one leading apostrophe if neutralising added it.

    A leading apostrophe is kept when what follows could not have been
    neutralised (``'Tis`` stays ``'Tis``), so files from other tools keep it too.
    """
    return value[1:] if _restorable(value) else value


def _restorable(value: str) -> bool:
    rest = value[1:]
    return value.startswith("'") and (
        needs_neutralising(rest) or (rest.startswith("'") and _restorable(rest))
    )


def format_datetime(value: datetime | None) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def format_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def format_bool(value: bool) -> str:
    return "true" if value else "false"


#: Response columns read for the metadata cells, in the order :func:`_meta_cells` takes them.
_RESPONSE_COLUMNS = (
    Response.id,
    Response.reference,
    Response.channel,
    Response.submitted_at,
    Response.received_on,
    Response.is_late,
    Response.included,
    Response.respondent_type,
    Response.ehcp_status,
    Response.age_band,
    Response.locality,
    Response.setting,
)


def _meta_cells(wave: Wave, row) -> dict[str, str]:
    _, reference, channel, submitted, received, late, included, *segments = row
    meta = {
        "reference": reference,
        "wave": wave.code,
        "channel": channel.value,
        "submitted_at": format_datetime(submitted),
        "received_on": format_date(received),
        "is_late": format_bool(late),
        "included": format_bool(included),
    }
    for name, value in zip(METADATA_COLUMNS[7:], segments, strict=True):
        meta[name] = value or ""
    return meta


def response_row(
    meta: dict[str, str], answers: Iterable[tuple[str, str | None, str | None]], columns
) -> list[str]:
    """One response as cells (plain strings, before neutralisation).

    ``answers`` are ``(answer id, option code, text)`` triples, one per stored row.
    """
    codes: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for answer_id, code, text in answers:
        if code is not None:
            codes.setdefault(answer_id, []).append(code)
        elif text is not None:
            texts[answer_id] = text
    row = []
    for column in columns:
        if column.kind == "meta":
            row.append(meta[column.name])
        elif column.is_text:
            row.append(texts.get(column.answer_id or "", ""))
        else:
            chosen = _in_option_order(column.question, codes.get(column.answer_id or "", []))
            if column.kind == "label":
                chosen = [column.question.label_for(c) for c in chosen]
            row.append(MULTI_SEPARATOR.join(chosen))
    return row


def _in_option_order(question: Question | None, codes: list[str]) -> list[str]:
    if len(codes) < 2:
        return codes
    order = {o.code: i for i, o in enumerate(question.options)} if question else {}
    return sorted(codes, key=lambda c: (order.get(c, len(order)), c))


def wave_rows(session: Session, wave: Wave, columns: Sequence[Column]) -> Iterator[list[str]]:
    """Every response of ``wave`` as a row, in id order, read a batch at a time.

    Plain column tuples rather than ORM objects, and keyset pages (``id > last``)
    rather than one long cursor, so memory stays flat however large the wave and
    no cursor is held open while the client downloads.
    """
    last = 0
    while True:
        batch = session.execute(
            select(*_RESPONSE_COLUMNS)
            .where(Response.wave_id == wave.id, Response.id > last)
            .order_by(Response.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        answers: dict[int, list[tuple[str, str | None, str | None]]] = {}
        for response_id, answer_id, code, text in session.execute(
            select(Answer.response_id, Answer.question_id, Answer.option_code, Answer.text)
            .where(Answer.response_id.in_([r[0] for r in batch]))
            .order_by(Answer.response_id, Answer.id)
        ):
            answers.setdefault(response_id, []).append((answer_id, code, text))
        for row in batch:
            yield response_row(_meta_cells(wave, row), answers.get(row[0], ()), columns)
        last = batch[-1][0]


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The CSV text, a few hundred rows at a time, so a large export never sits in memory.

    UTF-8 with a byte-order mark (so Excel reads accents and emoji correctly),
    CRLF line ends, fields quoted only when they need it, every cell neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if n % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(columns: Sequence[Column], rows: Iterable[Sequence[str]], out: IO[bytes]) -> None:
    """Write an XLSX workbook: bold frozen header, widths by column kind, text cells only.

    Every cell is written as a string (``data_type = "s"``) with the same
    neutralised value as the CSV, and cells that needed neutralising also get
    Excel's ``quotePrefix`` flag, so no cell can ever be stored as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _width(column)
    bold = Font(bold=True)

    def cell(value: str, *, header: bool = False) -> WriteOnlyCell | None:
        if value == "" and not header:
            return None
        shown = neutralise(value)
        c = WriteOnlyCell(sheet, shown)
        c.data_type = "s"
        if shown != value:
            c.quotePrefix = True
        if header:
            c.font = bold
        return c

    sheet.append([cell(c.name, header=True) for c in columns])
    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(out)


def _width(column: Column) -> float:
    if column.kind == "meta":
        return max(12, len(column.name) + 2)
    if column.is_text:
        return 50
    return 32 if column.kind == "label" else max(14, min(len(column.name) + 2, 24))


def count_rows(session: Session, wave: Wave) -> int:
    from feedback.queries.data import response_count

    return response_count(session, wave.id)


def record_export(session: Session, wave: Wave, fmt: str, *, user=None, actor=None) -> int:
    """Audit a row-level export before it is streamed; returns the number of rows.

    The audit row is committed first: a download the browser abandons half-way
    has still left the building as far as data protection is concerned.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    rows = count_rows(session, wave)
    record(
        session,
        "responses.export",
        user=user,
        actor=actor,
        target=f"wave:{wave.id}",
        detail={"wave": wave.code, "format": fmt, "rows": rows},
    )
    session.commit()
    return rows


def csv_export(session: Session, wave: Wave, *, user=None, actor=None) -> Iterator[str]:
    """Audit a CSV export of ``wave`` now and return its text, to be streamed chunk by chunk."""
    record_export(session, wave, "csv", user=user, actor=actor)
    columns = export_columns(wave.definition)
    return csv_chunks([c.name for c in columns], wave_rows(session, wave, columns))


def xlsx_export(session: Session, wave: Wave, *, user=None, actor=None) -> io.BytesIO:
    """Audit an XLSX export of ``wave`` and return the workbook, ready to send."""
    out = io.BytesIO()
    export_file(session, wave, "xlsx", out, user=user, actor=actor)
    out.seek(0)
    return out


def export_file(
    session: Session, wave: Wave, fmt: str, out: IO[bytes], *, user=None, actor=None
) -> int:
    """Audit and write the whole export of ``wave`` to a binary file; returns the row count."""
    rows = record_export(session, wave, fmt, user=user, actor=actor)
    columns = export_columns(wave.definition)
    data = wave_rows(session, wave, columns)
    if fmt == "xlsx":
        write_xlsx(columns, data, out)
    else:
        for chunk in csv_chunks([c.name for c in columns], data):
            out.write(chunk.encode("utf-8"))
    return rows


def export_filename(wave: Wave, fmt: str) -> str:
    return f"{wave.code}-responses.{fmt}"


#: The forum's aggregate file: counts per option of each KPI question, suppressed.
AGGREGATE_HEADER: tuple[str, ...] = (
    "wave",
    "kpi",
    "question_id",
    "question",
    "option_code",
    "option_label",
    "count",
)


def aggregate_rows(session: Session, wave: Wave) -> list[list[str]]:
    """Counts per option of each KPI question of ``wave``, with small numbers suppressed.

    Only included responses from the respondent types a KPI counts are counted.
    Under a base of 10 every count of the question is hidden (``c``) and only
    the total is shown; otherwise counts of 1 to 4 are hidden, with
    complementary cells hidden too so that none can be worked out from the
    total (:func:`analysis.suppression.suppress_table`). No row-level data and
    no free text.
    """
    from analysis.suppression import SUPPRESSED, is_base_suppressed, suppress_table
    from feedback.queries.data import option_counts
    from surveys.kpis import KPIS

    questions = [q for q in wave.definition.kpi_questions if q.type != "text"]
    types = {q.id: KPIS[q.kpi].respondents if q.kpi in KPIS else () for q in questions}
    counts = option_counts(session, wave.id, questions, types)
    rows: list[list[str]] = []
    for q in questions:
        values = [counts.get((q.id, o.code), 0) for o in q.options]
        total = sum(values)
        if is_base_suppressed(total):
            shown: list = [SUPPRESSED] * len(values)
        else:
            shown = suppress_table([values]).cells[0]
        for option, value in zip(q.options, shown, strict=True):
            rows.append(
                [wave.code, q.kpi or "", q.id, q.text, option.code, option.label, str(value)]
            )
        rows.append([wave.code, q.kpi or "", q.id, q.text, "", "Total", str(total)])
    return rows


def aggregate_export(session: Session, wave: Wave, *, user=None, actor=None) -> str:
    """The forum's aggregate CSV for ``wave`` (audited; commits)."""
    rows = aggregate_rows(session, wave)
    record(
        session,
        "exports.aggregate",
        user=user,
        actor=actor,
        target=f"wave:{wave.id}",
        detail={"wave": wave.code, "format": "csv", "rows": len(rows)},
    )
    session.commit()
    return "".join(csv_chunks(AGGREGATE_HEADER, rows))
