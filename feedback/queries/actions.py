"""Reading "You said, we did" actions for staff pages, the public page and the annual statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback.models.actions import Action, ActionStatus


def list_actions(session: Session, *, published_only: bool = False) -> list[Action]:
    """Actions, most recently changed first; the public page passes ``published_only``."""
    query = select(Action).options(selectinload(Action.updates), selectinload(Action.comments))
    if published_only:
        query = query.where(Action.published.is_(True))
    return list(session.scalars(query.order_by(Action.updated_at.desc(), Action.id.desc())))


def get_action(session: Session, action_id: int) -> Action | None:
    return session.get(Action, action_id)


def completed_at(action: Action) -> datetime | None:
    """When the action was last marked completed, if it is completed now."""
    if action.status is not ActionStatus.COMPLETED:
        return None
    for update in reversed(action.updates):
        if update.new_status is ActionStatus.COMPLETED and (
            update.old_status is not ActionStatus.COMPLETED
        ):
            return update.at
    return action.created_at


def actions_for_year(session: Session, year: int) -> list[Action]:
    """Published actions that were live at some point in ``year`` (a calendar year).

    That is: recorded before the year ended, and not already completed before it
    began, so a long-running action appears in every year it was worked on.
    """
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    chosen = []
    for action in list_actions(session, published_only=True):
        done = completed_at(action)
        if action.created_at < end and (done is None or done >= start):
            chosen.append(action)
    return sorted(chosen, key=lambda a: (a.subject_kind.value, a.subject_key, a.id))
