"""One row whose token changes whenever data behind the results changes.

Results that are expensive to compute (the KPI report, the dashboard, the
survey report) are cached under this token (see :mod:`feedback.cache`). The
token is a fresh random string on every change, never a counter: a rolled-back
change must not leave a token that a later, different change could reuse, or a
stale result would be served as current.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base


class DataVersion(Base):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


@event.listens_for(DataVersion.__table__, "after_create")
def _first_token(target, connection, **_kw) -> None:
    """Databases built with ``create_all`` (tests, benchmarks) start with a token too."""
    connection.execute(target.insert().values(id=1, token=uuid.uuid4().hex))
