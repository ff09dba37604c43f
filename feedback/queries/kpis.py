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
The inner part is a ``GROUP BY`` of answers by wave, KPI and option code; the
outer part turns those few hundred grouped rows into ``n`` and ``positive`` with
``CASE`` expressions built from the definitions (valid codes, positive codes,
who counts). Joining every answer to its response to read ``included`` and
``respondent_type`` made the report 5 to 20 times slower than a bare ``GROUP
BY`` (bench/kpis.py), so for whole-wave counts the inner part is a ``UNION ALL``:

* every answer, grouped straight from the (wave_id, kpi, option_code) index, as
  if each response were "usual" for its wave (included, and of the respondent
  type the wave's definition expects: parent/carer, or young person);
* the few unusual responses (excluded late returns, a young person answering a
  parent form, no respondent type), grouped with their actual type, so the
  outer ``CASE`` can take back what the first part counted and add what they
  really count for.

Breakdowns (``segment``) and ``filters`` need every response's segment value,
so they join every answer to its response in one ``GROUP BY``. That join is
the cost of a breakdown, and it is the same for one segment column or several:
:func:`kpi_counts_by_segments` groups by several columns at once (a few values
each, so a few hundred combinations), and :func:`segment_margins` adds the
combinations up, in Python, into each segment's counts, exactly as
:func:`kpi_counts` would give them one segment at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from feedback.models import Answer, Response, Wave
from surveys.kpis import KPIS, Kpi
from surveys.schema import SurveyDefinition

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


def _respondent_type_usual(definition: SurveyDefinition) -> str | None:
    """The respondent type a wave's responses normally have (see the module docstring)."""
    if definition.respondent_type:
        return definition.respondent_type
    question = next((q for q in definition.questions if q.segment == "respondent_type"), None)
    if question is None or not question.options:
        return None
    types = Counter(o.maps_to or o.code for o in question.options)
    return types.most_common(1)[0][0]


def _asks_a_kpi_twice(waves: Sequence[Wave]) -> bool:
    for wave in waves:
        codes = [q.kpi for q in wave.definition.kpi_questions]
        if len(codes) != len(set(codes)):
            return True
    return False


def _unusual(waves: Sequence[Wave]) -> ColumnElement:
    """Responses that are not included, or not of their wave's usual respondent type."""
    by_type: dict[str | None, list[int]] = defaultdict(list)
    for wave in waves:
        by_type[_respondent_type_usual(wave.definition)].append(wave.id)
    terms = []
    for usual, ids in by_type.items():
        other_type = (
            Response.respondent_type.is_not(None)
            if usual is None
            else or_(Response.respondent_type.is_(None), Response.respondent_type != usual)
        )
        terms.append(
            and_(Response.wave_id.in_(ids), or_(Response.included.is_not(True), other_type))
        )
    return or_(*terms)


def _segment_key(index: int) -> str:
    """The label of the ``index``-th segment column in the statement."""
    return f"segment_{index}"


def _grouped(
    waves: Sequence[Wave],
    kpis: Mapping[str, Kpi],
    segments: Sequence[str],
    filters: Mapping[str, str | Sequence[str]] | None,
    dialect: str,
):
    """The inner GROUP BY: counts per wave, KPI, option code (and segment values)."""
    keys = [Answer.wave_id, Answer.kpi, Answer.option_code]
    if _asks_a_kpi_twice(waves):
        keys.append(Answer.question_id)
    else:
        keys.append(cast(null(), String(64)).label("question_id"))
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
    group_keys = [k for k in keys if isinstance(k, InstrumentedAttribute)]
    if segments or filters:
        stmt = (
            select(
                *keys,
                literal(1).label("part"),
                Response.respondent_type.label("respondent_type"),
                Response.included.label("included"),
                *segment_cols,
                func.count().label("cnt"),
            )
            .select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(*answer_filter)
            .group_by(*group_keys, Response.respondent_type, Response.included)
            .group_by(*(SEGMENT_COLUMNS[name] for name in segments))
        )
        for name, wanted in (filters or {}).items():
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            stmt = stmt.where(SEGMENT_COLUMNS[name].in_(values))
        return stmt
    usual = (
        select(
            *keys,
            literal(0).label("part"),
            cast(null(), String(32)).label("respondent_type"),
            cast(null(), Boolean).label("included"),
            func.count().label("cnt"),
        )
        .where(*answer_filter)
        .group_by(*group_keys)
    )
    # SQLite would otherwise walk every answer and look its response up; "+ 0" hides the
    # primary key so it starts from the few unusual responses and uses ix_answer_response.
    response_id = Response.id + 0 if dialect == "sqlite" else Response.id
    unusual = (
        select(
            *keys,
            literal(1).label("part"),
            Response.respondent_type.label("respondent_type"),
            Response.included.label("included"),
            func.count().label("cnt"),
        )
        .select_from(Response)
        .join(Answer, Answer.response_id == response_id)
        .where(_unusual(waves), Answer.kpi.is_not(None), Answer.option_code.is_not(None))
        .group_by(*group_keys, Response.respondent_type, Response.included)
    )
    if dialect == "postgresql":
        # PostgreSQL cannot estimate how few responses are unusual (the per-wave test is
        # correlated with wave_id) and would scan every answer; an array of their ids, built
        # first, makes it fetch just their answers through ix_answer_response.
        ids = select(Response.id).where(_unusual(waves)).scalar_subquery()
        unusual = unusual.where(Answer.response_id == func.any(func.array(ids)))
    return union_all(usual, unusual)


def _weights(waves: Sequence[Wave], kpis: Mapping[str, Kpi], g, *, whole_wave: bool):
    """CASE terms turning grouped rows into valid and positive counts."""
    by_question = "question_id" in g.c and _asks_a_kpi_twice(waves)
    valid_terms, positive_terms = [], []
    for wave in waves:
        usual = _respondent_type_usual(wave.definition) if whole_wave else None
        for question in wave.definition.kpi_questions:
            kpi = kpis.get(question.kpi or "")
            if kpi is None:
                continue
            codes = [o.code for o in question.options if o.code not in question.excluded]
            if not codes:
                continue
            # A usual row counts when the wave's usual respondent type counts for this KPI;
            # an unusual row replaces that with what its own type and inclusion say.
            usual_counts = 1 if whole_wave and usual in kpi.respondents else 0
            own = case(
                (and_(g.c.included.is_(True), g.c.respondent_type.in_(kpi.respondents)), 1),
                else_=0,
            )
            weight = case((g.c.part == 0, usual_counts), else_=own - usual_counts)
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
    dialect: str,
):
    """Counts per wave, KPI and combination of ``segments`` values (columns ``segment_0``...)."""
    _check_names(segments, filters)
    waves = [w for w in waves if any(q.kpi in kpis for q in w.definition.kpi_questions)]
    if not waves:
        return None
    g = _grouped(waves, kpis, segments, filters, dialect).subquery("counts")
    whole_wave = not segments and not filters
    valid_terms, positive_terms = _weights(waves, kpis, g, whole_wave=whole_wave)
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
    dialect: str = "postgresql",
):
    """The statement behind :func:`kpi_counts`, for callers that want to EXPLAIN it.

    :raise ValueError: for an unknown segment or filter name.
    """
    segments = () if segment is None else (segment,)
    return _statement(waves, segments, filters, kpis, dialect)


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
    dialect = session.get_bind().dialect.name
    stmt = kpi_counts_statement(waves, segment=segment, filters=filters, kpis=kpis, dialect=dialect)
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
    dialect = session.get_bind().dialect.name
    stmt = _statement(waves, segments, filters, kpis, dialect)
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
    stmt = kpi_counts_statement(waves, dialect=bind.dialect.name, **options)
    if stmt is None:
        return ""
    compiled = stmt.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    rows = session.execute(text(prefix + str(compiled)))
    return "\n".join(" ".join(str(c) for c in row) for row in rows)
