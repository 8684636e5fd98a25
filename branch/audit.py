"""Append-only, hash-chained audit log: who did what to whom, when, where, with what outcome.

Each entry's hash covers its fields and the previous entry's hash, so editing or deleting a
row breaks the chain at that point (`verify_chain`). Appends are serialized: on SQLite by the
caller's `BEGIN IMMEDIATE`, on PostgreSQL by a transaction-scoped advisory lock.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from branch.clock import as_utc
from branch.models import AuditEntry

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x7AB0A0D1


def _digest(
    prev_hash: str,
    at: datetime,
    staff: str | None,
    action: str,
    subject: str | None,
    where: str | None,
    outcome: str,
) -> str:
    body = json.dumps(
        [prev_hash, as_utc(at).isoformat(), staff, action, subject, where, outcome],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    staff: str | None,
    action: str,
    subject_ref: str | None = None,
    where: str | None = None,
    outcome: str = "ok",
) -> AuditEntry:
    """Add an entry inside the caller's write transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.exec(text(f"SELECT pg_advisory_xact_lock({_PG_AUDIT_LOCK})"))  # type: ignore[call-overload]
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    entry = AuditEntry(
        at=at,
        staff_username=staff,
        action=action,
        subject_ref=subject_ref,
        where=where,
        outcome=outcome,
        prev_hash=prev,
        hash=_digest(prev, at, staff, action, subject_ref, where, outcome),
    )
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session) -> int | None:
    """Return the id of the first entry that breaks the chain, or None when it is intact."""
    prev = GENESIS
    for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        expected = _digest(
            prev, e.at, e.staff_username, e.action, e.subject_ref, e.where, e.outcome
        )
        if e.prev_hash != prev or e.hash != expected:
            return e.id
        prev = e.hash
    return None
