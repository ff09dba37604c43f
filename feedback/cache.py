"""Results kept until the data behind them changes.

The KPI report, theme summaries and participation counts read every answer in
a wave: about a second at a million responses. Pages and exports ask for the
same results again and again, so :func:`cached` keeps each result, keyed by
its arguments and by the database's *data version*: a token in the
``data_version`` table (:class:`feedback.models.DataVersion`) that changes, in
the same transaction, whenever anything behind the results changes.

Invalidation is automatic. Session events (:func:`track_changes`) note every
flush or bulk statement that inserts, updates or deletes rows of a table that
results are computed from (responses, answers, waves, survey versions,
baselines and targets, comment coding, actions...), and give the token a new
random value just before that transaction commits. Drafts, staff accounts and
the audit log do not count, so families saving answers do not throw the cache
away; a submitted response does. The token changes at commit, not at the first
flush, so a long transaction (a CSV import) does not hold the token's row lock
and make every family's submission wait on PostgreSQL; until it commits, that
session reads results afresh and keeps none. A token is random, never a
counter, so a rolled-back change cannot leave behind a token that a later,
different change might reuse.

What the events cannot see is SQL written by hand outside the app (psql, a
restored dump from another system): after that, run ``flask --app wsgi results
refresh`` to change the token.

Two stores, both keyed by the token: each process keeps recent results in
memory (bounded, pickled so that a caller changing a returned dict cannot
change what the next caller gets), and the processes on one machine share them
through files in ``RESULTS_CACHE_DIR`` (``instance/results-cache`` by default),
so one gunicorn worker's work serves the others and survives a restart. Each
file is signed with the app's secret key and read only if the signature holds.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from feedback.models.data_version import DataVersion

#: Tables whose changes never alter a result: answering in progress, staff and the log.
UNTRACKED = frozenset({"data_version", "draft", "user_account", "audit_event"})

#: ``Session.info`` key: this transaction changed what results are computed from.
CHANGED = "results_changed"

#: How many results each process keeps; the oldest unused go first.
MAX_ENTRIES = 256

#: How many result files the machine keeps; the oldest go first.
MAX_FILES = 2000

F = TypeVar("F", bound=Callable[..., Any])


class ResultCache:
    """A bounded, thread-safe least-recently-used store of pickled results."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._entries.get(key)
            if blob is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return blob

    def put(self, key: Hashable, blob: bytes) -> None:
        with self._lock:
            self._entries[key] = blob
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


def data_token(session: Session) -> str | None:
    """The current data version, or None when the database has no token row."""
    return session.scalar(select(DataVersion.token).where(DataVersion.id == 1))


def bump(session: Session) -> str:
    """Give the data version a new token in the session's transaction; the token."""
    token = uuid.uuid4().hex
    connection = session.connection()
    done = connection.execute(update(DataVersion).where(DataVersion.id == 1).values(token=token))
    if not done.rowcount:
        connection.execute(insert(DataVersion).values(id=1, token=token))
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


def cached(fn: F) -> F:
    """Cache ``fn(session, ...)`` under its arguments and the data version.

    ``fn`` must read only the database and its arguments, and return plain data
    that pickles (dicts, lists, dataclasses; never ORM objects, which belong to
    one session). Without a token row (an unmigrated database) it just calls ``fn``.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        if session.info.get(CHANGED):  # this transaction's own changes are not in any token
            return fn(session, *args, **kwargs)
        token = data_token(session)
        if token is None:
            return fn(session, *args, **kwargs)
        url = session.get_bind().engine.url  # the bind is a Connection inside tests
        key = (str(url), token, name, _freeze(args), _freeze(kwargs))
        blob = results.get(key)
        if blob is not None:
            return pickle.loads(blob)  # noqa: S301 - bytes this process pickled itself
        shared = shared_files()
        blob = shared.get(key) if shared else None
        if blob is not None:
            results.put(key, blob)
            return pickle.loads(blob)  # noqa: S301 - signed with the app's secret key
        value = fn(session, *args, **kwargs)
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        results.put(key, blob)
        if shared:
            shared.put(key, blob)
        return value

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _tables_changed(session: Session) -> set[str]:
    tables = set()
    for obj in session.new | session.deleted:
        tables.add(obj.__table__.name)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            tables.add(obj.__table__.name)
    return tables


def _after_flush(session: Session, _context) -> None:
    if _tables_changed(session) - UNTRACKED:
        session.info[CHANGED] = True


def _do_orm_execute(state) -> None:
    """Bulk ``insert``/``update``/``delete`` statements bypass the flush: catch them here."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in UNTRACKED:
        state.session.info[CHANGED] = True


def _before_commit(session: Session) -> None:
    # Commit flushes what is pending only after this hook, so flush first to see it all.
    session.flush()
    if session.info.pop(CHANGED, False):
        bump(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)


def track_changes() -> None:
    """Change the data version whenever any session commits a change to a tracked table.

    Registered once per process, on every :class:`~sqlalchemy.orm.Session`.
    """
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)
