"""Throwaway databases with real commits, for tests the SAVEPOINT fixture cannot serve.

Concurrency, backups and fault tests need data committed for real and seen by
other connections and processes, so they get a fresh database of their own: a
SQLite file in ``tmp_path``, or a PostgreSQL database created next to
``TEST_DATABASE_URL`` and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feedback.db import Base, make_engine


def postgres_base() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def kinds() -> list[str]:
    return ["sqlite", "postgresql"] if postgres_base() else ["sqlite"]


def _admin_engine(base: str):
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    # pre-ping: a fault test may restart PostgreSQL under the pooled connection
    return create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )


@contextlib.contextmanager
def scratch_database(kind: str, tmp_path: Path, *, schema: bool = True) -> Iterator[str]:
    """Yield the URL of a new, empty database (with the models' tables when ``schema``)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex[:8]}.db'}"
        _create_schema(url, schema)
        yield url
        return
    base = postgres_base()
    assert base, "PostgreSQL scratch databases need TEST_DATABASE_URL"
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        _create_schema(url, schema)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _create_schema(url: str, schema: bool) -> None:
    if not schema:
        return
    import feedback.models  # noqa: F401  (every table on the metadata)

    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def add_responses(url: str, count: int, slug: str = "parent-carer-annual") -> list[str]:
    """Submit ``count`` complete surveys through the services; their references."""
    from sqlalchemy.orm import sessionmaker

    from feedback.services.responses import save_answers, start_draft, submit_draft
    from feedback.services.surveys import load_definitions, open_demo_waves
    from surveys.loader import load_all
    from tests.fixtures.surveys import COMPLETE_ANSWERS

    engine = make_engine(url)
    try:
        with sessionmaker(engine, expire_on_commit=False)() as session:
            load_definitions(session, load_all())
            wave = next(w for w in open_demo_waves(session) if w.version.survey.slug == slug)
            references = []
            for _ in range(count):
                draft = start_draft(session, wave, days=30)
                save_answers(session, draft, dict(COMPLETE_ANSWERS[slug]), days=30)
                references.append(submit_draft(session, draft).reference)
            return references
    finally:
        engine.dispose()


def flask_cli(args: list[str], database_url: str, tmp_path: Path, **kwargs):
    """Run ``flask --app wsgi ARGS`` against ``database_url``, as an operator would."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        FEEDBACK_ENV="development",
        FEEDBACK_INSTANCE_DIR=str(tmp_path),
        DATABASE_URL=database_url,
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 120),
        **kwargs,
    )
