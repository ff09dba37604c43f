"""you said, we did: actions, their dated history and forum comments

Revision ID: 20261125_actions
Revises: 20261125_kpis
Create Date: 2026-11-25 20:22:05.371721

History and comments go with their action (ON DELETE CASCADE); when a staff
account is removed its rows stay, with the name kept in ``actor``/``author``.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '20261125_actions'
down_revision = '20261125_kpis'
branch_labels = None
depends_on = None

STATUS = ('completed', 'not_started', 'at_risk', 'on_target')


def _status(name='actionstatus'):
    # Two status columns in one table need two constraint names (PostgreSQL).
    return sa.Enum(*STATUS, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.Enum('theme', 'kpi', name='subjectkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('you_said', sa.Text(), nullable=False),
    sa.Column('we_did', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', _status(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action'))
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_published', ['published'], unique=False)

    op.create_table('action_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_comment_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_action_comment_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_comment'))
    )
    with op.batch_alter_table('action_comment', schema=None) as batch_op:
        batch_op.create_index('ix_action_comment_action', ['action_id'], unique=False)

    op.create_table('action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('old_status', _status('old_action_status'), nullable=True),
    sa.Column('new_status', _status('new_action_status'), nullable=False),
    sa.Column('changed', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_update_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_action_update_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_update'))
    )
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.create_index('ix_action_update_action', ['action_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.drop_index('ix_action_update_action')
    op.drop_table('action_update')
    with op.batch_alter_table('action_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_action_comment_action')
    op.drop_table('action_comment')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('ix_action_published')
    op.drop_table('action')
