"""Results kept until the data behind them changes, or a little longer for new answers.

The KPI report, theme summaries and participation counts read every answer in
a wave: about a second at a million responses, the survey report many more.
Pages and exports ask for the same results again and again, so :func:`cached`
keeps each result, keyed by its arguments and by the database's *data
version*: two tokens in the ``data_version`` table
(:class:`feedback.models.DataVersion`) that change, in the same transaction,
whenever anything behind the results changes.

Two kinds of change, two tokens. During a live wave families submit every few
seconds; if every submission threw results away, every dashboard view would be
cold. So a transaction that only *adds answers* (inserts into the tables a
submission, a paper return, a CSV import and the comment coding after them
write: :data:`SOFT_TABLES`) changes only the *soft* token (row 2). Every other
change (an update or a delete anywhere, or an insert into any other tracked
table: a late return's decision, a baseline, a target, a wave closing, a survey
version, comment recoding, actions, retention deletes) changes the *hard*
token (row 1) and the soft one too. Results are keyed by the hard token and
remember the soft token they were computed under, and when.

- Same soft token: the result is current; it is returned.
- Soft token moved on, and the result was computed no more than
  ``RESULTS_STALE_SECONDS`` ago (60 by default; 0 in tests switches this off):
  the result is returned at once (*stale while revalidating*) and one
  background thread per key per process (:func:`join_refreshes` waits for them)
  computes it afresh with its own session. The page says so
  (:func:`stale_since`, shown by the staff layout), so nobody mistakes figures
  a minute old for the very latest. Figures are never older than the window.
- Otherwise (no result, too old, or the hard token moved on): computed now.

So a hard change is never served stale: a response excluded, a baseline
corrected or a wave closed shows at once. A result being worked out never uses
stale results inside it (it would be kept as current with older figures in
it), and a session with uncommitted changes of its own reads results afresh and
keeps none. Refreshes run one at a time per process, on one connection, and as
readers (:func:`feedback.db.reading_only`), so on SQLite a long one never holds
the write lock that submissions need.

Invalidation is automatic. Session events (:func:`track_changes`) classify
every flush and bulk statement that touches a table results are computed from,
and give the tokens new random values just before that transaction commits.
Drafts, staff accounts and the audit log do not count, so families saving
answers page by page change nothing. The tokens change at commit, not at the
first flush, so a long transaction (a CSV import) does not hold the token rows'
locks and make every family's submission wait on PostgreSQL. A token is random,
never a counter, so a rolled-back change cannot leave behind a token that a
later, different change might reuse.

What the events cannot see is SQL written by hand outside the app (psql, a
restored dump from another system): after that, run ``flask --app wsgi results
refresh`` to change both tokens.

Two stores, both keyed by the hard token: each process keeps recent results in
memory (bounded, pickled so that a caller changing a returned dict cannot
change what the next caller gets), and the processes on one machine share them
through files in ``RESULTS_CACHE_DIR`` (``instance/results-cache`` by default),
so one gunicorn worker's work, fresh or stale, serves the others and survives
a restart. Each file holds the result with its soft token and time, signed
with the app's secret key and read only if the signature holds.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import pickle
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from feedback import clock
from feedback.models.data_version import HARD_ROW, SOFT_ROW, DataVersion

log = logging.getLogger(__name__)

#: Tables whose changes never alter a result: answering in progress, staff and the log.
UNTRACKED = frozenset({"data_version", "draft", "user_account", "audit_event"})

#: Tables new answers arrive in: a submission, a paper return or a CSV import writes
#: ``response`` and ``answer``; coding the new comments right after writes
#: ``comment_coding`` and ``comment_theme``. Inserts here alone are a soft change.
SOFT_TABLES = frozenset({"response", "answer", "comment_coding", "comment_theme"})

#: ``Session.info`` key: this transaction changed what results are computed from,
#: and how (:data:`SOFT` or :data:`HARD`).
CHANGED = "results_changed"
SOFT = "soft"
HARD = "hard"

#: ``flask.g`` key: the oldest computed-at time of the stale results this request served.
STALE_SINCE = "results_stale_since"

#: How many results each process keeps; the oldest unused go first.
MAX_ENTRIES = 256

#: How many result files the machine keeps; the oldest go first.
MAX_FILES = 2000

#: Part of every shared file's name: files written in an older layout are never read.
FILE_FORMAT = "entry-2"

F = TypeVar("F", bound=Callable[..., Any])


class Entry(NamedTuple):
    """A kept result: the soft token it was computed under, when, and the pickled value."""

    soft: str | None
    computed_at: datetime
    blob: bytes


class ResultCache:
    """A bounded, thread-safe least-recently-used store of kept results."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, entry: Any) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


results = ResultCache()


class SharedFiles:
    """Results shared by the processes of one machine: one signed pickle file per key.

    Writes go to a temporary file renamed into place, so a reader never sees half
    a file; a file whose signature does not match the secret key is ignored
    (never unpickled), as is any file that cannot be read. Best effort: a full
    disk or a read-only folder only means results are computed again.
    """

    def __init__(self, folder: Path, secret: str, max_files: int = MAX_FILES) -> None:
        self.folder = folder
        self.secret = secret.encode()
        self.max_files = max_files

    def _path(self, key: Hashable) -> Path:
        return self.folder / (hashlib.sha256(repr(key).encode()).hexdigest() + ".result")

    def _sign(self, blob: bytes) -> bytes:
        return hmac.new(self.secret, blob, hashlib.sha256).digest()

    def get(self, key: Hashable) -> bytes | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        signature, blob = data[:32], data[32:]
        if len(signature) != 32 or not hmac.compare_digest(signature, self._sign(blob)):
            return None
        return blob

    def put(self, key: Hashable, blob: bytes) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(self._sign(blob) + blob)
            os.replace(name, self._path(key))
            self._prune()
        except OSError:
            return

    def get_entry(self, key: Hashable) -> Entry | None:
        """The kept :class:`Entry` for ``key``, or None (missing, unsigned or malformed)."""
        blob = self.get((FILE_FORMAT, key))
        if blob is None:
            return None
        try:
            soft, computed_at, value = pickle.loads(blob)  # noqa: S301 - signed with our key
        except (pickle.UnpicklingError, ValueError, TypeError, EOFError):
            return None
        return Entry(soft, computed_at, value)

    def put_entry(self, key: Hashable, entry: Entry) -> None:
        self.put((FILE_FORMAT, key), pickle.dumps(tuple(entry), protocol=pickle.HIGHEST_PROTOCOL))

    def _prune(self) -> None:
        files = list(self.folder.glob("*.result"))
        if len(files) <= self.max_files:
            return
        files.sort(key=lambda f: f.stat().st_mtime)
        for stale in files[: len(files) - self.max_files]:
            stale.unlink(missing_ok=True)


def shared_files() -> SharedFiles | None:
    """The app's shared store, or None outside an app or when ``RESULTS_CACHE_DIR`` is empty."""
    if not has_app_context():
        return None
    folder = current_app.config.get("RESULTS_CACHE_DIR")
    secret = current_app.config.get("SECRET_KEY")
    if not folder or not secret:
        return None
    return SharedFiles(Path(folder), secret)


def data_tokens(session: Session) -> tuple[str, str | None] | None:
    """The hard and soft tokens, in one query; None when the database has no hard token.

    A database whose soft row is missing (migrated before there was one, until
    its first change creates it) has a soft token of None.
    """
    rows = dict(
        session.execute(
            select(DataVersion.id, DataVersion.token).where(
                DataVersion.id.in_((HARD_ROW, SOFT_ROW))
            )
        ).all()
    )
    if HARD_ROW not in rows:
        return None
    return rows[HARD_ROW], rows.get(SOFT_ROW)


def data_token(session: Session) -> str | None:
    """The hard token alone, or None when the database has no token row."""
    tokens = data_tokens(session)
    return tokens[0] if tokens else None


def _set_token(session: Session, row: int, token: str) -> None:
    connection = session.connection()
    done = connection.execute(update(DataVersion).where(DataVersion.id == row).values(token=token))
    if not done.rowcount:
        connection.execute(insert(DataVersion).values(id=row, token=token))


def bump(session: Session, *, hard: bool = True) -> str:
    """Give the data version new tokens in the session's transaction; the new token.

    A hard bump (the default: anything might have changed) changes both tokens,
    so every kept result is computed afresh; ``hard=False`` changes only the
    soft token, so kept results may be served for a while as they were (see
    the module docstring) and the soft token is returned.
    """
    token = uuid.uuid4().hex
    _set_token(session, HARD_ROW if hard else SOFT_ROW, token)
    if hard:
        _set_token(session, SOFT_ROW, uuid.uuid4().hex)
    return token


def _freeze(value: Any) -> Hashable:
    """A hashable, order-independent stand-in for an argument (dicts, lists, sets)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_freeze(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_freeze(v)) for v in value)))
    return value


def _stale_window() -> timedelta:
    if not has_app_context():
        return timedelta(0)
    return timedelta(seconds=current_app.config.get("RESULTS_STALE_SECONDS", 0))


def stale_since() -> datetime | None:
    """When the oldest stale result this request served was computed; None if all were fresh.

    Pages show it ("Figures worked out at ..."); exports that say when they were
    made use :func:`figures_time`.
    """
    return g.get(STALE_SINCE) if has_app_context() else None


def figures_time() -> datetime:
    """When the figures served so far in this request were worked out: now, unless stale."""
    return stale_since() or clock.now()


def _served_stale(entry: Entry) -> None:
    if has_app_context():
        oldest = g.get(STALE_SINCE)
        if oldest is None or entry.computed_at < oldest:
            setattr(g, STALE_SINCE, entry.computed_at)


def _lookup(key: Hashable, soft: str | None, shared: SharedFiles | None) -> Entry | None:
    """The best kept entry: this process's, or another's from the shared folder when newer."""
    entry = results.get(key)
    if entry is not None and entry.soft == soft:
        return entry
    other = shared.get_entry(key) if shared else None
    if other is not None and (entry is None or other.computed_at >= entry.computed_at):
        results.put(key, other)
        return other
    return entry


def _keep(key: Hashable, entry: Entry, shared: SharedFiles | None) -> None:
    results.put(key, entry)
    if shared:
        shared.put_entry(key, entry)


#: Set while a result is being computed: the results it uses must be current too, or it
#: would be kept under the current soft token with older figures inside it.
_computing: ContextVar[bool] = ContextVar("results_computing", default=False)


def _compute(fn: Callable[..., Any], session: Session, args: tuple, kwargs: dict) -> Any:
    token = _computing.set(True)
    try:
        return fn(session, *args, **kwargs)
    finally:
        _computing.reset(token)


def cached(fn: F) -> F:
    """Cache ``fn(session, ...)`` under its arguments and the data version.

    ``fn`` must read only the database and its arguments, and return plain data
    that pickles (dicts, lists, dataclasses; never ORM objects, which belong to
    one session). Without a token row (an unmigrated database) it just calls
    ``fn``. A result may be served up to ``RESULTS_STALE_SECONDS`` old after new
    answers arrive, while it is computed afresh in the background.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        if session.info.get(CHANGED):  # this transaction's own changes are not in any token
            return fn(session, *args, **kwargs)
        tokens = data_tokens(session)
        if tokens is None:
            return fn(session, *args, **kwargs)
        hard, soft = tokens
        url = session.get_bind().engine.url  # the bind is a Connection inside tests
        key = (str(url), hard, name, _freeze(args), _freeze(kwargs))
        shared = shared_files()
        entry = _lookup(key, soft, shared)
        if entry is not None:
            if entry.soft == soft:
                return pickle.loads(entry.blob)  # noqa: S301 - ours, or signed with our key
            window = _stale_window()
            if window and not _computing.get() and clock.now() - entry.computed_at <= window:
                _served_stale(entry)
                _refresh_later(key, fn, args, kwargs)
                return pickle.loads(entry.blob)  # noqa: S301 - ours, or signed with our key
        computed_at = clock.now()
        value = _compute(fn, session, args, kwargs)
        _keep(key, Entry(soft, computed_at, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)), shared)
        return value

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


# Background refreshes: one per key per process, and one running at a time, so they
# use one database connection and leave the request threads most of the interpreter.
_in_flight: dict[Hashable, threading.Thread] = {}
_in_flight_lock = threading.Lock()
_one_at_a_time = threading.Lock()
_held: list[threading.Thread] | None = None  # refreshes waiting for refreshes_held() to end


def _refresh_later(key: Hashable, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Start computing ``key`` afresh in a daemon thread, unless one already is."""
    app = current_app._get_current_object()  # the stale path is only taken inside an app
    with _in_flight_lock:
        if key in _in_flight:
            return
        thread = threading.Thread(
            target=_refresh,
            args=(app, key, fn, args, kwargs),
            name=f"results-refresh {key[2]}",
            daemon=True,
        )
        _in_flight[key] = thread
        if _held is not None:
            _held.append(thread)
            return
    thread.start()


def _refresh(app, key: Hashable, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Compute one kept result afresh with a session of this thread's own; never raises.

    The result is kept with the soft token read before computing, so answers
    that arrive meanwhile make it stale again rather than being claimed. If the
    hard token has moved on, there is nothing to refresh: the next reader
    computes the result itself.
    """
    from feedback.db import reading_only
    from feedback.extensions import db

    try:
        with _one_at_a_time, app.app_context(), reading_only():
            try:
                computed_at = clock.now()
                tokens = data_tokens(db.session)
                if tokens is not None and tokens[0] == key[1]:
                    value = _compute(fn, db.session, args, kwargs)
                    blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
                    _keep(key, Entry(tokens[1], computed_at, blob), shared_files())
            finally:
                db.session.remove()
    except Exception:  # a failed refresh leaves the stale result until the window ends
        log.exception("could not refresh cached result %s", key[2])
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)


def refreshes_in_flight() -> int:
    """How many background refreshes this process has started or is holding."""
    with _in_flight_lock:
        return len(_in_flight)


def join_refreshes(timeout: float = 30) -> bool:
    """Wait for this process's running background refreshes; whether they all finished.

    For tests and benchmarks, never for a request.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _in_flight_lock:
            threads = [t for t in _in_flight.values() if t.ident is not None]
        if not threads:
            return True
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    return False


@contextmanager
def refreshes_held() -> Iterator[None]:
    """Start no background refresh until the block ends; then start those asked for.

    Tests share one database connection between the request and the refresh
    threads; holding refreshes until the request is done keeps the two from
    using it at the same time (refreshes themselves run one at a time).
    """
    global _held
    with _in_flight_lock:
        _held = []
    try:
        yield
    finally:
        with _in_flight_lock:
            waiting, _held = _held, None
        for thread in waiting:
            thread.start()


def _kind(session: Session) -> str | None:
    """What the flush just done changed: None, only new answers (SOFT), or more (HARD)."""
    added = {obj.__table__.name for obj in session.new} - UNTRACKED
    changed = {obj.__table__.name for obj in session.deleted}
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            changed.add(obj.__table__.name)
    if changed - UNTRACKED or added - SOFT_TABLES:
        return HARD
    return SOFT if added else None


def _note(session: Session, kind: str | None) -> None:
    if kind is not None and session.info.get(CHANGED) != HARD:
        session.info[CHANGED] = kind


def _after_flush(session: Session, _context) -> None:
    _note(session, _kind(session))


def _do_orm_execute(state) -> None:
    """Bulk ``insert``/``update``/``delete`` statements bypass the flush: catch them here."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name in UNTRACKED:
        return
    _note(state.session, SOFT if state.is_insert and table.name in SOFT_TABLES else HARD)


def _before_commit(session: Session) -> None:
    # Commit flushes what is pending only after this hook, so flush first to see it all.
    session.flush()
    kind = session.info.pop(CHANGED, None)
    if kind is not None:
        bump(session, hard=kind == HARD)
    if kind == HARD:
        session.info[HARD_COMMITTING] = True


def _after_commit(session: Session) -> None:
    global _hard_commits
    if session.info.pop(HARD_COMMITTING, False):
        _hard_commits += 1


def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)
    session.info.pop(HARD_COMMITTING, False)


#: ``Session.info`` key: the transaction being committed makes a hard change.
HARD_COMMITTING = "hard_change_committing"

_hard_commits = 0


def hard_commits() -> int:
    """How many hard changes this process has committed: a key for what it keeps briefly.

    Things read on every request and kept for a second or so (a wave's status,
    see :mod:`feedback.queries.waves`) are read again once this moves, so a
    change made here shows in this process at once; other processes see it when
    their copy runs out.
    """
    return _hard_commits


def track_changes() -> None:
    """Change the data version whenever any session commits a change to a tracked table.

    Registered once per process, on every :class:`~sqlalchemy.orm.Session`.
    """
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
