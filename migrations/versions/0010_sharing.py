"""sharing: share requests, grants, providers' adapter settings, suspensions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('share_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('sharing_type', sa.String(length=20), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('usage_scope', sa.String(length=500), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_until', sa.Date(), nullable=False),
    sa.Column('cross_district', sa.Boolean(), nullable=False),
    sa.Column('on_platform', sa.Boolean(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('due_setting', sa.String(length=40), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('ruling', sa.Text(), nullable=True),
    sa.Column('ruled_by_id', sa.Integer(), nullable=True),
    sa.Column('ruled_at', sa.DateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['version_id'], ['entry_version.id']),
    sa.ForeignKeyConstraint(['requester_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['provider_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['ruled_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('share_request', schema=None) as batch_op:
        for column in ('entry_id', 'requester_department_id', 'provider_department_id', 'state'):
            batch_op.create_index(batch_op.f(f'ix_share_request_{column}'), [column], unique=False)

    op.create_table('share_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('consumer_department_id', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('usage_scope', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('handle', JSON, nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('activated_on', sa.Date(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('file_path', sa.String(length=300), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('revoked_at_adapter', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['share_request.id']),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['consumer_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['provider_department_id'], ['department.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('share_grant', schema=None) as batch_op:
        for column in ('request_id', 'entry_id', 'consumer_department_id', 'provider_department_id', 'state'):
            batch_op.create_index(batch_op.f(f'ix_share_grant_{column}'), [column], unique=False)

    op.create_table('adapter_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('settings', JSON, nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'adapter', name='uq_adapter_settings_entry_adapter')
    )
    with op.batch_alter_table('adapter_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adapter_settings_entry_id'), ['entry_id'], unique=False)

    op.create_table('sharing_suspension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('suspended_by_id', sa.Integer(), nullable=True),
    sa.Column('suspended_at', sa.DateTime(), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.Column('lift_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['suspended_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sharing_suspension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_suspension_department_id'), ['department_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sharing_suspension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_suspension_department_id'))
    op.drop_table('sharing_suspension')
    with op.batch_alter_table('adapter_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adapter_settings_entry_id'))
    op.drop_table('adapter_settings')
    with op.batch_alter_table('share_grant', schema=None) as batch_op:
        for column in ('request_id', 'entry_id', 'consumer_department_id', 'provider_department_id', 'state'):
            batch_op.drop_index(batch_op.f(f'ix_share_grant_{column}'))
    op.drop_table('share_grant')
    with op.batch_alter_table('share_request', schema=None) as batch_op:
        for column in ('entry_id', 'requester_department_id', 'provider_department_id', 'state'):
            batch_op.drop_index(batch_op.f(f'ix_share_request_{column}'))
    op.drop_table('share_request')
