""" "You said, we did": actions that answer what families told us, with their history.

An action is recorded against a comment theme or an improvement-plan KPI. Its
status uses the improvement plan's four-part key, which the board reads as
colours; every page also shows the words, so nobody needs to tell colours
apart. Each change adds an :class:`ActionUpdate` row, so the dated history the
board and the forum see cannot be rewritten by a later edit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.types import JsonType, enum_column


class ActionStatus(enum.Enum):
    """The improvement plan's status key, in the order the plan lists it."""

    COMPLETED = "completed"
    NOT_STARTED = "not_started"
    AT_RISK = "at_risk"
    ON_TARGET = "on_target"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def colour(self) -> str:
        """The plan's colour as a GOV.UK tag modifier; always shown beside the words."""
        return _STATUS_COLOURS[self]


_STATUS_LABELS = {
    ActionStatus.COMPLETED: "Completed and signed off",
    ActionStatus.NOT_STARTED: "Not started and behind",
    ActionStatus.AT_RISK: "Underway but at risk",
    ActionStatus.ON_TARGET: "Underway and on target",
}
_STATUS_COLOURS = {
    ActionStatus.COMPLETED: "blue",
    ActionStatus.NOT_STARTED: "red",
    ActionStatus.AT_RISK: "yellow",
    ActionStatus.ON_TARGET: "green",
}


class SubjectKind(enum.Enum):
    """What an action answers: a comment theme (codebook key) or a KPI (code like 4/1)."""

    THEME = "theme"
    KPI = "kpi"


class Action(Base):
    __tablename__ = "action"
    __table_args__ = (Index("ix_action_published", "published"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    subject_key: Mapped[str] = mapped_column(String(64))
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), default=ActionStatus.NOT_STARTED
    )
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action",
        order_by="ActionUpdate.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    comments: Mapped[list[ActionComment]] = relationship(
        back_populates="action",
        order_by="ActionComment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def subject(self) -> str:
        return f"{self.subject_kind.value}:{self.subject_key}"


class ActionUpdate(Base):
    """One dated entry in an action's history: who changed what, and why."""

    __tablename__ = "action_update"
    __table_args__ = (Index("ix_action_update_action", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))
    old_status: Mapped[ActionStatus | None] = mapped_column(
        enum_column(ActionStatus, name="old_action_status")
    )
    new_status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, name="new_action_status")
    )
    #: The fields this update changed, e.g. ["we_did", "due_on"]; "created" for the first row.
    changed: Mapped[list[str]] = mapped_column(JsonType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    action: Mapped[Action] = relationship(back_populates="updates")

    @property
    def status_changed(self) -> bool:
        return self.old_status is not None and self.old_status is not self.new_status


class ActionComment(Base):
    """A forum member's comment on an action; shown to staff only, never on the public page."""

    __tablename__ = "action_comment"
    __table_args__ = (Index("ix_action_comment_action", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)

    action: Mapped[Action] = relationship(back_populates="comments")
