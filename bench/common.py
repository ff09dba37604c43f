"""Shared by the load benchmark and the fault tests: a real gunicorn and real respondents.

- :class:`Server` starts gunicorn from the venv on loopback against a database
  prepared by :func:`prepare_database`, waits for ``/healthz``, and can name
  (and kill) its workers.
- :class:`Respondent` is one family with a ``requests.Session``: it GETs every
  page, reads the CSRF token and hidden fields from it, POSTs each answer,
  submits, and keeps the reference from the confirmation page. Like a person,
  it tries a page again after a dropped connection or a 5xx.
- :func:`acknowledged_vs_stored` compares references acknowledged to
  respondents with the rows in the database.

No Flask app is imported in the load generator's hot path: it only speaks HTTP.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DRAFT = re.compile(r'name="draft"[^>]*value="([^"]*)"')
REFERENCE = re.compile(r'class="app-reference">([^<]+)<')
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def engine_url(url: str) -> str:
    return (
        "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url.startswith("postgresql://")
        else url
    )


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """User plus system CPU seconds used so far by ``pids`` (from /proc; gone pids count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (backends included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def summarise(title: str, lines: list[str]) -> None:
    """Add a benchmark's key lines to ``make bench``'s summary table (``BENCH_SUMMARY``)."""
    summary = os.environ.get("BENCH_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(title + "\n" + "".join(f"  {line}\n" for line in lines))


def fresh_postgres(url: str) -> bool:
    """Drop and create the benchmark's own database; False when PostgreSQL is unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as exc:  # noqa: BLE001 - report and skip, whatever the driver says
        print(f"PostgreSQL at {target.host} unavailable ({type(exc).__name__}): skipped")
        return False
    finally:
        admin.dispose()
    return True


def prepare_database(url: str) -> dict[str, str]:
    """Create the tables, load the surveys and open a wave of each: ``{slug: wave code}``."""
    from sqlalchemy.orm import sessionmaker

    import feedback.models  # noqa: F401
    from feedback.db import Base, make_engine
    from feedback.services.surveys import load_definitions, open_demo_waves
    from surveys.loader import load_all

    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
        with sessionmaker(engine, expire_on_commit=False)() as session:
            load_definitions(session, load_all())
            return {w.version.survey.slug: w.code for w in open_demo_waves(session)}
    finally:
        engine.dispose()


@functools.cache
def _definitions() -> dict:
    """The co-produced surveys, parsed once: parsing the YAML per journey cost the load
    generator about 40 ms of CPU per survey, on the cores the server is measured on."""
    from surveys.loader import load_all

    return load_all()


def answers_for(slug: str, rng: random.Random) -> dict[str, str | list[str]]:
    """A complete, valid set of answers, varied a little between respondents."""
    definition = _definitions()[slug]
    answers: dict[str, str | list[str]] = {}
    for q in definition.questions:
        if q.type == "text":
            answers[q.id] = f"Comment {rng.randint(1, 10_000)} about support."
            continue
        options = [o for o in q.options if not o.exclusive] or list(q.options)
        answers[q.id] = rng.choice(options).code
        if q.comment_id and rng.random() < 0.3:
            answers[q.comment_id] = "The keyworker listened to us."
    return answers


class Server:
    """gunicorn on 127.0.0.1 with ``workers`` x ``threads``; use as a context manager."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 2,
        threads: int = 4,
        instance_dir: Path,
        extra_env: dict[str, str] | None = None,
        log: Path | None = None,
    ):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance_dir = instance_dir
        self.extra_env = extra_env or {}
        self.log = log or instance_dir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
        env.update(
            FEEDBACK_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(32),
            DATABASE_URL=self.database_url,
            FEEDBACK_INSTANCE_DIR=str(self.instance_dir),
            SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback
            CHARTJS_SOURCE="local",
            RESPOND_RATE_LIMIT="1000000 per hour",  # one address plays every family
        )
        env.update(self.extra_env)
        return env

    def __enter__(self) -> Server:
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "--worker-class",  # gthread even with one thread: it keeps connections alive
                    "gthread",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "5",
                    "--timeout",
                    "60",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                ok = requests.get(f"{self.base}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                ok = False
            if ok and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f}s; see {self.log}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def kill_worker(self) -> int:
        """SIGKILL one worker mid-request (the master starts a new one); its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def __exit__(self, *_exc) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


@dataclass
class Stats:
    """Latencies by request kind, errors, and what respondents were told."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: list[str] = field(default_factory=list)
    outages: list[tuple[float, float]] = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        for k, v in other.latencies.items():
            self.latencies[k].extend(v)
        for k, v in other.errors.items():
            self.errors[k] += v
        self.acknowledged.extend(other.acknowledged)
        self.outages.extend(other.outages)

    def all_latencies(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]


def loopback_session() -> requests.Session:
    """An HTTP client for the server under test on 127.0.0.1, which needs no proxy.

    With ``trust_env`` (the default) requests reads the proxy settings from the
    environment for every request, and again for every redirect it is told not
    to follow: a fifth of the load generator's CPU in a py-spy profile, spent on
    the two cores the server is measured on. Cookies, redirects and keep-alive
    behave as before.
    """
    http = requests.Session()
    http.trust_env = False
    return http


class JourneyFailed(RuntimeError):
    """A page kept failing after the retries a patient person would make."""


class Respondent:
    """One family answering one survey at a time, over real HTTP."""

    def __init__(self, base: str, stats: Stats, *, retries: int = 0, retry_wait: float = 0.25):
        self.base = base
        self.stats = stats
        self.http = loopback_session()
        self.retries = retries
        self.retry_wait = retry_wait

    def _request(self, kind: str, method: str, path: str, data=None) -> requests.Response:
        failed_since = None
        for attempt in range(self.retries + 1):
            start = time.perf_counter()
            try:
                response = self.http.request(
                    method, self.base + path, data=data, allow_redirects=False, timeout=30
                )
            except requests.RequestException as exc:
                self.stats.errors[f"{kind}: {type(exc).__name__}"] += 1
                failed_since = failed_since or time.time()
            else:
                elapsed = time.perf_counter() - start
                if response.status_code < 500:
                    self.stats.latencies[kind].append(elapsed)
                    if failed_since:
                        self.stats.outages.append((failed_since, time.time()))
                    return response
                self.stats.errors[f"{kind}: HTTP {response.status_code}"] += 1
                failed_since = failed_since or time.time()
            if attempt < self.retries:
                time.sleep(self.retry_wait)
        raise JourneyFailed(f"{method} {path} kept failing")

    def get(self, kind: str, path: str) -> requests.Response:
        return self._request(kind, "GET", path)

    def post(self, kind: str, path: str, data: dict) -> requests.Response:
        return self._request(kind, "POST", path, data)

    def answer_survey(self, code: str, answers: dict, *, pause=None) -> str:
        """The full journey; returns the reference shown on the confirmation page."""
        page = self.get("start page", f"/surveys/{code}/").text
        token = CSRF.search(page).group(1)
        location = self.post("start", f"/surveys/{code}/start", {"csrf_token": token}).headers[
            "Location"
        ]
        while "/questions/" in location:
            path = location.removeprefix(self.base)
            page = self.get("question page", path)
            if page.status_code != 200:
                location = page.headers.get("Location", "")
                continue
            html = page.text
            qid = path.rsplit("/", 1)[-1].split("?")[0]
            data = {"csrf_token": CSRF.search(html).group(1)}
            draft = DRAFT.search(html)
            if draft:
                data["draft"] = draft.group(1)
            if qid in answers:
                data["answer"] = answers[qid]
            if f"{qid}_comment" in answers:
                data["comment"] = answers[f"{qid}_comment"]
            if pause:
                pause()
            response = self.post("answer", path, data)
            if response.status_code == 400:  # a stale token: the page comes back, answer kept
                continue
            location = response.headers["Location"]
        check = self.get("check page", f"/surveys/{code}/check").text
        data = {"csrf_token": CSRF.search(check).group(1), "draft": DRAFT.search(check).group(1)}
        while True:
            response = self.post("submit", f"/surveys/{code}/check", data)
            if response.status_code in (302, 303):
                break
            check = response.text  # session timed out: the page says "select Send again"
            data["csrf_token"] = CSRF.search(check).group(1)
        done = self.get("confirmation page", f"/surveys/{code}/done").text
        reference = REFERENCE.search(done).group(1).strip()
        self.stats.acknowledged.append(reference)
        return reference


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def acknowledged_vs_stored(database_url: str, acknowledged: list[str]) -> dict[str, int]:
    """How the references told to respondents compare with the rows in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url(database_url))
    try:
        with engine.connect() as conn:
            stored = [r[0] for r in conn.execute(text("SELECT reference FROM response"))]
            duplicates = conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT draft_id FROM response WHERE draft_id IS NOT "
                    "NULL GROUP BY draft_id HAVING COUNT(*) > 1) AS d"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    stored_set = set(stored)
    return {
        "acknowledged": len(acknowledged),
        "acknowledged_unique": len(set(acknowledged)),
        "stored": len(stored),
        "acknowledged_missing": len(set(acknowledged) - stored_set),
        "stored_twice": len(stored) - len(stored_set) + duplicates,
    }


def uncoded_comments(url: str) -> int:
    """Comments stored with no coding yet (the server codes them after replying)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT COUNT(*) FROM answer a LEFT JOIN comment_coding c "
                    "ON c.answer_id = a.id WHERE c.id IS NULL AND a.text IS NOT NULL "
                    "AND LENGTH(TRIM(a.text)) > 0"
                )
            ).scalar_one()
    finally:
        engine.dispose()
