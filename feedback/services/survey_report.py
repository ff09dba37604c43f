"""The survey report for one wave: the board's "Analysis of the Parent Carer Survey" appendix.

Sections, each built from the results services and suppressed the same way as
the dashboard: who answered (by channel and group), each KPI against its
baseline and target with a plain-English reading, themes with redacted quotes,
an equality breakdown, and the "You said, we did" actions. Every table is one
``{"id", "caption", "head", "rows"}`` dict, so the page, the XLSX workbook
and the standalone HTML file show exactly the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from analysis.suppression import MIN_BASE, SUPPRESSED, suppress_table
from analysis.targets import format_pct
from feedback.cache import figures_time
from feedback.models import Wave
from feedback.queries import results as rq
from feedback.queries.actions import list_actions
from feedback.queries.data import option_counts
from feedback.services.actions import subject_label
from feedback.services.charts import RESPONDENT_LABELS, participation_table
from feedback.services.dashboard import FILTER_TITLES
from feedback.services.kpi_results import (
    kpi_breakdowns,
    kpi_report,
    report_waves,
    segment_label,
    wave_labels,
)
from feedback.services.kpi_words import (
    baseline_text,
    direction_text,
    interval,
    kpi_card,
    pct,
    result_state,
    status_text,
    target_text,
)
from surveys.kpis import KPIS

#: Equality monitoring promises "totals for groups of 10 or more people", so 1 to 9 are hidden.
EQUALITY_HIDE = (1, MIN_BASE - 1)


def table(id_: str, caption: str, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict:
    return {
        "id": f"table-{id_}",
        "caption": caption,
        "head": list(head),
        "rows": [list(r) for r in rows],
    }


def _participation_tables(session: Session, wave: Wave) -> list[dict]:
    """Who answered: channel by respondent type, then by EHCP status and by age band."""
    cross = participation_table(rq.channel_by_respondent_type(session, wave.id))
    if cross is None:
        return []
    tables = [
        table(
            "responses-by-channel",
            "Responses by how people answered and respondent type",
            ["How people answered", *cross["types"], "Total"],
            [
                [ch, *cross["cells"][i], cross["row_totals"][i]]
                for i, ch in enumerate(cross["channels"])
            ]
            + [["Total", *cross["column_totals"], cross["total"]]],
        )
    ]
    for segment in ("ehcp_status", "age_band"):
        counts = rq.responses_by(session, wave.id, segment)
        labels = _segment_labels(wave, segment)
        keys = sorted(
            counts, key=lambda v: (v is None, list(labels).index(v) if v in labels else 99)
        )
        shown = suppress_table([[counts[k]] for k in keys])
        tables.append(
            table(
                f"responses-by-{segment.replace('_', '-')}",
                f"Responses by {_lower(FILTER_TITLES[segment])}",
                [FILTER_TITLES[segment], "Responses"],
                [
                    [labels.get(k, "Not recorded" if k is None else str(k)), shown.cells[i][0]]
                    for i, k in enumerate(keys)
                ]
                + [["Total", shown.grand_total]],
            )
        )
    return tables


def _lower(title: str) -> str:
    """ "EHCP status" stays as it is; "Age band" becomes "age band"."""
    first = title.split()[0]
    return title if first.isupper() else title[0].lower() + title[1:]


def _segment_labels(wave: Wave, segment: str) -> dict[str, str]:
    for question in wave.definition.questions:
        if question.segment == segment:
            return {(o.maps_to or o.code): o.label for o in question.options}
    return dict(RESPONDENT_LABELS) if segment == "respondent_type" else {}


def _kpi_rows(session: Session, wave: Wave, label: str) -> list[dict[str, Any]]:
    """This wave's KPI rows: only KPIs it asks, and only results from this wave itself."""
    asked = {q.kpi for q in wave.definition.kpi_questions}
    rows = []
    for row in kpi_report(session, wave.id):
        if row["code"] not in asked:
            continue
        if row["wave"] != label:  # nobody answered it in this wave
            row = {**row, "n": None, "pct": None, "trend": [], "suppressed": True}
        rows.append(row)
    return rows


def _kpi_table(rows: Sequence[Mapping[str, Any]]) -> dict:
    return table(
        "kpi-results",
        "KPI results against baseline and target (95% confidence intervals)",
        [
            "KPI",
            "Result",
            "95% interval",
            "Answers (n)",
            "Baseline",
            "Next target",
            "Status",
            "Direction of travel",
        ],
        [
            [
                f"{r['code']} {KPIS[r['code']].short}",
                pct(r.get("pct"), result_state(r) == "hidden"),
                interval(r),
                r["n"] if r.get("n") else (SUPPRESSED if result_state(r) == "hidden" else 0),
                baseline_text(r),
                target_text(r),
                status_text(r),
                direction_text(r),
            ]
            for r in rows
        ],
    )


#: The groups the report compares KPI results across, in the order of its tables.
EQUALITY_SEGMENTS = ("respondent_type", "ehcp_status", "age_band")


def _equality_kpi_tables(session: Session, wave: Wave, label: str) -> list[dict]:
    """Each KPI by group, with the breakdown's secondary suppression."""
    asked = [q.kpi for q in wave.definition.kpi_questions]
    tables = []
    # One pass over the answers for all three breakdowns (kpi_breakdowns).
    breakdowns = kpi_breakdowns(session, wave.id, EQUALITY_SEGMENTS)
    for segment in EQUALITY_SEGMENTS:
        rows = [r for r in breakdowns[segment] if r["wave"] == label]
        values = list(dict.fromkeys(r["segment"]["value"] for r in rows))
        if len(values) < 2:
            continue  # one group is the whole wave: nothing to compare
        labels = _segment_labels(wave, segment)
        cell = {(r["segment"]["value"], r["code"]): r for r in rows}
        body = []
        for value in values:
            name = labels.get(value) or segment_label(segment, value)
            cells = []
            for code in asked:
                r = cell.get((value, code))
                cells.append(_group_cell(r))
            body.append([name, *cells])
        tables.append(
            table(
                f"kpi-by-{segment.replace('_', '-')}",
                f"KPI results by {_lower(FILTER_TITLES[segment])} (answers in brackets)",
                [FILTER_TITLES[segment], *(f"KPI {c}" for c in asked)],
                body,
            )
        )
    return tables


def _group_cell(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "No answers"
    state = result_state(row)
    if state == "hidden":
        return SUPPRESSED
    if state == "none":
        return "No answers"
    return f"{format_pct(row['pct'])} (n={row['n']})"


def _equality_monitoring_tables(session: Session, wave: Wave) -> list[dict]:
    """Counts for each equality question; groups under ten hidden, as the survey promises."""
    sections = {s.id for s in wave.definition.sections if s.equality}
    questions = [q for q in wave.definition.questions if q.section in sections and q.options]
    counts = option_counts(session, wave.id, questions, {})
    tables = []
    for q in questions:
        values = [counts.get((q.id, o.code), 0) for o in q.options]
        if sum(values) == 0:
            continue
        shown = suppress_table([[v] for v in values], low=EQUALITY_HIDE[0], high=EQUALITY_HIDE[1])
        tables.append(
            table(
                f"equality-{q.id.replace('_', '-')}",
                q.text,
                ["Answer", "People"],
                [[o.label, shown.cells[i][0]] for i, o in enumerate(q.options)]
                + [["Total", shown.grand_total]],
            )
        )
    return tables


def _themes(session: Session, wave: Wave) -> dict[str, Any] | None:
    try:
        from feedback.services.theme_results import theme_summary
    except ImportError:  # pragma: no cover - arrives with the comment analysis (issue 5)
        return None
    summary = theme_summary(session, wave.id)
    rows = [
        [
            t["label"],
            t["count"] if not summary["suppressed"] else SUPPRESSED,
            pct(t["pct"] if t["pct"] != SUPPRESSED else None, t["pct"] == SUPPRESSED),
            _change(t["change"]),
        ]
        for t in summary["themes"]
    ]
    return {
        "n": summary["n"],
        "suppressed": summary["suppressed"],
        "themes": summary["themes"],
        "table": table(
            "themes",
            f"Themes raised by the {summary['n']} people who commented",
            ["Theme", "People", "Share of people who commented", "Change since previous survey"],
            rows,
        ),
    }


def _change(points: float | None) -> str:
    if points is None:
        return "No earlier survey to compare"
    if points == 0:
        return "No change"
    size = format_pct(abs(points))[:-1]
    return f"{'Up' if points > 0 else 'Down'} {size} point{'s' if size != '1' else ''}"


def _actions_table(actions) -> dict:
    return table(
        "actions",
        "You said, we did: actions and their progress",
        ["Theme or KPI", "You said", "We did", "Owner", "Due", "Status", "Public"],
        [
            [
                subject_label(a.subject_kind, a.subject_key),
                a.you_said,
                a.we_did,
                a.owner,
                a.due_on.strftime("%-d %B %Y") if a.due_on else "No date set",
                a.status.label,
                "Published" if a.published else "Not yet",
            ]
            for a in actions
        ],
    )


def survey_report(session: Session, wave_id: int) -> dict[str, Any]:
    """Everything in the report for one wave.

    :raise LookupError: when the wave does not exist or has no KPI questions.
    """
    waves = report_waves(session)
    wave = next((w for w in waves if w.id == wave_id), None)
    if wave is None:
        raise LookupError(f"no reportable wave {wave_id}")
    label = wave_labels(waves)[wave.id]
    kpi_rows = _kpi_rows(session, wave, label)
    actions = list_actions(session)
    report = {
        "wave": wave,
        "label": label,
        "participation": _participation_tables(session, wave),
        "kpi_cards": [kpi_card(r) for r in kpi_rows],
        "kpi_table": _kpi_table(kpi_rows),
        "themes": _themes(session, wave),
        "equality_kpis": _equality_kpi_tables(session, wave, label),
        "equality": _equality_monitoring_tables(session, wave),
        "actions": actions,
        "actions_table": _actions_table(actions),
        "min_base": MIN_BASE,
    }
    # When the figures were worked out: cached ones may predate this request.
    report["generated"] = figures_time()
    return report


def report_tables(report: Mapping[str, Any]) -> list[dict]:
    """Every table in the report, in order, for the workbook."""
    tables = [*report["participation"], report["kpi_table"]]
    if report["themes"] is not None:
        tables.append(report["themes"]["table"])
    tables += [*report["equality_kpis"], *report["equality"], report["actions_table"]]
    return tables
