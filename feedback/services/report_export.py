"""Files for people to keep: the annual "You said, we did" statement and the survey report.

Officer-entered and family text goes into spreadsheets, and a spreadsheet runs a
cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula; :func:`cell`
puts an apostrophe in front of such text so opening the file is always safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from feedback.models.actions import Action
from feedback.services.actions import subject_label

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ACTION_HEAD = (
    "Theme or KPI",
    "You said",
    "We did",
    "Owner",
    "Due date",
    "Status",
    "Last updated",
)


def cell(value: Any) -> Any:
    """A value that is safe in a spreadsheet: text that looks like a formula gets an apostrophe."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def action_rows(actions: Iterable[Action]) -> list[list[Any]]:
    """One row per action, in :data:`ACTION_HEAD` order; status in words."""
    return [
        [
            subject_label(a.subject_kind, a.subject_key),
            a.you_said,
            a.we_did,
            a.owner,
            a.due_on,
            a.status.label,
            a.updated_at.date(),
        ]
        for a in actions
    ]


def write_csv(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV with a byte-order mark so Excel reads UTF-8 (curly quotes, accents) correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([_text(cell(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def write_xlsx(sheets: Sequence[Sequence[Any]]) -> bytes:
    """A workbook with one sheet per ``(title, head, rows[, caption])``.

    The caption, when given, is the first row; the header row is bold and frozen.
    """
    book = Workbook()
    book.remove(book.active)
    for title, head, rows, *caption in sheets:
        sheet = book.create_sheet(title[:31])
        if caption:
            sheet.append([caption[0]])
            sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(list(head))
        for header in sheet[sheet.max_row]:
            header.font = Font(bold=True)
        header_row = sheet.max_row
        for row in rows:
            sheet.append([cell(v) for v in row])
        for column in sheet.iter_cols(min_row=header_row):
            letter = column[0].column_letter
            longest = max(len(_text(c.value)) for c in column)
            sheet.column_dimensions[letter].width = min(max(10, longest + 2), 60)
            for c in column:
                c.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(c.value, date):
                    c.number_format = "d mmm yyyy"
        sheet.freeze_panes = f"A{header_row + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


RESULT_HEAD = ("KPI", "Measure", "Result", "Answers", "Survey", "What it means")


def annual_statement_file(
    actions: Sequence[Action], year: int, fmt: str, results: dict | None = None
) -> bytes:
    """The annual statement as ``csv`` (the actions) or ``xlsx`` (actions and headline results).

    :raise ValueError: for another format.
    """
    rows = action_rows(actions)
    if fmt == "csv":
        return write_csv(ACTION_HEAD, rows)
    if fmt != "xlsx":
        raise ValueError(f"format must be csv or xlsx, not {fmt!r}")
    sheets = [(f"Actions {year}", ACTION_HEAD, rows)]
    if results is not None:
        result_rows = [
            [
                f"{r['code']} {r['short']}",
                r["measure"],
                {"shown": r["result"], "hidden": "c"}.get(r["state"], "No result"),
                r["n"],
                r["survey"],
                r["reading"],
            ]
            for r in results["rows"]
        ]
        sheets.append((f"Results {year}", RESULT_HEAD, result_rows))
    return write_xlsx(sheets)


def report_xlsx(report: dict) -> bytes:
    """The survey report's tables, one sheet each, with "c" where a value is suppressed."""
    from feedback.services.survey_report import report_tables

    sheets = []
    used: set[str] = set()
    for t in report_tables(report):
        sheets.append(
            (_sheet_title(t["id"].removeprefix("table-"), used), t["head"], t["rows"], t["caption"])
        )
    return write_xlsx(sheets)


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, unique, none of []:*?/\\."""
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:28]}-{n}"
        n += 1
    used.add(title.lower())
    return title


def report_css() -> str:
    """GOV.UK Frontend's styles and ours, to put inside the standalone report file."""
    from pathlib import Path

    static = Path(__file__).resolve().parent.parent.parent / "static"
    govuk = (static / "govuk-frontend" / "govuk-frontend.min.css").read_text(encoding="utf-8")
    ours = (static / "css" / "app.css").read_text(encoding="utf-8")
    # The fonts and images are not in the file; the styles fall back to system fonts.
    return (govuk + "\n" + ours).replace("</", "<\\/")
