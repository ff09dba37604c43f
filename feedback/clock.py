"""One place to ask the time, so tests can freeze it for survey windows.

Times are naive UTC everywhere: SQLite does not keep time zones, and mixing
aware and naive values fails at comparison time rather than at write time.
"""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time as naive UTC (or the frozen time in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC).replace(tzinfo=None)


def freeze(at: datetime | None) -> None:
    """Pin ``now()`` to ``at`` (naive UTC); ``None`` lets time run again."""
    global _frozen
    _frozen = at
