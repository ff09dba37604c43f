"""Flask's signed-cookie sessions, with each cookie's signature checked once, not per request.

A family's session cookie (their CSRF secret and which drafts are theirs) is
the same on nearly every request of a survey. Flask builds a new signing
serializer for every request and checks the cookie's signature, decompresses
and parses it again each time: 5 to 7% of the CPU a question page and its
answer cost in one process (py-spy). Here the serializer is built once per set
of keys, and a cookie whose signature has been checked is remembered with its
data, so the next request with the same cookie only unpickles a copy.

Nothing is trusted that Flask would refuse. The memory is keyed by the exact
cookie and the serializer (so by the secret keys that checked it); the age of
a remembered cookie is checked on every request against
``PERMANENT_SESSION_LIFETIME``, as itsdangerous checks a fresh one; a cookie
that fails its check is never remembered. Each request gets its own copy of
the data, so a view changing its session cannot change another's. The memory
holds at most :data:`REMEMBERED` cookies and starts again when full.
"""

from __future__ import annotations

import pickle
from time import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from feedback.checked_memory import CheckedMemory

#: Cookies remembered per worker process; a few hundred bytes each.
REMEMBERED = 4096


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, remembering cookies whose signatures have been checked."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}
        self.checked = CheckedMemory(REMEMBERED)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        remembered = self.checked.get((serializer, cookie))
        if remembered is not None:
            signed_at, data = remembered
            if 0 <= time() - signed_at <= max_age:
                return self.session_class(pickle.loads(data))  # noqa: S301 - our own pickle
        try:
            data, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self.checked.remember((serializer, cookie), (signed.timestamp(), pickle.dumps(data)))
        return self.session_class(data)
