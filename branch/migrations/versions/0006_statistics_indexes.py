"""statistics: a covering index for reports and the dashboard

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-24 14:40:00

Reports and the dashboard read tickets by business day and aggregate a handful of columns
(queue_kiosk/statistics.py). This index holds exactly those columns in business-day order, so
a day is one short range scan and a year is one index-only scan, never a lookup per row
(measured in bench/reports.py).
"""

from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = [
    "business_day", "service_code", "status", "issued_at", "called_at", "served_at",
    "finished_at", "counter_number", "staff_username", "transferred_from",
]


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_stats", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_stats")
