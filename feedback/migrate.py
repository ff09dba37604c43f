"""Run Alembic from Python, for the CLI and the tests, without relying on the working directory."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, text

from feedback.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
    results_afresh(database_url)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
    results_afresh(database_url)


def results_afresh(database_url: str) -> None:
    """Give the data version a new token: a migration may change data behind cached results.

    Migrations write through Alembic's connection, which the app's session events
    (:mod:`feedback.cache`) do not see, and cached results outlive a restart in
    ``RESULTS_CACHE_DIR``.
    """
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            if inspect(conn).has_table("data_version"):
                conn.execute(text("UPDATE data_version SET token = :t"), {"t": uuid.uuid4().hex})
    finally:
        engine.dispose()
