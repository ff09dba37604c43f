"""What the officers' and forum's survey pages list: surveys, versions, waves and counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from feedback.models import Response, Survey, SurveyVersion, VersionStatus, Wave, WaveStatus
from feedback.models.reviews import ReviewComment


def surveys_with_versions(session: Session) -> list[Survey]:
    """Every survey with its versions and their waves, by title."""
    return list(
        session.scalars(
            select(Survey)
            .options(selectinload(Survey.versions).selectinload(SurveyVersion.waves))
            .order_by(Survey.title)
        )
    )


def version_by_id(session: Session, version_id: int) -> SurveyVersion | None:
    return session.scalars(
        select(SurveyVersion)
        .options(
            selectinload(SurveyVersion.survey),
            selectinload(SurveyVersion.waves),
            selectinload(SurveyVersion.sign_offs),
            selectinload(SurveyVersion.review_comments),
        )
        .where(SurveyVersion.id == version_id)
    ).first()


def previous_version(session: Session, version: SurveyVersion) -> SurveyVersion | None:
    """The version of the same survey just before this one, to show what changed."""
    return session.scalars(
        select(SurveyVersion)
        .where(
            SurveyVersion.survey_id == version.survey_id,
            SurveyVersion.version < version.version,
        )
        .order_by(SurveyVersion.version.desc())
    ).first()


def versions_in_review(session: Session) -> list[SurveyVersion]:
    """Versions waiting for the forum, oldest first (the longest waiting at the top)."""
    return list(
        session.scalars(
            select(SurveyVersion)
            .options(selectinload(SurveyVersion.survey), selectinload(SurveyVersion.sign_offs))
            .where(SurveyVersion.status == VersionStatus.FORUM_REVIEW)
            .order_by(SurveyVersion.created_at, SurveyVersion.id)
        )
    )


def comment_counts(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    ids = list(version_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ReviewComment.survey_version_id, func.count(ReviewComment.id))
        .where(ReviewComment.survey_version_id.in_(ids))
        .group_by(ReviewComment.survey_version_id)
    )
    return {key: count for key, count in rows}


def approved_versions(session: Session) -> list[SurveyVersion]:
    """Versions a new wave may use."""
    return list(
        session.scalars(
            select(SurveyVersion)
            .join(SurveyVersion.survey)
            .options(selectinload(SurveyVersion.survey))
            .where(SurveyVersion.status == VersionStatus.APPROVED)
            .order_by(Survey.title, SurveyVersion.version.desc())
        )
    )


_STATUS_ORDER = case(
    (Wave.status == WaveStatus.OPEN, 0),
    (Wave.status == WaveStatus.SCHEDULED, 1),
    else_=2,
)


def waves_overview(session: Session) -> list[Wave]:
    """Every wave: open first, then scheduled, then closed; newest first within each."""
    return list(
        session.scalars(
            select(Wave)
            .options(selectinload(Wave.version).selectinload(SurveyVersion.survey))
            .order_by(_STATUS_ORDER, Wave.opens_at.desc(), Wave.id.desc())
        )
    )


def wave_by_id(session: Session, wave_id: int) -> Wave | None:
    return session.scalars(
        select(Wave)
        .options(selectinload(Wave.version).selectinload(SurveyVersion.survey))
        .where(Wave.id == wave_id)
    ).first()


def response_counts(session: Session, wave_ids: Iterable[int]) -> dict[int, int]:
    """Responses received per wave (late ones included), for lists of waves."""
    ids = list(wave_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Response.wave_id, func.count(Response.id))
        .where(Response.wave_id.in_(ids))
        .group_by(Response.wave_id)
    )
    return {key: count for key, count in rows}
