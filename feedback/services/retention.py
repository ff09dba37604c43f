"""Data protection: delete raw free text after the retention period, and erase a response.

Retention is set per survey (``Survey.retention_months``, 24 by default, as the
privacy notice says) and counts from the day a wave closed. When it has passed,
the wave's free text goes: every answer row that holds
text (text questions and "tell us more" comments) is deleted, and so are the
wave's drafts, which hold a copy of the answers. Rows with option codes, so KPI
answers and every count, are kept.

Coded comments (``comment_coding``) keep their redacted text and themes: their
``answer_id`` is ``ON DELETE SET NULL`` for exactly this job, and they also
carry the response, wave and question they came from.

Erasure, by contrast, removes a whole response: its answers, its draft and (by
the database's ``ON DELETE CASCADE``) its coded comments.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from feedback import clock
from feedback.models import Answer, Draft, Response, Survey, SurveyVersion, Wave
from feedback.queries.data import response_by_reference
from feedback.services.audit import record

MIN_MONTHS = 1
MAX_MONTHS = 120


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months; the 31st becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class RetentionResult:
    wave_code: str
    survey: str
    delete_after: datetime
    texts: int
    drafts: int


def due_waves(session: Session, at: datetime | None = None) -> list[tuple[Wave, datetime]]:
    """Closed waves whose survey's retention period has passed, with the date it passed."""
    at = at or clock.now()
    waves = session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.closes_at.is_not(None), Wave.closes_at <= at)
        .order_by(Wave.closes_at)
    ).all()
    due = []
    for wave in waves:
        after = add_months(wave.closes_at, wave.version.survey.retention_months)
        if after <= at:
            due.append((wave, after))
    return due


def apply_retention(
    session: Session, *, dry_run: bool = False, user=None, actor: str | None = None
) -> list[RetentionResult]:
    """Delete the free text of every wave past its retention period; commits once.

    With ``dry_run`` it only counts what would go. Waves with nothing left to
    delete are not reported, so running it every night is quiet.
    """
    results = []
    for wave, after in due_waves(session):
        has_text = (Answer.wave_id == wave.id, Answer.text.is_not(None))
        texts = session.scalar(select(func.count(Answer.id)).where(*has_text)) or 0
        drafts = session.scalar(select(func.count(Draft.id)).where(Draft.wave_id == wave.id)) or 0
        if not texts and not drafts:
            continue
        results.append(RetentionResult(wave.code, wave.version.survey.slug, after, texts, drafts))
        if dry_run:
            continue
        session.execute(delete(Answer).where(*has_text))
        session.execute(delete(Draft).where(Draft.wave_id == wave.id))
        record(
            session,
            "responses.retention",
            user=user,
            actor=actor,
            target=f"wave:{wave.id}",
            detail={"wave": wave.code, "texts": texts, "drafts": drafts},
        )
    if not dry_run:
        session.commit()
    return results


def set_retention(session: Session, survey: Survey, months: int, *, user=None, actor=None) -> None:
    """Change how long a survey's free text is kept; audited.

    :raise ValueError: outside 1 to 120 months.
    """
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(f"retention must be between {MIN_MONTHS} and {MAX_MONTHS} months")
    before = survey.retention_months
    survey.retention_months = months
    record(
        session,
        "survey.retention",
        user=user,
        actor=actor,
        target=f"survey:{survey.id}",
        detail={"survey": survey.slug, "months": months, "was": before},
    )
    session.commit()


class NoSuchResponse(LookupError):
    """No response has the reference given."""


def erase_response(session: Session, reference: str, *, user=None, actor=None) -> Response:
    """Delete a respondent's whole response (answers and draft too) by its reference.

    :raise NoSuchResponse: when no response has that reference.
    """
    response = response_by_reference(session, reference)
    if response is None:
        raise NoSuchResponse(f"no response has the reference {reference.strip()!r}")
    draft = response.draft
    wave_code = response.wave.code
    session.delete(response)
    if draft is not None:
        session.delete(draft)
    record(
        session,
        "responses.erase",
        user=user,
        actor=actor,
        target=f"response:{response.reference}",
        detail={"wave": wave_code},
    )
    session.commit()
    return response
