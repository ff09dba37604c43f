"""coded comments, human coding and codebook versions

Revision ID: 20261125_comments
Revises: 20261125_staff
Create Date: 2026-11-25 20:19:53.748058

comment_coding.answer_id is ON DELETE SET NULL so the retention job can delete
raw answers without losing redacted text and codes; response_id is ON DELETE
CASCADE so erasing a whole response removes its redacted comments too.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '20261125_comments'
down_revision = '20261125_staff'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
SENTIMENT_CHECK = "sentiment IN ('positive', 'negative', 'mixed', 'neutral')"


def upgrade() -> None:
    op.create_table('codebook_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_codebook_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_version')),
    sa.UniqueConstraint('version', name=op.f('uq_codebook_version_version'))
    )
    op.create_table('comment_coding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('kpi', sa.String(length=8), nullable=True),
    sa.Column('codebook_version_id', sa.Integer(), nullable=False),
    sa.Column('sentiment', sa.String(length=16), nullable=False),
    sa.Column('polarity', sa.Float(), nullable=False),
    sa.Column('redacted', sa.Text(), nullable=False),
    sa.Column('pii', JSON, nullable=False),
    sa.Column('evidence', JSON, nullable=False),
    sa.Column('highlights', JSON, nullable=False),
    sa.Column('coded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(SENTIMENT_CHECK, name=op.f('ck_comment_coding_sentiment_label')),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_comment_coding_answer_id_answer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['codebook_version_id'], ['codebook_version.id'], name=op.f('fk_comment_coding_codebook_version_id_codebook_version')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_comment_coding_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wave_id'], ['wave.id'], name=op.f('fk_comment_coding_wave_id_wave')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_coding')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_comment_coding_answer_id'))
    )
    with op.batch_alter_table('comment_coding', schema=None) as batch_op:
        batch_op.create_index('ix_comment_coding_response', ['response_id'], unique=False)
        batch_op.create_index('ix_comment_coding_wave_kpi', ['wave_id', 'kpi'], unique=False)

    op.create_table('comment_theme',
    sa.Column('coding_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('theme', sa.String(length=64), nullable=False),
    sa.CheckConstraint("source IN ('auto', 'human')", name=op.f('ck_comment_theme_source_kind')),
    sa.ForeignKeyConstraint(['coding_id'], ['comment_coding.id'], name=op.f('fk_comment_theme_coding_id_comment_coding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coding_id', 'source', 'theme', name=op.f('pk_comment_theme'))
    )
    with op.batch_alter_table('comment_theme', schema=None) as batch_op:
        batch_op.create_index('ix_comment_theme_theme', ['theme', 'source'], unique=False)

    op.create_table('human_coding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coding_id', sa.Integer(), nullable=False),
    sa.Column('sentiment', sa.String(length=16), nullable=False),
    sa.Column('coded_by', sa.String(length=254), nullable=False),
    sa.Column('coded_by_id', sa.Integer(), nullable=True),
    sa.Column('coded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(SENTIMENT_CHECK, name=op.f('ck_human_coding_sentiment_label')),
    sa.ForeignKeyConstraint(['coded_by_id'], ['user_account.id'], name=op.f('fk_human_coding_coded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coding_id'], ['comment_coding.id'], name=op.f('fk_human_coding_coding_id_comment_coding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_human_coding')),
    sa.UniqueConstraint('coding_id', name=op.f('uq_human_coding_coding_id'))
    )


def downgrade() -> None:
    op.drop_table('human_coding')
    with op.batch_alter_table('comment_theme', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_theme_theme')

    op.drop_table('comment_theme')
    with op.batch_alter_table('comment_coding', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_coding_wave_kpi')
        batch_op.drop_index('ix_comment_coding_response')

    op.drop_table('comment_coding')
    op.drop_table('codebook_version')
