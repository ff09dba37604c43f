"""Response counts for the dashboard and the survey report, one ``GROUP BY`` each.

Only included responses count, as for the KPIs, so the numbers beside a KPI
result describe the same people. Callers suppress small counts before showing them.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.cache import cached
from feedback.models import Channel, Response

#: Segment filters the results pages offer, and the response column each reads.
FILTER_COLUMNS = {
    "respondent_type": Response.respondent_type,
    "ehcp_status": Response.ehcp_status,
    "age_band": Response.age_band,
}


def _narrowed(query, wave_id: int, filters: Mapping[str, str] | None):
    query = query.where(Response.wave_id == wave_id, Response.included.is_(True))
    for name, value in (filters or {}).items():
        if name not in FILTER_COLUMNS:
            raise ValueError(f"unknown filter {name!r}; known: {', '.join(FILTER_COLUMNS)}")
        query = query.where(FILTER_COLUMNS[name] == value)
    return query


@cached
def channel_by_respondent_type(
    session: Session, wave_id: int, filters: Mapping[str, str] | None = None
) -> dict[tuple[Channel, str | None], int]:
    """Responses by (channel, respondent type) in one wave, narrowed by ``filters``."""
    query = select(Response.channel, Response.respondent_type, func.count()).group_by(
        Response.channel, Response.respondent_type
    )
    rows = session.execute(_narrowed(query, wave_id, filters))
    return {(channel, rtype): n for channel, rtype, n in rows}


@cached
def responses_by(
    session: Session, wave_id: int, segment: str, filters: Mapping[str, str] | None = None
) -> dict[str | None, int]:
    """Responses by the value of one segment column (``None`` where not recorded)."""
    column = FILTER_COLUMNS[segment]
    query = select(column, func.count()).group_by(column)
    return {value: n for value, n in session.execute(_narrowed(query, wave_id, filters))}
