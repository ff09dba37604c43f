"""Session cookies checked once and remembered: never trusting what Flask would refuse."""

from __future__ import annotations

import pytest
from flask import Flask, request, session
from itsdangerous import URLSafeTimedSerializer

from feedback import session_cookies
from feedback.session_cookies import RememberingSessionInterface


@pytest.fixture
def cookie_app():
    """A bare app with the remembering interface, a route that writes and one that reads."""
    app = Flask(__name__)
    app.secret_key = "first-secret-key-for-this-test-only"
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    app.session_interface = RememberingSessionInterface()

    @app.post("/write")
    def write():
        session["drafts"] = {"pulse": request.args.get("token", "token-1")}
        return ""

    @app.get("/read")
    def read():
        return dict(session)

    return app


@pytest.fixture
def signature_checks(monkeypatch):
    """How many times a session cookie's signature is checked."""
    calls = []
    loads = URLSafeTimedSerializer.loads

    def counted(self, *args, **kwargs):
        calls.append(1)
        return loads(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counted)
    return calls


def test_a_cookie_is_checked_once_and_then_read_from_memory(cookie_app, signature_checks):
    client = cookie_app.test_client()
    client.post("/write")

    pages = [client.get("/read").json for _ in range(3)]

    assert pages == [{"drafts": {"pulse": "token-1"}}] * 3
    assert len(signature_checks) == 1


def test_each_request_gets_its_own_copy_of_the_session(cookie_app):
    cookie_app.add_url_rule(
        "/scribble", "scribble", lambda: session["drafts"].update(pulse="changed") or ""
    )
    client = cookie_app.test_client()
    client.post("/write")

    client.get("/scribble")  # changes a nested value without marking the session modified

    assert client.get("/read").json == {"drafts": {"pulse": "token-1"}}


def test_a_tampered_cookie_gives_an_empty_session(cookie_app):
    client = cookie_app.test_client()
    client.post("/write")
    cookie = client.get_cookie("session").value
    client.set_cookie("session", cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1])

    assert client.get("/read").json == {}


def test_a_remembered_cookie_expires_when_a_fresh_one_would(cookie_app, monkeypatch):
    client = cookie_app.test_client()
    client.post("/write")
    assert client.get("/read").json  # checked and remembered

    later = session_cookies.time() + 3600 + 5
    monkeypatch.setattr(session_cookies, "time", lambda: later)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)

    assert client.get("/read").json == {}


def test_a_cookie_signed_with_a_retired_key_is_refused_even_if_remembered(cookie_app):
    client = cookie_app.test_client()
    client.post("/write")
    assert client.get("/read").json  # remembered under the first key

    cookie_app.secret_key = "second-secret-key-for-this-test-only"

    assert client.get("/read").json == {}


def test_a_cookie_signed_with_a_fallback_key_is_still_accepted(cookie_app):
    client = cookie_app.test_client()
    client.post("/write")
    old_key = cookie_app.secret_key

    cookie_app.secret_key = "second-secret-key-for-this-test-only"
    cookie_app.config["SECRET_KEY_FALLBACKS"] = [old_key]

    assert client.get("/read").json == {"drafts": {"pulse": "token-1"}}


def test_the_memory_starts_again_when_full(cookie_app, monkeypatch):
    monkeypatch.setattr(cookie_app.session_interface.checked, "size", 2)
    client = cookie_app.test_client()
    seen = []
    for n in range(5):
        client.post(f"/write?token=t{n}")
        seen.append(client.get("/read").json["drafts"]["pulse"])

    assert seen == [f"t{n}" for n in range(5)]
    assert 1 <= len(cookie_app.session_interface.checked) <= 2


def test_the_app_uses_the_remembering_interface(app):
    assert isinstance(app.session_interface, RememberingSessionInterface)
