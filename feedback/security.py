"""Security headers on every response, with a per-request nonce for the one inline script.

GOV.UK Frontend's template adds ``js-enabled`` with a tiny inline script; it
takes our nonce, so the Content-Security-Policy never needs ``unsafe-inline``.
Pages that show answers or staff data are never cached.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask.wrappers import Response

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


def init_security(app: Flask) -> None:
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
