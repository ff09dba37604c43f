"""Surveys, their versions (the co-produced wording) and the waves that run them.

The lifecycle lives on the models: a version moves draft -> forum review ->
approved -> retired, and a wave scheduled -> open -> closed; an invalid move
raises :class:`DomainError` instead of silently writing a bad state.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.reviews import ReviewComment, SignOff, approval_problem
from feedback.models.types import DomainError, JsonType, enum_column
from surveys.loader import DefinitionError, parse_definition, parse_stored_definition
from surveys.schema import SurveyDefinition


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    FORUM_REVIEW = "forum_review"
    APPROVED = "approved"
    RETIRED = "retired"


class WaveKind(enum.Enum):
    ANNUAL = "annual"
    PULSE = "pulse"
    OTHER = "other"


class WaveStatus(enum.Enum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class LateRule(enum.Enum):
    """What happens to a return received after the wave closed."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    OFFICER_DECIDES = "officer_decides"


class Survey(Base):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: Free text is deleted this many months after a wave closes (privacy notice: 24).
    retention_months: Mapped[int] = mapped_column(default=24, server_default="24")

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.version"
    )

    @property
    def latest(self) -> SurveyVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def latest_approved(self) -> SurveyVersion | None:
        """The newest version that may be sent out; a draft or one in review is not ready."""
        approved = [v for v in self.versions if v.status is VersionStatus.APPROVED]
        return approved[-1] if approved else None


class SurveyVersion(Base):
    """One frozen wording of a survey; a change of wording makes a new version."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    version: Mapped[int]
    definition_json: Mapped[dict[str, Any]] = mapped_column("definition", JsonType)
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus), default=VersionStatus.DRAFT
    )
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    waves: Mapped[list[Wave]] = relationship(back_populates="version")
    review_comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="version", order_by="ReviewComment.id"
    )
    sign_offs: Mapped[list[SignOff]] = relationship(back_populates="version", order_by="SignOff.id")

    @cached_property
    def definition(self) -> SurveyDefinition:
        return parse_stored_definition(self.definition_json, f"{self.survey.slug} v{self.version}")

    _MOVES = {
        VersionStatus.DRAFT: {VersionStatus.FORUM_REVIEW},
        VersionStatus.FORUM_REVIEW: {VersionStatus.DRAFT, VersionStatus.APPROVED},
        VersionStatus.APPROVED: {VersionStatus.RETIRED},
        VersionStatus.RETIRED: set(),
    }

    def move_to(self, status: VersionStatus, *, by: str | None = None) -> None:
        """Change status along the co-production workflow.

        Approval needs the forum's sign-off (:func:`approval_problem`); retiring
        needs every wave of the version closed, so no open link loses its survey.
        Going back to draft makes the sign-offs so far no longer count.

        :raise DomainError: for a move the workflow does not allow.
        """
        if status not in self._MOVES[self.status]:
            raise DomainError(f"a {self.status.value} version cannot move to {status.value}")
        if status is VersionStatus.APPROVED and (problem := approval_problem(self.sign_offs)):
            raise DomainError(problem)
        if status is VersionStatus.RETIRED and any(
            w.status is not WaveStatus.CLOSED for w in self.waves
        ):
            raise DomainError("Close every wave of this version before retiring it")
        if status is VersionStatus.DRAFT:
            for sign_off in self.sign_offs:
                sign_off.current = False
        self.status = status
        if status is VersionStatus.APPROVED:
            self.approved_at = clock.now()
            self.approved_by = by

    def check_editable(self, *, has_responses: bool) -> None:
        """Refuse a change of wording unless this is a draft nobody has answered.

        ``has_responses`` says whether any wave of this version has answers
        (the caller queries it): once families have answered, the wording is
        frozen so results stay comparable, and a change makes a new version.

        :raise DomainError: when the wording is frozen or the version is not a draft.
        """
        label = f"{self.survey.slug} v{self.version}"
        if has_responses:
            raise DomainError(
                f"The wording of {label} is frozen because people have answered it. "
                "Create a new version to change it"
            )
        if self.status is not VersionStatus.DRAFT:
            raise DomainError(
                f"Only a draft can be edited; {label} is {self.status.value.replace('_', ' ')}"
            )

    def replace_definition(self, data: dict[str, Any], *, has_responses: bool) -> None:
        """Change the wording of a draft (see :meth:`check_editable`).

        :raise DomainError: when the wording is frozen or the version is not a draft.
        :raise DefinitionError: listing every problem in ``data``.
        """
        self.check_editable(has_responses=has_responses)
        label = f"{self.survey.slug} v{self.version}"
        data = {**data, "version": self.version}
        definition = parse_definition(data, label)
        if definition.slug != self.survey.slug:
            raise DefinitionError(label, [f"slug: must stay {self.survey.slug!r}"])
        self.definition_json = data
        self.__dict__.pop("definition", None)


class WaveWindow:
    """When a wave takes answers, from its status and dates.

    Shared by the :class:`Wave` model and the respondent pages' light snapshot
    (:class:`feedback.queries.waves.PublicWave`), so both apply the same rules.
    Either provides ``status``, ``opens_at`` and ``closes_at``.
    """

    def accepting(self, at: datetime | None = None) -> bool:
        """Whether the public link takes answers now: open, and inside its window."""
        at = at or clock.now()
        if self.status is not WaveStatus.OPEN or at < self.opens_at:
            return False
        return self.closes_at is None or at < self.closes_at

    def not_yet_open(self, at: datetime | None = None) -> bool:
        at = at or clock.now()
        return self.status is WaveStatus.SCHEDULED or (
            self.status is WaveStatus.OPEN and at < self.opens_at
        )

    def is_late(self, received_at: datetime) -> bool:
        """A return is late when it arrives after the wave's close."""
        return self.closes_at is not None and received_at >= self.closes_at


class Wave(WaveWindow, Base):
    """One run of a survey version, with its own window, link and late-return rule."""

    __tablename__ = "wave"
    __table_args__ = (
        CheckConstraint("closes_at IS NULL OR closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    kind: Mapped[WaveKind] = mapped_column(enum_column(WaveKind), default=WaveKind.ANNUAL)
    status: Mapped[WaveStatus] = mapped_column(
        enum_column(WaveStatus), default=WaveStatus.SCHEDULED
    )
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime | None]
    population_note: Mapped[str] = mapped_column(Text, default="")
    late_rule: Mapped[LateRule] = mapped_column(
        enum_column(LateRule), default=LateRule.OFFICER_DECIDES
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    version: Mapped[SurveyVersion] = relationship(back_populates="waves")

    @property
    def definition(self) -> SurveyDefinition:
        return self.version.definition

    def open(self) -> None:
        """Open the wave for answers.

        :raise DomainError: unless the wave is scheduled and its version approved.
        """
        if self.status is not WaveStatus.SCHEDULED:
            raise DomainError(f"a {self.status.value} wave cannot be opened")
        if self.version.status is not VersionStatus.APPROVED:
            raise DomainError("only an approved survey version can be sent out")
        self.status = WaveStatus.OPEN

    def close(self) -> None:
        """Close the wave; later returns are late and follow the late-return rule.

        :raise DomainError: unless the wave is open.
        """
        if self.status is not WaveStatus.OPEN:
            raise DomainError(f"a {self.status.value} wave cannot be closed")
        self.status = WaveStatus.CLOSED
        now = clock.now()
        if self.closes_at is None or self.closes_at > now:
            self.closes_at = max(now, self.opens_at + timedelta(seconds=1))
