"""The KPI baseline report for the improvement board, as XLSX, CSV or JSON.

The XLSX is laid out like Appendix A of the progress report (seed 004): one
table per action group, headed "Actions n.n: ...", with the columns KPI,
measure, frequency, baseline (date), latest (date), direction of travel,
milestone targets (dates), status, 6-point trend, n and interval, commentary.
As in Appendix A each table has a two-row header: the milestone targets sit
under one merged "Performance target" heading, a column per period ("12
Months", "18 Months" for KPI 4; the periods recorded for the other KPIs), and
every other heading spans both rows. CSV and JSON keep one flat header, with
"Milestone target 1" and "Milestone target 2" columns.
KPI 4/1-4/6 come from the surveys through :func:`feedback.services.kpi_results.kpi_report`;
the plan's other KPIs come from the values officers recorded.

Suppression is applied before anything is written: a suppressed figure is "c"
in CSV and XLSX and ``null`` with ``"suppressed": true`` in JSON. Text cells a
spreadsheet could run as a formula are neutralised with
:func:`feedback.services.exporting.neutralise`.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from analysis.suppression import SUPPRESSED
from analysis.targets import format_pct
from feedback import clock
from feedback.cache import figures_time
from feedback.models.kpis import OtherKpiValue, OtherKpiValueKind
from feedback.services.audit import record
from feedback.services.exporting import neutralise
from feedback.services.kpi_results import kpi_report
from feedback.services.kpis import other_values

FORMATS = ("xlsx", "csv", "json")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

KPI4_GROUP = (
    "Actions 4.1: EHCP plans are co-produced with parents and young people. "
    "Strengthen offer from SENDIAS."
)

COLUMNS = (
    "KPI",
    "Measure",
    "Frequency",
    "Baseline (date)",
    "Latest (date)",
    "Direction of travel",
    "Milestone target 1 (date)",
    "Milestone target 2 (date)",
    "Status",
    "6 point trend",
    "n and 95% interval",
    "Commentary",
)

#: Columns before and after the milestone targets, in every Appendix A table.
LEADING, TRAILING = COLUMNS[:6], COLUMNS[8:]
TARGETS_HEADING = "Performance target"

NOTES = (
    "Percentages are the share of valid answers that were positive; 'Don't know' and "
    "'Not applicable' are not valid answers.",
    "c = suppressed: fewer than 10 valid answers, or hidden so that a small group "
    "cannot be worked out from the totals.",
    "Intervals are 95% Wilson intervals. Direction of travel compares the last two results "
    "with a 95% Newcombe interval of the difference.",
    "Status compares the latest interval with the next milestone: met, on track, not on "
    "track, or insufficient data.",
    "Each target says whether 'plus' means percentage points or a percentage of the baseline.",
)


def _month(value: str | date | None) -> str:
    if value is None:
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return when.strftime("%b-%y")


def _pct(value: float | None, suppressed: bool = False) -> str:
    if suppressed:
        return SUPPRESSED
    return "" if value is None else format_pct(value)


def _points(value: float) -> str:
    return f"{value:+.1f}".replace("-", "minus ").replace("+", "plus ")


def _direction(row: dict[str, Any]) -> str:
    d = row["direction"]
    if d["diff"] is None:
        return d["label"].capitalize()
    return (
        f"{d['label'].capitalize()}: {_points(d['diff'])} points "
        f"(95% interval {_points(d['diff_low'])} to {_points(d['diff_high'])})"
    )


def _target(row: dict[str, Any], i: int) -> str:
    targets = row["targets"]
    if i >= len(targets):
        rule = row["milestones"][i] if i < len(row["milestones"]) else None
        if rule is None:
            return ""
        unit = "points" if rule["mode"] == "points" else "% of baseline"
        return f"Baseline plus {rule['plus']:g} {unit} at {rule['months']} months"
    t = targets[i]
    return f"{format_pct(t['value'])} by {_month(t['date'])} ({t['label']})"


def _trend(row: dict[str, Any]) -> str:
    return "; ".join(
        f"{_pct(p['pct'], p['suppressed'])} ({_month(p['date'])}, {p['wave']})"
        for p in row["trend"]
    )


def _n_interval(row: dict[str, Any]) -> str:
    if row["n"] is None and not row["suppressed"]:
        return "No result"
    if row["suppressed"]:
        base = SUPPRESSED if row["n"] is None else str(row["n"])
        return f"n = {base}; result suppressed ({SUPPRESSED})"
    return (
        f"n = {row['n']} ({row['positive']} positive); "
        f"95% interval {format_pct(row['ci_low'])} to {format_pct(row['ci_high'])}"
    )


def _commentary(row: dict[str, Any]) -> str:
    parts = []
    c = row.get("commentary")
    if c:
        parts.append(f"{c['period']} ({c['date']}, {c['author']}): {c['text']}")
    if row.get("sample_note"):
        parts.append(row["sample_note"])
    parts.extend(row.get("trend_warnings") or [])
    b = row.get("baseline") or {}
    if b.get("recorded_note"):
        parts.append(b["recorded_note"])
    return "\n".join(parts)


def kpi4_table_rows(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    """One Appendix A line per KPI 4 report row, as text cells in :data:`COLUMNS` order."""
    out = []
    for row in rows:
        b = row["baseline"]
        baseline = "No baseline"
        if b is not None:
            value = _pct(b["value"], b["value"] is None)
            status = b.get("status")
            baseline = f"{value} ({_month(b['date'])})"
            if status and status != "ratified":
                baseline += f", {status}, not ratified"
        latest = _pct(row["pct"], row["suppressed"]) if row["wave"] else "No result yet"
        if row["wave"]:
            latest += f" ({_month(row['date'])}, {row['wave']})"
        out.append(
            [
                f"KPI {row['code']}",
                row["measure"],
                row.get("frequency", ""),
                baseline,
                latest,
                _direction(row),
                _target(row, 0),
                _target(row, 1),
                row["status"].capitalize(),
                _trend(row),
                _n_interval(row),
                _commentary(row),
            ]
        )
    return out


@dataclass(frozen=True)
class AppendixTable:
    """One Appendix A table as the XLSX lays it out.

    ``periods`` head the milestone target columns; each line is the
    :data:`LEADING` cells, one cell per period (blank where the KPI has no
    target then), and the :data:`TRAILING` cells.
    """

    group: str
    periods: tuple[str, ...]
    lines: tuple[tuple[str, ...], ...]


def kpi4_appendix_table(rows: Sequence[dict[str, Any]]) -> AppendixTable:
    """KPI 4/1-4/6 with a column per milestone period ("12 Months", "18 Months")."""
    months = sorted({m["months"] for row in rows for m in row["milestones"]})
    dates: dict[int, set[str]] = defaultdict(set)
    lines = []
    for row, cells in zip(rows, kpi4_table_rows(rows), strict=True):
        by_months = {}
        for i, rule in enumerate(row["milestones"]):
            by_months[rule["months"]] = _target(row, i)
            if i < len(row["targets"]):
                dates[rule["months"]].add(_month(row["targets"][i]["date"]))
        targets = [by_months.get(m, "") for m in months]
        lines.append(tuple(cells[:6] + targets + cells[8:]))
    # The date goes in the heading only when every KPI's target at that period shares it.
    periods = tuple(
        f"{m} Months ({next(iter(dates[m]))})" if len(dates[m]) == 1 else f"{m} Months"
        for m in months
    )
    return AppendixTable(KPI4_GROUP, periods, tuple(lines))


def _other_by_code(values: Sequence[OtherKpiValue]) -> dict[str, list[OtherKpiValue]]:
    """Values per code, codes in plan order (1/2 before 1/10), values oldest first."""
    by_code: dict[str, list[OtherKpiValue]] = defaultdict(list)
    for v in values:
        by_code[v.code].append(v)
    return {
        code: sorted(by_code[code], key=lambda v: (v.period_date, v.id))
        for code in sorted(by_code, key=_code_key)
    }


def _other_cells(code: str, items: list[OtherKpiValue]):
    """(group, leading cells, target values, trailing cells) for one other KPI."""
    first = items[-1]

    def cells(kind):
        return [f"{v.display} ({v.period_label})" for v in items if v.kind is kind and v.display]

    baselines, performance = (
        cells(OtherKpiValueKind.BASELINE),
        cells(OtherKpiValueKind.PERFORMANCE),
    )
    direction = f"Previous: {performance[-2]}" if len(performance) > 1 else ""
    sources = "\n".join(sorted({v.source_note for v in items if v.source_note}))
    leading = [
        f"KPI {code}",
        first.measure,
        first.frequency,
        baselines[-1] if baselines else "",
        performance[-1] if performance else "",
        direction,
    ]
    targets = [v for v in items if v.kind is OtherKpiValueKind.TARGET and v.display]
    trailing = ["", "; ".join(performance[-6:]), "", sources]
    return first.action_group or "Other KPIs", leading, targets, trailing


def other_kpi_tables(values: Sequence[OtherKpiValue]) -> dict[str, list[list[str]]]:
    """Appendix A lines for the plan's other KPIs, grouped by action group (flat columns)."""
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for code, items in _other_by_code(values).items():
        group, leading, targets, trailing = _other_cells(code, items)
        texts = [f"{v.display} ({v.period_label})" for v in targets]
        groups[group].append([*leading, texts[0] if texts else "", "; ".join(texts[1:]), *trailing])
    return dict(sorted(groups.items()))


def _period_heading(period: tuple[date, str]) -> str:
    when, label = period
    month = when.strftime("%b-%y")
    return label if label == month else f"{label} ({month})"


def other_kpi_appendix_tables(values: Sequence[OtherKpiValue]) -> dict[str, AppendixTable]:
    """The other KPIs' tables with a target column per period recorded in the group."""
    found: dict[str, list[tuple]] = defaultdict(list)
    for code, items in _other_by_code(values).items():
        group, leading, targets, trailing = _other_cells(code, items)
        found[group].append((leading, targets, trailing))
    tables = {}
    for group, entries in sorted(found.items()):
        periods = sorted({(v.period_date, v.period_label) for _, ts, _ in entries for v in ts})
        lines = tuple(
            tuple(
                leading
                + [
                    "; ".join(v.display for v in targets if (v.period_date, v.period_label) == p)
                    for p in periods
                ]
                + trailing
            )
            for leading, targets, trailing in entries
        )
        tables[group] = AppendixTable(group, tuple(map(_period_heading, periods)), lines)
    return tables


def _code_key(code: str) -> tuple:
    parts = code.replace("/", " ").split()
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def build_tables(session: Session, wave_id: int | None = None) -> dict[str, Any]:
    """Everything an export needs: KPI 4 rows (plain data) and Appendix A tables.

    ``tables`` are flat (the CSV's columns); ``appendix`` are the same tables,
    in the same order, with a target column per milestone period (the XLSX).
    """
    rows = kpi_report(session, wave_id=wave_id)
    tables = {KPI4_GROUP: kpi4_table_rows(rows)}
    others = other_values(session)
    tables.update(other_kpi_tables(others))
    ordered = dict(sorted(tables.items(), key=lambda kv: kv[0]))
    appendix = {KPI4_GROUP: kpi4_appendix_table(rows), **other_kpi_appendix_tables(others)}
    return {
        "rows": rows,
        "tables": ordered,
        "appendix": [appendix[group] for group in ordered],
        "others": others,
    }


def _safe(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


def to_csv(tables: dict[str, list[list[str]]]) -> str:
    """One CSV: an "Action group" column, then the Appendix A columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Action group", *COLUMNS])
    for group, lines in tables.items():
        for line in lines:
            writer.writerow([_safe(group), *(_safe(c) for c in line)])
    return buffer.getvalue()


def to_json(rows: Sequence[dict[str, Any]], others: Sequence[OtherKpiValue]) -> str:
    """The JSON export: per KPI the report row; the other KPIs' recorded values."""
    data = {
        "generated_at": clock.now().isoformat(timespec="seconds"),
        # Cached figures may be a minute older than the file when answers are arriving.
        "figures_worked_out_at": figures_time().isoformat(timespec="seconds"),
        "suppression": "values are null with suppressed true when hidden (n < 10 or "
        "secondary suppression)",
        "kpis": list(rows),
        "other_kpis": [
            {
                "code": v.code,
                "action_group": v.action_group,
                "measure": v.measure,
                "frequency": v.frequency,
                "unit": v.unit.value,
                "kind": v.kind.value,
                "period": v.period_label,
                "period_date": v.period_date.isoformat(),
                "value": v.value,
                "text": v.text,
                "source_note": v.source_note,
            }
            for v in others
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


#: Column widths in the XLSX: the leading columns, each target period, the trailing columns.
_LEADING_WIDTHS, _PERIOD_WIDTH, _TRAILING_WIDTHS = (10, 45, 12, 22, 26, 30), 26, (16, 40, 30, 60)


def _write_header(sheet, top: int, periods: tuple[str, ...], has_targets: bool) -> None:
    """Appendix A's two header rows from row ``top``: "Performance target" over the
    period columns, every other heading merged down over both rows."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDDDDD")
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    first_target = len(LEADING) + 1
    last_target = first_target + len(periods) - 1
    headings = [*LEADING, TARGETS_HEADING, *([""] * (len(periods) - 1)), *TRAILING]
    for col, text in enumerate(headings, start=1):
        sheet.cell(top, col, text)
    for col, text in enumerate(periods, start=first_target):
        sheet.cell(top + 1, col, _safe(text))
    for col in range(1, len(headings) + 1):
        in_targets = first_target <= col <= last_target
        if not in_targets or not has_targets:
            sheet.merge_cells(start_row=top, end_row=top + 1, start_column=col, end_column=col)
        for row in (top, top + 1):
            cell = sheet.cell(row, col)
            cell.font, cell.fill = bold, fill
            cell.alignment = centred if in_targets and row == top else wrap
    if last_target > first_target:
        sheet.merge_cells(
            start_row=top, end_row=top, start_column=first_target, end_column=last_target
        )


def _write_table(sheet, table: AppendixTable, widths: dict[int, float]) -> None:
    """One Appendix A table: its heading, its two header rows, its lines.

    A table with no targets recorded keeps one blank column under "Performance
    target", so that its columns still line up with the header.
    """
    from openpyxl.styles import Alignment, Font

    periods = table.periods or ("",)
    sheet.append([])
    sheet.append([_safe(table.group)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    _write_header(sheet, sheet.max_row + 1, periods, bool(table.periods))
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in table.lines:
        cells = list(line)
        if not table.periods:
            cells.insert(len(LEADING), "")
        sheet.append([_safe(c) for c in cells])
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    planned = [*_LEADING_WIDTHS, *([_PERIOD_WIDTH] * len(periods)), *_TRAILING_WIDTHS]
    for col, w in enumerate(planned, start=1):
        widths[col] = max(widths.get(col, 0), w)


def to_xlsx(tables: Sequence[AppendixTable], rows: Sequence[dict[str, Any]]) -> bytes:
    """Appendix A as a workbook: the tables, a data sheet of KPI 4 figures, and notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Appendix A"
    sheet.append(["Current KPI performance"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Produced {clock.now():%d %B %Y}. c = suppressed (small numbers)."])
    widths: dict[int, float] = {}
    for table in tables:
        _write_table(sheet, table, widths)
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width

    data = book.create_sheet("KPI 4 data")
    head = ["KPI", "Wave", "Date", "n", "Positive", "%", "95% low", "95% high", "Status"]
    data.append(head + ["Direction", "Difference", "Diff low", "Diff high", "Baseline"])
    for r in rows:
        hidden = r["suppressed"]
        figures = [
            SUPPRESSED if hidden and r["n"] is None else r["n"],
            *(SUPPRESSED if hidden else r[k] for k in ("positive", "pct", "ci_low", "ci_high")),
        ]
        d = r["direction"]
        base = r["baseline"]["value"] if r["baseline"] else None
        data.append(
            [r["code"], _safe(r["wave"] or ""), r["date"] or "", *figures, r["status"]]
            + [d["label"], d["diff"], d["diff_low"], d["diff_high"], base]
        )
    notes = book.create_sheet("Notes")
    for line in NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_kpis(session: Session, fmt: str, *, wave_id: int | None = None, user=None) -> bytes:
    """The KPI baseline report in ``fmt`` (xlsx, csv or json); records an audit event.

    :raise ValueError: for an unknown format.
    :raise feedback.services.kpi_results.UnknownWave: for a ``wave_id`` with no KPI results.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    built = build_tables(session, wave_id)
    if fmt == "json":
        payload = to_json(built["rows"], built["others"]).encode("utf-8")
    elif fmt == "csv":
        payload = to_csv(built["tables"]).encode("utf-8")
    else:
        payload = to_xlsx(built["appendix"], built["rows"])
    record(session, "kpi.export", user=user, detail={"format": fmt, "wave_id": wave_id})
    session.commit()
    return payload
