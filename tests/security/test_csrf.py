"""CSRF on every state-changing route: missing, foreign, replayed and expired tokens."""

from __future__ import annotations

import time

import pytest
from bs4 import BeautifulSoup
from itsdangerous.timed import TimestampSigner

from tests.security.walk import STATE_CHANGING, row_counts, rules, urls_for

#: Respondent routes that answer a stale or missing token with a redirect back to
#: the page (and a message) rather than a 400, by design: nothing is stored.
REDIRECTS_BACK = {"respond.begin"}


def state_changing_urls(app, samples):
    for rule in rules(app, STATE_CHANGING):
        for url in urls_for(app, rule, samples):
            for method in sorted(STATE_CHANGING & set(rule.methods)):
                yield rule.endpoint, method, url


def assert_refused(client, db_session, endpoint, method, url, data):
    before = row_counts(db_session)
    response = client.open(url, method=method, data=data)
    assert response.status_code < 500, (url, response.status_code)
    if endpoint in REDIRECTS_BACK:
        assert response.status_code in (302, 400), (url, response.status_code)
    else:
        assert response.status_code == 400, (method, url, response.status_code)
        page = BeautifulSoup(response.data, "html.parser")
        assert page.select_one("h1"), url
    assert row_counts(db_session) == before, f"{method} {url} stored something"
    return response


def page_token(client, url="/resume") -> str:
    page = BeautifulSoup(client.get(url).data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def start_survey(client, wave) -> None:
    """Hold a draft in the session, as a respondent part-way through would."""
    response = client.post(f"/surveys/{wave.code}/start", data={"csrf_token": page_token(client)})
    assert "/questions/" in response.location


def test_every_state_changing_route_refuses_a_request_without_a_token(
    app, client, db_session, world, login_as
):
    login_as("admin")  # sign-in clears the session, so the survey starts after it
    start_survey(client, world["waves"]["parent-carer-annual"])
    checked = []
    for endpoint, method, url in state_changing_urls(app, world["samples"]):
        assert_refused(client, db_session, endpoint, method, url, {"x": "1"})
        checked.append(endpoint)
    # Still signed in: a refused sign-out did not sign us out.
    assert client.get("/staff/").status_code == 200
    assert {"auth.login", "auth.logout", "respond.question", "respond.check"} <= set(checked)


def test_a_token_from_another_session_is_refused_everywhere(
    app, client, db_session, world, login_as
):
    stranger = app.test_client()
    foreign = page_token(stranger)
    login_as("admin")  # sign-in clears the session, so the survey starts after it
    start_survey(client, world["waves"]["parent-carer-annual"])
    for endpoint, method, url in state_changing_urls(app, world["samples"]):
        assert_refused(client, db_session, endpoint, method, url, {"csrf_token": foreign})


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "A" * 5000,
        "\x00",
    ],
    ids=["empty", "garbage", "forged-signature", "huge", "nul"],
)
def test_invalid_tokens_are_refused_on_sign_in_and_answers(
    client, db_session, world, create_user, token
):
    wave = world["waves"]["kpi-pulse"]
    start_survey(client, wave)
    cases = [
        ("auth.login", "/staff/login", {"email": "a@example.org", "password": "x" * 12}),
        (
            "respond.question",
            f"/surveys/{wave.code}/questions/respondent_role",
            {"answer": "carer"},
        ),
        ("respond.resume", "/resume", {"code": "ABCD-EFGH"}),
    ]
    for endpoint, url, data in cases:
        assert_refused(client, db_session, endpoint, "POST", url, {**data, "csrf_token": token})


def test_a_token_replayed_after_sign_out_is_refused(client, db_session, world, login_as):
    login_as("officer")
    old = page_token(client, "/staff/")
    client.post("/staff/logout", data={"csrf_token": old})
    login_as("officer")
    assert_refused(client, db_session, "auth.logout", "POST", "/staff/logout", {"csrf_token": old})
    assert client.get("/staff/").status_code == 200


def test_an_expired_token_is_refused(app, client, db_session, world, monkeypatch):
    token = page_token(client)
    later = int(time.time()) + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    # Token age is checked by itsdangerous with the real clock, not feedback.clock.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    response = assert_refused(
        client, db_session, "respond.resume", "POST", "/resume", {"csrf_token": token, "code": "x"}
    )
    assert "timed out" in BeautifulSoup(response.data, "html.parser").get_text()
