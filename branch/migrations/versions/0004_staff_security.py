"""staff security: wrong-PIN counts and lockouts shared by every process

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24 14:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import branch.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stafflockout',
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', branch.models.UTCDateTime(), nullable=True),
    sa.Column('last_failure_at', branch.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username')
    )


def downgrade() -> None:
    op.drop_table('stafflockout')
