"""The audit log: who signed in, exported, read raw comments, edited or deleted what.

Rows are only ever added. Services call :func:`feedback.services.audit.record`
inside their own transaction, so an action and its audit row commit together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback import clock
from feedback.db import Base
from feedback.models.types import JsonType


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
