"""Fault tests run a real gunicorn against a scratch database and a crowd of respondents."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest

from bench.common import JourneyFailed, Respondent, Stats, answers_for

SURVEY = "kpi-pulse"  # short, so many journeys finish inside a bounded test


class Crowd:
    """``families`` respondents answering again and again until :meth:`stop`."""

    def __init__(self, base: str, code: str, families: int, *, retries: int, retry_wait: float):
        self.stats = Stats()
        self.failed_journeys = 0
        self.completed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(
                target=self._family, args=(base, code, n, retries, retry_wait), daemon=True
            )
            for n in range(families)
        ]

    def _family(self, base, code, n, retries, retry_wait):
        rng = random.Random(n)
        mine = Stats()
        while not self._stop.is_set():
            respondent = Respondent(base, mine, retries=retries, retry_wait=retry_wait)
            try:
                respondent.answer_survey(code, answers_for(SURVEY, rng))
                with self._lock:
                    self.completed += 1
            except (JourneyFailed, AttributeError, KeyError):
                # Gave up (or a page came back broken): not acknowledged, so not counted.
                with self._lock:
                    self.failed_journeys += 1
        with self._lock:
            self.stats.merge(mine)

    def start(self) -> Crowd:
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 60) -> Stats:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        return self.stats


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def crowd_factory():
    crowds: list[Crowd] = []

    def make(base: str, code: str, families: int = 6, retries: int = 40, retry_wait: float = 0.25):
        crowd = Crowd(base, code, families, retries=retries, retry_wait=retry_wait).start()
        crowds.append(crowd)
        return crowd

    yield make
    for crowd in crowds:
        crowd.stop()
