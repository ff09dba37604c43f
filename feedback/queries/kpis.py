"""KPI counts per wave (and per segment) from ONE ``GROUP BY`` in the database.

Which answers are valid and which are positive is written in each wave's survey
definition (``excluded`` and ``positive`` option codes), and which respondents
count is written in the KPI registry (:attr:`surveys.kpis.Kpi.respondents`). The
waves in a report are few, so the query is built from their definitions: one
``CASE`` term per (wave, KPI question), and the database does all the counting.
No answer is ever loaded into Python, so a million responses cost one scan.

Counted: answers with an option code (the "tell us more" text rows share the KPI
code but have none), on responses with ``included`` true (a late return the
officer or the wave's rule excluded does not count), from a respondent type the
KPI counts, with an option the definition does not exclude ("Don't know", "Not
applicable"). ``n`` is the valid base and ``positive`` the positive count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from feedback.models import Answer, Response, Wave
from surveys.kpis import KPIS, Kpi

#: Breakdowns the KPI pages and exports offer, with the response column each reads.
SEGMENT_COLUMNS = {
    "respondent_type": Response.respondent_type,
    "ehcp_status": Response.ehcp_status,
    "age_band": Response.age_band,
    "locality": Response.locality,
    "channel": Response.channel,
}

SEGMENT_NAMES = {
    "respondent_type": "Respondent type",
    "ehcp_status": "EHCP status",
    "age_band": "Age band",
    "locality": "Locality",
    "channel": "Channel",
}


@dataclass(frozen=True)
class KpiCount:
    """Valid base and positive count of one KPI in one wave (and segment value)."""

    wave_id: int
    kpi: str
    n: int
    positive: int
    segment: str | None = None


def _value(column_value) -> str | None:
    """Segment values as plain text (the channel column is an enum)."""
    if column_value is None:
        return None
    return getattr(column_value, "value", column_value)


def _terms(
    waves: Iterable[Wave], kpis: Mapping[str, Kpi]
) -> tuple[list[ColumnElement], list[ColumnElement]]:
    """WHERE terms selecting valid answers, and CASE terms marking positive ones.

    Each term names the wave, the KPI and the option codes, so PostgreSQL and
    SQLite can answer it from the (wave_id, kpi, option_code) index.
    """
    valid: list[ColumnElement] = []
    positive: list[ColumnElement] = []
    for wave in waves:
        for question in wave.definition.kpi_questions:
            kpi = kpis.get(question.kpi or "")
            if kpi is None:
                continue
            codes = [o.code for o in question.options if o.code not in question.excluded]
            if not codes:
                continue
            where = and_(
                Answer.wave_id == wave.id,
                Answer.kpi == kpi.code,
                Answer.option_code.in_(codes),
                Answer.question_id == question.id,
                Response.respondent_type.in_(kpi.respondents),
            )
            valid.append(where)
            pos = [c for c in question.positive if c in codes]
            if pos:
                positive.append(
                    and_(
                        Answer.wave_id == wave.id,
                        Answer.kpi == kpi.code,
                        Answer.option_code.in_(pos),
                        Answer.question_id == question.id,
                    )
                )
    return valid, positive


def kpi_counts_statement(
    waves: Sequence[Wave],
    *,
    segment: str | None = None,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    kpis: Mapping[str, Kpi] = KPIS,
):
    """The SELECT behind :func:`kpi_counts`, for callers that want to EXPLAIN it.

    :raise ValueError: for an unknown segment or filter name.
    """
    valid, positive = _terms(waves, kpis)
    if not valid:
        return None
    positive_expr = (
        func.sum(case((or_(*positive), 1), else_=0)) if positive else literal(0)
    ).label("positive")
    columns = [Answer.wave_id, Answer.kpi]
    if segment is not None:
        if segment not in SEGMENT_COLUMNS:
            raise ValueError(f"unknown segment {segment!r}; known: {', '.join(SEGMENT_COLUMNS)}")
        columns.append(SEGMENT_COLUMNS[segment].label("segment"))
    stmt = (
        select(*columns, func.count().label("n"), positive_expr)
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.included.is_(True), or_(*valid))
        .group_by(*columns)
    )
    for name, wanted in (filters or {}).items():
        if name not in SEGMENT_COLUMNS:
            raise ValueError(f"unknown filter {name!r}; known: {', '.join(SEGMENT_COLUMNS)}")
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        stmt = stmt.where(SEGMENT_COLUMNS[name].in_(values))
    return stmt


def kpi_counts(
    session: Session,
    waves: Sequence[Wave],
    *,
    segment: str | None = None,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    kpis: Mapping[str, Kpi] = KPIS,
) -> list[KpiCount]:
    """Counts per KPI per wave (per value of ``segment`` when given), in one query.

    Parameters
    ----------
    waves : the waves to count; their definitions say which codes are valid/positive.
    segment : one of :data:`SEGMENT_COLUMNS`, or None for whole-wave counts.
        Responses with no value for the segment come back with ``segment=None``.
    filters : segment name to a value or values, e.g. ``{"ehcp_status": "yes"}``.
    kpis : the KPI registry (which respondent types each KPI counts).

    Raises
    ------
    ValueError
        For an unknown segment or filter name.
    """
    stmt = kpi_counts_statement(waves, segment=segment, filters=filters, kpis=kpis)
    if stmt is None:
        return []
    return [
        KpiCount(
            wave_id=row.wave_id,
            kpi=row.kpi,
            n=int(row.n),
            positive=int(row.positive or 0),
            segment=_value(row.segment) if segment is not None else None,
        )
        for row in session.execute(stmt)
    ]


def explain_kpi_counts(session: Session, waves: Sequence[Wave], **options) -> str:
    """The database's plan for :func:`kpi_counts` (used by the benchmark and a test)."""
    stmt = kpi_counts_statement(waves, **options)
    if stmt is None:
        return ""
    bind = session.get_bind()
    compiled = stmt.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    rows = session.execute(text(prefix + str(compiled)))
    return "\n".join(" ".join(str(c) for c in row) for row in rows)
