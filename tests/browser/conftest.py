"""Browser tests: the real app in a subprocess, driven by Debian chromium through Playwright.

The server runs in its own process, not a thread, because the app's ``db``
extension is a process-wide singleton that the rest of the suite rebinds to its
own test databases. It gets a throwaway SQLite database, migrated and seeded with
the same commands a newcomer runs (``db upgrade``, ``demo``, ``users create``).

Without chromium or Playwright these tests skip with a message saying how to get
them, except under ``CI=true``, where a skipped browser test would hide a broken
journey, so they fail instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING = "browser tests need Debian chromium: apt-get install -y chromium"
PHONE = {"width": 375, "height": 667}
STAFF_PASSWORD = "browser-test-password-1"  # noqa: S105 - a throwaway test database
STAFF_ROLES = ("officer", "forum", "admin", "board")
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    #: Staff accounts by role, all with ``password``.
    users: dict[str, str] = field(default_factory=dict)
    password: str = STAFF_PASSWORD
    #: The server's environment (database, instance folder), to add data with the app's services.
    env: dict[str, str] = field(default_factory=dict)

    def survey(self, slug: str) -> str:
        """The start page of the demo wave that ``flask demo`` opened for ``slug``."""
        return f"{self.url}/surveys/{slug}-demo/"


def _unavailable() -> str | None:
    if not Path(CHROMIUM).exists():
        return MISSING
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{MISSING} (and pip install -e '.[dev]' for Playwright: {exc})"
    return None


def _require_browser() -> None:
    reason = _unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(*commands: list[str], env: dict[str, str]) -> None:
    """Run ``flask --app wsgi`` commands side by side; fail with their output if any fails."""
    running = [
        (args, subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
        for args in commands
    ]  # fmt: skip
    failures = []
    for args, process in running:
        output, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            failures.append(f"flask {' '.join(args)} failed:\n{output}")
    if failures:
        raise RuntimeError("\n".join(failures))


def _wait_until_ready(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app exited with {server.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer at {url} within {timeout} seconds")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    """The app served on a free local port, with demo surveys open and staff accounts."""
    _require_browser()
    instance = tmp_path_factory.mktemp("live-instance")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SECRET_KEY"))},
        "FEEDBACK_ENV": "development",
        "FEEDBACK_INSTANCE_DIR": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'feedback.db'}",
        "CHARTJS_SOURCE": "local",
        "SESSION_COOKIE_SECURE": "false",
        "RATELIMIT_STORAGE_URI": "inline-memory://",
        # Every browser test signs in from 127.0.0.1; the throttle itself is tested in
        # tests/feedback/test_auth.py, so here it must not depend on test order.
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_EMAIL_RATE_LIMIT": "1000 per hour",
        "STAFF_PASSWORD": STAFF_PASSWORD,
        "PYTHONUNBUFFERED": "1",
    }
    url = f"http://127.0.0.1:{port}"
    _flask(["db", "upgrade"], env=env)
    _flask(["demo", "--base-url", url], env=env)
    log = (instance / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
         "--port", str(port), "--no-reload", "--no-debugger", "--with-threads"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    users = {role: f"{role}@browser.example.org" for role in STAFF_ROLES}
    try:
        # Accounts are made while the server starts: SQLite's busy timeout queues the writes.
        _flask(*[
            ["users", "create", "--email", email, "--role", role, "--name", f"Browser {role}",
             "--password-env", "STAFF_PASSWORD"]
            for role, email in users.items()
        ], env=env)  # fmt: skip
        _wait_until_ready(f"{url}/", server)
        yield LiveServer(url=url, users=users, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(live_server):
    """One headless chromium for the whole run; each test gets a fresh context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class PhonePage:
    """A phone-sized page with its own cookies, watching for JavaScript errors and
    broken assets (an icon that 404s is a failure even if axe is happy)."""

    def __init__(self, browser, live_server: LiveServer):
        self.context = browser.new_context(
            viewport=PHONE, base_url=live_server.url, has_touch=True, device_scale_factor=2
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"JavaScript error: {exc}"))
        self.page.on("console", lambda msg: _console_problem(msg, self.problems))
        self.page.on("response", lambda response: _response_problem(response, self.problems))

    def close(self) -> list[str]:
        self.context.close()
        return self.problems


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page, so journeys never share a draft."""
    phone = PhonePage(browser, live_server)
    yield phone.page
    problems = phone.close()
    assert not problems, "\n".join(problems)


def _console_problem(message, problems: list[str]) -> None:
    # A page re-shown with errors is a 400 on purpose; _response_problem judges statuses.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console error: {message.text}")


def _response_problem(response, problems: list[str]) -> None:
    """A broken asset (icon, stylesheet, script) or a server error is a failure."""
    kind = response.request.resource_type
    if response.status >= 500 or (response.status >= 400 and kind != "document"):
        problems.append(f"{response.status} for {kind} {response.url}")


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/`` (gitignored) for screenshots a person looks at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sign_in(page, live_server):
    """``sign_in("forum")`` signs the page in as that role's account, by keyboard."""
    from tests.browser.keyboard import activate, type_into

    def as_role(role: str = "officer"):
        page.goto("/staff/login")
        type_into(page, "input[name=email]", live_server.users[role])
        type_into(page, "input[name=password]", live_server.password)
        activate(page, "[name=submit]")
        assert "/staff/login" not in page.url, f"{role} could not sign in"
        return page

    return as_role
