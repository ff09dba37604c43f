"""Respondent pages reuse a wave read a moment ago, and never miss a change for long."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from feedback.models import Wave, WaveStatus
from feedback.queries import waves
from feedback.queries.waves import WaveSnapshots


@pytest.fixture
def clock_at(monkeypatch):
    """Set the monotonic clock the snapshots read: ``clock_at(seconds)``."""
    now = [1000.0]
    monkeypatch.setattr(waves.time, "monotonic", lambda: now[0])

    def move(seconds: float) -> None:
        now[0] = 1000.0 + seconds

    return move


def _closed_elsewhere(db_session, wave) -> None:
    """Close the wave as another process would: no ORM session of this one sees it happen."""
    table = Wave.__table__
    db_session.connection().execute(
        update(table).where(table.c.id == wave.id).values(status=WaveStatus.CLOSED)
    )


def test_a_wave_closed_in_this_process_shows_closed_at_once(db_session, create_wave, clock_at):
    wave = create_wave("kpi-pulse")
    snapshots = WaveSnapshots(60)
    assert snapshots.get(db_session, wave.code).accepting()

    wave.status = WaveStatus.CLOSED
    db_session.commit()

    assert not snapshots.get(db_session, wave.code).accepting()


def test_a_wave_closed_by_another_process_shows_closed_once_the_copy_runs_out(
    db_session, create_wave, clock_at
):
    wave = create_wave("kpi-pulse")
    snapshots = WaveSnapshots(1)
    assert snapshots.get(db_session, wave.code).accepting()

    _closed_elsewhere(db_session, wave)
    clock_at(0.5)
    still_kept = snapshots.get(db_session, wave.code)
    clock_at(1.5)
    read_again = snapshots.get(db_session, wave.code)

    assert still_kept.accepting()
    assert not read_again.accepting()


def test_closing_time_is_checked_on_every_request_even_from_a_kept_copy(
    db_session, create_wave, clock_at, frozen_time
):
    wave = create_wave("kpi-pulse")
    kept = WaveSnapshots(60).get(db_session, wave.code)

    frozen_time(wave.closes_at)

    assert not kept.accepting()


def test_with_no_reuse_every_request_reads_the_wave(db_session, create_wave):
    wave = create_wave("kpi-pulse")
    snapshots = WaveSnapshots(0)
    snapshots.get(db_session, wave.code)

    _closed_elsewhere(db_session, wave)

    assert not snapshots.get(db_session, wave.code).accepting()
    assert len(snapshots) == 0


def test_made_up_codes_cannot_grow_the_store_without_bound(db_session, clock_at):
    snapshots = WaveSnapshots(60, max_codes=3)

    found = [snapshots.get(db_session, f"made-up-{n}") for n in range(10)]

    assert found == [None] * 10
    assert len(snapshots) <= 3


def test_respondent_pages_read_the_wave_once_while_it_is_kept(
    app, db_session, create_wave, monkeypatch
):
    wave = create_wave("kpi-pulse")
    monkeypatch.setitem(app.config, "WAVE_REFRESH_SECONDS", 60)
    monkeypatch.delitem(app.extensions, "wave_snapshots", raising=False)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db_session.get_bind().engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        client = app.test_client()
        pages = [client.get(f"/surveys/{wave.code}/").status_code for _ in range(3)]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        app.extensions.pop("wave_snapshots", None)

    assert pages == [200, 200, 200]
    assert sum("FROM wave" in s for s in statements) == 1
