"""``flask --app wsgi kpis seed-baselines|export``: KPI baselines and the board's report."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from feedback.extensions import db as database

kpis_cli = AppGroup("kpis", help="KPI baselines, targets and the KPI baseline report.")


@kpis_cli.command("seed-baselines")
def seed_baselines_command() -> None:
    """Load the December 2019 baselines (seed 004) as ratified; safe to run again."""
    from feedback.services.kpis import seed_baselines

    added = seed_baselines(database.session)
    click.echo("baselines added: " + (", ".join(added) if added else "none, already there"))


@kpis_cli.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx", show_default=True
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--wave", "wave_id", type=int, help="Report as at this wave id (default: latest).")
def export_command(fmt: str, out: Path, wave_id: int | None) -> None:
    """Write the KPI baseline report (Appendix A layout) to OUT, suppression applied."""
    from feedback.services.kpi_export import export_kpis
    from feedback.services.kpi_results import UnknownWave

    try:
        payload = export_kpis(database.session, fmt, wave_id=wave_id)
    except UnknownWave as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_bytes(payload)
    click.echo(f"wrote {out} ({fmt}, {len(payload)} bytes)")
