"""Alembic environment: the database URL comes from the app's configuration.

Batch mode is on so that SQLite, which cannot ALTER most things in place, gets
its tables copied and swapped by Alembic.
"""

from alembic import context

from feedback.config import config_from_env
from feedback.db import Base, make_engine
from feedback.models import *  # noqa: F403 - every model must be imported for autogenerate

config = context.config
url = config.attributes.get("database_url") or config_from_env().DATABASE_URL


def run_offline() -> None:
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
