"""Column helpers shared by the model modules."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Enum
from sqlalchemy.dialects.postgresql import JSONB

#: JSON that is indexable JSONB on PostgreSQL and plain JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum_cls: type[enum.Enum], *, name: str | None = None) -> Enum:
    """A portable enum: a short string with a CHECK constraint, stored by value.

    ``name`` names the CHECK constraint; give one when a table has two columns of
    the same enum, or PostgreSQL refuses the second constraint of the same name.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=True,
        name=name or enum_cls.__name__.lower(),
    )


class DomainError(ValueError):
    """A change the domain does not allow, such as closing a wave that is not open."""
