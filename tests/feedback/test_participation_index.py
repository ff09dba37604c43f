"""Participation counts come from one index, never from every response row of a wave."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect

from feedback.queries import results as rq

INDEX = "ix_response_wave_participation"


def test_the_participation_index_exists(db_session):
    names = {ix["name"] for ix in inspect(db_session.connection()).get_indexes("response")}
    assert INDEX in names


@pytest.mark.parametrize(
    "count",
    [
        lambda session, wave_id: rq.channel_by_respondent_type(session, wave_id),
        lambda session, wave_id: rq.responses_by(session, wave_id, "ehcp_status"),
        lambda session, wave_id: rq.responses_by(
            session, wave_id, "age_band", {"respondent_type": "parent_carer"}
        ),
    ],
    ids=["channel by type", "by EHCP status", "by age band, filtered"],
)
def test_sqlite_counts_participation_from_the_index_alone(
    app, db_session, dialect, create_wave, count
):
    if dialect != "sqlite":
        pytest.skip("the plan checked is SQLite's; PostgreSQL chooses by its statistics")
    wave = create_wave()
    seen = []

    def capture(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", capture)
    try:
        with app.app_context():
            count(db_session, wave.id)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in seen if "FROM response" in s)

    plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()

    assert any(f"COVERING INDEX {INDEX}" in row[-1] for row in plan), plan
