"""A session (and with it the CSRF token) lost mid-survey, against a real gunicorn: answers kept."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import create_engine, text

from bench.common import CSRF, DRAFT, REFERENCE, Server, engine_url, prepare_database
from tests.faults.scratch import scratch_database
from tests.fixtures.surveys import COMPLETE_ANSWERS

pytestmark = pytest.mark.faults


def form_data(html: str, **answer) -> dict:
    data = {"csrf_token": CSRF.search(html).group(1), **answer}
    draft = DRAFT.search(html)
    if draft:
        data["draft"] = draft.group(1)
    return data


def test_answers_survive_a_session_that_expires_mid_survey(tmp_path):
    answers = COMPLETE_ANSWERS["kpi-pulse"]
    with scratch_database("sqlite", tmp_path, schema=False) as url:
        code = prepare_database(url)["kpi-pulse"]
        with Server(url, workers=1, threads=2, instance_dir=tmp_path / "server") as server:
            browser = requests.Session()
            page = browser.get(f"{server.base}/surveys/{code}/").text
            location = browser.post(
                f"{server.base}/surveys/{code}/start",
                data={"csrf_token": CSRF.search(page).group(1)},
                allow_redirects=False,
            ).headers["Location"]
            answered = []
            expired_once = False
            while "/questions/" in location:
                qid = location.rsplit("/", 1)[-1]
                page = browser.get(server.base + location).text
                if len(answered) == 3 and not expired_once:
                    # The cookie is gone (timed out, or the browser was closed): the page
                    # in front of the family still has the old token and the draft's.
                    browser.cookies.clear()
                    expired_once = True
                    reply = browser.post(
                        server.base + location,
                        data=form_data(page, answer=answers[qid]),
                        allow_redirects=False,
                    )
                    assert reply.status_code == 400
                    assert "Your session timed out" in reply.text
                    assert re.search(
                        rf'value="{answers[qid]}"[^>]*checked|checked[^>]*value="{answers[qid]}"',
                        reply.text,
                    ), "the answer chosen before the timeout is still selected"
                    page = reply.text
                reply = browser.post(
                    server.base + location,
                    data=form_data(page, answer=answers[qid]),
                    allow_redirects=False,
                )
                assert reply.status_code == 302, reply.status_code
                answered.append(qid)
                location = reply.headers["Location"]
            check = browser.get(f"{server.base}/surveys/{code}/check").text
            browser.post(f"{server.base}/surveys/{code}/check", data=form_data(check))
            done = browser.get(f"{server.base}/surveys/{code}/done").text
            reference = REFERENCE.search(done).group(1).strip()
        engine = create_engine(engine_url(url))
        with engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT a.question_id FROM answer a JOIN response r ON r.id = a.response_id "
                    "WHERE r.reference = :ref"
                ),
                {"ref": reference},
            ).scalars()
            stored = set(stored)
        engine.dispose()
    assert expired_once
    assert stored == set(answers), "answers from before and after the timeout are all stored"
