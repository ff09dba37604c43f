"""Forum review of a survey version: comments on each question, and sign-offs.

Co-production means the parent carer forum reads the wording before families
do. Members comment question by question and then record a sign-off: approve,
or changes needed with a note. Officers can approve a version only once the
forum has signed it off (see :func:`approval_problem`, which
:meth:`SurveyVersion.move_to` calls).

Rows are only added. Sending a version back to draft marks its sign-offs as no
longer ``current``: they were given for wording that is about to change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.types import enum_column

if TYPE_CHECKING:
    from feedback.models.surveys import SurveyVersion

#: The key a comment on the survey as a whole (not one question) is stored under.
GENERAL = "_general"


class SignOffDecision(enum.Enum):
    APPROVE = "approve"
    CHANGES_NEEDED = "changes_needed"

    @property
    def label(self) -> str:
        return {"approve": "Approved", "changes_needed": "Changes needed"}[self.value]


class ReviewComment(Base):
    """A forum member's comment on one question of a version in review."""

    __tablename__ = "review_comment"
    __table_args__ = (Index("ix_review_comment_version", "survey_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: The author's name as it was, so the thread still reads right after an account goes.
    author: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    version: Mapped[SurveyVersion] = relationship(back_populates="review_comments")


class SignOff(Base):
    """One forum member's verdict on a version; a later one from the same person replaces it."""

    __tablename__ = "review_sign_off"
    __table_args__ = (Index("ix_review_sign_off_version", "survey_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(254))
    decision: Mapped[SignOffDecision] = mapped_column(enum_column(SignOffDecision))
    note: Mapped[str] = mapped_column(Text, default="")
    #: False once the version went back to draft: the verdict was about older wording.
    current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    version: Mapped[SurveyVersion] = relationship(back_populates="sign_offs")


def standing_sign_offs(sign_offs: Iterable[SignOff]) -> list[SignOff]:
    """Each member's latest current sign-off, oldest first."""
    latest: dict[object, SignOff] = {}
    for s in sorted(sign_offs, key=lambda s: (s.created_at, s.id or 0)):
        if s.current:
            latest[s.user_id if s.user_id is not None else s.author] = s
    return sorted(latest.values(), key=lambda s: (s.created_at, s.id or 0))


def approval_problem(sign_offs: Iterable[SignOff]) -> str | None:
    """Why a version cannot be approved yet, or None when the forum has signed it off.

    It needs at least one standing approval, and no member whose latest word is
    "changes needed": one member's objection is resolved by changing the
    wording (back to draft) or by that member signing off again.
    """
    standing = standing_sign_offs(sign_offs)
    objections = [s for s in standing if s.decision is SignOffDecision.CHANGES_NEEDED]
    if objections:
        names = ", ".join(s.author for s in objections)
        return (
            f"Changes were asked for by {names}. Send the version back to draft, "
            "or ask them to sign it off again"
        )
    if not any(s.decision is SignOffDecision.APPROVE for s in standing):
        return "The forum has not signed off this version yet"
    return None
