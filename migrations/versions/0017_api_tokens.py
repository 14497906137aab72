"""API tokens: what machine clients of the Action API authenticate with

Revision ID: 0017
Revises: 0016
Create Date: 2027-01-04 10:00:00

One table, `api_token`: a user's named tokens, each kept only as the SHA-256 of the raw token (shown to its owner
once) and a short prefix to recognise it by; when it was made, last used, ends (a date) and was revoked. A name is
unique among a user's tokens not revoked (a partial unique index). Nothing existing changes; downgrade drops the
table, and with it every token (API clients must then be given new ones after an upgrade).

`down_revision` is the only line that names the chain: re-chaining this migration after others is a one-line change.
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

LIVE = "revoked_at IS NULL"


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_api_token_live_name', ['user_id', 'name'], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index('uq_api_token_live_name', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
