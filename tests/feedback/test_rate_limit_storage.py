"""Rate-limit counters in the worker's memory that start no thread per request."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from feedback import rate_limit_storage
from feedback.extensions import limiter
from feedback.rate_limit_storage import InlineMemoryStorage


class Clock:
    """Stands in for the storage's clock."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limit_storage, "_now", clock)
    return clock


@pytest.fixture
def storage(clock) -> InlineMemoryStorage:
    return InlineMemoryStorage()


def test_the_scheme_names_this_storage():
    assert isinstance(storage_from_string("inline-memory://"), InlineMemoryStorage)


def test_the_app_counts_with_it_by_default(app):
    assert isinstance(limiter.storage, InlineMemoryStorage)


def test_hits_in_one_window_add_up_and_the_limit_refuses_the_next(storage):
    window = FixedWindowRateLimiter(storage)
    three = parse("3 per minute")
    assert [window.hit(three, "10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert window.hit(three, "10.0.0.2"), "another address has its own budget"


def test_a_new_window_starts_from_nothing(storage, clock):
    window = FixedWindowRateLimiter(storage)
    two = parse("2 per minute")
    assert window.hit(two, "a") and window.hit(two, "a") and not window.hit(two, "a")
    clock.now += 61
    assert window.hit(two, "a")
    assert storage.get(two.key_for("a")) == 1


def test_window_stats_report_what_is_left_and_when_it_resets(storage, clock):
    window = FixedWindowRateLimiter(storage)
    five = parse("5 per hour")
    window.hit(five, "a")
    window.hit(five, "a")
    reset, remaining = window.get_window_stats(five, "a")
    assert remaining == 3
    assert reset == pytest.approx(clock.now + 3600)


def test_an_expired_counter_reads_as_zero_before_it_is_swept(storage, clock):
    storage.incr("a", 10)
    clock.now += 11
    assert storage.get("a") == 0
    assert storage.get_expiry("a") == clock.now


def test_counters_of_addresses_that_never_return_are_swept(storage, clock):
    for n in range(100):
        storage.incr(f"address-{n}", 30)
    assert storage.held() == 100
    clock.now += rate_limit_storage.SWEEP_SECONDS + 1
    storage.incr("one more", 30)
    assert storage.held() == 1


def test_clear_and_reset_forget_counts(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1
    assert storage.get("b") == 0


def test_hits_start_no_thread(monkeypatch):
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: started.append(t) or real_start(t))
    storage = InlineMemoryStorage()
    for _ in range(5):
        time.sleep(0.02)  # memory:// starts a timer once the last one (10 ms) has run
        storage.incr("a", 60)
    assert started == []


def test_concurrent_hits_are_all_counted(storage):
    def hit():
        for _ in range(500):
            storage.incr("shared", 60)

    workers = [threading.Thread(target=hit) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get("shared") == 2000
