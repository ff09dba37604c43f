"""KPI counts per wave (and per segment) from ONE statement that the database counts.

Which answers are valid and which are positive is written in each wave's survey
definition (``excluded`` and ``positive`` option codes), and which respondents
count is written in the KPI registry (:attr:`surveys.kpis.Kpi.respondents`). The
waves in a report are few, so the statement is built from their definitions.
No answer is ever loaded into Python, so a million responses cost one scan.

Counted: answers with an option code (the "tell us more" text rows share the KPI
code but have none), on responses with ``included`` true (a late return the
officer or the wave's rule excluded does not count), from a respondent type the
KPI counts, with an option the definition does not exclude ("Don't know", "Not
applicable"). ``n`` is the valid base and ``positive`` the positive count.

How the statement is shaped, and why
------------------------------------
The inner part is a ``GROUP BY`` of answers by wave, KPI, option code, whether
the response counts (``included``), its respondent type and any segments; the
outer part turns those few hundred grouped rows into ``n`` and ``positive``
with ``CASE`` expressions built from the definitions (valid codes, positive
codes, who counts). Each answer row carries its response's ``included``,
respondent type and segment values (:class:`feedback.models.Answer`), so the
inner part reads one covering index, ``ix_answer_wave_kpi_option_segments``,
and never the responses: joining every answer to its response made the report
5 to 20 times slower than a bare ``GROUP BY`` (bench/kpis.py), and a breakdown
16 times slower (1.95 s against 0.12 s at 200,000 responses on SQLite).

:func:`kpi_counts_by_segments` groups by several segment columns at once (a
few values each, so a few hundred combinations), and :func:`segment_margins`
adds the combinations up, in Python, into each segment's counts, exactly as
:func:`kpi_counts` would give them one segment at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from feedback.models import Answer, Wave
from feedback.models.responses import RESPONSE_COPIES
from surveys.kpis import KPIS, Kpi

#: Breakdowns the KPI pages and exports offer, with the column each reads: the
#: answer's copy of its response's value (see :class:`feedback.models.Answer`).
SEGMENT_COLUMNS = {
    "respondent_type": Answer.respondent_type,
    "ehcp_status": Answer.ehcp_status,
    "age_band": Answer.age_band,
    "locality": Answer.locality,
    "channel": Answer.channel,
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


@dataclass(frozen=True)
class KpiCombinationCount:
    """Valid base and positive count of one KPI in one wave for one combination of
    segment values (``values`` in the order the segments were asked for; None where a
    response has no value)."""

    wave_id: int
    kpi: str
    values: tuple[str | None, ...]
    n: int
    positive: int


def _value(column_value) -> str | None:
    """Segment values as plain text (the channel column is an enum)."""
    if column_value is None:
        return None
    return getattr(column_value, "value", column_value)


def _asks_a_kpi_twice(waves: Sequence[Wave]) -> bool:
    for wave in waves:
        codes = [q.kpi for q in wave.definition.kpi_questions]
        if len(codes) != len(set(codes)):
            return True
    return False


def _segment_key(index: int) -> str:
    """The label of the ``index``-th segment column in the statement."""
    return f"segment_{index}"


def _grouped(
    waves: Sequence[Wave],
    kpis: Mapping[str, Kpi],
    segments: Sequence[str],
    filters: Mapping[str, str | Sequence[str]] | None,
):
    """The inner GROUP BY: counts per wave, KPI, option code, who answered (and segments)."""
    # The index's leading columns, in its order.
    keys = [Answer.wave_id, Answer.kpi, Answer.option_code, Answer.question_id]
    segment_cols = [SEGMENT_COLUMNS[name].label(_segment_key(i)) for i, name in enumerate(segments)]
    # Every code that is valid somewhere: "Don't know" rows are never read (the index
    # range skips them); the outer CASE still decides validity per wave and question.
    valid_anywhere = sorted(
        {
            o.code
            for w in waves
            for q in w.definition.kpi_questions
            if q.kpi in kpis
            for o in q.options
            if o.code not in q.excluded
        }
    )
    answer_filter = (
        Answer.wave_id.in_([w.id for w in waves]),
        Answer.kpi.in_(list(kpis)),
        Answer.option_code.in_(valid_anywhere),
    )
    # Grouped by the index's columns in its order, up to the last one needed (a column
    # skipped or named twice made SQLite sort every answer: 0.98 s against 0.16 s at
    # 200,000 responses); the outer query adds up the extra groups.
    last = max(RESPONSE_COPIES.index(name) for name in ("respondent_type", *segments))
    copies = [getattr(Answer, name) for name in RESPONSE_COPIES[: last + 1]]
    stmt = (
        select(
            *keys,
            Answer.respondent_type.label("respondent_type"),
            Answer.included.label("included"),
            *segment_cols,
            func.count().label("cnt"),
        )
        .where(*answer_filter)
        .group_by(*keys, *copies)
    )
    for name, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        stmt = stmt.where(SEGMENT_COLUMNS[name].in_(values))
    return stmt


def _weights(waves: Sequence[Wave], kpis: Mapping[str, Kpi], g):
    """CASE terms turning grouped rows into valid and positive counts."""
    by_question = _asks_a_kpi_twice(waves)
    valid_terms, positive_terms = [], []
    for wave in waves:
        for question in wave.definition.kpi_questions:
            kpi = kpis.get(question.kpi or "")
            if kpi is None:
                continue
            codes = [o.code for o in question.options if o.code not in question.excluded]
            if not codes:
                continue
            # A row counts when its responses are included and of a type the KPI asks.
            weight = case(
                (and_(g.c.included.is_(True), g.c.respondent_type.in_(kpi.respondents)), 1),
                else_=0,
            )
            where = [g.c.wave_id == wave.id, g.c.kpi == kpi.code]
            if by_question:
                where.append(g.c.question_id == question.id)
            valid_terms.append((and_(*where, g.c.option_code.in_(codes)), g.c.cnt * weight))
            positive = [c for c in question.positive if c in codes]
            if positive:
                positive_terms.append(
                    (and_(*where, g.c.option_code.in_(positive)), g.c.cnt * weight)
                )
    return valid_terms, positive_terms


def _check_names(segments: Sequence[str], filters: Mapping[str, object] | None) -> None:
    for name in segments:
        if name not in SEGMENT_COLUMNS:
            raise ValueError(f"unknown segment {name!r}; known: {', '.join(SEGMENT_COLUMNS)}")
    for name in filters or {}:
        if name not in SEGMENT_COLUMNS:
            raise ValueError(f"unknown filter {name!r}; known: {', '.join(SEGMENT_COLUMNS)}")


def _statement(
    waves: Sequence[Wave],
    segments: Sequence[str],
    filters: Mapping[str, str | Sequence[str]] | None,
    kpis: Mapping[str, Kpi],
):
    """Counts per wave, KPI and combination of ``segments`` values (columns ``segment_0``...)."""
    _check_names(segments, filters)
    waves = [w for w in waves if any(q.kpi in kpis for q in w.definition.kpi_questions)]
    if not waves:
        return None
    g = _grouped(waves, kpis, segments, filters).subquery("counts")
    valid_terms, positive_terms = _weights(waves, kpis, g)
    n = func.sum(case(*valid_terms, else_=0)).label("n")
    positive = (func.sum(case(*positive_terms, else_=0)) if positive_terms else literal(0)).label(
        "positive"
    )
    outer_keys = [g.c.wave_id, g.c.kpi, *(g.c[_segment_key(i)] for i in range(len(segments)))]
    return select(*outer_keys, n, positive).group_by(*outer_keys)


def kpi_counts_statement(
    waves: Sequence[Wave],
    *,
    segment: str | None = None,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    kpis: Mapping[str, Kpi] = KPIS,
):
    """The statement behind :func:`kpi_counts`, for callers that want to EXPLAIN it.

    :raise ValueError: for an unknown segment or filter name.
    """
    segments = () if segment is None else (segment,)
    return _statement(waves, segments, filters, kpis)


def _execute(session: Session, stmt):
    """Rows of a counts statement (none for no statement), with PostgreSQL's JIT off."""
    if stmt is None:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # Compiling this small query to machine code costs more than it saves.
        session.execute(text("SET LOCAL jit = off"))
    return session.execute(stmt)


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
    return [
        KpiCount(
            wave_id=row.wave_id,
            kpi=row.kpi,
            n=int(row.n),
            positive=int(row.positive or 0),
            segment=_value(row.segment_0) if segment is not None else None,
        )
        for row in _execute(session, stmt)
        if row.n
    ]


def kpi_counts_by_segments(
    session: Session,
    waves: Sequence[Wave],
    *,
    segments: Sequence[str],
    filters: Mapping[str, str | Sequence[str]] | None = None,
    kpis: Mapping[str, Kpi] = KPIS,
) -> list[KpiCombinationCount]:
    """Counts per KPI per wave per combination of the ``segments``' values, in one query.

    One pass over the answers, however many segments: the breakdowns of a report
    come from this and :func:`segment_margins` instead of one :func:`kpi_counts`
    each. Combinations with no valid answer are left out, as in :func:`kpi_counts`.

    Parameters
    ----------
    waves : the waves to count; their definitions say which codes are valid/positive.
    segments : names from :data:`SEGMENT_COLUMNS`, at least one. Each combination's
        ``values`` are in this order, None for a response with no value.
    filters : segment name to a value or values, as for :func:`kpi_counts`.
    kpis : the KPI registry (which respondent types each KPI counts).

    Raises
    ------
    ValueError
        For no segment, a segment named twice, or an unknown segment or filter name.

    Examples
    --------
    >>> counts = kpi_counts_by_segments(session, waves, segments=("ehcp_status", "age_band"))
    >>> margins = segment_margins(counts, ("ehcp_status", "age_band"))
    >>> set(margins["age_band"]) == set(kpi_counts(session, waves, segment="age_band"))
    True
    """
    segments = tuple(segments)
    if not segments or len(set(segments)) != len(segments):
        raise ValueError(f"name each segment once, at least one: {segments!r}")
    stmt = _statement(waves, segments, filters, kpis)
    width = len(segments)
    return [
        KpiCombinationCount(
            wave_id=row.wave_id,
            kpi=row.kpi,
            values=tuple(_value(getattr(row, _segment_key(i))) for i in range(width)),
            n=int(row.n),
            positive=int(row.positive or 0),
        )
        for row in _execute(session, stmt)
        if row.n
    ]


def segment_margins(
    counts: Sequence[KpiCombinationCount], segments: Sequence[str]
) -> dict[str, list[KpiCount]]:
    """Each segment's counts, summed from :func:`kpi_counts_by_segments`' combinations.

    ``segments`` are the names the combinations were counted with, in that order.
    For each name the list holds what ``kpi_counts(..., segment=name)`` gives (one
    :class:`KpiCount` per wave, KPI and value, None for "no value"), ordered by
    wave, KPI and value (None last).
    """
    out = {}
    for i, name in enumerate(segments):
        sums: dict[tuple[int, str, str | None], list[int]] = defaultdict(lambda: [0, 0])
        for c in counts:
            cell = sums[(c.wave_id, c.kpi, c.values[i])]
            cell[0] += c.n
            cell[1] += c.positive
        keys = sorted(sums, key=lambda k: (k[0], k[1], k[2] is None, str(k[2])))
        out[name] = [
            KpiCount(wave_id=w, kpi=k, n=sums[(w, k, v)][0], positive=sums[(w, k, v)][1], segment=v)
            for w, k, v in keys
            if sums[(w, k, v)][0]
        ]
    return out


def explain_kpi_counts(session: Session, waves: Sequence[Wave], **options) -> str:
    """The database's plan for :func:`kpi_counts` (used by the benchmark and a test)."""
    bind = session.get_bind()
    stmt = kpi_counts_statement(waves, **options)
    if stmt is None:
        return ""
    compiled = stmt.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    rows = session.execute(text(prefix + str(compiled)))
    return "\n".join(" ".join(str(c) for c in row) for row in rows)
