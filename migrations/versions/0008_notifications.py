"""notifications: in-app notices (e-mailed through the outbox) and users' e-mail addresses

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # where a user's notices are e-mailed; none: in-app only
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    # one notice to one person; the same notice (key) never reaches the same person twice
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('email_state', sa.String(length=10), server_default='none', nullable=False),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("email_state IN ('none', 'pending', 'sent', 'failed')", name='ck_notification_email_state'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
    op.drop_table('notification')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email')
