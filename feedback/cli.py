"""Command-line tools: ``flask --app wsgi db|surveys|demo ...``."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from feedback.extensions import db as database

db_cli = AppGroup("db", help="Move the database schema forward or back.")
surveys_cli = AppGroup("surveys", help="Survey definitions.")
users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "officer", "forum", "board"]))
@click.option("--name", default="")
@click.option(
    "--password-env", metavar="NAME", help="Read the password from this environment variable."
)
def users_create(email: str, role: str, name: str, password_env: str | None) -> None:
    """Create a staff account (the password is prompted for unless --password-env is given)."""
    import os

    from feedback.services.users import UserError, create_user

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.ClickException(f"environment variable {password_env} is not set")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(database.session, email, role, password, name=name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role.value} {user.email}")


@users_cli.command("list")
def users_list() -> None:
    """List staff accounts."""
    from sqlalchemy import select

    from feedback.models import User

    for user in database.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{state}")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email: str) -> None:
    """Deactivate an account and end its sessions."""
    from feedback.services.users import UserError, deactivate

    try:
        deactivate(database.session, email)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"deactivated {email}")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from feedback.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations back to REVISION."""
    from feedback.migrate import downgrade

    downgrade(current_app.config["DATABASE_URL"], revision)


@surveys_cli.command("load")
def surveys_load() -> None:
    """Load the co-produced definitions from surveys/definitions into the database."""
    from feedback.services.surveys import load_definitions
    from surveys.loader import load_all

    changes = load_definitions(database.session, load_all())
    click.echo("loaded: " + (", ".join(changes) if changes else "nothing new"))


@surveys_cli.command("list")
def surveys_list() -> None:
    """List the definition files and what they ask."""
    from surveys.loader import load_all

    for slug, d in load_all().items():
        kpis = ", ".join(q.kpi for q in d.kpi_questions if q.kpi)
        click.echo(f"{slug}\tv{d.version}\t{len(d.questions)} questions\tKPIs {kpis}")


@surveys_cli.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the whole definition as JSON.")
def surveys_show(slug: str, as_json: bool) -> None:
    """Print the definition SLUG."""
    from surveys.loader import load_all, to_dict

    found = load_all()
    if slug not in found:
        raise click.ClickException(f"no survey {slug!r}; known: {', '.join(found)}")
    d = found[slug]
    if as_json:
        json.dump(to_dict(d), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    click.echo(f"{d.title} ({slug} v{d.version})")
    for q in d.questions:
        kpi = f" [KPI {q.kpi}]" if q.kpi else ""
        click.echo(f"  {q.id}{kpi}: {q.text}")


@click.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@click.option(
    "--example-responses",
    default=0,
    show_default=True,
    help="Made-up responses to add to each new demo wave, so results show at once.",
)
def demo(base_url: str, example_responses: int) -> None:
    """Load the surveys and open a demo wave of each; print the links."""
    from feedback.services.demo import add_example_responses
    from feedback.services.kpis import seed_baselines
    from feedback.services.surveys import load_definitions, open_demo_waves
    from surveys.loader import load_all

    load_definitions(database.session, load_all())
    waves = open_demo_waves(database.session)
    seed_baselines(database.session)
    added = sum(add_example_responses(database.session, w, example_responses) for w in waves)
    if added:
        click.echo(
            f"\nAdded {added} made-up example responses to the demo waves, so the dashboard "
            "and reports have results to show. Delete instance/feedback.db to start empty."
        )
    click.echo("\nSurveys open now:")
    for wave in waves:
        click.echo(f"  {wave.definition.title}: {base_url}/surveys/{wave.code}/")
    click.echo(f"\nStaff sign in at {base_url}/staff/login")
    click.echo("  There are no default accounts. Create one with, for example:")
    click.echo(
        "  FEEDBACK_ENV=development .venv/bin/flask --app wsgi users create"
        " --email you@example.org --role officer"
    )


def init_cli(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo)
    from feedback.cli_kpis import kpis_cli

    app.cli.add_command(kpis_cli)
    from feedback.cli_comments import comments_cli

    app.cli.add_command(comments_cli)
    from feedback.cli_responses import responses_cli

    app.cli.add_command(responses_cli)
    from feedback.cli_results import results_cli

    app.cli.add_command(results_cli)
    from feedback.cli_backup import init_backup_cli

    init_backup_cli(app)
