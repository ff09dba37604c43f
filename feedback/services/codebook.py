"""Editing the stored theme codebook: each edit saves a new version.

The codebook logic (add, reword, retire, merge) lives in
:mod:`analysis.comments.codebook` and returns a new plain codebook; this
module stores it as a :class:`CodebookVersion`, checks that every cue
compiles before saving (a bad cue would stop all coding), and audits the
edit. Recoding the stored comments with the new version is a separate step
(:func:`feedback.services.comments.code_new_comments` with ``recode=True``,
the "Recode comments" button or ``flask comments code --recode``) because it
can take a while on a large wave.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from sqlalchemy import Text, cast, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, object_session

from analysis.comments import codebook as cb
from analysis.comments.themes import ThemeCoder
from feedback.models.comments import HUMAN, CodebookVersion, CommentTheme
from feedback.services.audit import record

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class CodebookError(ValueError):
    """A codebook edit that cannot be saved, with a message for the person."""


def latest_version(session: Session) -> CodebookVersion | None:
    """The newest stored codebook version; its data is read when first asked for.

    Coding and the theme pages only need the parsed codebook, which is kept per
    text (:func:`codebook_of`, :func:`coder_for`), so decoding its 50 KB of JSON
    on every submission would be wasted.
    """
    return session.scalars(
        select(CodebookVersion)
        .options(defer(CodebookVersion.data))
        .order_by(CodebookVersion.version.desc())
        .limit(1)
    ).first()


def ensure_codebook(session: Session) -> CodebookVersion:
    """The latest stored codebook, seeding version 1 from the default when there is none.

    Adds but does not commit: the caller's commit saves the seed with its own work.
    Two server processes coding their first comments at the same moment may both
    seed it; the one whose insert loses takes the winner's version instead of
    failing its batch.
    """
    current = latest_version(session)
    if current is not None:
        return current
    seed = cb.default_codebook()
    current = CodebookVersion(
        version=seed.version,
        data=cb.codebook_to_dict(seed),
        note="Seeded from the co-produced default codebook",
        created_by="system",
    )
    try:
        with session.begin_nested():
            session.add(current)
    except IntegrityError:
        winner = latest_version(session)
        if winner is None:
            raise
        return winner
    return current


def codebook_of(version: CodebookVersion | None) -> cb.Codebook:
    """The plain codebook a stored version holds (the default when nothing is stored yet)."""
    if version is None:
        return cb.default_codebook()
    return _parse(_data_text(version))


def coder_for(version: CodebookVersion) -> ThemeCoder:
    """A compiled :class:`ThemeCoder` for ``version``, built once per process and content."""
    return _coder(_data_text(version))


def _data_text(version: CodebookVersion) -> str:
    """The version's data as JSON text: the key its parsed forms are kept under.

    A stored version is read as text in one small query, which costs less than
    encoding the loaded dict again (every submission codes its comments).
    """
    session = object_session(version)
    if session is not None and inspect(version).persistent:
        text = session.scalar(
            select(cast(CodebookVersion.data, Text)).where(CodebookVersion.id == version.id)
        )
        if text is not None:
            return text
    return json.dumps(version.data, sort_keys=True)


@lru_cache(maxsize=8)
def _parse(text: str) -> cb.Codebook:
    return cb.codebook_from_dict(json.loads(text))


@lru_cache(maxsize=4)
def _coder(text: str) -> ThemeCoder:
    return ThemeCoder(_parse(text))


def cue_lines(text: str | None) -> tuple[str, ...]:
    """Cue phrases from a text box, one a line, blank lines and duplicates dropped."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        phrase = line.strip()
        if phrase and phrase not in seen:
            seen.append(phrase)
    return tuple(seen)


def make_cues(strong: str | None, weak: str | None) -> tuple[cb.Cue, ...]:
    return tuple(cb.Cue(p, cb.STRONG) for p in cue_lines(strong)) + tuple(
        cb.Cue(p, cb.WEAK) for p in cue_lines(weak)
    )


def key_for(label: str) -> str:
    """A stable theme key from a label: "Respite care" -> ``respite_care``."""
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:64]
    return key if key and key[0].isalpha() else f"theme_{key}".rstrip("_")


def add_theme(session: Session, *, label: str, description: str, cues, by, note: str = ""):
    """Save a new version with a new theme.

    :raise CodebookError: for a label whose key is taken, no cues, or a cue that does not compile.
    """
    key = key_for(label)
    if not cues:
        raise CodebookError("Enter at least one cue")
    theme = cb.Theme(key=key, label=label.strip(), description=description.strip(), cues=cues)
    return _save(session, lambda book: cb.add_theme(book, theme), by, note or f"Added {label}")


def reword_theme(session: Session, key: str, *, label: str, description: str, cues, by, note=""):
    """Save a new version with theme ``key`` relabelled, described and re-cued."""
    if not cues:
        raise CodebookError("Enter at least one cue")
    return _save(
        session,
        lambda book: cb.reword_theme(
            book, key, label=label.strip(), description=description.strip(), cues=cues
        ),
        by,
        note or f"Reworded {key}",
    )


def retire_theme(session: Session, key: str, *, by, note: str = ""):
    """Save a new version where ``key`` is retired: kept for history, no longer coded."""
    return _save(session, lambda book: cb.retire_theme(book, key), by, note or f"Retired {key}")


def merge_themes(session: Session, source: str, target: str, *, by, note: str = ""):
    """Fold ``source`` into ``target`` and move people's codings of ``source`` to ``target``.

    Human codings follow the merge, or a confirmed comment would keep a theme
    nobody can see any more.
    """
    version = _save(
        session,
        lambda book: cb.merge_themes(book, source, target),
        by,
        note or f"Merged {source} into {target}",
        commit=False,
    )
    already = select(CommentTheme.coding_id).where(
        CommentTheme.source == HUMAN, CommentTheme.theme == target
    )
    session.execute(
        CommentTheme.__table__.delete().where(
            CommentTheme.source == HUMAN,
            CommentTheme.theme == source,
            CommentTheme.coding_id.in_(already.scalar_subquery()),
        )
    )
    session.execute(
        update(CommentTheme)
        .where(CommentTheme.source == HUMAN, CommentTheme.theme == source)
        .values(theme=target)
    )
    session.commit()
    return version


def _save(session: Session, change, by, note: str, *, commit: bool = True) -> CodebookVersion:
    current = ensure_codebook(session)
    try:
        book = change(codebook_of(current))
        ThemeCoder(book)  # every cue must compile before anything is coded with it
    except ValueError as exc:
        session.rollback()
        raise CodebookError(_say(exc)) from exc
    book = cb.Codebook(
        themes=book.themes, version=current.version + 1, question_themes=book.question_themes
    )
    version = CodebookVersion(
        version=book.version,
        data=cb.codebook_to_dict(book),
        note=note[:500],
        created_by=getattr(by, "email", None) or "system",
        created_by_id=getattr(by, "id", None),
    )
    session.add(version)
    session.flush()
    record(
        session,
        "codebook.edit",
        user=by,
        target=f"codebook:{version.version}",
        detail={"note": version.note},
    )
    if commit:
        session.commit()
    return version


def _say(exc: ValueError) -> str:
    text = str(exc)
    if "already exists" in text:
        return "There is already a theme with that name. Enter a different name"
    if text.startswith("bad cue"):
        return f"Enter cues in the cue language: {text.removeprefix('bad cue ')}"
    return text[:1].upper() + text[1:]
