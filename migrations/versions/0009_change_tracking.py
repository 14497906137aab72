"""change tracking: change events and tasks, quarterly attestations, department contacts, entry freshness

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 18:00:00

Existing published entries get their last update (the day their current version was published) and their next
expected update from their update cycle, so freshness works for a catalog that predates this revision.
"""
import calendar
import datetime as dt

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

# the update cycles' intervals as the schema declared them at this revision (a migration must not read the
# schema of a later day)
INTERVALS = {'realtime': (0, 1), 'daily': (0, 1), 'weekly': (0, 7), 'monthly': (1, 0), 'quarterly': (3, 0),
             'half_yearly': (6, 0), 'yearly': (12, 0)}


def _next(cycle, last):
    if cycle not in INTERVALS or last is None:
        return None
    months, days = INTERVALS[cycle]
    month0 = last.month - 1 + months
    year, month = last.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(last.day, calendar.monthrange(year, month)[1])) + dt.timedelta(days=days)


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_update_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_update_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('overdue_flagged', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_entry_next_update_on'), ['next_update_on'], unique=False)

    op.create_table('entry_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('entry_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_update_entry_id'), ['entry_id'], unique=False)

    op.create_table('department_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('position', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('department_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_contact_department_id'), ['department_id'], unique=False)

    op.create_table('change_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('legal_source', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_department_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['recorded_department_id'], ['department.id']),
    sa.PrimaryKeyConstraint('id')
    )

    op.create_table('change_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['change_event.id']),
    sa.ForeignKeyConstraint(['department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'department_id', name='uq_change_task_event_department')
    )
    with op.batch_alter_table('change_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_task_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_task_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_task_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_task_due_on'), ['due_on'], unique=False)

    op.create_table('change_task_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('changed_on', sa.Date(), nullable=True),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['change_task.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['version_id'], ['entry_version.id']),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'kind', 'entry_id', 'version_id', name='uq_change_task_link')
    )
    with op.batch_alter_table('change_task_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_task_link_task_id'), ['task_id'], unique=False)

    op.create_table('maintenance_attestation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('attested_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('summary', JSON, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('attested_by_id', sa.Integer(), nullable=True),
    sa.Column('attested_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['attested_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('department_id', 'period_start', name='uq_attestation_department_period')
    )
    with op.batch_alter_table('maintenance_attestation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_attestation_department_id'), ['department_id'],
                              unique=False)

    # freshness for the entries already published
    bind = op.get_bind()
    entry = sa.table('entry', sa.column('id', sa.Integer), sa.column('published_version_id', sa.Integer),
                     sa.column('status', sa.String), sa.column('last_update_on', sa.Date),
                     sa.column('next_update_on', sa.Date))
    version = sa.table('entry_version', sa.column('id', sa.Integer), sa.column('data', JSON),
                       sa.column('published_at', sa.DateTime))
    rows = bind.execute(sa.select(entry.c.id, version.c.data, version.c.published_at)
                        .join(version, version.c.id == entry.c.published_version_id)
                        .where(entry.c.status == 'published')).all()
    updates = []
    for entry_id, data, published_at in rows:
        last = published_at.date() if published_at else None
        updates.append({'eid': entry_id, 'last': last, 'next': _next((data or {}).get('update_cycle'), last)})
    if updates:
        bind.execute(entry.update().where(entry.c.id == sa.bindparam('eid'))
                     .values(last_update_on=sa.bindparam('last'), next_update_on=sa.bindparam('next')), updates)


def downgrade():
    with op.batch_alter_table('maintenance_attestation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_attestation_department_id'))
    op.drop_table('maintenance_attestation')
    with op.batch_alter_table('change_task_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_task_link_task_id'))
    op.drop_table('change_task_link')
    with op.batch_alter_table('change_task', schema=None) as batch_op:
        for name in ('due_on', 'state', 'department_id', 'event_id'):
            batch_op.drop_index(batch_op.f(f'ix_change_task_{name}'))
    op.drop_table('change_task')
    op.drop_table('change_event')
    with op.batch_alter_table('department_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_contact_department_id'))
    op.drop_table('department_contact')
    with op.batch_alter_table('entry_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_update_entry_id'))
    op.drop_table('entry_update')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_next_update_on'))
        batch_op.drop_column('overdue_flagged')
        batch_op.drop_column('next_update_on')
        batch_op.drop_column('last_update_on')
