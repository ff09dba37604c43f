"""Results kept until the data behind them changes.

The KPI report, theme summaries and participation counts read every answer in
a wave: about a second at a million responses. Pages and exports ask for the
same results again and again, so :func:`cached` keeps each result, keyed by
its arguments and by the database's *data version*: a token in the
``data_version`` table (:class:`feedback.models.DataVersion`) that changes, in
the same transaction, whenever anything behind the results changes.

Invalidation is automatic. Session events (:func:`track_changes`) give the
token a new random value on every flush that inserts, updates or deletes rows
of a table that results are computed from (responses, answers, waves, survey
versions, baselines and targets, comment coding, actions...). Drafts, staff
accounts and the audit log do not count, so families saving answers do not
throw the cache away; a submitted response does. A token is random, never a
counter, so a rolled-back change cannot leave behind a token that a later,
different change might reuse.

What the events cannot see is SQL written by hand outside the app (psql, a
restored dump from another system): after that, run ``flask --app wsgi results
refresh`` to change the token.

The store is per process (each gunicorn worker keeps its own), bounded, and
keeps results pickled so that a caller changing a returned dict cannot change
what the next caller gets.
"""

from __future__ import annotations

import functools
import pickle
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from feedback.models.data_version import DataVersion

#: Tables whose changes never alter a result: answering in progress, staff and the log.
UNTRACKED = frozenset({"data_version", "draft", "user_account", "audit_event"})

#: How many results each process keeps; the oldest unused go first.
MAX_ENTRIES = 256

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
        token = data_token(session)
        if token is None:
            return fn(session, *args, **kwargs)
        url = session.get_bind().engine.url  # the bind is a Connection inside tests
        key = (str(url), token, name, _freeze(args), _freeze(kwargs))
        blob = results.get(key)
        if blob is not None:
            return pickle.loads(blob)  # noqa: S301 - bytes this process pickled itself
        value = fn(session, *args, **kwargs)
        results.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
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
        bump(session)


def _do_orm_execute(state) -> None:
    """Bulk ``insert``/``update``/``delete`` statements bypass the flush: catch them here."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in UNTRACKED:
        bump(state.session)


def track_changes() -> None:
    """Change the data version whenever any session changes a tracked table (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)


@event.listens_for(DataVersion.__table__, "after_create")
def _first_token(target, connection, **_kw) -> None:
    """Databases built with ``create_all`` (tests, benchmarks) start with a token too."""
    connection.execute(target.insert().values(id=1, token=uuid.uuid4().hex))
