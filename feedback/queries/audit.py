"""The audit log and the staff list, as the admin pages show them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import AuditEvent, User

PER_PAGE = 50


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def audit_events(
    session: Session, *, action: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> AuditPage:
    """One page of the audit log, newest first, optionally of one action only.

    A page number past the end gives the last page rather than an empty one.
    """
    query = select(AuditEvent)
    count = select(func.count(AuditEvent.id))
    if action:
        query = query.where(AuditEvent.action == action)
        count = count.where(AuditEvent.action == action)
    total = session.scalar(count) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(list(events), page, pages, total)


def audit_actions(session: Session) -> list[str]:
    """Every action that has been recorded, for the filter."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def staff_users(session: Session) -> list[User]:
    """Active accounts first, then by email."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.email)))
