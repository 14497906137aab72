"""the working-day calendar and the deadline policy: admin-entered days, years' arrangements, deadline settings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # a day an admin entered (放假 or 调休上班): overrides the chinesecalendar package for that day
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name='ck_calendar_day_kind'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('day')
    )

    # a year whose State Council arrangement has been entered in full (published), and its source
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('year BETWEEN 1900 AND 2999', name='ck_calendar_year_year'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('year')
    )

    # a deadline setting the deployment changed; the others keep their declared default
    op.create_table('deadline_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade():
    op.drop_table('deadline_setting')
    op.drop_table('calendar_year')
    op.drop_table('calendar_day')
