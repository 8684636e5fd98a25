"""counter operations: pause reason, services for the day, one clerk per counter, parked tickets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 14:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A staff member left at two counters by an earlier version keeps only the lowest one.
    op.execute(
        "UPDATE counter SET staff_username = NULL WHERE staff_username IS NOT NULL AND number > "
        "(SELECT min(c2.number) FROM counter c2 WHERE c2.staff_username = counter.staff_username)"
    )
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pause_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('services_today', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('services_day', sa.Date(), nullable=True))
        batch_op.create_index('ux_counter_staff', ['staff_username'], unique=True, sqlite_where=sa.text('staff_username IS NOT NULL'), postgresql_where=sa.text('staff_username IS NOT NULL'))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_counter_parked', ['counter_number'], unique=False, sqlite_where=sa.text("status = 'parked'"), postgresql_where=sa.text("status = 'parked'"))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_counter_parked', sqlite_where=sa.text("status = 'parked'"), postgresql_where=sa.text("status = 'parked'"))

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_index('ux_counter_staff', sqlite_where=sa.text('staff_username IS NOT NULL'), postgresql_where=sa.text('staff_username IS NOT NULL'))
        batch_op.drop_column('services_day')
        batch_op.drop_column('services_today')
        batch_op.drop_column('pause_reason')
