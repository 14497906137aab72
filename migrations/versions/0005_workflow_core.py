"""workflow core: role sets, review stage in the version state, transition audit, general outbox, job claims

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:00:00

"""
import datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OLD_WORKING = "state IN ('draft', 'in_review', 'returned')"
NEW_WORKING = "state IN ('draft', 'department_review', 'authority_review', 'returned')"
VERSION_STATES = ('draft', 'department_review', 'authority_review', 'returned', 'published', 'superseded',
                  'discarded')


def upgrade():
    # users hold a set of roles
    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role')
    )
    op.execute("INSERT INTO user_role (user_id, role) SELECT id, role FROM user_account")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('role')

    # the review stage becomes part of the version's state
    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.drop_index('uq_entry_one_working', sqlite_where=sa.text(OLD_WORKING),
                            postgresql_where=sa.text(OLD_WORKING))
        batch_op.alter_column('state', existing_type=sa.String(length=16), type_=sa.String(length=32))
    op.execute("UPDATE entry_version SET state = 'authority_review' WHERE state = 'in_review' AND id IN "
               "(SELECT version_id FROM review WHERE state = 'pending' AND stage = 'authority')")
    op.execute("UPDATE entry_version SET state = 'department_review' WHERE state = 'in_review'")
    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.create_index('uq_entry_one_working', ['entry_id'], unique=True,
                              sqlite_where=sa.text(NEW_WORKING), postgresql_where=sa.text(NEW_WORKING))

    # every workflow transition is audited with the state it left and the state it entered
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_state', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('to_state', sa.String(length=32), nullable=True))

    # one general outbox replaces the search index's own
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('available_at', sa.DateTime(), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_topic'), ['topic'], unique=False)
        batch_op.create_index('ix_outbox_ready', ['available_at', 'id'], unique=False)
    outbox = sa.table('outbox', sa.column('topic'), sa.column('key'), sa.column('payload', JSON),
                      sa.column('attempts'), sa.column('created_at'), sa.column('available_at'))
    rows = op.get_bind().execute(sa.text("SELECT entry_id, created_at FROM index_outbox ORDER BY id")).all()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if rows:
        op.bulk_insert(outbox, [{"topic": "search.index", "key": f"entry:{entry_id}", "payload": {"entry_id": entry_id},
                                 "attempts": 0, "created_at": at or now, "available_at": at or now}
                                for entry_id, at in rows])
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_outbox_entry_id'))
    op.drop_table('index_outbox')

    # a worker claims an import job before running it
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('worker_token')

    op.create_table('index_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_outbox_entry_id'), ['entry_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_ready')
        batch_op.drop_index(batch_op.f('ix_outbox_topic'))
        batch_op.drop_index(batch_op.f('ix_outbox_key'))
    op.drop_table('outbox')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('to_state')
        batch_op.drop_column('from_state')

    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.drop_index('uq_entry_one_working', sqlite_where=sa.text(NEW_WORKING),
                            postgresql_where=sa.text(NEW_WORKING))
    op.execute("UPDATE entry_version SET state = 'in_review' "
               "WHERE state IN ('department_review', 'authority_review')")
    with op.batch_alter_table('entry_version', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=sa.String(length=32), type_=sa.String(length=16))
        batch_op.create_index('uq_entry_one_working', ['entry_id'], unique=True,
                              sqlite_where=sa.text(OLD_WORKING), postgresql_where=sa.text(OLD_WORKING))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=32), nullable=True))
    op.execute("UPDATE user_account SET role = (SELECT MIN(role) FROM user_role WHERE user_role.user_id = user_account.id)")
    op.drop_table('user_role')
