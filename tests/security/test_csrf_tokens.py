"""Respondent CSRF tokens signed and checked less often, accepted and refused as Flask-WTF would."""

from __future__ import annotations

import pytest
from flask import Flask, g, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from feedback.respond import csrf_tokens
from feedback.respond.csrf_tokens import check_token, page_token


@pytest.fixture
def csrf_app():
    app = Flask(__name__)
    app.secret_key = "csrf-tokens-test-secret"
    return app


@pytest.fixture
def later(monkeypatch):
    """Move both clocks (ours and itsdangerous') on by some seconds."""

    def move(seconds: float) -> None:
        now = csrf_tokens.time() + seconds
        monkeypatch.setattr(csrf_tokens, "time", lambda: now)
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now)

    return move


def _page(app, raw: str | None) -> str:
    """The token one page request with the session's raw token ``raw`` would draw."""
    with app.test_request_context():
        if raw is not None:
            session["csrf_token"] = raw
        return page_token()


def _check(app, raw: str, token: str | None) -> None:
    with app.test_request_context():
        session["csrf_token"] = raw
        check_token(token)


def test_a_page_token_is_one_flask_wtf_accepts(csrf_app):
    with csrf_app.test_request_context():
        token = page_token()
        assert g.csrf_token == token  # forms drawn on the page carry the same token
        validate_csrf(token)


def test_a_token_flask_wtf_signed_is_accepted(csrf_app):
    with csrf_app.test_request_context():
        token = generate_csrf()
        raw = session["csrf_token"]
    _check(csrf_app, raw, token)


def test_pages_of_one_session_share_a_recently_signed_token(csrf_app, later):
    first = _page(csrf_app, "raw-one")
    assert _page(csrf_app, "raw-one") == first

    later(csrf_tokens.REUSE_SECONDS + 1)

    assert _page(csrf_app, "raw-one") != first


def test_another_session_never_gets_the_token(csrf_app):
    mine = _page(csrf_app, "raw-one")
    theirs = _page(csrf_app, "raw-two")

    assert theirs != mine
    with pytest.raises(ValidationError, match="do not match"):
        _check(csrf_app, "raw-two", mine)


def test_a_remembered_token_is_refused_for_another_session(csrf_app):
    token = _page(csrf_app, "raw-one")
    _check(csrf_app, "raw-one", token)  # checked, and remembered

    with pytest.raises(ValidationError, match="do not match"):
        _check(csrf_app, "raw-two", token)


def test_a_remembered_token_expires_when_a_fresh_one_would(csrf_app, later):
    token = _page(csrf_app, "raw-one")
    _check(csrf_app, "raw-one", token)

    later(3600 + 5)

    with pytest.raises(ValidationError, match="expired"):
        _check(csrf_app, "raw-one", token)


def test_a_tampered_token_is_invalid(csrf_app):
    token = _page(csrf_app, "raw-one")
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")

    with pytest.raises(ValidationError, match="invalid"):
        _check(csrf_app, "raw-one", tampered)


def test_a_token_signed_with_a_retired_key_is_invalid_even_if_remembered(csrf_app):
    token = _page(csrf_app, "raw-one")
    _check(csrf_app, "raw-one", token)

    csrf_app.secret_key = "a-new-secret"

    with pytest.raises(ValidationError, match="invalid"):
        _check(csrf_app, "raw-one", token)


@pytest.mark.parametrize(
    ("session_raw", "token", "message"),
    [("raw-one", "", "missing"), (None, "anything", "session token is missing")],
)
def test_missing_tokens_get_flask_wtf_messages(csrf_app, session_raw, token, message):
    with csrf_app.test_request_context():
        if session_raw:
            session["csrf_token"] = session_raw
        with pytest.raises(ValidationError, match=message):
            check_token(token)
