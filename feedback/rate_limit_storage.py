"""Rate-limit counters kept in this process, with no thread started per request.

The ``limits`` library's ``memory://`` storage starts a ``threading.Timer`` to
expire old counters whenever the last one has finished, 10 ms after it began:
under load that is a new thread for nearly every respondent POST. A hit paid
about 0.7 ms of CPU for it on a two-core machine where a respondent request
cost 5 ms, and waited for the new thread to take the interpreter lock (7% of a
loaded worker's samples): ``bench/respond.py``'s requests cost 4.3 ms of CPU
with these counters against 4.9 to 5.8 ms with ``memory://``. These counters
expire when they are read, as ``memory://``'s do, and forgotten addresses are
swept inline, at most once a minute.

Fixed windows only: the strategy Flask-Limiter uses unless told otherwise, and
the one every limit here relies on. Like ``memory://``, each gunicorn worker
counts on its own; set ``RATELIMIT_STORAGE_URI`` to Redis to share the counts.
Registered with ``limits`` as ``inline-memory://`` when this module is imported.
"""

from __future__ import annotations

import threading
from time import time as _now

from limits.storage import Storage

SCHEME = "inline-memory"

#: Seconds between sweeps of expired counters (an address that never comes back).
SWEEP_SECONDS = 60.0


class InlineMemoryStorage(Storage):
    """Fixed-window counters in a dict: ``key -> (count, expires at)``."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = _now()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + expiry
            count += amount
            self._counts[key] = (count, expires)
            return count

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > _now() else 0

    def get_expiry(self, key: str) -> float:
        now = _now()
        _count, expires = self._counts.get(key, (0, now))
        return expires if expires > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            cleared = len(self._counts)
            self._counts.clear()
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _sweep(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        self._next_sweep = now + SWEEP_SECONDS

    def held(self) -> int:
        """Counters held, expired or not (until the next sweep).

        Not ``__len__``: Flask-Limiter asserts its storage is truthy, and an empty
        sized object is not.
        """
        return len(self._counts)
