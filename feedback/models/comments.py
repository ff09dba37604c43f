"""Coded comments: the versioned codebook, automatic coding and human coding.

What must survive the retention job. Raw comment text lives in
:class:`~feedback.models.responses.Answer` and is deleted (or nulled) after the
retention period, but the forum's theme results must not change when it is.
So a :class:`CommentCoding` keeps everything the pages need without the raw
text: the redacted text, the PII spans, the themes and sentiment, and the
wave, question and KPI copied from the answer. Its link to the answer is
``ON DELETE SET NULL``: deleting the answer leaves the coding in place. Its
link to the response is ``ON DELETE CASCADE`` on purpose: erasing a whole
response (a family's right to erasure) must take the redacted comment with it.

Theme membership is one :class:`CommentTheme` row per (coding, source, theme),
so the share of commenters raising a theme is one ``GROUP BY``. A human
coding (:class:`HumanCoding`) adds rows with ``source = "human"`` and, where
it exists, replaces the automatic rows and sentiment in every query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import clock
from feedback.db import Base
from feedback.models.types import JsonType

SENTIMENTS = ("positive", "negative", "mixed", "neutral")
AUTO = "auto"
HUMAN = "human"


class CodebookVersion(Base):
    """One saved version of the theme codebook, as the plain dict of ``analysis.comments``.

    Versions are only ever added: an edit saves a new version, so every coding
    can say which codebook produced it.
    """

    __tablename__ = "codebook_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254), default="system")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class CommentCoding(Base):
    """The automatic coding of one comment, and what survives its raw text."""

    __tablename__ = "comment_coding"
    __table_args__ = (
        Index("ix_comment_coding_wave_kpi", "wave_id", "kpi"),
        Index("ix_comment_coding_response", "response_id"),
        CheckConstraint(
            "sentiment IN ('positive', 'negative', 'mixed', 'neutral')", name="sentiment_label"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer.id", ondelete="SET NULL"), unique=True
    )
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    kpi: Mapped[str | None] = mapped_column(String(8))
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_version.id"))
    sentiment: Mapped[str] = mapped_column(String(16))
    polarity: Mapped[float] = mapped_column(Float)
    redacted: Mapped[str] = mapped_column(Text)
    #: PII spans ``{"kind", "start", "end"}`` as offsets into the raw text.
    pii: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    #: Evidence per theme, cut from the *redacted* text so it never holds a name.
    evidence: Mapped[dict[str, list[str]]] = mapped_column(JsonType, default=dict)
    #: ``[start, end, theme]`` offsets of the evidence in ``redacted``, for highlighting.
    highlights: Mapped[list[list[Any]]] = mapped_column(JsonType, default=list)
    coded_at: Mapped[datetime] = mapped_column(default=clock.now)

    codebook_version: Mapped[CodebookVersion] = relationship()
    themes: Mapped[list[CommentTheme]] = relationship(
        back_populates="coding", cascade="all, delete-orphan", passive_deletes=True
    )
    human: Mapped[HumanCoding | None] = relationship(
        back_populates="coding", cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )

    def theme_keys(self, source: str) -> list[str]:
        return [t.theme for t in self.themes if t.source == source]

    @property
    def final_themes(self) -> list[str]:
        """The themes that count: the human's when a person has coded it."""
        return self.theme_keys(HUMAN if self.human else AUTO)

    @property
    def final_sentiment(self) -> str:
        return self.human.sentiment if self.human else self.sentiment


class CommentTheme(Base):
    """One theme of one coding, from the machine (``auto``) or a person (``human``)."""

    __tablename__ = "comment_theme"
    __table_args__ = (
        Index("ix_comment_theme_theme", "theme", "source"),
        CheckConstraint("source IN ('auto', 'human')", name="source_kind"),
    )

    coding_id: Mapped[int] = mapped_column(
        ForeignKey("comment_coding.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(8), primary_key=True)
    theme: Mapped[str] = mapped_column(String(64), primary_key=True)

    coding: Mapped[CommentCoding] = relationship(back_populates="themes")


class HumanCoding(Base):
    """A person's confirmed or corrected coding; it overrides the automatic one everywhere."""

    __tablename__ = "human_coding"
    __table_args__ = (
        CheckConstraint(
            "sentiment IN ('positive', 'negative', 'mixed', 'neutral')", name="sentiment_label"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coding_id: Mapped[int] = mapped_column(
        ForeignKey("comment_coding.id", ondelete="CASCADE"), unique=True
    )
    sentiment: Mapped[str] = mapped_column(String(16))
    coded_by: Mapped[str] = mapped_column(String(254))
    coded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    coded_at: Mapped[datetime] = mapped_column(default=clock.now)

    coding: Mapped[CommentCoding] = relationship(back_populates="human")
