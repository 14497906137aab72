"""review snapshot: each review step keeps the metadata it was asked to review

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-28 10:00:00

One nullable JSON column on `review`: the version's data as it was when the step opened (a version cannot be
edited while in review, so it is also what was approved or returned). A returned version is edited in place and
submitted again; the snapshot of its return is what the resubmission is compared with (issue 14). Rows from
before this migration have NULL: their review pages show no such comparison. Downgrade drops the column.

`down_revision` is the only line that names the chain: re-chaining this migration after others is a one-line change.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                     'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('data')
