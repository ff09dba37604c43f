"""On PostgreSQL the answer pages' statements go straight to psycopg, on the right connection."""

from __future__ import annotations

import psycopg
import pytest

from feedback.db import psycopg_connection
from feedback.extensions import db
from feedback.services.responses import find_draft_state, merge_answers

QUESTION = "/surveys/some-wave/questions/kpi_4_1"


@pytest.fixture
def on_postgresql(app) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def request_session(app):
    """The app's scoped session, bound to its engine as in a real request."""
    db.session.remove()
    yield db.session
    db.session.remove()


def test_a_question_page_reads_on_a_pooled_autocommit_connection(
    app, request_session, on_postgresql
):
    with (
        app.test_request_context(QUESTION, method="GET"),
        psycopg_connection(request_session) as driver,
    ):
        if not on_postgresql:
            assert driver is None
            return
        assert driver.autocommit is True
        assert db.autocommit_engine.pool.checkedout() == 1
    assert db.autocommit_engine.pool.checkedout() == 0


def test_a_submission_runs_in_the_sessions_own_transaction(app, request_session, on_postgresql):
    with (
        app.test_request_context("/surveys/some-wave/check", method="POST"),
        psycopg_connection(request_session) as driver,
    ):
        if not on_postgresql:
            assert driver is None
            return
        assert driver.autocommit is False
        assert driver is request_session.connection().connection.driver_connection


def test_a_connection_the_server_dropped_is_never_lent_again(app, request_session, on_postgresql):
    if not on_postgresql:
        pytest.skip("psycopg connections are PostgreSQL's")
    with app.test_request_context(QUESTION, method="GET"):
        with (
            pytest.raises(psycopg.OperationalError),
            psycopg_connection(request_session) as dropped,
        ):
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        assert dropped.closed
        with psycopg_connection(request_session) as driver:
            assert driver is not dropped and not driver.closed


def test_an_answer_for_no_live_draft_is_neither_merged_nor_found(app, request_session):
    """The statements themselves, with every kind of parameter, outside a transaction."""
    answers = {"kpi_4_1": "agree", "kpi_4_1_comment": None, "support": ("a", "b")}
    with app.test_request_context(QUESTION, method="POST"):
        assert merge_answers(request_session, 0, "no-such-token", answers, days=30) is False
    with app.test_request_context(QUESTION, method="GET"):
        assert find_draft_state(request_session, "no-such-token") is None
