"""Security headers on every response, with a per-request nonce for the one inline script.

GOV.UK Frontend's template adds ``js-enabled`` with a tiny inline script; it
takes our nonce, so the Content-Security-Policy never needs ``unsafe-inline``.
Pages that show answers or staff data are never cached.

Behind a TLS-terminating proxy, ``TRUSTED_PROXIES`` (the number of proxies in
front of the app) lets :class:`~werkzeug.middleware.proxy_fix.ProxyFix` believe
their ``X-Forwarded-*`` headers: the request is then known to be HTTPS (so HSTS
is sent and ``Secure`` cookies make sense) and ``remote_addr`` is the family's
address, not the proxy's, so rate limits count each address separately. With no
proxy those headers are ignored, since anyone can send them.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from flask import Flask, abort, current_app, g, request
from flask.wrappers import Request, Response
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

CHARTJS_CDN_HOST = "https://cdn.jsdelivr.net"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str, *, cdn: bool) -> str:
    script_src = f"'self' 'nonce-{nonce}'" + (f" {CHARTJS_CDN_HOST}" if cdn else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: C0 and C1 control characters except tab, line feed and carriage return: the same
#: set :func:`surveys.validation.clean_text` drops from answers.
CONTROL_CHARACTERS = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]}


def without_controls(value: str) -> str:
    return value.translate(CONTROL_CHARACTERS)


class AppRequest(Request):
    """The request with two guarantees every view can rely on.

    - Only uploads may use all of ``MAX_CONTENT_LENGTH``; other bodies get
      ``MAX_FORM_MEMORY_SIZE``, because Werkzeug reads a urlencoded body into
      memory in one go with no per-field limit.
    - Form fields and query arguments arrive without control characters. NUL in
      particular: PostgreSQL refuses it in text (a 500) while SQLite stores it, so
      a staff form or the sign-in page would behave differently by database.
      Answers are cleaned again, with more rules, by ``clean_text``.
    """

    @property
    def max_content_length(self) -> int | None:
        limit = Request.max_content_length.fget(self)  # type: ignore[attr-defined]
        if self._max_content_length is not None or not current_app:
            return limit
        if self.mimetype == "multipart/form-data":
            return limit
        form_limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
        return form_limit if limit is None else min(limit, form_limit)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _cleaned(self.__dict__["form"], self.parameter_storage_class)

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _cleaned(super().args, self.parameter_storage_class)


def _refuse_control_characters_in_paths(_endpoint: str | None, values: dict | None) -> None:
    """No page has a control character in its address: 404, before any query sees it.

    ``/surveys/a%00b/`` would otherwise reach ``WHERE code = 'a\x00b'``, which
    PostgreSQL refuses (a 500) and SQLite answers (a 404).
    """
    for value in (values or {}).values():
        if isinstance(value, str) and value != without_controls(value):
            abort(404)


def _cleaned(data: MultiDict[str, str], cls) -> MultiDict[str, str]:
    return cls(
        (without_controls(key), without_controls(value)) for key, value in data.items(multi=True)
    )


def trust_proxies(app: Flask, count: int) -> None:
    """Believe ``count`` proxies' ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port``."""
    if count < 0:
        raise ValueError(f"TRUSTED_PROXIES must be 0 or more, not {count}")
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )


def init_security(app: Flask) -> None:
    app.request_class = AppRequest
    app.url_value_preprocessor(_refuse_control_characters_in_paths)
    trust_proxies(app, app.config["TRUSTED_PROXIES"])
    cdn = app.config["CHARTJS_SOURCE"] == "cdn"

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce(), cdn=cdn))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response
