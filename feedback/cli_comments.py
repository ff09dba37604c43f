"""``flask --app wsgi comments ...``: seed the codebook, code and recode stored comments.

Online answers are coded as they are submitted; this is for everything else:
a backlog after an upgrade, paper returns or imports keyed before coding
ran, and recoding after the codebook changed.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from feedback.extensions import db as database

comments_cli = AppGroup("comments", help="Comment themes, sentiment and redaction.")


@comments_cli.command("seed-codebook")
def seed_codebook() -> None:
    """Save the co-produced default codebook as version 1, unless a version exists."""
    from feedback.services.codebook import ensure_codebook

    version = ensure_codebook(database.session)
    database.session.commit()
    click.echo(f"codebook at version {version.version}")


@comments_cli.command("code")
@click.option("--wave", "wave_id", type=int, help="Only this wave (its id).")
@click.option("--recode", is_flag=True, help="Also recode comments coded with an older codebook.")
@click.option("--force", is_flag=True, help="Recode every comment, whatever its codebook version.")
def code(wave_id: int | None, recode: bool, force: bool) -> None:
    """Code comments not coded yet (and, with --recode, those on an older codebook)."""
    from feedback.models import Wave
    from feedback.services.codebook import ensure_codebook
    from feedback.services.comments import code_new_comments, count_to_code

    session = database.session
    if wave_id is not None and session.get(Wave, wave_id) is None:
        raise click.ClickException(f"no wave with id {wave_id}")
    version = ensure_codebook(session)
    session.commit()
    total = count_to_code(session, wave_id=wave_id, recode=recode, force=force)
    with click.progressbar(length=total, label=f"Coding with codebook v{version.version}") as bar:
        done = code_new_comments(
            session, wave_id=wave_id, recode=recode, force=force, on_progress=bar.update
        )
    click.echo(f"coded {done} {'comment' if done == 1 else 'comments'}")
