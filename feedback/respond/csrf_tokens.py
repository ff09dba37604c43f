"""Flask-WTF's CSRF tokens on the respondent pages, signed and checked less often.

Flask-WTF signs a new token for every page and unsigns the token of every
answer: together about 4% of the CPU a question page and its answer cost in
one process (py-spy). A family's raw token, in their session, stays the same
for the whole survey, so:

- :func:`page_token` gives a page the token signed for the same raw token
  less than :data:`REUSE_SECONDS` ago, if there is one. It is what
  ``generate_csrf`` would give, signed a few seconds earlier, so it expires
  that much sooner within ``WTF_CSRF_TIME_LIMIT``;
- :func:`check_token` remembers a token whose signature it has checked, with
  its raw token and the time it was signed. Its age and its match with the
  session's raw token are checked on every request, as ``validate_csrf``
  checks them, with the same messages.

Both are keyed by the signing key, so tokens signed with a retired key are
checked afresh (and refused). Tokens are made and read exactly as Flask-WTF
makes and reads them, so either side works with the other.
"""

from __future__ import annotations

import hmac
from time import time
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms.validators import ValidationError

from feedback.checked_memory import CheckedMemory

#: Seconds a signed token is given to further pages of the same session.
REUSE_SECONDS = 30

#: The salt Flask-WTF signs its tokens with.
SALT = "wtf-csrf-token"

#: Tokens remembered per worker process, on each side; the memory starts again when full.
REMEMBERED = 4096

#: (signing key, raw token) -> (signed at, signed token)
_signed = CheckedMemory(REMEMBERED)
#: (signing key, signed token) -> (signed at, raw token)
_checked = CheckedMemory(REMEMBERED)


def page_token() -> str:
    """The signed CSRF token for this page: recently signed for this session, or new."""
    field = _field()
    if field in g:
        return g.get(field)
    raw, secret = session.get(field), _secret()
    if isinstance(raw, str):
        remembered = _signed.get((secret, raw))
        if remembered is not None and 0 <= time() - remembered[0] < REUSE_SECONDS:
            setattr(g, field, remembered[1])
            return remembered[1]
    signed_at = time()
    token = generate_csrf()  # also makes the session's raw token if it has none
    _signed.remember((secret, session[field]), (signed_at, token))
    return token


def check_token(data: str | None) -> None:
    """Raise ``ValidationError`` unless ``data`` is a valid token for this session.

    The same checks, in the same order and with the same messages, as
    Flask-WTF's ``validate_csrf``.
    """
    field = _field()
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if field not in session:
        raise ValidationError("The CSRF session token is missing.")
    secret = _secret()
    remembered = _checked.get((secret, data))
    if remembered is None:
        serializer = URLSafeTimedSerializer(secret, salt=SALT)
        try:
            raw, signed = serializer.loads(data, max_age=limit, return_timestamp=True)
        except SignatureExpired as e:
            raise ValidationError("The CSRF token has expired.") from e
        except BadData as e:
            raise ValidationError("The CSRF token is invalid.") from e
        remembered = (signed.timestamp(), raw)
        _checked.remember((secret, data), remembered)
    signed_at, raw = remembered
    if limit is not None and time() - signed_at > limit:
        raise ValidationError("The CSRF token has expired.")
    expected = session[field]
    if not (isinstance(raw, str) and isinstance(expected, str)) or not hmac.compare_digest(
        expected, raw
    ):
        raise ValidationError("The CSRF tokens do not match.")


def _field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"


def _secret() -> Any:
    return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
