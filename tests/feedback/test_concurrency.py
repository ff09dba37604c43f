"""Many families submitting at once, through the real service layer and real commits.

SQLite is a file here (not the SAVEPOINT fixture), so the write-ahead log, the
busy timeout and ``BEGIN IMMEDIATE`` in :mod:`feedback.db` are what is tested:
no "database is locked", and exactly one response per submitted draft.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from feedback.cache import track_changes
from feedback.db import make_engine
from feedback.models import Draft, Response, Wave
from feedback.services.responses import build_response, save_answers, start_draft, submit_draft
from feedback.services.surveys import load_definitions, open_demo_waves
from surveys.loader import load_all
from tests.faults.scratch import kinds, postgres_base, scratch_database
from tests.fixtures.surveys import COMPLETE_ANSWERS

THREADS = 20


@pytest.fixture(params=kinds())
def engine(request, tmp_path):
    with scratch_database(request.param, tmp_path) as url:
        engine = (
            make_engine(url, pool_size=THREADS + 5) if "postgresql" in url else make_engine(url)
        )
        yield engine
        engine.dispose()


def open_wave(engine, slug: str) -> int:
    with sessionmaker(engine, expire_on_commit=False)() as session:
        load_definitions(session, load_all())
        waves = open_demo_waves(session)
        return next(w.id for w in waves if w.version.survey.slug == slug)


def test_twenty_families_submitting_at_once_each_get_exactly_one_response(engine):
    wave_id = open_wave(engine, "parent-carer-annual")
    Session = sessionmaker(engine, expire_on_commit=False)
    start = threading.Barrier(THREADS)

    def family(n: int) -> str:
        with Session() as session:
            wave = session.get(Wave, wave_id)
            draft = start_draft(session, wave, days=30)
            answers = dict(COMPLETE_ANSWERS["parent-carer-annual"])
            answers["general_comments"] = f"family {n}"
            start.wait(timeout=30)  # everyone saves and submits at the same moment
            save_answers(session, draft, answers, days=30)
            return submit_draft(session, draft).reference

    with ThreadPoolExecutor(THREADS) as pool:
        references = list(pool.map(family, range(THREADS)))  # re-raises any "database is locked"

    with Session() as session:
        stored = session.scalars(select(Response.reference)).all()
        per_draft = session.execute(
            select(Response.draft_id, func.count()).group_by(Response.draft_id)
        ).all()
    assert sorted(stored) == sorted(references) and len(set(references)) == THREADS
    assert all(n == 1 for _, n in per_draft)


def test_one_draft_sent_from_many_tabs_at_once_is_stored_once(engine):
    wave_id = open_wave(engine, "kpi-pulse")
    Session = sessionmaker(engine, expire_on_commit=False)
    with Session() as session:
        draft = start_draft(session, session.get(Wave, wave_id), days=30)
        save_answers(session, draft, dict(COMPLETE_ANSWERS["kpi-pulse"]), days=30)
        draft_id = draft.id
    tabs = 10
    start = threading.Barrier(tabs)

    def tab(_n: int) -> str:
        # Wait before opening a transaction: on SQLite, BEGIN IMMEDIATE holds the lock.
        start.wait(timeout=30)
        with Session() as session:
            return submit_draft(session, session.get(Draft, draft_id)).reference

    with ThreadPoolExecutor(tabs) as pool:
        references = set(pool.map(tab, range(tabs)))

    with Session() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
    assert len(references) == 1


@pytest.mark.skipif(not postgres_base(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_long_transaction_does_not_hold_up_other_submissions(tmp_path):
    """An import still flushing its batches must not make a family's submission wait.

    SQLite queues every writer behind the one write lock by design; PostgreSQL
    lets them run together, and the results cache's token must not serialise them.
    """
    track_changes()
    with scratch_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        wave_id = open_wave(engine, "parent-carer-annual")
        Session = sessionmaker(engine, expire_on_commit=False)
        answers = dict(COMPLETE_ANSWERS["parent-carer-annual"])
        with Session() as importing, Session() as family:
            importing.add(build_response(importing.get(Wave, wave_id), answers))
            importing.flush()  # a batch written, the import not yet committed
            family.execute(text("SET LOCAL lock_timeout = '3s'"))
            family.add(build_response(family.get(Wave, wave_id), answers))
            family.commit()  # would time out if the import held the token's row
            importing.commit()
        with Session() as session:
            stored = session.scalar(select(func.count()).select_from(Response))
        engine.dispose()
    assert stored == 2
