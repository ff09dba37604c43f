"""An answer page's CSRF check gives what QuestionForm would, without building the form."""

from __future__ import annotations

import time

import pytest
from flask_wtf.csrf import generate_csrf

from feedback.respond.forms import QuestionForm, question_form_accepted


def _token(app) -> tuple[str, dict]:
    """A token, with the session that holds its secret half."""
    with app.test_request_context("/"):
        from flask import session

        token = generate_csrf()
        return token, dict(session)


def _both(app, session_data: dict, form: dict) -> tuple[bool, bool]:
    with app.test_request_context("/surveys/w/questions/q", method="POST", data=form):
        from flask import session

        session.update(session_data)
        return QuestionForm().validate_on_submit(), question_form_accepted()


def _tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


@pytest.mark.parametrize(
    "case",
    ["a valid token", "no token", "an empty token", "a tampered token", "another session's token"],
)
def test_the_check_agrees_with_the_form(app, case):
    token, session_data = _token(app)
    other, _ = _token(app)
    form = {
        "a valid token": {"csrf_token": token},
        "no token": {},
        "an empty token": {"csrf_token": ""},
        "a tampered token": {"csrf_token": _tampered(token)},
        "another session's token": {"csrf_token": other},
    }[case]
    form["draft"] = "some-draft-token"
    by_form, by_check = _both(app, session_data, form)
    assert by_check == by_form
    assert by_check == (case == "a valid token")


def test_an_expired_token_is_refused_by_both(app, monkeypatch):
    token, session_data = _token(app)
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert _both(app, session_data, {"csrf_token": token}) == (False, False)


def test_with_csrf_turned_off_both_accept(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert _both(app, {}, {}) == (True, True)
