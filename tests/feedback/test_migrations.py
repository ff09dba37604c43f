"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bench.common import answers_for, prepare_database
from feedback.db import Base, make_engine
from feedback.migrate import alembic_config, downgrade, upgrade
from feedback.models import Channel, Wave
from feedback.models.responses import RESPONSE_COPIES
from feedback.services.responses import build_response
from surveys.validation import validate_response


def test_there_is_one_migration_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def _diff(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(ctx, Base.metadata)


def test_sqlite_upgrade_matches_the_models_and_downgrades_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert _diff(engine) == []
    downgrade(url, "base")
    with engine.connect() as conn:
        tables = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    assert tables <= {"alembic_version"}
    engine.dispose()


def test_migrating_gives_cached_results_a_new_data_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    token = "SELECT token FROM data_version WHERE id = 1"
    with engine.connect() as conn:
        before = conn.execute(text(token)).scalar_one()
    downgrade(url, "-1")
    upgrade(url)
    with engine.connect() as conn:
        after = conn.execute(text(token)).scalar_one()
    engine.dispose()
    assert after != before


@pytest.fixture
def postgres_url():
    """A new, empty PostgreSQL database for one test, dropped after it."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    name = f"migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database of each kind (PostgreSQL when TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return request.getfixturevalue("postgres_url")


def test_postgres_upgrade_matches_the_models(postgres_url):
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    assert _diff(engine) == []
    engine.dispose()


def test_upgrading_copies_each_response_segments_onto_its_answers(empty_database):
    url = empty_database
    upgrade(url)
    codes = prepare_database(url)  # the co-produced surveys and an open wave of each
    engine = make_engine(url)
    with Session(engine) as session:
        wave = session.scalars(select(Wave).where(Wave.code == codes["parent-carer-annual"])).one()
        raw = answers_for("parent-carer-annual", random.Random(1))
        response = build_response(
            wave, validate_response(wave.definition, raw), channel=Channel.PAPER
        )
        response.included = False
        session.add(response)
        session.commit()
    downgrade(url, "20261126_participation_index")
    upgrade(url)
    columns = ", ".join(f"a.{name}, r.{name}" for name in RESPONSE_COPIES)
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT {columns} FROM answer a JOIN response r ON r.id = a.response_id")
        ).all()
    engine.dispose()
    assert len(rows) > 5
    assert all(row[0::2] == row[1::2] for row in rows)
    assert {row[0::2][:1] + row[0::2][5:] for row in rows} == {(False, "paper")}
