"""Comments of online responses are coded after the reply, in batches, without losing any."""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback import clock
from feedback.comment_queue import CATCH_UP, CommentQueue
from feedback.models import CommentCoding, Response
from feedback.services.responses import save_answers, start_draft

COMMENT = "The taxi to school came late again and nobody rang us back."


@pytest.fixture
def queue_app(app, monkeypatch):
    """The app with coding queued (a long gather, so nothing is coded until the test says)."""
    monkeypatch.setitem(app.config, "COMMENT_CODING_SECONDS", 3600)
    saved = app.extensions.pop("comment_queue", None)
    yield app
    app.extensions.pop("comment_queue", None)
    if saved is not None:
        app.extensions["comment_queue"] = saved


def _in_another_thread(work) -> None:
    """As the queue's thread would: with a session of its own, on the test's connection."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def _coded(db_session, response_id: int) -> set[str]:
    """Which of the response's comments are coded, by question."""
    coded = select(CommentCoding.question_id).where(CommentCoding.response_id == response_id)
    return set(db_session.scalars(coded))


def _submit_online(client, db_session, wave, answers) -> int:
    draft = start_draft(db_session, wave, days=30)
    save_answers(db_session, draft, answers, days=30)
    with client.session_transaction() as session:
        session["drafts"] = {wave.code: draft.token}
    page = client.get(f"/surveys/{wave.code}/check").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "draft": draft.token}
    sent = client.post(f"/surveys/{wave.code}/check", data=form)
    assert sent.status_code == 302 and sent.location.endswith("/done")
    return db_session.scalar(select(Response.id).where(Response.draft_id == draft.id))


def test_online_submission_replies_first_and_its_comments_are_coded_after(
    queue_app, client, db_session, create_wave, complete_answers
):
    wave = create_wave()
    answers = {**complete_answers("parent-carer-annual"), "kpi_4_1_comment": COMMENT}

    response_id = _submit_online(client, db_session, wave, answers)
    queue = queue_app.extensions["comment_queue"]

    assert _coded(db_session, response_id) == set()
    assert queue._waiting == [response_id]
    _in_another_thread(queue.drain)
    assert "kpi_4_1_comment" in _coded(db_session, response_id)


def test_responses_of_the_same_moment_are_coded_in_one_run(queue_app, monkeypatch):
    runs = []
    monkeypatch.setattr(
        "feedback.services.comments.code_after_store",
        lambda _session, response_ids: runs.append(list(response_ids)),
    )
    queue = CommentQueue(queue_app, gather=3600)  # its thread waits an hour before taking them
    for response_id in (11, 12, 13):
        queue.put(response_id)

    queue.drain()

    assert runs == [[11, 12, 13]]
    assert queue._waiting == []


def test_a_coding_failure_is_logged_and_never_reaches_the_family(queue_app, monkeypatch, caplog):
    def broken(_session, response_ids):
        raise RuntimeError("analysis fell over")

    monkeypatch.setattr("feedback.services.comments.code_after_store", broken)
    queue = CommentQueue(queue_app, gather=3600)
    queue.put(7)

    with caplog.at_level(logging.ERROR, logger="feedback.comment_queue"):
        queue.drain()

    assert "could not code the comments of responses [7]" in caplog.text


def test_the_background_thread_codes_what_was_put(
    app, db_session, create_wave, complete_answers, create_response
):
    wave = create_wave()
    response = create_response(
        wave, {**complete_answers("parent-carer-annual"), "kpi_4_1_comment": COMMENT}
    )
    db_session.commit()
    queue = CommentQueue(app, gather=0.01)

    queue.put(response.id)

    assert queue.join(timeout=30)
    assert "kpi_4_1_comment" in _coded(db_session, response.id)


def test_test_settings_code_comments_in_the_submit_request(
    app, client, db_session, create_wave, complete_answers
):
    wave = create_wave()
    answers = {**complete_answers("parent-carer-annual"), "kpi_4_1_comment": COMMENT}

    response_id = _submit_online(client, db_session, wave, answers)

    assert "comment_queue" not in app.extensions
    assert "kpi_4_1_comment" in _coded(db_session, response_id)


def test_a_starting_queue_codes_recent_comments_a_stopped_process_left(
    app, db_session, create_wave, complete_answers, create_response
):
    wave = create_wave()
    answers = {**complete_answers("parent-carer-annual"), "kpi_4_1_comment": COMMENT}
    left = create_response(wave, answers)
    long_ago = clock.now() - CATCH_UP - timedelta(hours=1)
    too_old = create_response(wave, answers, received_at=long_ago)
    new = create_response(wave, answers)
    db_session.commit()
    queue = CommentQueue(app, gather=0.01)

    queue.put(new.id)

    assert queue.join(timeout=30)
    assert "kpi_4_1_comment" in _coded(db_session, left.id)
    assert "kpi_4_1_comment" in _coded(db_session, new.id)
    assert _coded(db_session, too_old.id) == set()  # `flask comments code` covers older ones


def test_a_batch_whose_coding_failed_is_tried_again(queue_app, monkeypatch):
    runs = []

    def fails_once(_session, response_ids=None, **_scope):
        if response_ids is None:
            return  # the catch-up finds nothing left
        runs.append(list(response_ids))
        if len(runs) == 1:
            raise RuntimeError("the database is restarting")

    monkeypatch.setattr("feedback.services.comments.code_after_store", fails_once)
    queue = CommentQueue(queue_app, gather=0.01)

    queue.put(21)

    assert queue.join(timeout=30)
    assert runs == [[21], [21]]
    assert queue._tries == {}


def test_coding_that_keeps_failing_is_left_to_the_command_line(queue_app, monkeypatch, caplog):
    def broken(_session, **_scope):
        raise RuntimeError("analysis fell over")

    monkeypatch.setattr("feedback.services.comments.code_after_store", broken)
    monkeypatch.setattr("feedback.comment_queue.TRIES", 3)
    queue = CommentQueue(queue_app, gather=0.01)

    with caplog.at_level(logging.ERROR, logger="feedback.comment_queue"):
        queue.put(31)
        assert queue.join(timeout=30)

    assert "gave up coding the comments of responses [31] after 3 tries" in caplog.text
    assert "comments code" in caplog.text
    assert queue._waiting == [] and queue._tries == {}
