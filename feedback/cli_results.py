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
    hard change: no result is served stale afterwards.
    """
    from feedback.cache import bump

    token = bump(database.session, hard=True)
    database.session.commit()
    click.echo(f"results will be computed afresh (data version {token[:8]})")
