"""Security headers on every route, the CSP nonce, proxies, cookies and the Chart.js SRI tag."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask, request

from feedback.security import content_security_policy, init_security, trust_proxies
from feedback.templating import chartjs_tag
from tests.security.walk import is_staff, rules, urls_for

ROOT = Path(__file__).resolve().parents[2]


def assert_security_headers(response, url: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, url
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert "object-src 'none'" in csp, url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url
    assert headers.get("X-Frame-Options") == "DENY", url
    if not url.startswith("/static/"):
        assert headers.get("Cache-Control") == "no-store", url


def assert_inline_scripts_carry_the_nonce(response, url: str) -> None:
    if response.mimetype != "text/html":
        return
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    page = BeautifulSoup(response.data, "html.parser")
    for script in page.select("script:not([src])"):
        if script.get("type") == "application/json":
            continue  # data, not code: the chart component's JSON block
        assert script.get("nonce") == nonce, f"inline script without the nonce on {url}"
    assert not page.select("[onclick], [onload], [onerror], [onsubmit]"), url


def walk_get_routes(app, client, samples, *, staff_only: bool = False):
    seen = []
    for rule in rules(app, ["GET"]):
        if staff_only and not is_staff(rule.endpoint):
            continue
        for url in urls_for(app, rule, samples):
            response = client.get(url)
            response.close()  # static files are streamed from an open file
            assert response.status_code < 500, (url, response.status_code)
            assert_security_headers(response, url)
            assert_inline_scripts_carry_the_nonce(response, url)
            seen.append((url, response.status_code))
    return seen


def test_every_route_sends_the_security_headers_to_visitors(app, client, world):
    seen = walk_get_routes(app, client, world["samples"])
    assert any(url.startswith("/surveys/") for url, _ in seen)
    assert any(url.startswith("/staff") and status == 302 for url, status in seen)


def test_every_staff_route_sends_the_security_headers_when_signed_in(app, client, world, login_as):
    login_as("admin")
    seen = walk_get_routes(app, client, world["samples"], staff_only=True)
    assert ("/staff/", 200) in seen


def test_error_pages_send_the_security_headers(client, world):
    for url in ("/no-such-page", "/surveys/no-such-survey/"):
        response = client.get(url)
        assert response.status_code == 404
        assert_security_headers(response, url)


def test_each_page_gets_a_fresh_nonce(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert "'nonce-" in first and first != second


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost").headers
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def proxied_app(proxies: int) -> Flask:
    app = Flask("proxied")
    app.config.update(CHARTJS_SOURCE="local", TRUSTED_PROXIES=proxies)
    init_security(app)

    @app.get("/")
    def where():
        return {"secure": request.is_secure, "addr": request.remote_addr}

    return app


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_are_believed():
    response = proxied_app(1).test_client().get("/", headers=FORWARDED)
    assert response.json == {"secure": True, "addr": "203.0.113.7"}
    assert "Strict-Transport-Security" in response.headers


def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    response = proxied_app(0).test_client().get("/", headers=FORWARDED)
    assert response.json == {"secure": False, "addr": "127.0.0.1"}
    assert "Strict-Transport-Security" not in response.headers


def test_a_negative_proxy_count_is_refused():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        trust_proxies(Flask("x"), -1)


def test_session_cookie_is_httponly_and_samesite_lax(client_request, create_user):
    user = create_user("officer")
    from tests.fixtures.users import PASSWORD

    response = client_request.post(
        "/staff/login", {"email": user.email, "password": PASSWORD}, form_url="/staff/login"
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert not any(c.startswith("remember_token=") for c in cookies)


PRODUCTION_PROBE = textwrap.dedent(
    """
    import json
    from feedback import create_app
    from feedback.db import Base
    from feedback.extensions import db
    import feedback.models  # noqa: F401

    app = create_app()
    Base.metadata.create_all(db.engine)
    response = app.test_client().get("/staff/login", base_url="https://localhost")
    page = response.get_data(as_text=True)
    print(json.dumps({"cookies": response.headers.getlist("Set-Cookie"),
                      "csp": response.headers["Content-Security-Policy"],
                      "hsts": response.headers.get("Strict-Transport-Security")}))
    """
)


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SESSION_COOKIE_SECURE", "TEST_DATABASE_URL", "CHARTJS_SOURCE")
    }
    env.update(
        FEEDBACK_ENV="production",
        SECRET_KEY="probe-only-secret-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        FEEDBACK_INSTANCE_DIR=str(tmp_path),
    )
    out = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    session = next(c for c in found["cookies"] if c.startswith("session="))
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {p.strip() for p in session.split(";")}
    assert found["hsts"]
    assert "https://cdn.jsdelivr.net" in found["csp"] and "unsafe-inline" not in found["csp"]


def test_chartjs_from_the_cdn_has_integrity_and_crossorigin(app):
    static = Path(app.static_folder)
    tag = chartjs_tag(static, "cdn")
    with app.test_request_context("/"):
        template = app.jinja_env.get_template("components/chart.html")
        # A fresh module: ``.module`` is cached with whatever ``chartjs`` it first saw.
        html = str(template.make_module(vars={"chartjs": tag}).chart_scripts())
    script = BeautifulSoup(html, "html.parser").select_one("script[src^='https://']")
    assert script["src"].startswith("https://cdn.jsdelivr.net/npm/chart.js@")
    assert script["integrity"].startswith("sha384-")
    assert script["crossorigin"] == "anonymous"
    # The pinned CDN file is byte for byte the copy we vendor and serve locally.
    local = (static / "vendor" / "chart.umd.min.js").read_bytes()
    digest = base64.b64encode(hashlib.sha384(local).digest()).decode()
    assert script["integrity"] == f"sha384-{digest}"


def test_csp_allows_the_cdn_only_when_chartjs_comes_from_it():
    assert "cdn.jsdelivr.net" in content_security_policy("n", cdn=True)
    assert "cdn.jsdelivr.net" not in content_security_policy("n", cdn=False)
