"""Respondent page views on PostgreSQL run outside a transaction; everything else keeps one."""

from __future__ import annotations

import psycopg
import pytest

from feedback.db import ONE_STATEMENT, RequestSession
from feedback.extensions import db


def _in_autocommit(session) -> bool:
    """Whether the connection the session took is in the driver's autocommit mode."""
    return getattr(session.connection().connection.dbapi_connection, "autocommit", 0) is True


def _autocommits(app, method: str, path: str) -> bool:
    """Whether a request's session takes a connection in autocommit mode."""
    session = RequestSession(bind=db.engine)
    try:
        with app.test_request_context(path, method=method):
            return _in_autocommit(session)
    finally:
        session.close()


def _on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/surveys/some-wave/"),
        ("GET", "/surveys/some-wave/questions/kpi_4_1"),
        ("HEAD", "/surveys/some-wave/check"),
    ],
)
def test_a_respondent_page_view_on_postgresql_needs_no_transaction(app, method, path):
    assert _autocommits(app, method, path) is _on_postgresql()


@pytest.mark.parametrize(
    "path", ["/surveys/some-wave/start", "/surveys/some-wave/questions/kpi_4_1"]
)
def test_starting_and_saving_an_answer_on_postgresql_need_no_transaction(app, path):
    assert _autocommits(app, "POST", path) is _on_postgresql()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/surveys/some-wave/check"),
        ("POST", "/resume"),
        ("GET", "/staff/"),
        ("GET", "/login"),
        ("POST", "/login"),
    ],
)
def test_submissions_and_staff_pages_keep_their_transaction(app, method, path):
    assert _autocommits(app, method, path) is False


def test_work_outside_a_request_keeps_its_transaction(app):
    with app.app_context():
        session = RequestSession(bind=db.engine)
        try:
            assert not _in_autocommit(session)
        finally:
            session.close()


def test_a_connection_back_from_a_request_outside_a_transaction_is_not_lent_to_one(app):
    """The autocommit connections are a pool of their own, never handed to a transaction."""
    assert _autocommits(app, "GET", "/surveys/some-wave/") is _on_postgresql()
    for _ in range(3):
        assert _autocommits(app, "POST", "/surveys/some-wave/check") is False


#: What each answer-page POST sends and the status it gets: every path the view can take.
ANSWER_POSTS = {
    "an answer": ({"answer": "parent"}, 302),
    "save and come back later": ({"answer": "carer", "save": "1"}, 302),
    "an answer that is not an option": ({"answer": "not-an-option"}, 400),
    "no answer": ({}, 400),
}


@pytest.fixture
def listeners(monkeypatch, db_session):
    """Listeners told of every statement sent to the database while the test runs.

    The answer pages send their statements on the driver's own connection
    (:mod:`feedback.direct_statements`), past SQLAlchemy's events, so they are
    heard where the driver sends them: psycopg's cursors, or SQLite's trace of
    the test's connection (which keeps one callback, hence one for all).
    """
    listeners: list = []

    def tell(statement):
        for listener in listeners:
            listener(str(statement))

    if db.engine.dialect.name == "postgresql":
        send = psycopg.Cursor.execute

        def execute(cursor, query, *args, **kwargs):
            tell(query)
            return send(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)
        yield listeners
        return
    driver = db_session.connection().connection.driver_connection
    driver.set_trace_callback(tell)
    yield listeners
    driver.set_trace_callback(None)


def _statements(listeners, keep) -> list[str]:
    """The statements sent from now on, as ``keep`` words them (those it keeps)."""
    seen: list[str] = []

    def note(statement: str) -> None:
        kept = keep(statement.split())
        if kept:
            seen.append(kept)

    listeners.append(note)
    return seen


@pytest.fixture
def writes(listeners):
    """Every INSERT, UPDATE or DELETE, by its first three words."""
    return _statements(
        listeners,
        lambda words: (
            " ".join(words[:3]).upper()
            if words[0].upper() in ("INSERT", "UPDATE", "DELETE")
            else None
        ),
    )


@pytest.fixture
def draft_reads(listeners):
    """Every SELECT that reads the draft table."""
    return _statements(
        listeners, lambda words: " ".join(words) if _reads_the_draft(words) else None
    )


def _reads_the_draft(words: list[str]) -> bool:
    return words[0].upper() == "SELECT" and "draft" in words


def test_only_starting_and_answering_are_marked_as_writing_one_statement(app):
    marked = {name for name, view in app.view_functions.items() if getattr(view, ONE_STATEMENT, 0)}
    assert marked == {"respond.begin", "respond.question"}


def test_starting_a_survey_writes_one_statement(client_request, create_wave, writes):
    wave = create_wave("kpi-pulse")
    writes.clear()
    client_request.post(f"/surveys/{wave.code}/start", form_url=f"/surveys/{wave.code}/")
    assert writes == ["INSERT INTO DRAFT"]


@pytest.mark.parametrize("sent", list(ANSWER_POSTS))
def test_an_answer_page_writes_at_most_one_statement(client_request, create_wave, writes, sent):
    wave = create_wave("kpi-pulse")
    url = client_request.post(
        f"/surveys/{wave.code}/start", form_url=f"/surveys/{wave.code}/"
    ).location
    data, status = ANSWER_POSTS[sent]
    writes.clear()
    client_request.post(url, data, expected_status=status)
    assert writes in ([], ["UPDATE DRAFT SET"])


def test_an_accepted_answer_is_saved_without_reading_the_draft(
    client_request, create_wave, writes, draft_reads
):
    wave = create_wave("kpi-pulse")
    url = client_request.post(
        f"/surveys/{wave.code}/start", form_url=f"/surveys/{wave.code}/"
    ).location
    page = client_request.get(url)
    fields = {i["name"]: i.get("value", "") for i in page.select("form input[type=hidden]")}
    writes.clear()
    draft_reads.clear()

    client_request.post(url, {**fields, "answer": "parent"}, with_token=False)

    assert writes == ["UPDATE DRAFT SET"]
    assert draft_reads == []
