"""original dates: a version published by an admin's import keeps the dates of the catalog it was migrated from

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-20 10:00:00

Two nullable dates on `entry_version`: the original catalog's first publication (首次发布日期) and last update
(最近更新日期) of a version an admin imported and published directly (app/imports). They are NULL for every
version published here, so nothing needs filling in. Downgrade drops them (the versions keep their
`release_date` in their data; the entries keep their `last_update_on`).

`down_revision` is the only line that names the chain: re-chaining this migration after others is a one-line change.
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_published_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('original_updated_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.drop_column('original_updated_on')
        batch_op.drop_column('original_published_on')
