"""Two rows whose tokens change whenever data behind the results changes.

Results that are expensive to compute (the KPI report, the dashboard, the
survey report) are cached under these tokens (see :mod:`feedback.cache`): row
1, the *hard* token, changes with anything that alters a result; row 2, the
*soft* token, also changes when new answers merely arrive, which lets a cached
result be served a little longer while it is worked out afresh. A token is a
fresh random string on every change, never a counter: a rolled-back change
must not leave a token that a later, different change could reuse, or a stale
result would be served as current.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base

#: The token that changes with every change behind the results.
HARD_ROW = 1
#: The token that changes when new answers arrive, and with every hard change.
SOFT_ROW = 2


class DataVersion(Base):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


@event.listens_for(DataVersion.__table__, "after_create")
def _first_token(target, connection, **_kw) -> None:
    """Databases built with ``create_all`` (tests, benchmarks) start with both tokens too."""
    connection.execute(
        target.insert(),
        [{"id": row, "token": uuid.uuid4().hex} for row in (HARD_ROW, SOFT_ROW)],
    )
