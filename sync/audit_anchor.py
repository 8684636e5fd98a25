"""Anchoring the audit chain at central: the relay sends the chain head, central keeps it.

A keyed chain shows an edited or deleted entry, but not a deleted tail: the last entries
can go without breaking any link. So the relay's housekeeping queues the head (entry id and
hash, nothing else) whenever it moved, at most once a minute, beside the statistics
windows, and the relay `PUT`s it to `/branches/{branch}/audit-heads/{seq}`. `tabour audit
verify --against-central` fetches those heads and checks the local chain still holds each.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from branch import audit
from branch.db import Database
from branch.models import OutboxItem
from sync import outbox


def head_key(branch_code: str, seq: int) -> str:
    return f"audit-head:{branch_code}:{seq}"


def enqueue_head(db: Database, *, branch_code: str, now: datetime) -> int | None:
    """Queue the current head for central unless it is queued already; its seq, or None."""
    with db.read() as s:
        h = audit.head(s)
        if h is None:
            return None
        key = head_key(branch_code, h.seq)
        if s.exec(select(OutboxItem.id).where(OutboxItem.idempotency_key == key)).first():
            return None
    with db.write() as s:
        if s.exec(select(OutboxItem.id).where(OutboxItem.idempotency_key == key)).first():
            return None
        outbox.enqueue(
            s,
            kind=outbox.AUDIT_HEAD,
            payload={
                "branch_code": branch_code,
                "seq": h.seq,
                "hash": h.hash,
                "at": now.isoformat(),
            },
            key=key,
            now=now,
        )
    return h.seq
