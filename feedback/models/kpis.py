"""KPI baselines under governance, milestone settings, commentary and the plan's other KPIs.

A baseline is what every target is measured from, so it is agreed the way the
local area agreed the December 2019 one (seed 004 section 2.10.4): a draft,
agreed by the co-production sub-group on a date, then ratified by the
improvement board on a date. Until it is ratified an officer may correct it
(a correction to an agreed version returns it to draft, since the sub-group
agreed different figures) or withdraw it with a reason; a withdrawn version
stays in the history. A ratified baseline is locked: the model refuses any
change to its figure or provenance, and a correction is a new version with a
reason, so the history of what was reported when stays readable.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.surveys import Wave
from feedback.models.types import DomainError, enum_column


class BaselineStatus(enum.Enum):
    DRAFT = "draft"
    AGREED = "agreed"
    RATIFIED = "ratified"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class BaselineSource(enum.Enum):
    """An imported published figure, or the result of a designated wave."""

    IMPORTED = "imported"
    WAVE = "wave"


STATUS_WORDS = {
    BaselineStatus.DRAFT: "Draft, not yet agreed",
    BaselineStatus.AGREED: "Agreed by the co-production sub-group, not yet ratified",
    BaselineStatus.RATIFIED: "Ratified by the improvement board",
    BaselineStatus.SUPERSEDED: "Replaced by a later version",
    BaselineStatus.WITHDRAWN: "Withdrawn before ratification",
}

#: Statuses in which a version can still be corrected or withdrawn.
OPEN_STATUSES = (BaselineStatus.DRAFT, BaselineStatus.AGREED)
#: Statuses whose figure and provenance may never change again.
_FROZEN_STATUSES = (BaselineStatus.RATIFIED, BaselineStatus.SUPERSEDED, BaselineStatus.WITHDRAWN)

#: What an officer may correct on a draft or agreed version.
EDITABLE_FIELDS = (
    "source",
    "value",
    "wave_id",
    "baseline_date",
    "document",
    "document_date",
    "note",
    "reason",
)

#: Fields that make up the figure, its provenance and its decisions; frozen once ratified.
_LOCKED_FIELDS = (
    "kpi",
    "version",
    *EDITABLE_FIELDS,
    "recorded_note",
    "agreed_on",
    "agreed_by",
    "ratified_on",
    "ratified_by",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawal_reason",
    "edited_at",
    "edited_by",
)


class KpiBaseline(Base):
    """One version of one KPI's baseline, with where it came from and who agreed it."""

    __tablename__ = "kpi_baseline"
    __table_args__ = (
        UniqueConstraint("kpi", "version"),
        CheckConstraint(
            "(source = 'imported' AND value IS NOT NULL)"
            " OR (source = 'wave' AND wave_id IS NOT NULL)",
            name="value_or_wave",
        ),
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 100)", name="value_is_pct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(8))
    version: Mapped[int]
    source: Mapped[BaselineSource] = mapped_column(enum_column(BaselineSource))
    #: Percentage 0-100 for an imported figure; a wave baseline is computed from its answers.
    value: Mapped[float | None]
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"))
    #: When the baseline was established (for a survey, its close date).
    baseline_date: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(300), default="")
    document_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    #: Anything the source prints that we keep without interpreting it.
    recorded_note: Mapped[str] = mapped_column(Text, default="")
    #: Why this version exists; required for every version after the first.
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BaselineStatus] = mapped_column(
        enum_column(BaselineStatus), default=BaselineStatus.DRAFT
    )
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_by: Mapped[str | None] = mapped_column(String(200))
    ratified_on: Mapped[date | None] = mapped_column(Date)
    ratified_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by: Mapped[str] = mapped_column(String(254), default="system")
    #: The last correction before ratification, if any (the audit log keeps each one).
    edited_at: Mapped[datetime | None]
    edited_by: Mapped[str | None] = mapped_column(String(254))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(254))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    wave: Mapped[Wave | None] = relationship()

    @property
    def locked(self) -> bool:
        return self.status in (BaselineStatus.RATIFIED, BaselineStatus.SUPERSEDED)

    @property
    def editable(self) -> bool:
        """Still a draft or agreed: it may be corrected or withdrawn."""
        return self.status in OPEN_STATUSES

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    def agree(self, on: date, by: str) -> None:
        """Record agreement by the co-production sub-group.

        :raise DomainError: unless the version is a draft, or if ``by`` is empty.
        """
        if self.status is not BaselineStatus.DRAFT:
            raise DomainError(f"a {self.status.value} baseline cannot be agreed")
        if not by.strip():
            raise DomainError("say who agreed the baseline")
        self.status, self.agreed_on, self.agreed_by = BaselineStatus.AGREED, on, by.strip()

    def ratify(self, on: date, by: str) -> None:
        """Record ratification by the improvement board; the version is locked from now on.

        :raise DomainError: unless the version is agreed, or if ``on`` is before agreement.
        """
        if self.status is not BaselineStatus.AGREED:
            raise DomainError(f"a {self.status.value} baseline cannot be ratified; agree it first")
        if self.agreed_on and on < self.agreed_on:
            raise DomainError("a baseline cannot be ratified before the date it was agreed")
        if not by.strip():
            raise DomainError("say who ratified the baseline")
        self.status, self.ratified_on, self.ratified_by = BaselineStatus.RATIFIED, on, by.strip()

    def supersede(self) -> None:
        """Mark a ratified version as replaced by a newer ratified one."""
        if self.status is not BaselineStatus.RATIFIED:
            raise DomainError(f"a {self.status.value} baseline cannot be superseded")
        self.status = BaselineStatus.SUPERSEDED

    def _refuse_unless_open(self, doing: str) -> None:
        if self.status in (BaselineStatus.RATIFIED, BaselineStatus.SUPERSEDED):
            raise DomainError(
                f"version {self.version} was ratified by the improvement board and is locked, "
                f"so it cannot be {doing}; make a new version with a reason instead"
            )
        if self.status is BaselineStatus.WITHDRAWN:
            raise DomainError(
                f"version {self.version} was withdrawn and cannot be {doing}; "
                "make a new version instead"
            )

    def revise(self, at: datetime, by: str, **changes) -> list[str]:
        """Correct a draft or agreed version; returns the names of the fields that changed.

        A correction to an agreed version returns it to draft and clears the
        agreement, because the sub-group agreed something else. Saving with no
        change changes nothing, agreement included. The caller checks the
        figure itself (one of value and wave, 0 to 100).

        :raise DomainError: for a ratified, superseded or withdrawn version, or a
            field that is not one of :data:`EDITABLE_FIELDS`.
        """
        self._refuse_unless_open("changed")
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise DomainError(f"these cannot be changed on a baseline: {', '.join(unknown)}")
        changed = [name for name, new in changes.items() if getattr(self, name) != new]
        if not changed:
            return []
        for name in changed:
            setattr(self, name, changes[name])
        if self.status is BaselineStatus.AGREED:
            self.status, self.agreed_on, self.agreed_by = BaselineStatus.DRAFT, None, None
        self.edited_at, self.edited_by = at, by
        return changed

    def withdraw(self, at: datetime, by: str, reason: str) -> None:
        """Withdraw a draft or agreed version; it stays in the history as withdrawn.

        :raise DomainError: for a ratified, superseded or withdrawn version, or
            if ``reason`` is empty.
        """
        self._refuse_unless_open("withdrawn")
        if not reason.strip():
            raise DomainError("enter the reason for withdrawing the baseline")
        self.status = BaselineStatus.WITHDRAWN
        self.withdrawn_at, self.withdrawn_by = at, by
        self.withdrawal_reason = reason.strip()


@event.listens_for(KpiBaseline, "before_update")
def _refuse_changes_to_locked(_mapper, _connection, target: KpiBaseline) -> None:
    """Keep ratified and withdrawn versions as they were, whatever code tries to change them."""
    state = inspect(target)
    before = state.attrs.status.history.deleted
    was = before[0] if before else target.status
    if was not in _FROZEN_STATUSES:
        return
    changed = [name for name in _LOCKED_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        kind = "withdrawn" if was is BaselineStatus.WITHDRAWN else "ratified and locked"
        raise DomainError(
            f"baseline {target.kpi} v{target.version} is {kind}; "
            f"make a new version with a reason instead (tried to change {', '.join(changed)})"
        )
    allowed_next = {
        BaselineStatus.RATIFIED: (BaselineStatus.RATIFIED, BaselineStatus.SUPERSEDED),
        BaselineStatus.SUPERSEDED: (BaselineStatus.SUPERSEDED,),
        BaselineStatus.WITHDRAWN: (BaselineStatus.WITHDRAWN,),
    }[was]
    if target.status not in allowed_next:
        raise DomainError(
            f"a {was.value} baseline cannot become {target.status.value}; "
            "make a new version with a reason instead"
        )


class TargetModeColumn(enum.Enum):
    """Stored form of :class:`analysis.targets.TargetMode`."""

    POINTS = "points"
    RELATIVE = "relative"


class KpiMilestone(Base):
    """A milestone "baseline plus ``plus``" ``months`` after the baseline date, for one KPI.

    A KPI with no rows uses :data:`analysis.targets.DEFAULT_MILESTONES`.
    """

    __tablename__ = "kpi_milestone"
    __table_args__ = (
        UniqueConstraint("kpi", "months"),
        CheckConstraint("months >= 1", name="months_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(8))
    months: Mapped[int]
    plus: Mapped[float]
    mode: Mapped[TargetModeColumn] = mapped_column(
        enum_column(TargetModeColumn), default=TargetModeColumn.POINTS
    )
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(254), default="system")


class KpiCommentary(Base):
    """Officers' commentary on one KPI for one reporting period, dated and signed.

    Each period's commentary is its own row, so an old one (like the seed's
    stale "will be shared at January 2020 SENDCIB") stays visible as history.
    An officer may correct or delete a row: the author stays, the row says who
    last edited it and when, and the audit log keeps the text before each change.
    """

    __tablename__ = "kpi_commentary"
    __table_args__ = (Index("ix_kpi_commentary_kpi_period", "kpi", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(8))
    period_label: Mapped[str] = mapped_column(String(40))
    period_end: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    edited_at: Mapped[datetime | None]
    edited_by: Mapped[str | None] = mapped_column(String(254))


class KpiUnit(enum.Enum):
    PERCENT = "percent"
    WEEKS = "weeks"
    COUNT = "count"


class OtherKpiValueKind(enum.Enum):
    """Which Appendix A column a value belongs to."""

    BASELINE = "baseline"
    PERFORMANCE = "performance"
    TARGET = "target"


class OtherKpiValue(Base):
    """A figure for one of the plan's other KPIs (1/x, 2/x, 3/x, 5/x), with its source.

    Appendix A cells are often text ("TBC", "unable to report"), so a value is a
    number, a text, or both (a number with the wording the source used).
    """

    __tablename__ = "other_kpi_value"
    __table_args__ = (
        CheckConstraint("value IS NOT NULL OR text IS NOT NULL", name="value_or_text"),
        Index("ix_other_kpi_value_code", "code", "period_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    action_group: Mapped[str] = mapped_column(String(300), default="")
    measure: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[KpiUnit] = mapped_column(enum_column(KpiUnit), default=KpiUnit.PERCENT)
    kind: Mapped[OtherKpiValueKind] = mapped_column(
        enum_column(OtherKpiValueKind), default=OtherKpiValueKind.PERFORMANCE
    )
    period_label: Mapped[str] = mapped_column(String(40), default="")
    period_date: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(String(300))
    source_note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(254), default="system")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: The last correction, if any; ``entered_by`` stays who recorded it first.
    edited_at: Mapped[datetime | None]
    edited_by: Mapped[str | None] = mapped_column(String(254))

    @property
    def display(self) -> str:
        """The cell as Appendix A would print it: "22.4%", "18 weeks", "TBC"."""
        if self.value is None:
            return self.text or ""
        number = f"{self.value:g}"
        shown = {
            KpiUnit.PERCENT: f"{number}%",
            KpiUnit.WEEKS: f"{number} weeks",
            KpiUnit.COUNT: number,
        }[self.unit]
        return f"{shown} ({self.text})" if self.text else shown
