"""demands: the demand catalog (需求目录)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
INDEXED = ('requester_department_id', 'target_department_id', 'state', 'entry_id', 'created_at')


def upgrade():
    op.create_table('demand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('items_text', sa.Text(), nullable=False),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=500), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.Column('answer_basis', sa.String(length=500), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('share_request_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['requester_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['target_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['share_request_id'], ['share_request.id']),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('demand', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_demand_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('demand', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_demand_{column}'))
    op.drop_table('demand')
