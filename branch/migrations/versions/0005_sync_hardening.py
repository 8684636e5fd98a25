"""sync hardening: the kind of the last link fault per upstream; the audit chain keyed

An audit chain written before this revision is hashed with plain SHA-256. If it is intact it
is re-hashed here with the branch secret (HMAC), so `tabour audit verify` does not report
it as rebuilt without the key; a chain already broken is left as it is, for verify to name.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-24 14:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('centrallink', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fault_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
    _key_the_audit_chain()


def _key_the_audit_chain() -> None:
    from branch.audit import rekey_legacy_chain

    rekey_legacy_chain(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('centrallink', schema=None) as batch_op:
        batch_op.drop_column('fault_kind')
