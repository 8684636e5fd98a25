"""The last known state of each upstream, shared between processes through the database.

A breaker lives in one process; `tabour sync status` and payment entry in another process
need to know whether the relay currently sees central down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from branch.clock import as_utc
from branch.db import Database
from branch.models import CentralLink
from sync.breaker import BreakerSnapshot, BreakerState


def publish(db: Database, snap: BreakerSnapshot, now: datetime, by: str | None = None) -> None:
    """Record what a breaker sees: its state and, while failures are counted, the kind of
    the last fault (`auth_failed`, `bad_gateway`, `unreachable`, ...) and its reason."""
    kind = snap.last_kind if snap.failures else None
    with db.read() as s:
        current = s.get(CentralLink, snap.name)
        if (
            current is not None
            and current.state == snap.state.value
            and current.fault_kind == kind
            and (kind is None or current.last_error == snap.last_error)
        ):
            return  # nothing new: spare the write lock
    with db.write() as s:
        row = s.get(CentralLink, snap.name) or CentralLink(
            upstream=snap.name, state=snap.state.value, changed_at=now
        )
        if row.state != snap.state.value:
            row.changed_at = now
        row.state = snap.state.value
        row.failures = snap.failures
        if snap.last_error is not None:
            row.last_error = snap.last_error
        row.fault_kind = kind
        row.changed_by = by
        s.add(row)


def read_all(db: Database) -> dict[str, dict[str, Any]]:
    with db.read() as s:
        rows = s.exec(select(CentralLink)).all()
    return {
        r.upstream: {
            "state": r.state,
            "failures": r.failures,
            "fault": r.fault_kind,
            "last_error": r.last_error,
            "since": as_utc(r.changed_at).isoformat(),
            "by": r.changed_by,
        }
        for r in rows
    }


def is_offline(db: Database, upstream: str = "ssc") -> bool:
    with db.read() as s:
        row = s.get(CentralLink, upstream)
    return row is not None and row.state != BreakerState.closed.value
