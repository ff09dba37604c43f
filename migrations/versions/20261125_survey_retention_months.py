"""survey retention months

Free text is deleted this many months after a wave of the survey closes.
Existing surveys get 24, what the privacy notices say.

Revision ID: 20261125_retention
Revises: 20261125_actions
Create Date: 2026-11-25 21:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '20261125_retention'
down_revision = '20261125_actions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('retention_months', sa.Integer(), server_default='24', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
