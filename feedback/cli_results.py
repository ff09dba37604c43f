"""``flask --app wsgi results refresh``: start the results cache afresh."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from feedback.extensions import db as database

results_cli = AppGroup("results", help="Cached results (KPI report, dashboard, survey report).")


@results_cli.command("refresh")
def results_refresh() -> None:
    """Give both data version tokens new values, so every process computes results afresh.

    The app changes the tokens itself whenever it changes data; this is for data
    changed outside it (SQL typed into psql, a table loaded from elsewhere). A
    hard change: no result is served stale afterwards. Answers that no longer
    repeat their response's segments (a response row changed by hand) get them
    again first, as breakdowns read them from the answers.
    """
    from feedback.cache import bump
    from feedback.models.responses import restore_answer_copies

    restored = restore_answer_copies(database.session)
    token = bump(database.session, hard=True)
    database.session.commit()
    if restored:
        click.echo(f"{restored} answers given their response's segments again")
    click.echo(f"results will be computed afresh (data version {token[:8]})")
