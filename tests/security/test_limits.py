"""Request size limits and rate limits (generous for respondents, shared across workers)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from feedback.config import Config
from tests.security.walk import row_counts

ROOT = Path(__file__).resolve().parents[2]


def token(client, url="/resume") -> str:
    page = BeautifulSoup(client.get(url).data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def test_a_body_over_the_size_limit_gets_the_too_large_page(app, client, db_session, world):
    before = row_counts(db_session)
    body = b"code=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/resume", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "What you sent is too large"
    assert row_counts(db_session) == before


def test_one_form_field_over_the_memory_limit_gets_the_too_large_page(app, client, world):
    wave = world["waves"]["parent-carer-annual"]
    data = {"csrf_token": token(client), "comment": "y" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)}
    response = client.post(f"/surveys/{wave.code}/questions/kpi_4_1", data=data)
    assert response.status_code == 413


def test_respondent_limit_is_generous_by_default():
    count, _, unit = Config.RESPOND_RATE_LIMIT.partition(" per ")
    assert unit == "hour" and int(count) >= 600


def test_respondent_posts_share_one_budget_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RESPOND_RATE_LIMIT", "3 per hour")
    csrf = token(client)
    for _ in range(3):
        assert client.post("/resume", data={"csrf_token": csrf, "code": "x"}).status_code == 400
    wave = world["waves"]["kpi-pulse"]
    refused = client.post(f"/surveys/{wave.code}/start", data={"csrf_token": csrf})
    assert refused.status_code == 429
    page = BeautifulSoup(refused.data, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Too many attempts"
    # Reading pages is never limited, and another address has its own budget.
    assert client.get("/resume").status_code == 200
    neighbour = app.test_client()
    other = {"REMOTE_ADDR": "198.51.100.9"}
    response = neighbour.post(
        "/resume", data={"csrf_token": token(neighbour), "code": "x"}, environ_base=other
    )
    assert response.status_code == 400


def test_page_views_do_not_use_up_the_answer_budget(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RESPOND_RATE_LIMIT", "3 per hour")
    wave = world["waves"]["kpi-pulse"]
    for _ in range(10):
        assert client.get(f"/surveys/{wave.code}/").status_code == 200
        assert client.head("/resume").status_code == 200
    csrf = token(client)

    sent = [client.post("/resume", data={"csrf_token": csrf, "code": "x"}).status_code]
    sent += [client.post("/resume", data={"csrf_token": csrf, "code": "x"}).status_code]
    sent += [client.post("/resume", data={"csrf_token": csrf, "code": "x"}).status_code]

    assert sent == [400, 400, 400]
    assert client.post("/resume", data={"csrf_token": csrf, "code": "x"}).status_code == 429


def test_a_refused_respondent_post_says_when_to_try_again(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RESPOND_RATE_LIMIT", "1 per hour")
    csrf = token(client)
    client.post("/resume", data={"csrf_token": csrf, "code": "x"})

    refused = client.post("/resume", data={"csrf_token": csrf, "code": "x"})

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600


def test_an_answer_is_saved_when_the_rate_limit_storage_is_down(
    app, client, db_session, world, monkeypatch
):
    """Families' answers come first: a broken counter lets the POST through, never loses it."""
    from feedback.extensions import limiter

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("rate limit storage unreachable")

    monkeypatch.setattr(limiter.storage, "incr", unreachable)
    wave = world["waves"]["kpi-pulse"]
    before = row_counts(db_session)["draft"]

    started = client.post(f"/surveys/{wave.code}/start", data={"csrf_token": token(client)})

    assert started.status_code in (302, 303)
    assert row_counts(db_session)["draft"] == before + 1


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


WORKER = textwrap.dedent(
    """
    import json, sys
    from feedback import create_app
    from feedback.config import Production

    class Limited(Production):
        RESPOND_RATE_LIMIT = "3 per hour"
        RATELIMIT_KEY_PREFIX = sys.argv[1]
        WTF_CSRF_ENABLED = False

    app = create_app(Limited)
    client = app.test_client()
    posts = int(sys.argv[2])
    codes = [client.post("/resume", data={"code": "x"}).status_code for _ in range(posts)]
    print(json.dumps(codes))
    """
).replace("Production", "Config")


def run_worker(tmp_path, prefix: str, posts: int) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        FEEDBACK_ENV="production",
        SECRET_KEY="probe-only-secret-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'limits.db'}",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        FEEDBACK_INSTANCE_DIR=str(tmp_path),
    )
    out = subprocess.run(
        [sys.executable, "-c", WORKER, prefix, str(posts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_redis_storage_makes_the_limit_hold_across_workers(tmp_path):
    """Two processes (two gunicorn workers) draw on one budget when Redis holds the counts."""
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379; CI needs it")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    try:
        first = run_worker(tmp_path, prefix, 2)
        second = run_worker(tmp_path, prefix, 2)
    finally:
        store = redis.Redis(host="127.0.0.1", port=6379, db=0)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
    assert first == [400, 400]
    assert second == [400, 429]


def test_a_file_upload_may_use_the_whole_size_limit(app, client, world):
    """Only uploads (CSV imports) get the large limit; a 1 MB file is read, not refused."""
    boundary = "limitsboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token(client)}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + b"a," * 500_000
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    response = client.post(
        "/resume", data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400  # the form's own error, not 413
