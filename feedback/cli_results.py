"""``flask --app wsgi results refresh``: start the results cache afresh."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from feedback.extensions import db as database

results_cli = AppGroup("results", help="Cached results (KPI report, dashboard, survey report).")


@results_cli.command("refresh")
def results_refresh() -> None:
    """Give the data version a new token, so every process computes results afresh.

    The app changes the token itself whenever it changes data; this is for data
    changed outside it (SQL typed into psql, a table loaded from elsewhere).
    """
    from feedback.cache import bump

    token = bump(database.session)
    database.session.commit()
    click.echo(f"results will be computed afresh (data version {token[:8]})")
