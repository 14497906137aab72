"""error reports: doubtful data reported by a consumer, verified and answered by the provider (数据疑问 / 校核)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 21:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
INDEXED = ('entry_id', 'reporter_department_id', 'provider_department_id', 'state', 'created_at')


def upgrade():
    op.create_table('error_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reporter_department_id', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('provider_department_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=300), nullable=True),
    sa.Column('evidence_name', sa.String(length=200), nullable=True),
    sa.Column('evidence_size', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('overdue_flagged', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.Column('correcting_version_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('data', 'metadata')", name='ck_error_report_kind'),
    sa.CheckConstraint("answer IS NULL"
                       " OR (answer = 'corrected' AND correcting_version_id IS NOT NULL)"
                       " OR (answer = 'no_error' AND answer_note IS NOT NULL AND answer_note <> '')",
                       name='ck_error_report_answer'),
    sa.CheckConstraint("state NOT IN ('corrected', 'no_error') OR COALESCE(answer, '') = state",
                       name='ck_error_report_answered'),
    sa.CheckConstraint("state NOT IN ('escalated', 'resolved')"
                       " OR (escalation_reason IS NOT NULL AND escalation_reason <> '')",
                       name='ck_error_report_escalation_reason'),
    sa.CheckConstraint("state <> 'resolved' OR (resolution IS NOT NULL AND resolution <> '')",
                       name='ck_error_report_resolution'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
    sa.ForeignKeyConstraint(['version_id'], ['entry_version.id']),
    sa.ForeignKeyConstraint(['reporter_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['provider_department_id'], ['department.id']),
    sa.ForeignKeyConstraint(['correcting_version_id'], ['entry_version.id']),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id']),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('error_report', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_error_report_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('error_report', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_error_report_{column}'))
    op.drop_table('error_report')
