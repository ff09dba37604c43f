"""The results cache: the same answer until the data behind it changes, then a fresh one."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import delete, insert, select

from feedback import cache
from feedback.models import AuditEvent, DataVersion, Draft, Response
from feedback.services.kpi_results import kpi_report
from feedback.services.kpis import new_baseline_version
from feedback.services.responses import start_draft


@pytest.fixture
def fresh_cache():
    cache.results.clear()
    yield cache.results
    cache.results.clear()


@pytest.fixture
def wave(create_wave, fill_responses):
    wave = create_wave("parent-carer-annual", name="Annual 2026")
    fill_responses(wave, 20, 12)
    return wave


def _kpi(rows, code="4/1"):
    return next(r for r in rows if r["code"] == code)


def _token(db_session) -> str:
    """The hard token: it changes with every change the tests below make."""
    return db_session.scalar(select(DataVersion.token).where(DataVersion.id == 1))


def test_asking_twice_computes_the_report_once(db_session, wave, fresh_cache):
    first = kpi_report(db_session, wave.id)
    second = kpi_report(db_session, wave.id)
    assert second == first
    assert (fresh_cache.misses, fresh_cache.hits) == (1, 1)


def test_different_arguments_are_different_results(db_session, wave, fresh_cache):
    whole = kpi_report(db_session, wave.id)
    by_channel = kpi_report(db_session, wave.id, segment="channel")
    assert fresh_cache.misses == 2
    assert whole != by_channel
    kpi_report(db_session, wave.id, filters={"ehcp_status": "yes"})
    kpi_report(db_session, wave.id, filters={"ehcp_status": ["yes"]})
    assert fresh_cache.misses == 4


def test_a_new_response_gives_a_fresh_report(db_session, wave, fill_responses, fresh_cache):
    before = _kpi(kpi_report(db_session, wave.id))
    fill_responses(wave, 1, 1)
    after = _kpi(kpi_report(db_session, wave.id))
    assert (before["n"], before["positive"]) == (20, 12)
    assert (after["n"], after["positive"]) == (21, 13)


def test_excluding_a_late_return_gives_a_fresh_report(db_session, wave, fresh_cache):
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 20
    response = db_session.scalars(select(Response).where(Response.wave_id == wave.id)).first()
    response.included = False
    db_session.commit()
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 19


def test_a_new_baseline_gives_a_fresh_report(db_session, wave, fresh_cache):
    assert _kpi(kpi_report(db_session, wave.id))["baseline"] is None
    new_baseline_version(
        db_session,
        "4/1",
        value=38.5,
        baseline_date=date(2019, 12, 18),
        document="Seed",
        reason="first",
    )
    db_session.commit()
    assert _kpi(kpi_report(db_session, wave.id))["baseline"]["value"] == 38.5


def test_bulk_statements_change_the_data_version(db_session, wave, fresh_cache):
    before = _token(db_session)
    db_session.execute(delete(Response).where(Response.id == -1))
    db_session.commit()
    assert _token(db_session) != before


def test_the_token_changes_when_the_change_commits_not_before(
    db_session, wave, fill_responses, fresh_cache
):
    """A long transaction (a CSV import) must not hold the token's row lock while it works."""
    before = _token(db_session)
    response = db_session.scalars(select(Response).where(Response.wave_id == wave.id)).first()
    response.included = False
    db_session.flush()
    assert _token(db_session) == before
    db_session.commit()
    assert _token(db_session) != before


def test_an_uncommitted_change_is_read_afresh_and_never_kept(db_session, wave, fresh_cache):
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 20
    response = db_session.scalars(select(Response).where(Response.wave_id == wave.id)).first()
    response.included = False
    db_session.flush()
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 19
    assert fresh_cache.misses == 1 and len(fresh_cache) == 1
    db_session.rollback()
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 20
    assert fresh_cache.hits == 1


def test_saving_a_draft_keeps_the_cached_results(db_session, wave, fresh_cache):
    """Families save answers page by page; that must not throw away the dashboard."""
    before = _token(db_session)
    draft = start_draft(db_session, wave, days=30)
    draft.answers = {"kpi_4_1": "agree"}
    db_session.add(AuditEvent(action="test.event", actor="someone", detail={}))
    db_session.commit()
    db_session.execute(delete(Draft).where(Draft.id == -1))
    assert _token(db_session) == before


def test_a_caller_changing_a_result_does_not_change_the_next(db_session, wave, fresh_cache):
    rows = kpi_report(db_session, wave.id)
    rows[0]["n"] = -99
    rows.append({"code": "made up"})
    again = kpi_report(db_session, wave.id)
    assert again[0]["n"] != -99
    assert len(again) == len(rows) - 1


def test_a_rolled_back_change_never_leaves_a_reusable_token(db_session, wave, fresh_cache):
    before = _token(db_session)
    tokens = set()
    for _ in range(3):
        nested = db_session.begin_nested()
        tokens.add(cache.bump(db_session))
        nested.rollback()
        assert _token(db_session) == before
    assert len(tokens) == 3 and before not in tokens


def test_without_a_token_row_results_are_computed_every_time(db_session, wave, fresh_cache):
    db_session.execute(delete(DataVersion))
    first = kpi_report(db_session, wave.id)
    assert kpi_report(db_session, wave.id) == first
    assert len(fresh_cache) == 0


def test_the_cache_keeps_only_the_most_recently_used_results():
    store = cache.ResultCache(max_entries=2)
    for key in ("a", "b", "c"):
        store.put(key, key.encode())
    assert store.get("a") is None
    assert store.get("c") == b"c"
    assert len(store) == 2


def test_results_refresh_command_changes_the_data_version(app, db_session):
    before = _token(db_session)
    result = app.test_cli_runner().invoke(args=["results", "refresh"])
    assert result.exit_code == 0, result.output
    assert "computed afresh" in result.output
    assert _token(db_session) != before


def test_inserting_rows_in_bulk_changes_the_data_version(db_session, wave, fresh_cache):
    before = cache.data_tokens(db_session)
    assert _kpi(kpi_report(db_session, wave.id))["n"] == 20
    db_session.execute(
        insert(Response),
        [
            {
                "wave_id": wave.id,
                "reference": f"BULK{i}",
                "channel": "online",
                "submitted_at": wave.opens_at,
                "received_on": wave.opens_at.date(),
                "is_late": False,
                "included": True,
            }
            for i in range(2)
        ],
    )
    db_session.commit()
    assert cache.data_tokens(db_session) != before


@pytest.fixture
def shared_folder(app, tmp_path, monkeypatch):
    """The shared store switched on, in a folder of this test's own."""
    monkeypatch.setitem(app.config, "RESULTS_CACHE_DIR", str(tmp_path / "results"))
    return tmp_path / "results"


@pytest.fixture
def counted():
    """A cached function that records each time it really runs."""
    calls = []

    @cache.cached
    def answer(session, wave_id):
        calls.append(wave_id)
        return {"wave": wave_id, "calls": len(calls)}

    return answer, calls


def test_another_process_reuses_a_result_through_the_shared_folder(
    app, db_session, wave, fresh_cache, shared_folder, counted
):
    answer, calls = counted
    with app.app_context():
        first = answer(db_session, wave.id)
        cache.results.clear()  # what a second gunicorn worker starts with
        second = answer(db_session, wave.id)
    assert second == first
    assert calls == [wave.id]
    assert len(list(shared_folder.glob("*.result"))) == 1


def test_a_tampered_shared_file_is_never_unpickled(
    app, db_session, wave, fresh_cache, shared_folder, counted
):
    answer, calls = counted
    with app.app_context():
        answer(db_session, wave.id)
        (path,) = shared_folder.glob("*.result")
        data = path.read_bytes()
        path.write_bytes(data[:32] + data[32:].replace(b"wave", b"evil"))
        cache.results.clear()
        again = answer(db_session, wave.id)
    assert again == {"wave": wave.id, "calls": 2}
    assert calls == [wave.id, wave.id]


def test_a_file_signed_with_another_secret_is_ignored(tmp_path):
    ours = cache.SharedFiles(tmp_path, "our secret")
    theirs = cache.SharedFiles(tmp_path, "another secret")
    theirs.put("key", b"payload")
    assert theirs.get("key") == b"payload"
    assert ours.get("key") is None


def test_the_shared_folder_keeps_only_the_newest_files(tmp_path):
    store = cache.SharedFiles(tmp_path, "secret", max_files=3)
    for i in range(5):
        store.put(f"key {i}", b"x")
        written = 1_000_000 + i  # one second apart, whatever the clock's resolution
        os.utime(store._path(f"key {i}"), (written, written))
    assert len(list(tmp_path.glob("*.result"))) == 3
    assert [store.get(f"key {i}") for i in range(5)] == [None, None, b"x", b"x", b"x"]


def test_a_database_built_from_the_models_alone_starts_with_a_token(tmp_path):
    """Benchmarks and tools build databases with create_all, without importing the cache."""
    from feedback.db import Base, make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/built.db")
    Base.metadata.create_all(engine)
    with engine.connect() as conn:
        tokens = dict(conn.execute(select(DataVersion.id, DataVersion.token)).all())
    engine.dispose()
    assert sorted(tokens) == [1, 2]  # the hard and the soft token
    assert all(len(token) == 32 for token in tokens.values())
