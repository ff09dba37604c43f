"""The results cache: the same answer until the data behind it changes, then a fresh one."""

from __future__ import annotations

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
    return db_session.scalar(select(DataVersion.token))


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
    assert _token(db_session) != before


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
    before = _token(db_session)
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
    assert _token(db_session) != before
