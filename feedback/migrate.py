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


_SET_TOKEN = "UPDATE data_version SET token = :t WHERE id = :id"
_ADD_TOKEN = "INSERT INTO data_version (id, token) VALUES (:id, :t)"


def results_afresh(database_url: str) -> None:
    """Give both data version tokens new values: a migration may change data behind results.

    Migrations write through Alembic's connection, which the app's session events
    (:mod:`feedback.cache`) do not see, and cached results outlive a restart in
    ``RESULTS_CACHE_DIR``. A missing soft token row is created here, so families'
    first submissions after the upgrade do not race each other to insert it.
    """
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table("data_version"):
                return
            for row in (1, 2):  # the hard and the soft token (feedback.models.data_version)
                token = {"id": row, "t": uuid.uuid4().hex}
                done = conn.execute(text(_SET_TOKEN), token)
                if not done.rowcount:
                    conn.execute(text(_ADD_TOKEN), token)
    finally:
        engine.dispose()
