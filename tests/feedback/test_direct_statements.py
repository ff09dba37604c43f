"""The answer pages' statements go straight to the driver, on the right connection."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event, select, text

from feedback.direct_statements import _connection, read_row, write_and_commit
from feedback.extensions import db
from feedback.models import Draft
from feedback.services.responses import find_draft_state, merge_answers

QUESTION = "/surveys/some-wave/questions/kpi_4_1"


@pytest.fixture
def request_session(app):
    """The app's scoped session, bound to its engine as in a real request."""
    db.session.remove()
    yield db.session
    db.session.remove()


@pytest.fixture
def pool_traffic(app):
    """``["checkout", "checkin", ...]`` on the pool respondent statements use, as it happens."""
    engine = db.autocommit_engine or db.engine
    seen: list[str] = []

    def checkout(*_args):
        seen.append("checkout")

    def checkin(*_args):
        seen.append("checkin")

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    yield seen
    event.remove(engine, "checkout", checkout)
    event.remove(engine, "checkin", checkin)


def test_a_question_page_reads_on_a_connection_of_its_own(app, request_session, pool_traffic):
    with app.test_request_context(QUESTION, method="GET"), _connection(request_session) as lent:
        assert lent.own
        assert pool_traffic == ["checkout"]
        if lent.dialect.name == "postgresql":
            assert lent.connection.driver_connection.autocommit is True
        else:
            assert not lent.connection.driver_connection.in_transaction
    assert pool_traffic == ["checkout", "checkin"]


def test_a_submission_runs_in_the_sessions_own_transaction(app, request_session):
    with (
        app.test_request_context("/surveys/some-wave/check", method="POST"),
        _connection(request_session) as lent,
    ):
        assert not lent.own
        assert lent.connection is request_session.connection().connection


def test_a_request_whose_session_began_a_transaction_writes_in_it(app, request_session):
    """On SQLite that transaction holds the write lock a second connection would wait for."""
    with app.test_request_context(QUESTION, method="POST"):
        request_session.execute(select(1))
        with _connection(request_session) as lent:
            assert not lent.own
            assert lent.connection is request_session.connection().connection


def test_a_session_bound_to_a_tests_connection_keeps_it(app, db_session):
    with app.test_request_context(QUESTION, method="GET"), _connection(db_session) as lent:
        assert not lent.own
        assert lent.connection is db_session.connection().connection


def test_a_connection_the_server_dropped_is_never_lent_again(app, request_session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server that drops connections is PostgreSQL's")
    with app.test_request_context(QUESTION, method="GET"):
        with pytest.raises(psycopg.OperationalError), _connection(request_session) as lent:
            first = lent.connection.driver_connection
            with db.engine.connect() as other:
                other.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": first.info.backend_pid}
                )
            first.execute("SELECT 1")
        assert first.closed
        with _connection(request_session) as lent:
            assert lent.connection.driver_connection is not first


def test_an_answer_for_no_live_draft_is_neither_merged_nor_found(app, request_session):
    """The statements themselves, with every kind of parameter, outside a transaction."""
    answers = {"kpi_4_1": "agree", "kpi_4_1_comment": None, "support": ("a", "b")}
    with app.test_request_context(QUESTION, method="POST"):
        assert merge_answers(request_session, 0, "no-such-token", answers, days=30) is False
    with app.test_request_context(QUESTION, method="GET"):
        assert find_draft_state(request_session, "no-such-token") is None


def test_a_row_read_directly_matches_what_the_session_reads(
    app, db_session, create_wave, frozen_time
):
    """Types converted as SQLAlchemy converts them: JSON, and SQLite's datetimes."""
    frozen_time("2026-03-04T05:06:07.000008")
    draft = Draft(wave_id=create_wave("kpi-pulse").id, answers={"a": ["b", "c"]})
    draft.expires_at = draft.updated_at = draft.created_at = frozen_time("2026-03-04T05:06:07")
    db_session.add(draft)
    db_session.flush()
    statement = select(Draft.answers, Draft.updated_at, Draft.token).where(Draft.id == draft.id)

    assert read_row(db_session, statement, {}) == tuple(db_session.execute(statement).one())


def test_a_write_outside_a_transaction_is_committed_on_its_own(app, request_session):
    statement = text("UPDATE draft SET answers = answers WHERE token = :token")
    with app.test_request_context(QUESTION, method="POST"):
        changed = write_and_commit(request_session, lambda _dialect: (statement, {"token": "x"}))
        assert changed == 0
        with _connection(request_session) as lent:
            driver = lent.connection.driver_connection
            in_transaction = (
                driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
                if lent.dialect.name == "postgresql"
                else driver.in_transaction
            )
            assert not in_transaction
