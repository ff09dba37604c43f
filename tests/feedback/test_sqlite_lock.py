"""SQLite writers queue for the write lock with short pauses, not SQLite's long sleeps."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from feedback.sqlite_lock import BUSY_TIMEOUT_MS, begin_immediate


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "lock.db"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE event (what TEXT)")
    return path


def _connect(path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


def test_second_writer_waits_and_writes_after_the_first_commits(database):
    first, second = _connect(database), _connect(database)
    begin_immediate(first)
    first.execute("INSERT INTO event VALUES ('first')")

    def finish_first():
        threading.Event().wait(0.05)
        first.execute("COMMIT")

    finisher = threading.Thread(target=finish_first)
    finisher.start()
    begin_immediate(second)
    second.execute("INSERT INTO event VALUES ('second')")
    second.execute("COMMIT")
    finisher.join()

    rows = [r[0] for r in _connect(database).execute("SELECT what FROM event ORDER BY rowid")]
    assert rows == ["first", "second"]


def test_writer_gives_up_with_database_is_locked_when_the_lock_stays_taken(database):
    holder, waiter = _connect(database), _connect(database)
    begin_immediate(holder)

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter, wait=0.05)

    holder.execute("ROLLBACK")
    assert not waiter.in_transaction


def test_connection_keeps_its_busy_timeout_for_readers_after_writing(database):
    connection = _connect(database)

    begin_immediate(connection)

    assert connection.in_transaction
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_errors_other_than_a_busy_lock_are_raised_at_once(database, monkeypatch):
    connection = _connect(database)
    begin_immediate(connection)
    monkeypatch.setattr("feedback.sqlite_lock.time.sleep", lambda _: pytest.fail("tried again"))

    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(connection)
