"""front ends: alerts, visitor feedback, a staff member's language, the kiosk's national ref

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 18:15:00

- `alert`: one open alert per (kind, source) (partial unique index on open rows).
- `feedback`: one rating per ticket.
- `staff.lang`: the counter app's saved language per staff member.
- `ticket.national_ref`: the kiosk's optional national-number step, sealed (DESIGN §7),
  erased at day close.
"""

import sqlalchemy as sa
from alembic import op

from branch.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
    )
    op.create_index(
        "ux_alert_open", "alert", ["kind", "source"], unique=True,
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )  # fmt: skip
    op.create_index("ix_alert_raised", "alert", ["raised_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("service_code", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=280), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("ticket_id", name="ux_feedback_ticket"),
    )
    op.create_index("ix_feedback_day", "feedback", ["business_day"])
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lang", sa.String(length=2), nullable=True))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_ref", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("national_ref")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("lang")
    op.drop_index("ix_feedback_day", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_alert_raised", table_name="alert")
    op.drop_index("ux_alert_open", table_name="alert")
    op.drop_table("alert")
