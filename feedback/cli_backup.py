"""``flask --app wsgi backup --out FILE`` and ``restore --from FILE``, while the app runs.

SQLite is copied with its online backup API: a consistent snapshot page by page,
safe while respondents are writing (unlike copying the file, which can catch a
write half-done or miss what is still in the write-ahead log). PostgreSQL is
handed to ``pg_dump``/``pg_restore`` in their custom format; see the README's
"Backups" section for the schedule and the restore drill.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import create_engine, func, inspect, select, table

README_HINT = "See the Backups section of README.md."


class BackupError(click.ClickException):
    """A backup or restore that cannot be done safely; the message says what to do."""


def sqlite_path(url: str) -> Path:
    path = url.removeprefix("sqlite:///")
    if url in ("sqlite://", "sqlite:///:memory:") or not url.startswith("sqlite:///"):
        raise BackupError(f"{url} is an in-memory database: there is nothing to back up.")
    return Path(path)


def libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver suffix)."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgresql") else url


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        with dst:
            src.backup(dst, pages=256)
        # One self-contained file: no -wal/-shm beside it (the app turns WAL back on).
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def check_sqlite(path: Path) -> None:
    """:raise BackupError: unless ``path`` is an intact SQLite database of this app."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (status,) = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc}).") from exc
    if status != "ok":
        raise BackupError(f"{path} is damaged: {status}")
    if "response" not in tables:
        raise BackupError(f"{path} is not a backup of this service (no responses table).")


def row_counts(url: str) -> dict[str, int]:
    """Rows per table, to print after a backup or restore and to compare in the drill."""
    engine = create_engine(
        url
        if not url.startswith("postgresql://")
        else "postgresql+psycopg://" + url.removeprefix("postgresql://")
    )
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {
                n: conn.execute(select(func.count()).select_from(table(n))).scalar_one()
                for n in names
            }
    finally:
        engine.dispose()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed. Install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) or run {name} on the database "
            f"server. {README_HINT}"
        )
    return found


def backup_postgres(url: str, out: Path) -> None:
    partial = out.with_name(out.name + ".partial")
    subprocess.run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            f"--file={partial}",
            f"--dbname={libpq_url(url)}",
        ],
        check=True,
    )
    partial.replace(out)


def restore_postgres(url: str, source: Path) -> None:
    subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={libpq_url(url)}",
            str(source),
        ],
        check=True,
    )


def _summary(url: str) -> str:
    counts = row_counts(url)
    return ", ".join(
        f"{counts.get(t, 0)} {t}" for t in ("response", "answer", "draft", "wave", "user_account")
    )


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (SQLite: a database file; PostgreSQL: a pg_dump custom-format file).",
)
def backup(out: Path) -> None:
    """Take a consistent backup of the database while the service runs."""
    url = current_app.config["DATABASE_URL"]
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        copy_sqlite(sqlite_path(url), partial)
        partial.replace(out)
        os.chmod(out, 0o600)  # answers include disability and equality data
        click.echo(f"backed up to {out}: {_summary(f'sqlite:///{out}')}")
    elif url.startswith("postgresql"):
        backup_postgres(url, out)
        os.chmod(out, 0o600)
        click.echo(f"backed up to {out} (pg_dump custom format): {_summary(url)}")
    else:
        raise BackupError(f"Backups of {url.split(':')[0]} are not supported. {README_HINT}")


@click.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `backup`.",
)
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
def restore(source: Path, yes: bool) -> None:
    """Replace the database with a backup. Stop the service first (see README)."""
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(
            f"This replaces everything in {url.split('@')[-1]} with {source}. Continue?",
            abort=True,
        )
    if url.startswith("sqlite"):
        check_sqlite(source)
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_sqlite(source, target)
        click.echo(f"restored {source}: {_summary(url)}")
    elif url.startswith("postgresql"):
        restore_postgres(url, source)
        click.echo(f"restored {source}: {_summary(url)}")
    else:
        raise BackupError(f"Restoring {url.split(':')[0]} is not supported. {README_HINT}")


def init_backup_cli(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
