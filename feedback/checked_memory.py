"""A small, thread-safe memory of things already checked, for the request hot path.

Signatures on session cookies and CSRF tokens are checked once per worker and
then remembered (:mod:`feedback.session_cookies`,
:mod:`feedback.respond.csrf_tokens`). The memory is bounded: when it holds
``size`` entries it starts again, which costs only checks done afresh.
Reads take no lock (a dict read is atomic in CPython); writes do.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any


class CheckedMemory:
    """A dict that forgets everything when it reaches ``size`` entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._entries.get(key)

    def remember(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = value

    def __len__(self) -> int:
        return len(self._entries)
