"""search word lists: synonym groups and the government-terms dictionary, as admins save them (检索词表)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_vocabulary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_vocabulary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_vocabulary_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('search_vocabulary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_vocabulary_kind'))
    op.drop_table('search_vocabulary')
