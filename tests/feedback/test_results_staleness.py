"""New answers may be served a minute late, while fresh figures are worked out; nothing else may.

During a live wave families submit every few seconds; cached results are kept
for ``RESULTS_STALE_SECONDS`` after new answers arrive and refreshed in the
background (see :mod:`feedback.cache`). These tests switch the window on (the
Test config has it off) and hold background refreshes until the reading is
done, since the test's sessions share one database connection.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from feedback import cache
from feedback.models import Channel, CommentCoding, DataVersion, Response, Wave
from feedback.services.comments import ensure_codebook
from feedback.services.exporting import export_columns
from feedback.services.importing import import_csv
from feedback.services.kpi_results import kpi_report
from feedback.services.kpis import new_baseline_version
from feedback.services.responses import start_draft, submit_draft
from feedback.services.returns import enter_return

WINDOW = 60


@pytest.fixture
def stale_window(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_STALE_SECONDS", WINDOW)
    return WINDOW


@pytest.fixture
def fresh_cache():
    cache.results.clear()
    yield cache.results
    assert cache.join_refreshes(), "a background refresh did not finish"
    cache.results.clear()


@pytest.fixture
def wave(create_wave, fill_responses, frozen_time):
    frozen_time("2026-05-01T14:03:12")
    wave = create_wave("parent-carer-annual", name="Annual 2026")
    fill_responses(wave, 20, 12)
    return wave


@pytest.fixture
def read(app, db_session):
    """``read(wave_id)``: KPI 4/1's row and when stale figures were served (None if fresh).

    Each call is one app context, like one request.
    """

    def read_once(wave_id: int):
        with app.app_context():
            row = next(r for r in kpi_report(db_session, wave_id) if r["code"] == "4/1")
            return row, cache.stale_since()

    return read_once


def test_a_new_response_serves_the_previous_figures_then_fresh_ones(
    db_session, wave, fill_responses, read, stale_window, fresh_cache
):
    first, stale = read(wave.id)
    assert (first["n"], stale) == (20, None)
    fill_responses(wave, 1, 1)
    with cache.refreshes_held():
        served, stale = read(wave.id)
        assert cache.refreshes_in_flight() == 1
    assert served["n"] == 20
    assert stale == wave.opens_at + timedelta(days=1)  # when the figures were worked out
    assert cache.join_refreshes()
    again, stale = read(wave.id)
    assert (again["n"], again["positive"], stale) == (21, 13, None)


def test_online_paper_and_imported_answers_are_new_answers_only(
    db_session, wave, create_user, complete_answers
):
    """The soft token moves, the hard one stays: the dashboard may be served a minute old.

    Each path also codes the new comments, which inserts their coding rows.
    """
    ensure_codebook(db_session)  # the first coding ever also stores the codebook: a hard change
    db_session.commit()
    answers = complete_answers("parent-carer-annual")
    versions = [cache.data_tokens(db_session)]
    draft = start_draft(db_session, wave, days=30)
    draft.answers = answers
    db_session.commit()
    submit_draft(db_session, draft)
    versions.append(cache.data_tokens(db_session))
    enter_return(
        db_session,
        wave,
        answers,
        channel=Channel.PAPER,
        received_on=wave.opens_at.date(),
        include_late=None,
        user=create_user("officer"),
    )
    versions.append(cache.data_tokens(db_session))
    columns = [c.name for c in export_columns(wave.definition)]
    row = {name: "" for name in columns}
    row.update(answers, channel="paper", received_on=wave.opens_at.date().isoformat())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerow(row)
    assert import_csv(db_session, wave, out.getvalue(), actor="test").stored
    versions.append(cache.data_tokens(db_session))
    assert db_session.scalar(select(func.count(CommentCoding.id))) >= 6  # two per response
    assert len({hard for hard, _ in versions}) == 1
    assert len({soft for _, soft in versions}) == 4


def _exclude_a_response(db_session, wave):
    response = db_session.scalars(select(Response).where(Response.wave_id == wave.id)).first()
    response.included = False


def _new_baseline(db_session, wave):
    new_baseline_version(
        db_session, "4/1", value=38.5, baseline_date=date(2019, 12, 18), document="Seed", reason="x"
    )


def _close_the_wave(db_session, wave):
    db_session.get(Wave, wave.id).close()  # each reading, like a request, ends the session


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (_exclude_a_response, lambda row: row["n"] == 19),
        (_new_baseline, lambda row: row["baseline"]["value"] == 38.5),
        (_close_the_wave, lambda row: row["n"] == 20),
    ],
    ids=["late-return-decision", "baseline", "wave-closes"],
)
def test_any_other_change_is_never_served_stale(
    db_session, wave, read, stale_window, fresh_cache, change, shows
):
    read(wave.id)
    before = cache.data_tokens(db_session)
    change(db_session, wave)
    db_session.commit()
    assert cache.data_tokens(db_session)[0] != before[0]  # the hard token moved
    with cache.refreshes_held():
        row, stale = read(wave.id)
        assert cache.refreshes_in_flight() == 0
    assert stale is None
    assert shows(row)


def test_figures_older_than_the_window_are_worked_out_again_at_once(
    db_session, wave, fill_responses, read, stale_window, frozen_time, fresh_cache
):
    read(wave.id)
    fill_responses(wave, 1, 1)
    frozen_time(wave.opens_at + timedelta(days=1, seconds=WINDOW))
    with cache.refreshes_held():
        assert read(wave.id)[0]["n"] == 20  # just inside the window: stale
    assert cache.join_refreshes()
    fill_responses(wave, 1, 1)
    frozen_time(wave.opens_at + timedelta(days=1, seconds=2 * WINDOW + 1))
    with cache.refreshes_held():
        row, stale = read(wave.id)
        assert cache.refreshes_in_flight() == 0
    assert (row["n"], stale) == (22, None)


def test_two_stale_reads_start_one_refresh(app, db_session, wave, fill_responses, stale_window):
    calls = []

    @cache.cached
    def responses_in(session, wave_id):
        calls.append(wave_id)
        return len(session.scalars(select(Response.id).where(Response.wave_id == wave_id)).all())

    cache.results.clear()
    with app.app_context():
        assert responses_in(db_session, wave.id) == 20
    fill_responses(wave, 1, 1)
    with cache.refreshes_held(), app.app_context():
        assert responses_in(db_session, wave.id) == 20
        assert responses_in(db_session, wave.id) == 20
        assert cache.refreshes_in_flight() == 1
    assert cache.join_refreshes()
    with app.app_context():
        assert responses_in(db_session, wave.id) == 21
        assert cache.stale_since() is None
    assert len(calls) == 2  # the first reading and the one refresh
    cache.results.clear()


def test_a_failed_refresh_is_logged_and_the_next_reader_works_it_out(
    app, db_session, wave, fill_responses, stale_window, caplog, frozen_time
):
    calls = []

    @cache.cached
    def fragile(session, wave_id):
        calls.append(wave_id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return len(calls)

    cache.results.clear()
    with app.app_context():
        assert fragile(db_session, wave.id) == 1
    fill_responses(wave, 1, 1)
    with cache.refreshes_held(), app.app_context():
        assert fragile(db_session, wave.id) == 1
    assert cache.join_refreshes()
    assert "could not refresh cached result" in caplog.text
    frozen_time(wave.opens_at + timedelta(days=1, seconds=WINDOW + 1))
    with app.app_context():
        assert fragile(db_session, wave.id) == 3
    cache.results.clear()


def test_another_process_serves_stale_figures_from_the_shared_folder(
    app, db_session, wave, fill_responses, read, stale_window, tmp_path, monkeypatch, fresh_cache
):
    monkeypatch.setitem(app.config, "RESULTS_CACHE_DIR", str(tmp_path / "results"))
    read(wave.id)
    fill_responses(wave, 1, 1)
    cache.results.clear()  # what a second gunicorn worker starts with
    with cache.refreshes_held():
        row, stale = read(wave.id)
    assert (row["n"], stale) == (20, wave.opens_at + timedelta(days=1))
    assert cache.join_refreshes()
    cache.results.clear()  # a third worker reads the refreshed figures from the folder
    with cache.refreshes_held():
        row, stale = read(wave.id)
        assert cache.refreshes_in_flight() == 0
    assert (row["n"], stale) == (21, None)


def test_the_test_config_never_serves_stale_figures(db_session, wave, fill_responses, read):
    read(wave.id)
    fill_responses(wave, 1, 1)
    row, stale = read(wave.id)
    assert (row["n"], stale) == (21, None)


def test_results_refresh_changes_both_tokens(app, db_session):
    before = cache.data_tokens(db_session)
    result = app.test_cli_runner().invoke(args=["results", "refresh"])
    assert result.exit_code == 0, result.output
    after = cache.data_tokens(db_session)
    assert after[0] != before[0] and after[1] != before[1]


def test_a_database_without_the_soft_row_still_caches(
    app, db_session, wave, fill_responses, read, stale_window, fresh_cache
):
    """Migrated before there was a soft token: results are kept; the first new answer adds it."""
    db_session.execute(delete(DataVersion).where(DataVersion.id == 2))
    db_session.commit()
    assert cache.data_tokens(db_session)[1] is None
    assert read(wave.id)[0]["n"] == 20
    assert read(wave.id)[0]["n"] == 20 and fresh_cache.hits >= 1
    fill_responses(wave, 1, 1)
    assert cache.data_tokens(db_session)[1] is not None
    with cache.refreshes_held():
        assert read(wave.id)[1] is not None  # stale, and being refreshed


@pytest.mark.parametrize(
    "path",
    ["/forum/dashboard", "/forum/waves/{wave}/report", "/manage/kpis", "/forum/themes"],
)
def test_a_results_page_says_when_its_figures_were_worked_out_only_when_stale(
    results, fill_responses, login_as, client_request, stale_window, fresh_cache, path
):
    login_as("officer")
    url = path.format(wave=results[1].id)
    assert client_request.get(url).select_one("#figures-stale") is None
    fill_responses(results[1], 1, 1)
    with cache.refreshes_held():
        page = client_request.get(url)
    notice = page.select_one("#figures-stale").get_text(" ", strip=True)
    assert "Figures worked out at 12:00:00." in notice
    assert "refresh the page to see them" in notice
    assert cache.join_refreshes()
    assert client_request.get(url).select_one("#figures-stale") is None


def test_the_dashboard_shows_the_previous_figures_then_the_new_answer(
    results, fill_responses, login_as, client_request, stale_window, fresh_cache
):
    login_as("forum")

    def card() -> str:
        page = client_request.get("/forum/dashboard")
        return page.select_one("#kpi-card-4-1 .app-kpi-result").get_text(" ", strip=True)

    assert card() == "75% of 60 answers"
    fill_responses(results[1], 1, 1)
    with cache.refreshes_held():
        assert card() == "75% of 60 answers"
    assert cache.join_refreshes()
    assert card() == "75.4% of 61 answers"


def test_a_result_worked_out_afresh_never_uses_stale_results_inside_it(
    app, db_session, wave, fill_responses, stale_window, frozen_time
):
    """Else the outer result would be kept as current with a minute-old count inside it."""

    @cache.cached
    def inner(session, wave_id):
        return len(session.scalars(select(Response.id).where(Response.wave_id == wave_id)).all())

    @cache.cached
    def outer(session, wave_id):
        return {"responses": inner(session, wave_id)}

    start = wave.opens_at + timedelta(days=1)
    cache.results.clear()
    with app.app_context():
        assert outer(db_session, wave.id) == {"responses": 20}
    frozen_time(start + timedelta(seconds=WINDOW - 10))
    fill_responses(wave, 1, 1)
    with cache.refreshes_held(), app.app_context():
        assert inner(db_session, wave.id) == 20  # stale; refreshed to 21 below
    assert cache.join_refreshes()
    fill_responses(wave, 1, 1)
    frozen_time(start + timedelta(seconds=WINDOW + 1))  # outer too old, inner not
    with cache.refreshes_held(), app.app_context():
        assert outer(db_session, wave.id) == {"responses": 22}
        assert cache.stale_since() is None and cache.refreshes_in_flight() == 0
    cache.results.clear()
