"""The pre-ping on PostgreSQL: a live connection passes, one the server dropped is replaced."""

from __future__ import annotations

import os

import pytest
from psycopg import pq
from sqlalchemy import text

from feedback.db import make_engine, ping_with_an_empty_query


@pytest.fixture
def engine():
    """An engine with one pooled connection, so each checkout gets the same one back."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _terminate(pid: int) -> None:
    """Drop one connection from the server's side, as a restart or an idle timeout would."""
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_postgresql_engine_pings_with_an_empty_query(engine):
    assert engine.dialect.do_ping is ping_with_an_empty_query


def test_a_live_connection_passes_the_ping_and_is_left_outside_a_transaction(engine):
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        assert ping_with_an_empty_query(driver) is True
        assert driver.pgconn.transaction_status == pq.TransactionStatus.IDLE


def test_a_connection_the_server_dropped_fails_the_ping(engine):
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        _terminate(driver.info.backend_pid)
        assert ping_with_an_empty_query(driver) is False


def test_the_pool_replaces_a_connection_the_server_dropped_before_it_is_used(engine):
    dropped = _backend_pid(engine)
    _terminate(dropped)

    replacement = _backend_pid(engine)  # no error: the ping found it dead first

    assert replacement != dropped
