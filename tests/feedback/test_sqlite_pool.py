"""A SQLite file's pool lends the connection given back last, whose page cache is warm."""

from __future__ import annotations

from feedback.db import make_engine


def test_the_connection_given_back_last_is_lent_first(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        first, second = engine.raw_connection(), engine.raw_connection()
        used_last = second.dbapi_connection
        first.close()
        second.close()
        again = engine.raw_connection()
        assert again.dbapi_connection is used_last
        again.close()
    finally:
        engine.dispose()
