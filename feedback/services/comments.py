"""Coding comments: automatic coding on arrival, recoding, human coding and audited raw views.

Every way a response arrives (online, paper, CSV import) stores answers with
:func:`feedback.services.responses.build_response`; after the response is
committed, :func:`code_new_comments` codes its comments with the latest
codebook. Online submission calls it itself; other paths should call
``code_new_comments(session, response_ids=[...])`` after their commit, and
``flask comments code`` codes anything missed.

Forum and board members only ever see what is stored here: redacted text
and evidence cut from the redacted text. The raw text stays in the answer
row, read only by :func:`reveal_raw`, which audits every read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from analysis.comments.pipeline import analyse_comment
from analysis.comments.redact import PLACEHOLDERS
from feedback import clock
from feedback.db import reading_only
from feedback.models import Answer, Response
from feedback.models.comments import (
    AUTO,
    HUMAN,
    SENTIMENTS,
    CodebookVersion,
    CommentCoding,
    CommentTheme,
    HumanCoding,
)
from feedback.queries.comments import uncoded_answers
from feedback.services.audit import record
from feedback.services.codebook import codebook_of, coder_for, ensure_codebook

log = logging.getLogger(__name__)
BATCH = 500


class CodingError(ValueError):
    """A human coding that cannot be saved, with a message for the person."""


def _scope(query, model, response_ids: Sequence[int] | None, wave_id: int | None):
    if response_ids is not None:
        query = query.where(model.response_id.in_(list(response_ids)))
    if wave_id is not None:
        query = query.where(model.wave_id == wave_id)
    return query


def _outdated(version: CodebookVersion, response_ids, wave_id, force: bool):
    query = select(CommentCoding.id)
    if not force:
        query = query.where(CommentCoding.codebook_version_id != version.id)
    return _scope(query, CommentCoding, response_ids, wave_id)


def count_to_code(
    session: Session,
    *,
    response_ids: Sequence[int] | None = None,
    wave_id: int | None = None,
    recode: bool = False,
    force: bool = False,
) -> int:
    """How many comments :func:`code_new_comments` would code with the same arguments."""
    version = ensure_codebook(session)
    total = session.scalar(
        select(func.count()).select_from(uncoded_answers(response_ids, wave_id).subquery())
    )
    if recode or force:
        outdated = _outdated(version, response_ids, wave_id, force)
        total += session.scalar(select(func.count()).select_from(outdated.subquery()))
    return total or 0


def code_new_comments(
    session: Session,
    *,
    response_ids: Sequence[int] | None = None,
    wave_id: int | None = None,
    since: datetime | None = None,
    recode: bool = False,
    force: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Code comments with the latest codebook; commits every few hundred. Returns how many.

    Parameters
    ----------
    response_ids, wave_id, since
        Limit the work to these responses, this wave or the responses received
        since then (several: all of them); default everything.
    recode
        Also recode comments coded with an older codebook version.
    force
        Recode every coded comment in scope, whatever its version (after the
        analysis rules themselves changed).

    A comment whose raw text was deleted by the retention job is recoded from
    its redacted text, so codebook changes still reach old waves.
    """
    version = ensure_codebook(session)
    coder = coder_for(version)
    _end_on_sqlite(session)  # a codebook just seeded is saved before any comment is analysed
    done = 0
    uncoded = uncoded_answers(response_ids, wave_id, since).order_by(Answer.id)
    new_ids = [row.id for row in _read(session, uncoded)]
    for chunk in _chunks(new_ids):
        done += _commit(session, _code_answers(session, chunk, version, coder), on_progress)
    if recode or force:
        old_ids = list(session.scalars(_outdated(version, response_ids, wave_id, force)))
        for chunk in _chunks(old_ids):
            done += _commit(session, _recode(session, chunk, version, coder), on_progress)
    return done


def code_after_submit(session: Session, response_id: int) -> None:
    """Code one new response's comments; a failure is logged, never lost answers."""
    code_after_store(session, response_ids=[response_id])


def code_after_store(
    session: Session,
    *,
    response_ids: Sequence[int] | None = None,
    wave_id: int | None = None,
    since: datetime | None = None,
) -> None:
    """Code the comments of responses just stored, by any channel (online, paper, import).

    The responses are already committed. If coding fails, ``flask comments code``
    codes them later, so nobody keying or sending answers sees an error for our
    analysis.
    """
    try:
        code_new_comments(session, response_ids=response_ids, wave_id=wave_id, since=since)
    except Exception:  # the responses are safe; the CLI codes them later
        session.rollback()
        log.exception("could not code comments (responses %s, wave %s)", response_ids, wave_id)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _commit(session: Session, n: int, on_progress) -> int:
    """Commit one batch, so a long run keeps its work if it is stopped."""
    session.commit()
    if on_progress:
        on_progress(n)
    return n


def _question(kpi: str | None) -> str:
    return kpi or "general"


# Coding writes with bulk INSERT/UPDATE rather than one ORM object per row:
# the ORM's per-object bookkeeping cost more than the analysis itself.


def _analyse(text: str, kpi: str | None, respondent: str | None, coder) -> dict:
    return analyse_comment(
        {"id": 0, "text": text, "question": kpi or "general", "respondent": respondent}, coder
    )


def _coded_fields(result: dict, raw: str, version: CodebookVersion) -> dict:
    evidence, highlights = redacted_evidence(
        raw, result["pii"], result["redacted"], result["evidence"]
    )
    return {
        "codebook_version_id": version.id,
        "sentiment": result["sentiment"],
        "polarity": float(result["polarity"]),
        "evidence": evidence,
        "highlights": highlights,
        "coded_at": clock.now(),
    }


def _read(session: Session, statement) -> list:
    """Rows from ``statement``; on SQLite, read in a transaction that has ended on return.

    Comments are analysed between reading and writing, a few milliseconds each.
    On SQLite a transaction that may write holds the database's one write lock
    from its start, and every family saving an answer would wait for the
    analysis; there this read begins as a reader (:func:`feedback.db.reading_only`)
    and ends before the analysis, so the lock is held only while codings are
    written. Another coder may code the same comments meanwhile: the insert
    skips those. PostgreSQL locks rows, not the database, so nothing is ended
    there (each extra transaction would cost round trips).
    """
    with reading_only():
        rows = session.execute(statement).all()
    _end_on_sqlite(session)
    return rows


def _end_on_sqlite(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


def _code_answers(session: Session, answer_ids: list[int], version, coder) -> int:
    rows = _read(
        session,
        select(
            Answer.id,
            Answer.response_id,
            Answer.wave_id,
            Answer.question_id,
            Answer.kpi,
            Answer.text,
            Response.respondent_type,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.id.in_(answer_ids))
        .order_by(Answer.id),
    )
    if not rows:
        return 0
    values, themes = [], []
    for row in rows:
        result = _analyse(row.text, row.kpi, row.respondent_type, coder)
        values.append(
            {
                "answer_id": row.id,
                "response_id": row.response_id,
                "wave_id": row.wave_id,
                "question_id": row.question_id,
                "kpi": row.kpi,
                "redacted": result["redacted"],
                "pii": result["pii"],
                **_coded_fields(result, row.text, version),
            }
        )
        themes.append(result["themes"])
    # Another process (the nightly CLI, a second submit) may have coded some of
    # these answers since we looked: skip those rather than fail the batch.
    inserted = dict(
        session.execute(
            _insert_ignoring_coded(session).returning(CommentCoding.answer_id, CommentCoding.id),
            values,
        ).all()
    )
    pairs = [
        (inserted[v["answer_id"]], t)
        for v, t in zip(values, themes, strict=True)
        if v["answer_id"] in inserted
    ]
    _insert_themes(session, [i for i, _ in pairs], [t for _, t in pairs])
    return len(pairs)


def _insert_ignoring_coded(session: Session):
    """``INSERT ... ON CONFLICT (answer_id) DO NOTHING`` for SQLite or PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(CommentCoding).on_conflict_do_nothing(index_elements=["answer_id"])


def _recode(session: Session, coding_ids: list[int], version, coder) -> int:
    """Recode codings in place; people's codings (``human`` rows) are left alone."""
    rows = session.execute(
        select(
            CommentCoding.id,
            CommentCoding.kpi,
            CommentCoding.redacted,
            Answer.text,
            Response.respondent_type,
        )
        .join(Response, Response.id == CommentCoding.response_id)
        .outerjoin(Answer, Answer.id == CommentCoding.answer_id)
        .where(CommentCoding.id.in_(coding_ids))
        .order_by(CommentCoding.id)
    ).all()
    if not rows:
        return 0
    updates, themes = [], []
    for row in rows:
        if row.text and row.text.strip():
            result = _analyse(row.text, row.kpi, row.respondent_type, coder)
            fields = {"redacted": result["redacted"], "pii": result["pii"]}
            fields.update(_coded_fields(result, row.text, version))
        else:
            # Raw text gone: code the redacted text; its PII spans stay as they were.
            result = _analyse(row.redacted, row.kpi, row.respondent_type, coder)
            result.update(pii=[], redacted=row.redacted)
            fields = _coded_fields(result, row.redacted, version)
        updates.append({"id": row.id, **fields})
        themes.append(result["themes"])
    ids = [row.id for row in rows]
    session.execute(
        delete(CommentTheme).where(CommentTheme.coding_id.in_(ids), CommentTheme.source == AUTO)
    )
    session.execute(update(CommentCoding), updates)
    _insert_themes(session, ids, themes)
    _expire_loaded(session, set(ids))
    return len(rows)


def _insert_themes(session: Session, ids: list[int], themes: list[list[str]]) -> None:
    rows = [
        {"coding_id": i, "source": AUTO, "theme": key}
        for i, keys in zip(ids, themes, strict=True)
        for key in keys
    ]
    if rows:
        session.execute(insert(CommentTheme), rows)


def _expire_loaded(session: Session, ids: set[int]) -> None:
    """Bulk writes bypass loaded objects; make any loaded coding read its new values."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CommentCoding) and obj.id in ids:
            session.expire(obj)


def redacted_evidence(
    raw: str, pii: list[dict], redacted: str, evidence: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[list]]:
    """Move evidence from the raw text into the redacted text.

    Evidence phrases are cut from the raw comment, and a cue with a gap
    ("waited .. years") can swallow a name. So each phrase is located in the
    raw text, its offsets are mapped into the redacted text (a span touching
    personal data widens to the whole placeholder), and the phrase kept is
    the redacted slice. Phrases that cannot be located are dropped, except
    the coder's own note that a theme came from the question answered.

    Returns
    -------
    (evidence, highlights)
        ``{theme: [redacted phrases]}`` and ``[[start, end, theme], ...]``
        offsets into ``redacted``.

    Examples
    --------
    >>> pii = [{"kind": "person_name", "start": 11, "end": 15}]
    >>> redacted_evidence("waited for Jake two years", pii,
    ...                   "waited for [name] two years", {"waiting_times": ["for jake two"]})
    ({'waiting_times': ['for [name] two']}, [[7, 21, 'waiting_times']])
    """
    low = raw.lower()
    comparable = len(low) == len(raw)
    spans = sorted((int(s["start"]), int(s["end"]), s["kind"]) for s in pii)
    phrases: dict[str, list[str]] = {}
    highlights: list[list] = []
    for theme, items in evidence.items():
        kept: list[str] = []
        for phrase in items:
            found = _locate(low, phrase.lower()) if comparable and phrase else None
            if found is None:
                if phrase.startswith("answer to question "):
                    kept.append(phrase)
                continue
            start = _to_redacted(found[0], spans, at_end=False)
            end = _to_redacted(found[1], spans, at_end=True)
            highlights.append([start, end, theme])
            piece = redacted[start:end].lower()
            if piece not in kept:
                kept.append(piece)
        phrases[theme] = kept
    highlights.sort()
    return phrases, highlights


def _locate(low: str, phrase: str) -> tuple[int, int] | None:
    at = low.find(phrase)
    return None if at < 0 else (at, at + len(phrase))


def _to_redacted(pos: int, spans, *, at_end: bool) -> int:
    shift = 0
    for start, end, kind in spans:
        placeholder = len(PLACEHOLDERS.get(kind, "[redacted]"))
        if end <= pos:
            shift += placeholder - (end - start)
        elif start < pos:  # inside personal data: widen to the whole placeholder
            return start + shift + (placeholder if at_end else 0)
        else:
            break
    return pos + shift


def save_human_coding(
    session: Session, coding: CommentCoding, *, themes: Iterable[str], sentiment: str, by
) -> HumanCoding:
    """Confirm or change a comment's coding; the person's coding then counts everywhere.

    :raise CodingError: for an unknown sentiment or a theme not in the codebook.
    """
    if sentiment not in SENTIMENTS:
        raise CodingError("Select how the comment feels")
    known = {t.key for t in codebook_of(ensure_codebook(session)).themes}
    chosen = list(dict.fromkeys(themes))
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise CodingError(f"Select themes from the codebook (not {', '.join(unknown)})")
    before = {"themes": coding.final_themes, "sentiment": coding.final_sentiment}
    session.execute(
        delete(CommentTheme).where(
            CommentTheme.coding_id == coding.id, CommentTheme.source == HUMAN
        )
    )
    session.expire(coding, ["themes"])
    human = coding.human or HumanCoding(coding=coding)
    human.sentiment = sentiment
    human.coded_by = getattr(by, "email", None) or "system"
    human.coded_by_id = getattr(by, "id", None)
    human.coded_at = clock.now()
    session.add(human)
    for key in chosen:
        session.add(CommentTheme(coding_id=coding.id, source=HUMAN, theme=key))
    record(
        session,
        "comment.code",
        user=by,
        target=f"comment:{coding.id}",
        detail={"before": before, "after": {"themes": chosen, "sentiment": sentiment}},
    )
    session.commit()
    return human


def reveal_raw(
    session: Session, coding: CommentCoding, *, by, reason: str, ip: str | None = None
) -> str | None:
    """The raw text of a comment for an officer, audited before it is returned.

    Returns ``None`` when the retention job has already deleted the text (the
    read is still audited: someone asked).
    """
    text = None
    if coding.answer_id is not None:
        text = session.scalar(select(Answer.text).where(Answer.id == coding.answer_id))
    record(
        session,
        "comment.raw_view",
        user=by,
        target=f"comment:{coding.id}",
        detail={"reason": reason[:500], "available": bool(text)},
        ip=ip,
    )
    session.commit()
    return text


__all__ = [
    "CodingError",
    "code_after_store",
    "code_after_submit",
    "code_new_comments",
    "count_to_code",
    "redacted_evidence",
    "reveal_raw",
    "save_human_coding",
]
