"""KPI results for pages and exports: counts from SQL, honest statistics, suppression applied.

This is the one entry point for anything that shows KPI 4/1-4/6 results: the
officers' KPI page, the XLSX/CSV/JSON exports, and the forum and board
dashboard (issue 6). Call :func:`kpi_report`; never aggregate answers in a view.

What it does, in order:

1. picks the waves that carry KPI questions and have started (not scheduled);
2. counts valid and positive answers per KPI per wave (per segment) with ONE
   ``GROUP BY`` (:func:`feedback.queries.kpis.kpi_counts`); several breakdowns
   at once (:func:`kpi_breakdowns`) share one ``GROUP BY`` by all their segments;
3. in a breakdown, hides every segment whose base is under 10 or whose positive
   or other count is 1 to 4, then hides more segments until none of the hidden
   ones can be worked out from the published totals (secondary suppression);
4. hands the counts, the current baselines, milestone rules and wording
   fingerprints to :func:`analysis.kpi_report.build_kpi_report`, which applies
   the base rule (n < 10 shows "c"), computes Wilson intervals, targets (with
   their mode), status, direction of travel and the six-point trend;
5. adds what officers record (baseline governance, commentary, frequency).

Every row is plain data in the JSON export shape (see :func:`kpi_report`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from analysis.kpi_report import build_kpi_report
from analysis.suppression import MIN_BASE, recoverable_cells, suppression_mask
from analysis.targets import MilestoneRule
from feedback.cache import cached
from feedback.models import SurveyVersion, Wave, WaveStatus
from feedback.models.kpis import BaselineSource, KpiBaseline, KpiCommentary
from feedback.queries.kpis import (
    SEGMENT_COLUMNS,
    SEGMENT_NAMES,
    KpiCount,
    kpi_counts,
    kpi_counts_by_segments,
    segment_margins,
)
from feedback.services.kpis import current_baselines, latest_commentary, milestone_rules
from surveys.kpis import KPIS
from surveys.schema import SurveyDefinition

NOT_RECORDED = "Not recorded"


class UnknownWave(LookupError):
    """``kpi_report(wave_id=...)`` names a wave that does not exist or has no KPI questions."""


def _wording_fingerprints(definition: SurveyDefinition) -> dict[str, str]:
    """A key per KPI that changes when the question's wording, options or coding change."""
    try:
        from surveys.compare import kpi_wording_fingerprints
    except ImportError:  # pragma: no cover - surveys.compare arrives with issue 3
        return {
            q.kpi: repr(
                (
                    " ".join(q.text.split()),
                    [(o.code, " ".join(o.label.split())) for o in q.options],
                    sorted(q.positive),
                    sorted(q.excluded),
                )
            )
            for q in definition.kpi_questions
            if q.kpi
        }
    return kpi_wording_fingerprints(definition)


def wave_date(wave: Wave) -> date:
    """The date a wave's result is reported at: its close, or its opening if open-ended."""
    return (wave.closes_at or wave.opens_at).date()


def report_waves(session: Session) -> list[Wave]:
    """Waves that have started and ask at least one KPI question, oldest first."""
    waves = session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.status != WaveStatus.SCHEDULED)
    ).all()
    kept = [w for w in waves if w.definition.kpi_questions]
    return sorted(kept, key=lambda w: (wave_date(w), w.id))


def wave_labels(waves: Sequence[Wave]) -> dict[int, str]:
    """Readable, unique labels: the wave name, with its code when two share a name."""
    names = defaultdict(int)
    for w in waves:
        names[w.name] += 1
    return {w.id: w.name if names[w.name] == 1 else f"{w.name} ({w.code})" for w in waves}


def _records(
    waves: Sequence[Wave], counts: Sequence[KpiCount], labels: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Per-KPI per-wave result records in the shape build_kpi_report reads."""
    by_id = {w.id: w for w in waves}
    wording: dict[str, dict[str, str]] = defaultdict(dict)  # kpi -> fingerprint -> "wording N"
    prints = {w.id: _wording_fingerprints(w.definition) for w in waves}
    for w in waves:  # number wordings in date order so the first one seen is "wording 1"
        for kpi, fp in prints[w.id].items():
            wording[kpi].setdefault(fp, f"wording {len(wording[kpi]) + 1}")
    out = []
    for c in counts:
        w = by_id[c.wave_id]
        out.append(
            {
                "kpi": c.kpi,
                "wave": labels[w.id],
                "date": wave_date(w),
                "kind": w.kind.value,
                "positive": c.positive,
                "n": c.n,
                "wording_version": wording[c.kpi].get(prints[w.id].get(c.kpi, "")),
                "population_note": w.population_note or w.definition.population or None,
            }
        )
    return out


def _baseline_inputs(
    baselines: Mapping[str, KpiBaseline],
    records: list[dict[str, Any]],
    labels: Mapping[int, str],
    waves: Sequence[Wave],
) -> dict[str, dict[str, Any]]:
    """Baselines as build_kpi_report takes them; a designated wave with no answers gets an empty
    result so that its baseline shows as missing rather than failing the report."""
    inputs: dict[str, dict[str, Any]] = {}
    by_id = {w.id: w for w in waves}
    for code, b in baselines.items():
        if b.source is BaselineSource.IMPORTED:
            inputs[code] = {"value": b.value, "date": b.baseline_date, "source": b.document}
            continue
        wave = by_id.get(b.wave_id)
        if wave is None:
            continue
        label = labels[wave.id]
        if not any(r["kpi"] == code and r["wave"] == label for r in records):
            records.append(
                {"kpi": code, "wave": label, "date": wave_date(wave), "n": None, "positive": None}
            )
        inputs[code] = {"wave": label, "source": b.document or f"wave: {label}"}
    return inputs


def _baseline_extra(b: KpiBaseline | None) -> dict[str, Any]:
    if b is None:
        return {}
    return {
        "kind": b.source.value,
        "version": b.version,
        "status": b.status.value,
        "status_words": b.status_words,
        "document": b.document,
        "document_date": b.document_date.isoformat() if b.document_date else None,
        "note": b.note,
        "recorded_note": b.recorded_note,
        "agreed_on": b.agreed_on.isoformat() if b.agreed_on else None,
        "agreed_by": b.agreed_by,
        "ratified_on": b.ratified_on.isoformat() if b.ratified_on else None,
        "ratified_by": b.ratified_by,
    }


def hidden_segments(cells: Mapping[Any, tuple[int, int]], *, min_base: int = MIN_BASE) -> set:
    """Which segments of one KPI in one wave to hide in a breakdown.

    ``cells`` maps each segment value to ``(n, positive)``. A segment is hidden
    when its base is under ``min_base`` or its positive or other count is 1 to 4
    (with :func:`analysis.suppression.suppression_mask`); then, while any hidden
    segment can be recovered from the published whole-wave totals by
    subtraction (:func:`analysis.suppression.recoverable_cells`), the next
    smallest visible segment is hidden too. A hidden segment hides its n, its
    positive count and its percentage.
    """
    keys = sorted(cells, key=lambda k: (cells[k][0], str(k)))
    if not keys:
        return set()
    body = [[cells[k][1], cells[k][0] - cells[k][1]] for k in keys]
    primary = suppression_mask(body)
    hidden = {
        k
        for i, k in enumerate(keys)
        if cells[k][0] < min_base and cells[k][0] > 0 or any(primary[i])
    }
    while hidden:
        mask = [[k in hidden] * 3 for k in keys] + [[False] * 3]
        if not recoverable_cells(body, mask):
            break
        visible = [k for k in keys if k not in hidden and cells[k][0] > 0]
        if not visible:
            break
        hidden.add(visible[0])  # keys are sorted smallest base first
    return hidden


def _suppress_breakdown(counts: Sequence[KpiCount]) -> list[KpiCount]:
    groups: dict[tuple[int, str], dict[Any, KpiCount]] = defaultdict(dict)
    for c in counts:
        groups[(c.wave_id, c.kpi)][c.segment] = c
    out = []
    for group in groups.values():
        hide = hidden_segments({k: (c.n, c.positive) for k, c in group.items()})
        for key, c in group.items():
            out.append(c if key not in hide else KpiCount(c.wave_id, c.kpi, -1, -1, c.segment))
    return out


def segment_label(segment: str, value: str | None) -> str:
    if value is None:
        return NOT_RECORDED
    if segment == "respondent_type":
        return {"parent_carer": "Parent or carer", "young_person": "Young person"}.get(value, value)
    return value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class _Context:
    """What every row of a report as at one wave is built from, read once."""

    waves: list[Wave]
    labels: dict[int, str]
    baselines: dict[str, KpiBaseline]
    rules: dict[str, tuple[MilestoneRule, ...]]
    commentary: dict[str, KpiCommentary]
    measures: dict[str, str]
    overall: list[dict[str, Any]]
    baseline_inputs: dict[str, dict[str, Any]]
    options: dict[str, Any]


def _check_segment(segment: str) -> None:
    if segment not in SEGMENT_COLUMNS:
        raise ValueError(f"unknown segment {segment!r}; known: {', '.join(SEGMENT_COLUMNS)}")


def _context(
    session: Session,
    wave_id: int | None,
    filters: Mapping[str, str | Sequence[str]] | None,
    decimals: int | None,
) -> _Context:
    """Waves, labels, baselines, rules, commentary and whole-wave counts for a report.

    :raise UnknownWave: if ``wave_id`` is not a started wave with KPI questions.
    """
    waves = report_waves(session)
    labels = wave_labels(waves)
    as_at = None
    if wave_id is not None:
        if wave_id not in labels:
            raise UnknownWave(f"no started wave with KPI questions has id {wave_id}")
        as_at = labels[wave_id]
    baselines = current_baselines(session)
    rules = milestone_rules(session)
    overall = _records(waves, kpi_counts(session, waves, filters=filters), labels)
    return _Context(
        waves=waves,
        labels=labels,
        baselines=baselines,
        rules=rules,
        commentary=latest_commentary(session),
        measures={code: k.measure for code, k in KPIS.items()},
        overall=overall,
        baseline_inputs=_baseline_inputs(baselines, overall, labels, waves),
        options={"milestones": rules, "wave": as_at, "decimals": decimals},
    )


def _finish(ctx: _Context, row, segment: str | None = None, value=None) -> dict[str, Any]:
    """A report row as plain data, with what officers record and the segment it is for."""
    data = row.as_dict()
    code = data["code"]
    kpi = KPIS[code]
    if data["baseline"] is not None:
        data["baseline"].update(_baseline_extra(ctx.baselines.get(code)))
    note = ctx.commentary.get(code)
    data.update(
        frequency=kpi.frequency,
        respondents=list(kpi.respondents),
        milestones=[
            {"months": r.months, "plus": r.plus, "mode": str(r.mode)} for r in ctx.rules[code]
        ],
        commentary=None
        if note is None
        else {
            "period": note.period_label,
            "date": note.period_end.isoformat(),
            "author": note.author,
            "text": note.body,
        },
        segment=None
        if segment is None
        else {
            "name": segment,
            "title": SEGMENT_NAMES[segment],
            "value": value,
            "label": segment_label(segment, value),
        },
    )
    return data


def _segment_baselines(ctx: _Context) -> dict[str, dict[str, Any]]:
    """Segments are measured against the whole-area baseline, unrounded."""
    exact = build_kpi_report(
        ctx.overall, ctx.measures, ctx.baseline_inputs, **{**ctx.options, "decimals": None}
    )
    return {
        r.code: {
            "value": r.baseline["value"],
            "date": r.baseline["date"],
            "source": ctx.baselines[r.code].document
            if r.code in ctx.baselines
            else r.baseline["source"],
        }
        for r in exact
        if r.baseline and r.baseline["value"] is not None
    }


def _breakdown_rows(
    ctx: _Context,
    segment: str,
    counts: Sequence[KpiCount],
    resolved: Mapping[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One segment's rows from its counts, with secondary suppression across its values."""
    counts = _suppress_breakdown(counts)
    values = sorted({c.segment for c in counts}, key=lambda v: (v is None, str(v)))
    out = []
    for value in values:
        subset = [c for c in counts if c.segment == value]
        records = _records(ctx.waves, subset, ctx.labels)
        for r in records:  # suppressed cells: no base, no count
            if r["n"] == -1:
                r["n"] = r["positive"] = None
        rows = build_kpi_report(records, ctx.measures, resolved, **ctx.options)
        out.extend(_finish(ctx, r, segment, value) for r in rows)
    return out


@cached
def kpi_report(
    session: Session,
    wave_id: int | None = None,
    segment: str | None = None,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    *,
    decimals: int | None = 1,
) -> list[dict[str, Any]]:
    """KPI 4/1-4/6 report rows as plain data, with suppression applied.

    Parameters
    ----------
    session : the database session (read only; nothing is written).
    wave_id : report as at this wave (later waves are ignored); None = latest.
    segment : None for one row per KPI, or a breakdown (``respondent_type``,
        ``ehcp_status``, ``age_band``, ``locality``, ``channel``) for one row per
        KPI per segment value, with secondary suppression across the segments.
    filters : restrict every count to responses with these segment values, e.g.
        ``{"ehcp_status": "yes"}``. A filtered report is one cell of a breakdown:
        publishing it beside the unfiltered one discloses the rest, so prefer
        ``segment`` when both would be shown.
    decimals : rounding of percentages for display (decisions use exact values).

    Returns
    -------
    list of dict
        Per KPI (per segment value), the keys of
        :meth:`analysis.kpi_report.KpiReportRow.as_dict` (``code, measure, wave,
        date, n, positive, pct, ci_low, ci_high, suppressed, baseline{value, date,
        source, ...}, targets[{date, value, mode, label}], next_target, status,
        status_reason, direction{label, diff, diff_low, diff_high}, trend[...],
        trend_warnings, sample_note``) plus ``frequency``, ``respondents``,
        ``milestones``, ``commentary`` (latest, or None) and ``segment`` (None, or
        ``{name, title, value, label}``). Suppressed values are ``None`` with
        ``suppressed: True``; pages and exports print them as "c".

    Raises
    ------
    UnknownWave
        If ``wave_id`` is not a started wave with KPI questions.
    ValueError
        For an unknown segment or filter name.
    """
    if segment is not None:
        _check_segment(segment)
    ctx = _context(session, wave_id, filters, decimals)
    if segment is None:
        rows = build_kpi_report(ctx.overall, ctx.measures, ctx.baseline_inputs, **ctx.options)
        return [_finish(ctx, r) for r in rows]
    counts = kpi_counts(session, ctx.waves, segment=segment, filters=filters)
    return _breakdown_rows(ctx, segment, counts, _segment_baselines(ctx))


@cached
def kpi_breakdowns(
    session: Session,
    wave_id: int | None,
    segments: Sequence[str],
    filters: Mapping[str, str | Sequence[str]] | None = None,
    *,
    decimals: int | None = 1,
) -> dict[str, list[dict[str, Any]]]:
    """Several breakdowns of the KPI report from one pass over the answers.

    ``kpi_breakdowns(session, wave_id, segments, filters)[s]`` is exactly
    ``kpi_report(session, wave_id, segment=s, filters=filters)`` for each ``s``
    (same rows, suppression and trend), but the counts come from one ``GROUP BY``
    by all the segments together (:func:`feedback.queries.kpis.kpi_counts_by_segments`),
    added up per segment in Python: at a million responses each breakdown's join
    of answers to responses takes seconds, and the report wants three.

    Parameters
    ----------
    session : the database session (read only; nothing is written).
    wave_id : report as at this wave (later waves are ignored); None = latest.
    segments : segment names (see :func:`kpi_report`); a name given twice counts once.
    filters : restrict every count to responses with these segment values.
    decimals : rounding of percentages for display.

    Returns
    -------
    dict
        Segment name to its :func:`kpi_report` rows, in the order of ``segments``.

    Raises
    ------
    UnknownWave, ValueError
        As :func:`kpi_report` does.
    """
    segments = tuple(dict.fromkeys(segments))
    for segment in segments:
        _check_segment(segment)
    if not segments:
        return {}
    ctx = _context(session, wave_id, filters, decimals)
    combos = kpi_counts_by_segments(session, ctx.waves, segments=segments, filters=filters)
    margins = segment_margins(combos, segments)
    resolved = _segment_baselines(ctx)
    return {s: _breakdown_rows(ctx, s, margins[s], resolved) for s in segments}
