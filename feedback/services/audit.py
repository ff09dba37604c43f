"""Add audit rows; the caller's commit writes them with the action they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from feedback.models.audit import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    user=None,
    actor: str | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit event (not committed). ``user`` is a staff :class:`User` or None."""
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        actor=actor or (getattr(user, "email", None) or "system"),
        action=action,
        target=target,
        detail=detail or {},
        ip=ip,
    )
    session.add(event)
    return event
