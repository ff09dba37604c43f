"""PostgreSQL restarted during a load run: the app recovers by itself and loses nothing.

Restarting the server breaks every other PostgreSQL test running on the machine,
so this runs only when ``FAULT_TESTS_PG_RESTART=1`` or ``CI=true``. PostgreSQL is
started again at the end whatever happens. The seconds without service (first
failed to first good answer of a probe reading the database) are printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from bench.common import (
    CSRF,
    Server,
    acknowledged_vs_stored,
    prepare_database,
    uncoded_comments,
)
from tests.faults.conftest import SURVEY, wait_for
from tests.faults.scratch import postgres_base, scratch_database

pytestmark = pytest.mark.faults


def cluster_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return versions[0]


def pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], timeout=10).returncode == 0


def make_sure_postgres_runs() -> None:
    if not pg_ready():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", "start"],
            capture_output=True,
            timeout=120,
        )
    wait_for(pg_ready, timeout=60, step=0.5)


class Probe:
    """Reads a page that queries the database every 50 ms and records when it failed.

    The page is the first question of a draft of its own: every view of it
    looks the draft up (a wave, by contrast, is reused for a second).
    """

    def __init__(self, base: str, code: str):
        self.http = requests.Session()
        page = self.http.get(f"{base}/surveys/{code}/", timeout=10).text
        started = self.http.post(
            f"{base}/surveys/{code}/start",
            data={"csrf_token": CSRF.search(page).group(1)},
            allow_redirects=False,
            timeout=10,
        )
        self.url = base + started.headers["Location"].removeprefix(base)
        assert "/questions/" in self.url
        self.failures: list[float] = []
        self.recovered_at: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        http = self.http
        while not self._stop.is_set():
            try:
                ok = http.get(self.url, timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            now = time.monotonic()
            if not ok:
                self.failures.append(now)
            elif self.failures and self.recovered_at is None:
                self.recovered_at = now
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(10)

    @property
    def seconds_without_service(self) -> float:
        if not self.failures:
            return 0.0
        end = self.recovered_at or self.failures[-1]
        return end - self.failures[0]


def test_acknowledged_answers_survive_a_postgres_restart(tmp_path, crowd_factory):
    if not (os.environ.get("FAULT_TESTS_PG_RESTART") == "1" or os.environ.get("CI") == "true"):
        pytest.skip("restarts PostgreSQL for the whole machine: set FAULT_TESTS_PG_RESTART=1")
    if not postgres_base() or shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs TEST_DATABASE_URL and pg_ctlcluster")
    try:
        with scratch_database("postgresql", tmp_path, schema=False) as url:
            code = prepare_database(url)[SURVEY]
            with Server(url, workers=2, threads=4, instance_dir=tmp_path / "server") as server:
                crowd = crowd_factory(server.base, code, families=6, retries=120)
                with Probe(server.base, code) as probe:
                    assert wait_for(lambda: crowd.completed >= 3, timeout=60)
                    pg_ctl("restart")
                    before = crowd.completed
                    assert wait_for(lambda: probe.recovered_at is not None, timeout=60)
                    assert wait_for(lambda: crowd.completed >= before + 3, timeout=60)
                stats = crowd.stop()
                # Batches of comments whose coding failed in the restart are tried again.
                coded = wait_for(lambda: uncoded_comments(url) == 0, timeout=60)
            make_sure_postgres_runs()
            audit = acknowledged_vs_stored(url, stats.acknowledged)
    finally:
        make_sure_postgres_runs()
    print(
        f"\nPostgreSQL restart: {probe.seconds_without_service:.2f} s without service; "
        f"{audit}; errors seen {dict(stats.errors)}"
    )
    assert coded, "comments of stored responses were left uncoded"
    assert audit["acknowledged_missing"] == 0
    assert audit["stored_twice"] == 0
    assert audit["acknowledged_unique"] == audit["acknowledged"]
