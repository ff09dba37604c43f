"""data version token for the results cache

One row whose token changes in the same transaction as any change to the data
behind the results, so cached results are keyed by what they were computed from.

Revision ID: 20261126_data_version
Revises: 20261125_reviews
Create Date: 2026-11-26 00:00:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "20261126_data_version"
down_revision = "20261125_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("data_version")
