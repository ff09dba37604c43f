"""Writing answers: drafts saved page by page, and responses stored exactly once.

Online answers, officers' paper returns and CSV imports all end in
:func:`build_response`, so a response looks the same whichever way it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Text,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.exc import StaleDataError

from feedback import clock
from feedback.direct_statements import read_row, write_and_commit
from feedback.models import Answer, Channel, Draft, Response, Wave
from feedback.models.responses import response_copies
from feedback.queries.waves import PublicWave
from feedback.services.comments import code_after_submit
from surveys.validation import (
    AnswerValue,
    ResponseErrors,
    missing_answers,
    segments_for,
    validate_response,
)


class IncompleteResponse(ValueError):
    """A draft is submitted before every required question has an answer."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(f"unanswered: {', '.join(missing)}")


def start_draft(session: Session, wave: Wave | PublicWave, *, days: int) -> Draft:
    """Create an empty draft for ``wave`` that can be resumed for ``days`` days."""
    now = clock.now()
    draft = Draft(
        wave_id=wave.id,
        answers={},
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(draft)
    session.commit()
    return draft


def find_draft(
    session: Session, *, token: str | None = None, code: str | None = None
) -> Draft | None:
    """A live (not expired) draft by its secret token or its resume code."""
    if token:
        query, value = _DRAFT_BY_TOKEN, token
    elif code:
        normalised = code.strip().upper().replace(" ", "").replace("-", "")
        if len(normalised) != 8:
            return None
        query, value = _DRAFT_BY_CODE, f"{normalised[:4]}-{normalised[4:]}"
    else:
        return None
    draft = session.scalars(query, {"value": value}).first()
    return draft if draft and not draft.expired() else None


# Built once, as every respondent request runs one of them. Whether the draft was sent
# comes in the same row (``Draft.response_id``).
_DRAFT = select(Draft)
_DRAFT_BY_TOKEN = _DRAFT.where(Draft.token == bindparam("value"))
_DRAFT_BY_CODE = _DRAFT.where(Draft.resume_code == bindparam("value"))


@dataclass(slots=True)
class DraftState:
    """A draft as the answer pages read it: its row, without the ORM's bookkeeping.

    Every question page reads the draft once, as does an answer that cannot be
    saved by :func:`merge_answers` alone. Read this way, a question page and its
    answer (when both still read the draft) took 1.85-1.93 ms of CPU in one
    process instead of 2.06-2.09 on SQLite, and 2.41-2.81 instead of 2.85-3.12
    on PostgreSQL (minimum of seven rounds, alternating with the ORM read).
    Pages that send the draft or follow its relationships load the
    :class:`~feedback.models.Draft` with :func:`find_draft`.
    """

    id: int
    wave_id: int
    token: str
    resume_code: str
    answers: dict[str, Any]
    updated_at: datetime
    expires_at: datetime
    response_id: int | None

    def expired(self, at: datetime | None = None) -> bool:
        return (at or clock.now()) >= self.expires_at


def find_draft_state(session: Session, token: str) -> DraftState | None:
    """:func:`find_draft` by token, read as a :class:`DraftState`."""
    row = read_row(session, _STATE_BY_TOKEN, {"value": token})
    state = DraftState(*row) if row is not None else None
    return state if state and not state.expired() else None


_STATE_BY_TOKEN = select(*(getattr(Draft, name) for name in DraftState.__dataclass_fields__)).where(
    Draft.token == bindparam("value")
)


def save_answers(
    session: Session, draft: Draft | DraftState, values: Mapping[str, AnswerValue], *, days: int
) -> None:
    """Store answers for one page in the draft and extend its life; commits.

    One plain UPDATE rather than the ORM's unit of work, which cost a quarter of
    an answer's request; the draft given is brought up to date to match (a loaded
    :class:`~feedback.models.Draft` without being marked as changed).

    :raise StaleDataError: when the draft no longer exists (the answers are not saved).
    """
    answers = dict(draft.answers or {})
    for key, value in _stored(values).items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    now = clock.now()
    saved = {
        "answers": answers,
        "updated_at": now,
        "expires_at": max(draft.expires_at, now + timedelta(days=days)),
    }
    done = session.connection().execute(
        _SAVE_DRAFT, {"draft_id": draft.id, **{f"new_{k}": v for k, v in saved.items()}}
    )
    if done.rowcount != 1:
        raise StaleDataError(f"draft {draft.id} no longer exists; answers not saved")
    refresh = set_committed_value if isinstance(draft, Draft) else setattr
    for key, value in saved.items():
        refresh(draft, key, value)
    session.commit()


_DRAFTS = Draft.__table__
_SAVE_DRAFT = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"))
    .values(
        answers=bindparam("new_answers"),
        updated_at=bindparam("new_updated_at"),
        expires_at=bindparam("new_expires_at"),
    )
)


def merge_answers(
    session: Session, wave_id: int, token: str, values: Mapping[str, AnswerValue], *, days: int
) -> bool:
    """Store one page's answers in a live, unsent draft of the wave, without reading it; commits.

    Whether it did: ``False``, with nothing written, when ``token`` names no such
    draft (unknown, expired, of another wave, or sent), and the caller reads the
    draft to say why. One UPDATE merges the answers in the database and extends
    the draft's life, so an answer needs no read of the draft before its write
    (on PostgreSQL, a round trip fewer), and two pages of one draft saved at the
    same moment both keep their answers, where reading, merging in Python and
    writing back would let the second write lose the first page's answer.
    """
    now = clock.now()
    stored = _stored(values)
    given = {"given_token": token, "given_wave_id": wave_id, "now": now}
    given["expires"] = now + timedelta(days=days)

    def merge(dialect: str) -> tuple[Any, dict[str, Any]]:
        statement, patch = _merge(dialect, stored)
        return statement, given | patch

    return write_and_commit(session, merge) == 1


def _stored(values: Mapping[str, AnswerValue]) -> dict[str, Any]:
    """Each answer as a draft stores it, or None where the answer is taken away."""
    return {
        key: None
        if value is None or value == ()
        else (list(value) if isinstance(value, tuple) else value)
        for key, value in values.items()
    }


def _merge(dialect: str, stored: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """:func:`merge_answers`' UPDATE for ``dialect``, and the parameters that carry ``stored``.

    SQLite's ``json_patch`` (RFC 7396) takes a null as "remove the key";
    PostgreSQL's ``jsonb`` removes the keys given (``-``) then adds the rest (``||``).
    Answers are strings or lists, never objects, so neither merges any deeper.
    """
    if dialect == "postgresql":
        kept = {key: value for key, value in stored.items() if value is not None}
        removed = [key for key, value in stored.items() if value is None]
        return _MERGES["postgresql"], {"patch": kept, "removed": removed}
    return _MERGES["sqlite"], {"patch": stored}


def _merge_statement(merged) -> Any:
    """The UPDATE that sets a live, unsent draft's answers to ``merged`` and extends its life."""
    live = and_(
        _DRAFTS.c.token == bindparam("given_token"),
        _DRAFTS.c.wave_id == bindparam("given_wave_id"),
        _DRAFTS.c.expires_at > bindparam("now", type_=_DRAFTS.c.expires_at.type),
        ~exists().where(Response.__table__.c.draft_id == _DRAFTS.c.id),
    )
    expires = bindparam("expires", type_=_DRAFTS.c.expires_at.type)
    return (
        update(_DRAFTS)
        .where(live)
        .values(
            answers=merged,
            updated_at=bindparam("now", type_=_DRAFTS.c.updated_at.type),
            expires_at=case((_DRAFTS.c.expires_at > expires, _DRAFTS.c.expires_at), else_=expires),
        )
    )


_MERGES = {
    "postgresql": _merge_statement(
        _DRAFTS.c.answers.op("-", return_type=JSONB)(bindparam("removed", type_=ARRAY(Text))).op(
            "||", return_type=JSONB
        )(bindparam("patch", type_=JSONB))
    ),
    "sqlite": _merge_statement(
        func.json_patch(_DRAFTS.c.answers, bindparam("patch", type_=JSON), type_=JSON)
    ),
}


def build_response(
    wave: Wave | PublicWave, answers: Mapping[str, AnswerValue], **options: Any
) -> Response:
    """Make (not add) a response with one answer row per option code or text.

    ``options`` are :func:`response_without_answers`'s: the channel, when it was
    received, who keyed it and the officer's decision on a late return.
    """
    response = response_without_answers(wave, answers, **options)
    response.answers = [Answer(**values) for values in answer_values(wave, answers)]
    return response


def response_without_answers(
    wave: Wave | PublicWave,
    answers: Mapping[str, AnswerValue],
    *,
    channel: Channel = Channel.ONLINE,
    received_at: datetime | None = None,
    received_on: date | None = None,
    keyed_by: str | None = None,
    include_late: bool | None = None,
) -> Response:
    """:func:`build_response`'s response alone, for code that inserts its answer rows itself.

    With :func:`answer_values` and :func:`answer_rows`: many answers go in as one
    statement's rows instead of one ORM object each. Lateness is decided from
    ``received_at`` against the wave's close; whether a late return counts follows
    the wave's late-return rule unless the officer decided (``include_late``).
    """
    from feedback.models.surveys import LateRule

    received_at = received_at or clock.now()
    late = wave.is_late(received_at)
    if not late:
        included = True
    elif include_late is not None:
        included = include_late
    else:
        included = wave.late_rule is LateRule.INCLUDE
    return Response(
        wave_id=wave.id,
        channel=channel,
        submitted_at=received_at,
        received_on=received_on or received_at.date(),
        is_late=late,
        included=included,
        keyed_by=keyed_by,
        **segments_for(wave.definition, answers),
    )


def answer_values(
    wave: Wave | PublicWave, answers: Mapping[str, AnswerValue]
) -> list[dict[str, Any]]:
    """The answer rows of ``answers``, by column, in question order: one per option code or text."""
    rows: list[dict[str, Any]] = []
    for question in wave.definition.questions:
        value = answers.get(question.id)
        rows += _rows_for(wave.id, question.id, question.kpi, question.type, value)
        if question.comment_id:
            rows += _rows_for(
                wave.id, question.comment_id, question.kpi, "text", answers.get(question.comment_id)
            )
    return rows


def _rows_for(wave_id: int, qid: str, kpi: str | None, qtype: str, value: Any) -> list[dict]:
    if value in (None, "", (), []):
        return []
    row = {"wave_id": wave_id, "question_id": qid, "kpi": kpi}
    if qtype == "text":
        return [{**row, "option_code": None, "text": value}]
    codes = [value] if isinstance(value, str) else list(value)
    return [{**row, "option_code": code, "text": None} for code in codes]


def answer_rows(
    response_id: int, response: Response, values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows of :func:`answer_values` to insert, with the response id and the copied columns."""
    copies = response_copies(response)
    return [{**v, "response_id": response_id, **copies} for v in values]


def submit_draft(
    session: Session,
    draft: Draft,
    wave: Wave | PublicWave | None = None,
    *,
    code_comments: bool = True,
) -> Response:
    """Turn a draft into its one response, or return the response it already became.

    Safe to call twice at once: the unique ``draft_id`` lets only one insert win,
    and the loser returns the winner's response. The respondent pages pass the
    draft's wave as they already have it, which saves loading it again, and may
    code the comments later themselves (``code_comments=False``; see
    :mod:`feedback.comment_queue`).

    :raise IncompleteResponse: when a required question has no answer.
    :raise ResponseErrors: when a stored answer no longer validates.
    """
    sent = _sent(draft)
    if sent is not None:
        return sent
    if wave is None or wave.id != draft.wave_id:
        wave = draft.wave
    definition = wave.definition
    missing = missing_answers(definition, draft.answers or {})
    if missing:
        raise IncompleteResponse(missing)
    answers = validate_response(definition, _as_raw(draft.answers or {}))
    response = response_without_answers(wave, answers)
    # By id, not through ``Draft.response``: setting that relationship while it is
    # not loaded would let the flush move a response stored meanwhile by another
    # tab off this draft, and store a second one.
    response.draft_id = draft.id
    session.add(response)
    try:
        session.flush()
        # The answer rows as one executemany, with no ids read back. As ORM
        # objects they took one long INSERT ... RETURNING, too long for psycopg's
        # statement cache, and a submission took 5.0 ms, not 3.3-3.9, on SQLite
        # and 7.5 ms, not 4.9-6.1, on PostgreSQL (bench/respond.py).
        rows = answer_rows(response.id, response, answer_values(wave, answers))
        if rows:
            session.execute(insert(Answer.__table__), rows)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalars(select(Response).where(Response.draft_id == draft.id)).first()
        if existing is None:
            raise
        return existing
    set_committed_value(draft, "response", response)
    if code_comments:
        code_after_submit(session, response.id)
    return response


def _sent(draft: Draft) -> Response | None:
    """The response ``draft`` became, if any, asking the database only when it is known to exist.

    A response given to this draft in this session is already on it. Otherwise
    the draft's row said whether it had been sent when it was read
    (``Draft.response_id``): loading ``Draft.response`` for every submission
    was a query that nearly always found nothing. A response stored since by a
    request running at the same time is caught by the unique ``draft_id``.
    """
    known = inspect(draft).attrs.response.loaded_value
    if known is not NO_VALUE:
        return known
    return draft.response if draft.response_id is not None else None


def _as_raw(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | list) else str(v)) for k, v in answers.items()}


__all__ = [
    "DraftState",
    "IncompleteResponse",
    "ResponseErrors",
    "answer_rows",
    "answer_values",
    "build_response",
    "find_draft",
    "find_draft_state",
    "merge_answers",
    "response_without_answers",
    "save_answers",
    "start_draft",
    "submit_draft",
]
