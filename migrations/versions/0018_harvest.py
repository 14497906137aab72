"""docking: harvest sources, runs and harvested records (目录对接)

Revision ID: 0018
Revises: 0017
Create Date: 2027-01-05 10:00:00

Three new tables, nothing else changes: `harvest_source` (another registry an admin configured, with its schedule,
its optional API token — a secret stored as given — and the high-water mark of its last successful run),
`harvest_run` (one run's report; a partial unique index allows one running run per source) and `harvested_entry`
(a package as fetched, unique by name per source; `removed_at` when the source no longer has it). Downgrade drops
them (and with them every harvested record: they can be harvested again).

`down_revision` is the only line that names the chain: re-chaining this migration after others is a one-line change.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('harvest_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('api_token', sa.String(length=500), nullable=True),
    sa.Column('schedule', sa.String(length=10), nullable=False),
    sa.Column('state', sa.Enum('active', 'paused', name='sourcestate', native_enum=False, length=10), nullable=False),
    sa.Column('high_water_mark', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('harvest_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_source_state'), ['state'], unique=False)

    op.create_table('harvest_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('running', 'succeeded', 'failed', name='runstate', native_enum=False, length=10),
              nullable=False),
    sa.Column('full_run', sa.Boolean(), nullable=False),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('since', sa.DateTime(), nullable=True),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('problems', JSON, nullable=False),
    sa.Column('changes', JSON, nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id']),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('harvest_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_run_source_id'), ['source_id'], unique=False)
        batch_op.create_index('uq_harvest_run_one_running', ['source_id'], unique=True,
                              sqlite_where=sa.text("state = 'running'"), postgresql_where=sa.text("state = 'running'"))

    op.create_table('harvested_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=200), nullable=False),
    sa.Column('remote_name', sa.String(length=200), nullable=False),
    sa.Column('resource_code', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('organization_title', sa.String(length=200), nullable=False),
    sa.Column('organization_credit_code', sa.String(length=32), nullable=True),
    sa.Column('package', JSON, nullable=False),
    sa.Column('metadata_modified', sa.DateTime(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('first_harvested_at', sa.DateTime(), nullable=False),
    sa.Column('last_harvested_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'remote_name', name='uq_harvested_entry_source_name')
    )
    with op.batch_alter_table('harvested_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvested_entry_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvested_entry_remote_id'), ['remote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvested_entry_resource_code'), ['resource_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvested_entry_removed_at'), ['removed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('harvested_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvested_entry_removed_at'))
        batch_op.drop_index(batch_op.f('ix_harvested_entry_resource_code'))
        batch_op.drop_index(batch_op.f('ix_harvested_entry_remote_id'))
        batch_op.drop_index(batch_op.f('ix_harvested_entry_source_id'))
    op.drop_table('harvested_entry')
    with op.batch_alter_table('harvest_run', schema=None) as batch_op:
        batch_op.drop_index('uq_harvest_run_one_running', sqlite_where=sa.text("state = 'running'"),
                            postgresql_where=sa.text("state = 'running'"))
        batch_op.drop_index(batch_op.f('ix_harvest_run_source_id'))
    op.drop_table('harvest_run')
    with op.batch_alter_table('harvest_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_source_state'))
    op.drop_table('harvest_source')
