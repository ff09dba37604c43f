"""The database: one engine and a request-scoped session, set up by ``init_app``.

SQLite is tuned for many families answering at once: write-ahead logging, a
busy timeout, and ``BEGIN IMMEDIATE`` so two writers queue instead of failing
with "database is locked" when both try to upgrade a read lock (queueing with
short pauses: :mod:`feedback.sqlite_lock`). PostgreSQL gets
``pool_pre_ping`` so the app recovers by itself after the server restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from psycopg import pq
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

from feedback.sqlite_lock import BUSY_TIMEOUT_MS, begin_immediate

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings this platform relies on for ``url``."""
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        if "poolclass" not in kwargs:
            # Each SQLite connection keeps its own page cache: lend the one used last,
            # whose cache is warm (a journey: 3.89 -> 3.78 M instructions a request).
            kwargs.setdefault("pool_use_lifo", True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.driver == "psycopg":
        engine.dialect.do_ping = ping_with_an_empty_query  # this engine's dialect only
    return engine


def ping_with_an_empty_query(dbapi_connection: Any) -> bool:
    """Whether a pooled psycopg connection still reaches its server: the pre-ping.

    Every request pings the connection it takes. SQLAlchemy's own ping runs
    ``SELECT 1`` through a new cursor and, outside autocommit, switches the
    driver's autocommit on and off around it: about 55 microseconds of this
    process's CPU, against 11 for an empty query sent straight through libpq
    (one round trip that parses nothing and starts no transaction). A
    connection the server has dropped answers with an error, not an empty
    result, so the pool throws it away and opens a new one.
    """
    return dbapi_connection.pgconn.exec_(b"").status == pq.ExecStatus.EMPTY_QUERY


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _reading_only():
            # Straight to the driver: SQLAlchemy's statement machinery cost more than BEGIN.
            conn.connection.driver_connection.execute("BEGIN")
        else:
            begin_immediate(conn.connection.driver_connection)


#: Set by work outside a request that only reads (see :func:`reading_only`).
_reading: ContextVar[bool] = ContextVar("reading_only", default=False)


@contextmanager
def reading_only() -> Iterator[None]:
    """Begin this thread's SQLite transactions as readers, like a GET's.

    For background work that only reads, such as recomputing cached results
    (:mod:`feedback.cache`): with ``BEGIN IMMEDIATE`` a recompute that takes
    seconds would hold SQLite's one write lock and stop every submission.
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _reading_only() -> bool:
    """Whether this transaction only reads: a GET, or :func:`reading_only` work.

    ``BEGIN IMMEDIATE`` takes SQLite's one write lock for the whole request, so
    every page view would wait behind every other request (measured: p95 over 2 s
    at 20 respondents). A GET reads a snapshot instead (write-ahead logging lets
    readers and the writer run together); POSTs, the CLI and background work keep
    ``BEGIN IMMEDIATE``, so writers queue rather than fail with "database is locked".
    """
    return _reading.get() or _page_view()


def _page_view() -> bool:
    """Whether this is a request that only shows a page (GET or HEAD)."""
    from flask import has_request_context, request

    return has_request_context() and request.method in ("GET", "HEAD")


def _respondent_page_view() -> bool:
    from flask import request

    return _page_view() and request.blueprint == "respond"


#: Attribute set on a view by :func:`writes_one_statement`.
ONE_STATEMENT = "writes_one_statement"


def writes_one_statement(view):
    """Mark a view whose only write is a single statement, so it needs no transaction.

    One INSERT or UPDATE is atomic on its own. Outside a transaction, PostgreSQL
    is spared the ``BEGIN`` and ``COMMIT`` round trips around it: an answer's
    POST then costs two round trips (the ping, and the UPDATE that merges it into
    the draft: :func:`feedback.services.responses.merge_answers`) instead of
    four. A read before the write, where there is one, sees what read committed
    gave it anyway.
    Mark only a view whose every path writes at most one statement; a view that
    writes two (a submission: the response, its answers, the draft) must keep
    its transaction, so that nothing is stored half-way.
    """
    setattr(view, ONE_STATEMENT, True)
    return view


def _one_statement_request() -> bool:
    """Whether this request's view is marked with :func:`writes_one_statement`."""
    from flask import current_app, request

    return getattr(current_app.view_functions.get(request.endpoint), ONE_STATEMENT, False)


class RequestSession(Session):
    """A session that, on PostgreSQL, runs some respondent requests outside a transaction.

    A respondent's page view only reads (its wave, its draft). In a transaction
    each one cost PostgreSQL a ``BEGIN`` and a ``ROLLBACK`` round trip besides
    its query; without one, each statement sees the latest committed data,
    which is what read committed gave it anyway. Views marked with
    :func:`writes_one_statement` (starting a draft, saving an answer) run the
    same way. Staff pages, which may record what was viewed or exported, and
    every other POST keep their transaction.

    Such requests take their connection from :attr:`Database.autocommit_engine`,
    whose connections stay in autocommit mode. Asking the main engine for
    autocommit per request (``execution_options(isolation_level=...)``) switched
    the driver's mode on at checkout and off again at return, besides the pair of
    switches in each pre-ping: a third of the cost of taking a connection.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bind = super().get_bind(*args, **kwargs)
        if outside_transaction():
            return _autocommit_twin(bind) or bind
        return bind


def outside_transaction() -> bool:
    from flask import has_request_context

    return has_request_context() and (_respondent_page_view() or _one_statement_request())


def _autocommit_twin(bind: Any) -> Engine | None:
    """The app's autocommit engine, if ``bind`` is the app's engine and has one.

    A session bound elsewhere (a test's connection, inside its transaction) keeps
    that bind.
    """
    database = request_database()
    if database is not None and bind is database.engine:
        return database.autocommit_engine
    return None


def request_database() -> Database | None:
    """The app's :class:`Database` while a request is served; None outside one."""
    from flask import current_app, has_request_context

    return current_app.extensions.get("database") if has_request_context() else None


def bound_to(session: Any, engine: Engine) -> bool:
    """Whether ``session`` (a scoped session or a plain one) is bound to ``engine``.

    Read from the session factory's settings, so a request that never used its
    scoped session does not make one just to ask.
    """
    factory = getattr(session, "session_factory", None)
    bind = factory.kw.get("bind") if factory is not None else session.bind
    return bind is engine


class Database:
    """Holds the engines and a scoped session; the session is removed after each request.

    On PostgreSQL there are two engines on the same server: :attr:`engine`, whose
    connections run transactions, and :attr:`autocommit_engine`, for the
    respondent requests that need none (:class:`RequestSession`). Each has its
    own small pool and pre-pings its connections.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.autocommit_engine: Engine | None = None
        self.session = scoped_session(sessionmaker(class_=RequestSession, expire_on_commit=False))

    def init_app(self, app) -> None:
        url = app.config["DATABASE_URL"]
        self.engine = make_engine(url)
        self.autocommit_engine = (
            make_engine(url, isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else None
        )
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._remove)
        app.extensions["database"] = self

    def dispose(self) -> None:
        """Close every pooled connection, of both engines."""
        for engine in (self.engine, self.autocommit_engine):
            if engine is not None:
                engine.dispose()

    def _remove(self, _exc: BaseException | None = None) -> None:
        self.session.remove()
