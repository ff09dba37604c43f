"""One statement sent on the database driver's own connection, past the ORM session.

Every question page reads its draft and every answer merges into it: one
statement each, and a question page with its answer is most of what a family
sends. Run through the ORM session and SQLAlchemy's statement machinery, that
statement cost about 510 microseconds of CPU in one process on PostgreSQL and
330 on SQLite, against 250 and 60 sent on the driver's connection (measured per
call, request context included). So those statements are compiled once by
SQLAlchemy, for the engine's own dialect, and sent with the DB-API cursor,
with SQLAlchemy's own conversions for each parameter and column (JSON,
SQLite's datetimes), so the rows are what the session would have read.

Which connection:

- in a request that needs no transaction (a respondent's page view, or a view
  marked :func:`feedback.db.writes_one_statement`) and whose session has not
  begun one, a connection taken from the pool
  for the statement and given back straight after: on PostgreSQL from
  :attr:`~feedback.db.Database.autocommit_engine` (pre-pinged, autocommit);
  on SQLite a write takes the write lock with
  :func:`~feedback.sqlite_lock.begin_immediate` and commits;
- otherwise the session's own connection, inside its transaction (staff work,
  the command line, tests bound to a connection), which the caller commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from feedback.db import bound_to, outside_transaction, request_database
from feedback.sqlite_lock import begin_immediate


class _Compiled(NamedTuple):
    """A statement as one dialect's driver takes it."""

    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers
    values: dict[str, Any]  # the values bound in the statement itself
    binds: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]


@functools.lru_cache(maxsize=64)  # the few statements the answer pages send
def _compiled(statement: Any, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    binds = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[name] = process
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in getattr(statement, "exported_columns", ())
    )
    positions = tuple(compiled.positiontup) if compiled.positiontup else None
    return _Compiled(str(compiled), positions, dict(compiled.params), binds, results)


def _parameters(compiled: _Compiled, given: Mapping[str, Any]) -> Any:
    values = {
        name: compiled.binds[name](value) if name in compiled.binds else value
        for name, value in (compiled.values | dict(given)).items()
    }
    if compiled.positions is None:
        return values
    return tuple(values[name] for name in compiled.positions)


class _Lent(NamedTuple):
    connection: Any  # the pool's proxy of the DB-API connection
    dialect: Dialect
    own: bool  # taken for this statement alone, outside any transaction


@contextmanager
def _connection(session: Session) -> Iterator[_Lent]:
    database = request_database()
    if (
        database is not None
        and bound_to(session, database.engine)
        and outside_transaction()
        and not _in_transaction(session)
    ):
        engine = database.autocommit_engine or database.engine
        pooled = engine.raw_connection()
        try:
            yield _Lent(pooled, engine.dialect, own=True)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
                pooled.invalidate(exc)  # the server went away: never lend this one again
            raise
        finally:
            pooled.close()
        return
    connection = session.connection()
    yield _Lent(connection.connection, connection.dialect, own=False)


def _in_transaction(session: Any) -> bool:
    """Whether ``session`` (scoped or plain) already began a transaction in this request.

    Then its connection is used: on SQLite a POST's session holds the one write
    lock from its first statement (``BEGIN IMMEDIATE``), so a write on a second
    connection would wait for it until "database is locked".
    """
    registry = getattr(session, "registry", None)
    if registry is not None:
        if not registry.has():
            return False
        session = registry()
    return session.in_transaction()


def read_row(session: Session, statement: Any, given: Mapping[str, Any]) -> tuple | None:
    """The first row ``statement`` reads with ``given``, converted as SQLAlchemy would; or None."""
    with _connection(session) as lent:
        compiled = _compiled(statement, lent.dialect)
        cursor = lent.connection.cursor()
        try:
            cursor.execute(compiled.sql, _parameters(compiled, given))
            row = cursor.fetchone()
        finally:
            cursor.close()
    if row is None:
        return None
    return tuple(
        value if process is None else process(value)
        for value, process in zip(row, compiled.results, strict=True)
    )


def write_and_commit(
    session: Session, statement_for: Callable[[str], tuple[Any, Mapping[str, Any]]]
) -> int:
    """Run one INSERT, UPDATE or DELETE and commit it; the number of rows it changed.

    ``statement_for`` gives the statement and its parameters for a dialect's
    name, as a write may be worded differently by database. Outside a
    transaction it commits on its own connection; otherwise it commits the
    session, as a service that writes would.
    """
    with _connection(session) as lent:
        statement, given = statement_for(lent.dialect.name)
        compiled = _compiled(statement, lent.dialect)
        sqlite = lent.own and lent.dialect.name == "sqlite"
        if sqlite:
            begin_immediate(lent.connection.driver_connection)
        cursor = lent.connection.cursor()
        try:
            cursor.execute(compiled.sql, _parameters(compiled, given))
            changed = cursor.rowcount
        except BaseException:
            if sqlite:
                lent.connection.driver_connection.rollback()
            raise
        finally:
            cursor.close()
        if sqlite:
            lent.connection.driver_connection.commit()
    if not lent.own:
        session.commit()
    return changed
