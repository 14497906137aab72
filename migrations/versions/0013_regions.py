"""regions (行政区划) as data; a department's 统一社会信用代码 may wait (待补充)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14 10:00:00

A region (province, city or district) names its node in the department class of the classification; a
department may belong to one. The credit code becomes nullable: NULL until known, and still unique and 18
characters long when given (a UNIQUE column holds any number of NULLs, and a CHECK on NULL passes, on SQLite and
PostgreSQL alike). `region_level` is a plain string column (not a native enum, no CHECK), so 'province' needs no
change to it.

Downgrade refuses while a department has no credit code (the old schema cannot hold it: fill them in first), and
turns province-level departments into city-level ones (the old version knows no provinces).
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Enum('province', 'city', 'district', name='regionlevel', native_enum=False, length=16),
              nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], name='fk_region_parent_id_region'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', name='uq_region_code')
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_id'), ['parent_id'], unique=False)

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.alter_column('credit_code', existing_type=sa.String(length=18), nullable=True)
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_department_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key('fk_department_region_id_region', 'region', ['region_id'], ['id'])


def downgrade():
    connection = op.get_bind()
    waiting = connection.execute(sa.text("SELECT name FROM department WHERE credit_code IS NULL ORDER BY code")).scalars().all()
    if waiting:
        raise RuntimeError(f"{len(waiting)} 个部门的统一社会信用代码待补充（{'、'.join(waiting[:5])}"
                           f"{' 等' if len(waiting) > 5 else ''}），旧版本不能保存：请先补充后再降级")
    op.execute("UPDATE department SET region_level = 'city' WHERE region_level = 'province'")
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_constraint('fk_department_region_id_region', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_department_region_id'))
        batch_op.drop_column('region_id')
        batch_op.alter_column('credit_code', existing_type=sa.String(length=18), nullable=False)

    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_id'))
    op.drop_table('region')
