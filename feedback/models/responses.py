"""Drafts (answers in progress) and responses (submitted answers).

A draft is written after every page, so nothing a respondent has typed lives
only in their browser. Submitting turns a draft into exactly one response: the
unique ``draft_id`` on :class:`Response` makes a double click, a back-and-resubmit
or a network retry find the response already stored instead of adding another.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.surveys import Wave
from feedback.models.types import JsonType, enum_column

# No 0/O, 1/I/L, 5/S, 2/Z: references are read out over the phone and copied from paper.
_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def human_code(length: int = 8) -> str:
    """A random code like ``K7PM-Q9XD`` that is easy to read aloud and type."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return f"{raw[: length // 2]}-{raw[length // 2 :]}"


class Channel(enum.Enum):
    ONLINE = "online"
    PAPER = "paper"
    PHONE = "phone"
    EVENT = "event"


class Draft(Base):
    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    resume_code: Mapped[str] = mapped_column(String(16), unique=True, default=human_code)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]

    wave: Mapped[Wave] = relationship()
    response: Mapped[Response | None] = relationship(back_populates="draft", uselist=False)

    def expired(self, at: datetime | None = None) -> bool:
        return (at or clock.now()) >= self.expires_at


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (
        Index("ix_response_wave_segments", "wave_id", "respondent_type", "ehcp_status"),
        # Who answered, by channel and segment, for one wave and any filters: read from
        # this index alone instead of every response row of the wave (participation tables
        # on the dashboard and in the report: six times faster at 100,000 responses).
        Index(
            "ix_response_wave_participation",
            "wave_id",
            "included",
            "channel",
            "respondent_type",
            "ehcp_status",
            "age_band",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    reference: Mapped[str] = mapped_column(String(16), unique=True, default=human_code)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.ONLINE)
    respondent_type: Mapped[str | None] = mapped_column(String(32))
    ehcp_status: Mapped[str | None] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(32))
    locality: Mapped[str | None] = mapped_column(String(32))
    setting: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)
    received_on: Mapped[date | None]
    is_late: Mapped[bool] = mapped_column(default=False)
    included: Mapped[bool] = mapped_column(default=True)
    keyed_by: Mapped[str | None] = mapped_column(String(200))

    wave: Mapped[Wave] = relationship()
    draft: Mapped[Draft | None] = relationship(back_populates="response")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


#: The response a draft became, read in the same row as the draft (``None`` until sent).
#: Every respondent page asks whether its draft was sent already; finding the draft
#: with a joined eager load of its response was a third of a question page's time in
#: a profile, and a column in the same row spares the second row processor.
#: Read when the draft is loaded, so a draft sent later in the same session still
#: says ``None`` here: code that sends a draft asks :attr:`Draft.response`.
Draft.response_id = column_property(
    select(Response.id).where(Response.draft_id == Draft.id).scalar_subquery()
)


class Answer(Base):
    """One answer: an option code, or free text. A multi-choice question gives one row per code.

    ``wave_id`` and ``kpi`` repeat what the response and definition say so that
    the KPI aggregation is one ``GROUP BY`` over one indexed table.
    """

    __tablename__ = "answer"
    __table_args__ = (
        Index("ix_answer_wave_kpi_option", "wave_id", "kpi", "option_code"),
        Index("ix_answer_response", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    kpi: Mapped[str | None] = mapped_column(String(8))
    option_code: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
