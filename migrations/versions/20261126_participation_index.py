"""an index that answers participation counts without reading response rows

Participation tables (responses by channel and respondent type, by EHCP status,
by age band, narrowed by any of those) count one wave's included responses.
With every grouped and filtered column in one index after ``wave_id`` and
``included``, SQLite and PostgreSQL count from the index alone.

Revision ID: 20261126_participation_index
Revises: 20261126_kpi_edits
Create Date: 2026-11-26 18:00:00
"""

from alembic import op

revision = "20261126_participation_index"
down_revision = "20261126_kpi_edits"
branch_labels = None
depends_on = None

COLUMNS = ["wave_id", "included", "channel", "respondent_type", "ehcp_status", "age_band"]


def upgrade() -> None:
    op.create_index("ix_response_wave_participation", "response", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_response_wave_participation", table_name="response")
