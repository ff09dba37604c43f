"""Reading response data for the officers' data pages, exports and the forum's aggregates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from feedback.cache import cached
from feedback.models import Answer, Response, Survey, SurveyVersion, Wave
from surveys.schema import Question

_REFERENCE_TEXT = re.compile(r"^[A-Za-z0-9 -]{1,32}$")


def response_count(session: Session, wave_id: int) -> int:
    return session.scalar(select(func.count(Response.id)).where(Response.wave_id == wave_id)) or 0


def waves_with_counts(session: Session) -> list[tuple[Wave, int]]:
    """Every wave with its number of responses, newest first (one GROUP BY)."""
    counts = (
        select(Response.wave_id, func.count(Response.id).label("n"))
        .group_by(Response.wave_id)
        .subquery()
    )
    rows = session.execute(
        select(Wave, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wave_id == Wave.id)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .order_by(Wave.opens_at.desc(), Wave.id.desc())
    ).all()
    return [(wave, n) for wave, n in rows]


def wave_by_id(session: Session, wave_id: int) -> Wave | None:
    return session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.id == wave_id)
    ).first()


def keyed_returns(session: Session, wave_id: int) -> list[Response]:
    """Returns an officer keyed or imported for a wave, most recently received first."""
    return list(
        session.scalars(
            select(Response)
            .where(Response.wave_id == wave_id, Response.keyed_by.is_not(None))
            .order_by(Response.submitted_at.desc(), Response.id.desc())
        )
    )


def normalise_reference(reference: str) -> str:
    """``k7pm q9xd``, ``K7PMQ9XD`` and ``K7PM-Q9XD`` all name the same response."""
    raw = (reference or "").strip().upper().replace(" ", "").replace("-", "")
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else (reference or "").strip()


def response_by_reference(session: Session, reference: str) -> Response | None:
    """The response with this reference as typed, or as normalised; None for anything else.

    Text that cannot be a reference (a NUL, say, from a crafted URL, which
    PostgreSQL would refuse with an error) never reaches the database.
    """
    given = (reference or "").strip()
    if not _REFERENCE_TEXT.match(given):
        return None
    return session.scalars(
        select(Response)
        .options(joinedload(Response.wave))
        .where(Response.reference.in_({given, normalise_reference(given)}))
        .order_by(Response.id)
    ).first()


def existing_references(session: Session, references: Iterable[str]) -> set[str]:
    wanted = sorted(set(references))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found.update(
            session.scalars(
                select(Response.reference).where(Response.reference.in_(wanted[i : i + 500]))
            )
        )
    return found


@cached
def option_counts(
    session: Session,
    wave_id: int,
    questions: Iterable[Question],
    respondent_types: dict[str, tuple],
) -> dict[tuple[str, str], int]:
    """Counts of each option code per question, from included responses only.

    ``respondent_types`` maps a question id to the respondent types its KPI
    counts (an empty tuple means every type), so a young person's answer to a
    parents-only KPI is never counted towards it.

    Answers carry their response's inclusion and respondent type, so no join is
    needed, and naming the questions' KPIs (or none, for equality questions) lets
    the database count from the KPI index alone (wave, KPI, option, question,
    inclusion, respondent type) instead of reading every answer of the wave.
    """
    questions = list(questions)
    if not questions:
        return {}
    rows = session.execute(option_counts_statement(wave_id, questions)).all()
    counts: dict[tuple[str, str], int] = {}
    for qid, code, rtype, n in rows:
        allowed = respondent_types.get(qid) or ()
        if allowed and rtype not in allowed:
            continue
        counts[(qid, code)] = counts.get((qid, code), 0) + n
    return counts


def option_counts_statement(wave_id: int, questions: Sequence[Question]) -> Select:
    """The statement behind :func:`option_counts`: counts by question, option and type."""
    kpis = {q.kpi for q in questions}
    conditions = [
        Answer.wave_id == wave_id,
        Answer.question_id.in_([q.id for q in questions]),
        Answer.option_code.is_not(None),
        Answer.included.is_(True),
    ]
    if kpis == {None}:
        conditions.append(Answer.kpi.is_(None))
    elif None not in kpis:
        conditions.append(Answer.kpi.in_(kpis))
    return (
        select(Answer.question_id, Answer.option_code, Answer.respondent_type, func.count())
        .where(*conditions)
        .group_by(Answer.question_id, Answer.option_code, Answer.respondent_type)
    )


def surveys_by_slug(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.title)))
