"""``flask --app wsgi responses ...``: export, import, retention and erasure from the shell.

Each command is audited like its page, with ``cli:<login name>`` as the actor.
"""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from feedback.extensions import db

responses_cli = AppGroup("responses", help="Response data: export, import, retention, erasure.")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _wave(value: str):
    """A wave by its number or its code."""
    from feedback.models import Wave
    from feedback.queries.data import wave_by_id

    wave = wave_by_id(db.session, int(value)) if value.isdigit() else None
    wave = wave or db.session.scalars(select(Wave).where(Wave.code == value)).first()
    if wave is None:
        raise click.ClickException(f"no wave with id or code {value!r}")
    return wave


@responses_cli.command("export")
@click.option("--wave", "wave_ref", required=True, metavar="WAVE_ID", help="Wave id or code.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True))
def export_command(wave_ref: str, fmt: str, out: str) -> None:
    """Write every response of a wave, one row each (equality answers are never included)."""
    from feedback.services.exporting import export_file

    wave = _wave(wave_ref)
    if out == "-":
        if fmt == "xlsx":
            raise click.ClickException("write XLSX to a file, not to standard output")
        rows = export_file(db.session, wave, fmt, sys.stdout.buffer, actor=_actor())
    else:
        with open(out, "wb") as handle:
            rows = export_file(db.session, wave, fmt, handle, actor=_actor())
    click.echo(f"exported {rows} responses of {wave.code} as {fmt}", err=True)


@responses_cli.command("import")
@click.option("--wave", "wave_ref", required=True, metavar="WAVE_ID", help="Wave id or code.")
@click.option(
    "--channel",
    type=click.Choice(["paper", "phone", "event", "online"]),
    default="paper",
    show_default=True,
    help="For rows whose channel column is empty.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
@click.argument("file", type=click.File("rb"))
def import_command(wave_ref: str, channel: str, dry_run: bool, file) -> None:
    """Import responses from FILE.csv (the export format); all rows or none.

    Only into a wave that has opened (open or closed), as for keyed returns.
    """
    from feedback.models import Channel
    from feedback.models.types import DomainError
    from feedback.services.importing import import_csv

    wave = _wave(wave_ref)
    try:
        result = import_csv(
            db.session,
            wave,
            file.read(),
            channel=Channel(channel),
            dry_run=dry_run,
            actor=_actor(),
            source=getattr(file, "name", ""),
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc}: {_not_open_reason(wave)}") from None
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problems:
        raise click.ClickException(
            f"{len(result.problems)} problem(s) in {file.name}; nothing was imported"
        )
    if dry_run:
        click.echo(f"{result.rows} responses checked, no problems; nothing stored (dry run)")
    else:
        click.echo(f"imported {result.rows} responses into {wave.code}")


def _not_open_reason(wave) -> str:
    from feedback.models import WaveStatus

    if wave.status is WaveStatus.SCHEDULED:
        return f"{wave.code} is scheduled; open it on the waves page first"
    return f"{wave.code} opens on {wave.opens_at:%Y-%m-%d at %H:%M}"


@responses_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted; delete nothing.")
def retention_command(dry_run: bool) -> None:
    """Delete free text (comments, text answers) of waves past their survey's retention."""
    from feedback.services.retention import apply_retention

    results = apply_retention(db.session, dry_run=dry_run, actor=_actor())
    verb = "would delete" if dry_run else "deleted"
    for r in results:
        click.echo(
            f"{r.wave_code}: {verb} {r.texts} free-text answers and {r.drafts} drafts "
            f"(kept until {r.delete_after:%Y-%m-%d})"
        )
    if not results:
        click.echo("nothing is due for deletion")


@responses_cli.command("retention-months")
@click.argument("slug")
@click.argument("months", type=click.IntRange(1, 120), required=False)
def retention_months_command(slug: str, months: int | None) -> None:
    """Show, or set, how many months after a wave closes SLUG's free text is kept."""
    from feedback.models import Survey
    from feedback.services.retention import set_retention

    survey = db.session.scalars(select(Survey).where(Survey.slug == slug)).first()
    if survey is None:
        raise click.ClickException(f"no survey {slug!r}")
    if months is not None:
        set_retention(db.session, survey, months, actor=_actor())
    click.echo(f"{survey.slug}: free text kept {survey.retention_months} months after close")


@responses_cli.command("erase")
@click.argument("reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(reference: str, yes: bool) -> None:
    """Erase the response REFERENCE (every answer and comment in it); cannot be undone."""
    from feedback.queries.data import response_by_reference
    from feedback.services.retention import erase_response

    response = response_by_reference(db.session, reference)
    if response is None:
        raise click.ClickException(f"no response has the reference {reference!r}")
    if not yes:
        click.confirm(
            f"Erase response {response.reference} of {response.wave.code}? This cannot be undone",
            abort=True,
        )
    erase_response(db.session, reference, actor=_actor())
    click.echo(f"erased {response.reference}")
