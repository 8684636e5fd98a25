"""sync hardening: the kind of the last link fault per upstream

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-24 14:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('centrallink', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fault_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('centrallink', schema=None) as batch_op:
        batch_op.drop_column('fault_kind')
