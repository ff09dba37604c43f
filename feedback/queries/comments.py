"""Reading coded comments: counts by SQL ``GROUP BY``, and pages of redacted comments.

Everything here applies the two rules every comment result follows:

- *human coding wins*: a comment's themes are the ``human`` rows of
  ``comment_theme`` when a person has coded it, else the ``auto`` rows; its
  sentiment is the person's when there is one;
- *counted responses only*: comments from responses not included in the
  results (a late return the officer excluded) are left out, as they are
  from the KPIs.

Nothing here returns raw text; the forum-facing columns are the redacted
text and evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from feedback.cache import cached
from feedback.models import Answer, Response, SurveyVersion, Wave
from feedback.models.comments import (
    AUTO,
    HUMAN,
    CodebookVersion,
    CommentCoding,
    CommentTheme,
    HumanCoding,
)

GENERAL = "general"


@dataclass(frozen=True)
class CommentFilters:
    """What a themes view is narrowed to; ``None`` means everyone.

    ``kpi`` is a KPI code ("4/1") or ``"general"`` for comments that answer
    no KPI question.
    """

    kpi: str | None = None
    respondent_type: str | None = None
    ehcp_status: str | None = None
    age_band: str | None = None

    @property
    def segmented(self) -> bool:
        return any((self.respondent_type, self.ehcp_status, self.age_band))

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def final_sentiment():
    """The sentiment that counts: the person's, else the machine's."""
    return func.coalesce(HumanCoding.sentiment, CommentCoding.sentiment)


def _counted(query: Select, wave_id: int, filters: CommentFilters | None) -> Select:
    """Join what every count needs and narrow to ``wave_id`` and ``filters``."""
    filters = filters or CommentFilters()
    query = (
        query.join(Response, Response.id == CommentCoding.response_id)
        .outerjoin(HumanCoding, HumanCoding.coding_id == CommentCoding.id)
        .where(CommentCoding.wave_id == wave_id, Response.included.is_(True))
    )
    if filters.kpi == GENERAL:
        query = query.where(CommentCoding.kpi.is_(None))
    elif filters.kpi:
        query = query.where(CommentCoding.kpi == filters.kpi)
    for column in ("respondent_type", "ehcp_status", "age_band"):
        value = getattr(filters, column)
        if value:
            query = query.where(getattr(Response, column) == value)
    return query


def _with_final_themes(query: Select) -> Select:
    """Join the theme rows that count (call after :func:`_counted`)."""
    return query.join(CommentTheme, CommentTheme.coding_id == CommentCoding.id).where(
        CommentTheme.source == case((HumanCoding.id.is_(None), AUTO), else_=HUMAN)
    )


@cached
def commenters(session: Session, wave_id: int, filters: CommentFilters | None = None):
    """``(people, comments)``: responses with at least one comment, and comments."""
    query = select(
        func.count(distinct(CommentCoding.response_id)), func.count(CommentCoding.id)
    ).select_from(CommentCoding)
    people, comments = session.execute(_counted(query, wave_id, filters)).one()
    return people, comments


def theme_counts(
    session: Session, wave_id: int, filters: CommentFilters | None = None
) -> dict[str, int]:
    """Per theme, how many people (responses) raised it in a comment."""
    query = select(CommentTheme.theme, func.count(distinct(CommentCoding.response_id)))
    query = _with_final_themes(_counted(query.select_from(CommentCoding), wave_id, filters))
    return dict(session.execute(query.group_by(CommentTheme.theme)).all())


def sentiment_counts(
    session: Session, wave_id: int, filters: CommentFilters | None = None
) -> dict[str, int]:
    """Comments per final sentiment label."""
    label = final_sentiment()
    query = _counted(select(label, func.count()).select_from(CommentCoding), wave_id, filters)
    return dict(session.execute(query.group_by(label)).all())


def theme_sentiment_counts(
    session: Session, wave_id: int, filters: CommentFilters | None = None
) -> dict[str, dict[str, int]]:
    """Per theme, comments per final sentiment label."""
    label = final_sentiment()
    query = select(CommentTheme.theme, label, func.count()).select_from(CommentCoding)
    query = _with_final_themes(_counted(query, wave_id, filters))
    out: dict[str, dict[str, int]] = {}
    for theme, sentiment, n in session.execute(query.group_by(CommentTheme.theme, label)):
        out.setdefault(theme, {})[sentiment] = n
    return out


def theme_quotes_input(
    session: Session,
    wave_id: int,
    theme: str,
    filters: CommentFilters | None = None,
    limit: int = 400,
) -> list[str]:
    """Redacted texts of the comments coded with ``theme``, newest first, for quote picking."""
    query = select(CommentCoding.redacted).select_from(CommentCoding)
    query = _with_final_themes(_counted(query, wave_id, filters)).where(CommentTheme.theme == theme)
    return list(session.scalars(query.order_by(CommentCoding.id.desc()).limit(limit)))


def theme_comments(
    session: Session,
    wave_id: int,
    theme: str,
    filters: CommentFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[CommentCoding], int]:
    """One page of the comments coded with ``theme`` (final coding), and how many there are."""
    ids = _with_final_themes(
        _counted(select(CommentCoding.id).select_from(CommentCoding), wave_id, filters)
    ).where(CommentTheme.theme == theme)
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    page_ids = list(
        session.scalars(
            ids.order_by(CommentCoding.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    codings = session.scalars(
        select(CommentCoding)
        .options(selectinload(CommentCoding.themes), selectinload(CommentCoding.human))
        .where(CommentCoding.id.in_(page_ids))
        .order_by(CommentCoding.id)
    ).all()
    return list(codings), total


def uncoded_comments(
    session: Session, wave_id: int, filters: CommentFilters | None = None, limit: int = 3000
) -> list[dict]:
    """Comments with no final theme, as ``{"id", "text"}`` (redacted) for emerging themes."""
    person = aliased(HumanCoding)
    themed = (
        select(CommentTheme.coding_id)
        .outerjoin(person, person.coding_id == CommentTheme.coding_id)
        .where(CommentTheme.source == case((person.id.is_(None), AUTO), else_=HUMAN))
    )
    query = _counted(
        select(CommentCoding.id, CommentCoding.redacted).select_from(CommentCoding),
        wave_id,
        filters,
    ).where(CommentCoding.id.not_in(themed))
    rows = session.execute(query.order_by(CommentCoding.id.desc()).limit(limit)).all()
    return [{"id": i, "text": text, "themes": []} for i, text in rows]


def confirmed_sample(session: Session, wave_id: int | None = None):
    """Human-coded comments with both codings, for agreement.

    Returns
    -------
    (auto_themes, human_themes, auto_sentiment, human_sentiment)
        Dicts keyed by coding id.
    """
    query = select(CommentCoding.id, CommentCoding.sentiment, HumanCoding.sentiment).join(
        HumanCoding, HumanCoding.coding_id == CommentCoding.id
    )
    if wave_id is not None:
        query = query.where(CommentCoding.wave_id == wave_id)
    auto_s, human_s = {}, {}
    for coding_id, machine, person in session.execute(query):
        auto_s[coding_id], human_s[coding_id] = machine, person
    auto_t: dict[int, list[str]] = {cid: [] for cid in human_s}
    human_t: dict[int, list[str]] = {cid: [] for cid in human_s}
    if human_s:
        rows = session.execute(
            select(CommentTheme.coding_id, CommentTheme.source, CommentTheme.theme).where(
                CommentTheme.coding_id.in_(list(human_s))
            )
        )
        for coding_id, source, theme in rows:
            (human_t if source == HUMAN else auto_t)[coding_id].append(theme)
    return auto_t, human_t, auto_s, human_s


def coding(session: Session, coding_id: int) -> CommentCoding | None:
    return session.scalars(
        select(CommentCoding)
        .options(selectinload(CommentCoding.themes), selectinload(CommentCoding.human))
        .where(CommentCoding.id == coding_id)
    ).first()


def waves_with_comments(session: Session) -> list[Wave]:
    """Waves that have coded comments, newest first."""
    has = select(CommentCoding.wave_id).distinct()
    return list(
        session.scalars(
            select(Wave)
            .options(selectinload(Wave.version).selectinload(SurveyVersion.survey))
            .where(Wave.id.in_(has.scalar_subquery()))
            .order_by(Wave.opens_at.desc(), Wave.id.desc())
        )
    )


def previous_waves(session: Session, wave: Wave, limit: int = 2) -> list[Wave]:
    """Earlier waves of the same survey with coded comments, most recent first.

    These are the comparison for "change": a wave of another survey asked
    different questions, and a wave nobody commented on has nothing to compare.
    """
    return list(
        session.scalars(
            select(Wave)
            .join(SurveyVersion, SurveyVersion.id == Wave.survey_version_id)
            .where(
                SurveyVersion.survey_id == wave.version.survey_id,
                Wave.opens_at < wave.opens_at,
                Wave.id.in_(select(CommentCoding.wave_id).distinct().scalar_subquery()),
            )
            .order_by(Wave.opens_at.desc())
            .limit(limit)
        )
    )


def segment_values(session: Session, wave_id: int) -> dict[str, list[str]]:
    """Values of each filterable segment present among the wave's commenters."""
    out: dict[str, list[str]] = {}
    for column in ("respondent_type", "ehcp_status", "age_band"):
        col = getattr(Response, column)
        query = (
            select(col)
            .distinct()
            .join(CommentCoding, CommentCoding.response_id == Response.id)
            .where(CommentCoding.wave_id == wave_id, col.is_not(None))
        )
        out[column] = sorted(session.scalars(query))
    kpis = session.scalars(
        select(CommentCoding.kpi).distinct().where(CommentCoding.wave_id == wave_id)
    )
    out["kpi"] = sorted((k or GENERAL) for k in kpis)
    return out


def uncoded_answers(
    response_ids=None, wave_id: int | None = None, since: datetime | None = None
) -> Select:
    """Ids of answers with text that have no coding yet (of responses received ``since``)."""
    query = (
        select(Answer.id)
        .outerjoin(CommentCoding, CommentCoding.answer_id == Answer.id)
        .where(
            CommentCoding.id.is_(None),
            Answer.text.is_not(None),
            func.length(func.trim(Answer.text)) > 0,
        )
    )
    if response_ids is not None:
        query = query.where(Answer.response_id.in_(list(response_ids)))
    if wave_id is not None:
        query = query.where(Answer.wave_id == wave_id)
    if since is not None:
        received = select(Response.id).where(Response.submitted_at >= since)
        query = query.where(Answer.response_id.in_(received))
    return query


def count_uncoded(session: Session, wave_id: int | None = None) -> int:
    """Comments stored but not yet coded (say, a paper return keyed before coding ran)."""
    return (
        session.scalar(select(func.count()).select_from(uncoded_answers(None, wave_id).subquery()))
        or 0
    )


def codebook_history(session: Session, limit: int = 20) -> list[CodebookVersion]:
    """Saved codebook versions, newest first."""
    return list(
        session.scalars(
            select(CodebookVersion).order_by(CodebookVersion.version.desc()).limit(limit)
        )
    )


def count_outdated(session: Session, version_id: int | None) -> int:
    """Coded comments whose coding came from a codebook version other than ``version_id``."""
    query = select(func.count(CommentCoding.id))
    if version_id is not None:
        query = query.where(CommentCoding.codebook_version_id != version_id)
    return session.scalar(query) or 0
