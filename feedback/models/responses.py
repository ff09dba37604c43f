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

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    event,
    exists,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, column_property, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

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


#: The response columns every answer row repeats (see :class:`Answer`), in the order
#: of its KPI index: a breakdown groups by a leading run of them and so reads the
#: index in order.
RESPONSE_COPIES = ("included", "respondent_type", "ehcp_status", "age_band", "locality", "channel")


class Answer(Base):
    """One answer: an option code, or free text. A multi-choice question gives one row per code.

    ``wave_id`` and ``kpi`` repeat what the response and definition say, and the
    columns in :data:`RESPONSE_COPIES` repeat the response's segments and whether
    it counts, so that the KPI aggregation, whole-wave or broken down by segment,
    is one ``GROUP BY`` over one index, as are the counts of each option of a
    question (:func:`feedback.queries.data.option_counts`). Joining every answer
    to its response for a breakdown took 1.95 s at 200,000 responses on SQLite;
    grouping this index alone took 0.12 s. The ORM writes the copies with new
    answers and changes them with the response (:func:`_keep_answer_copies`);
    code that inserts answers without it adds :func:`response_copies`, and an
    UPDATE of response rows without the ORM must update their answers too.
    """

    __tablename__ = "answer"
    __table_args__ = (
        Index(
            "ix_answer_wave_kpi_option_segments",
            "wave_id",
            "kpi",
            "option_code",
            "question_id",
            *RESPONSE_COPIES,
        ),
        Index("ix_answer_response", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    kpi: Mapped[str | None] = mapped_column(String(8))
    option_code: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    # Copies of the response's columns (RESPONSE_COPIES); see the class docstring.
    included: Mapped[bool] = mapped_column(default=True)
    respondent_type: Mapped[str | None] = mapped_column(String(32))
    ehcp_status: Mapped[str | None] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(32))
    locality: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.ONLINE)

    response: Mapped[Response] = relationship(back_populates="answers")


def response_copies(response: Response) -> dict[str, Any]:
    """The values an answer of ``response`` repeats, by column name.

    For statements that insert answer rows without the ORM (a CSV import); the ORM
    fills them in itself (:func:`_keep_answer_copies`).
    """
    return {name: getattr(response, name) for name in RESPONSE_COPIES}


def restore_answer_copies(session: Session) -> int:
    """Copy each response's values again onto those of its answers that differ; how many.

    For data changed outside the app (``flask --app wsgi results refresh`` runs
    it): an UPDATE of response rows typed into psql does not reach the copies.
    """
    answer, response = Answer.__table__, Response.__table__
    own = response.c.id == answer.c.response_id
    differs = or_(*(answer.c[name].is_distinct_from(response.c[name]) for name in RESPONSE_COPIES))
    values = {
        answer.c[name]: select(response.c[name]).where(own).scalar_subquery()
        for name in RESPONSE_COPIES
    }
    done = session.execute(update(answer).where(exists().where(own, differs)).values(values))
    return done.rowcount


@event.listens_for(Session, "before_flush")
def _keep_answer_copies(session: Session, _context, _instances) -> None:
    """Give new answers their response's values, and change them when the response changes.

    Every write through the ORM passes here: a submission, a paper return, an
    officer's decision on a late return, a test's edit. A response's change is
    written to its stored answers with one UPDATE, and to those loaded here.
    Statements that bypass the ORM write the copies themselves
    (:func:`response_copies`).
    """
    for obj in session.new:
        if not isinstance(obj, Answer):
            continue
        # An answer added by response id alone reads its response too.
        response = obj.response or (
            session.get(Response, obj.response_id) if obj.response_id is not None else None
        )
        if response is not None:
            for name, value in response_copies(response).items():
                if value is not None:  # None leaves the column default, as on the response
                    setattr(obj, name, value)
    for obj in session.dirty:
        if not isinstance(obj, Response) or obj.id is None:
            continue
        changed = {
            name: getattr(obj, name)
            for name in RESPONSE_COPIES
            if inspect(obj).attrs[name].history.has_changes()
        }
        if not changed:
            continue
        table = Answer.__table__
        session.connection().execute(
            update(table).where(table.c.response_id == obj.id).values(**changed)
        )
        for answer in obj.__dict__.get("answers", ()):
            for name, value in changed.items():
                set_committed_value(answer, name, value)
