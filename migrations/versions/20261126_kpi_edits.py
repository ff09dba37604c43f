"""KPI baselines can be withdrawn; corrections to baselines, commentary and other values are signed

A draft or agreed baseline can be corrected or withdrawn with a reason, so the
status CHECK constraint gains 'withdrawn' (statuses are short strings with a
CHECK, not native enums, so PostgreSQL needs no ALTER TYPE), and the three KPI
tables record who last edited a row and when.

Revision ID: 20261126_kpi_edits
Revises: 20261126_data_version
Create Date: 2026-11-26 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261126_kpi_edits"
down_revision = "20261126_data_version"
branch_labels = None
depends_on = None

STATUSES = ("draft", "agreed", "ratified", "superseded")
STATUS_CHECK = "ck_kpi_baseline_baselinestatus"


def _status_check(statuses) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _edit_columns():
    return [
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("edited_by", sa.String(length=254), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("kpi_baseline", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(STATUS_CHECK), type_="check")
        batch_op.create_check_constraint(
            op.f(STATUS_CHECK), sa.text(_status_check(STATUSES + ("withdrawn",)))
        )
        for column in _edit_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawal_reason", sa.Text(), server_default="", nullable=False)
        )
    for table in ("kpi_commentary", "other_kpi_value"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _edit_columns():
                batch_op.add_column(column)


def downgrade() -> None:
    for table in ("other_kpi_value", "kpi_commentary"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("edited_by")
            batch_op.drop_column("edited_at")
    # Before this revision a version that no longer counts was "superseded": the
    # closest older status. The withdrawal's reason stays in the audit log.
    op.execute("UPDATE kpi_baseline SET status = 'superseded' WHERE status = 'withdrawn'")
    with op.batch_alter_table("kpi_baseline", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("edited_by")
        batch_op.drop_column("edited_at")
        batch_op.drop_constraint(op.f(STATUS_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(STATUS_CHECK), sa.text(_status_check(STATUSES)))
