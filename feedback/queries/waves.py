"""Finding waves for the public pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from feedback import clock
from feedback.models import SurveyVersion, Wave, WaveStatus


def wave_by_code(session: Session, code: str) -> Wave | None:
    return session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.code == code)
    ).first()


def open_waves(session: Session) -> list[Wave]:
    """Waves taking answers now, newest first."""
    now = clock.now()
    waves = session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.status == WaveStatus.OPEN, Wave.opens_at <= now)
        .order_by(Wave.opens_at.desc())
    ).all()
    return [w for w in waves if w.accepting(now)]
