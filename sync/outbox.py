"""The outbox: what must reach central, stored in the branch database until it has.

Items are claimed with a lease (`claimed_by`, `claimed_until`) so several relay processes can
run at once: on SQLite the claim runs in `BEGIN IMMEDIATE` (one writer at a time); on
PostgreSQL it selects `FOR UPDATE SKIP LOCKED`, so two relays never take the same row and
never wait on each other. An item whose dependency (`depends_on`) is not done is not due:
that is how a payment's confirm never overtakes its create. A relay that dies leaves its
items in flight; they come back when the lease ends, or at once when a relay on the same
host sees the holder's process is gone.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlmodel import Session

from branch.clock import as_utc
from branch.db import Database
from branch.models import OutboxItem

PENDING, IN_FLIGHT, DONE, DEAD = "pending", "in_flight", "done", "dead"
PAYMENT_CREATE = "payment.create"
PAYMENT_CONFIRM = "payment.confirm"
PAYMENT_REVERSE = "payment.reverse"
STATS_WINDOW = "stats.window"
AUDIT_HEAD = "audit.head"

_T = OutboxItem.__table__  # type: ignore[attr-defined]
# An item waiting for another is parked at the end of time and made due when that one is
# done, so claiming never has to look at the (possibly many) items that cannot go yet.
BLOCKED = datetime(9999, 1, 1, tzinfo=UTC)


def worker_id() -> str:
    """`host:pid:nonce`: the host and pid let a sibling relay tell a dead holder."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    depends_on: int | None


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    depends_on: int | None = None,
) -> OutboxItem:
    """Add an item inside the caller's transaction (with the row it is about)."""
    due = now
    if depends_on is not None:
        dep = session.get(OutboxItem, depends_on)
        due = now if dep is not None and dep.status == DONE else BLOCKED
    item = OutboxItem(
        idempotency_key=key,
        kind=kind,
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=PENDING,
        attempts=0,
        next_attempt_at=due,
        created_at=now,
        depends_on=depends_on,
    )
    session.add(item)
    session.flush()
    return item


def claim(
    db: Database,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease_s: float,
    kinds: tuple[str, ...] | None = None,
) -> list[Claimed]:
    """Take up to `limit` due items for `worker`; each claim counts as an attempt."""
    dep = _T.alias("dep")
    dep_done = or_(
        _T.c.depends_on.is_(None),
        exists(select(dep.c.id).where(dep.c.id == _T.c.depends_on, dep.c.status == DONE)),
    )
    due = or_(
        and_(_T.c.status == PENDING, _T.c.next_attempt_at <= now),
        and_(_T.c.status == IN_FLIGHT, _T.c.claimed_until < now),
    )
    q = select(_T.c.id).where(due, dep_done).order_by(_T.c.next_attempt_at, _T.c.id).limit(limit)
    if kinds:
        q = q.where(_T.c.kind.in_(kinds))
    with db.write(durable=True) as s:
        if db.is_postgres:
            q = q.with_for_update(skip_locked=True, of=_T)
        ids = list(s.execute(q).scalars())
        if not ids:
            return []
        s.execute(
            update(_T)
            .where(_T.c.id.in_(ids))
            .values(
                status=IN_FLIGHT,
                claimed_by=worker,
                claimed_until=now + timedelta(seconds=lease_s),
                attempts=_T.c.attempts + 1,
            )
        )
        rows = s.execute(
            select(
                _T.c.id,
                _T.c.kind,
                _T.c.idempotency_key,
                _T.c.payload,
                _T.c.attempts,
                _T.c.depends_on,
            )
            .where(_T.c.id.in_(ids))
            .order_by(_T.c.id)
        ).all()
    return [Claimed(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]


def _mine(item_id: int, worker: str) -> Any:
    return and_(_T.c.id == item_id, _T.c.status == IN_FLIGHT, _T.c.claimed_by == worker)


def mark_done(
    session: Session, item_id: int, worker: str, now: datetime, response: dict[str, Any] | None
) -> bool:
    """False when the lease was lost to another relay meanwhile (it will record the same)."""
    res = session.execute(
        update(_T)
        .where(_mine(item_id, worker))
        .values(
            status=DONE,
            done_at=now,
            claimed_by=None,
            claimed_until=None,
            last_error=None,
            response=None if response is None else json.dumps(response, ensure_ascii=False),
        )
    )
    if res.rowcount:  # type: ignore[attr-defined]
        unblock(session, [item_id], now)
    return bool(res.rowcount)  # type: ignore[attr-defined]


def unblock(session: Session, done_ids: list[int], now: datetime) -> None:
    """Items that waited for these (now done) are due."""
    if done_ids:
        session.execute(
            update(_T)
            .where(
                _T.c.depends_on.in_(done_ids),
                _T.c.status == PENDING,
                _T.c.next_attempt_at == BLOCKED,
            )
            .values(next_attempt_at=now)
        )


def mark_retry(
    session: Session,
    item_id: int,
    worker: str,
    next_attempt_at: datetime,
    error: str,
    *,
    uncount: bool = False,
) -> bool:
    values: dict[str, Any] = {
        "status": PENDING,
        "next_attempt_at": next_attempt_at,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": error[:2000],
    }
    if uncount:  # never sent (breaker open): it was not an attempt
        values["attempts"] = _T.c.attempts - 1
    res = session.execute(update(_T).where(_mine(item_id, worker)).values(**values))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def mark_dead(
    session: Session, item_id: int, worker: str | None, now: datetime, reason: str
) -> bool:
    where = _mine(item_id, worker) if worker else and_(_T.c.id == item_id, _T.c.status != DONE)
    res = session.execute(
        update(_T)
        .where(where)
        .values(
            status=DEAD,
            done_at=now,
            claimed_by=None,
            claimed_until=None,
            last_error=reason[:2000],
        )
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def dependents(session: Session, item_id: int) -> list[int]:
    return list(session.execute(select(_T.c.id).where(_T.c.depends_on == item_id)).scalars())


def settle_dependents(
    session: Session, item_id: int, now: datetime, *, dead_reason: str | None, done_note: str | None
) -> None:
    """Close the items that wait on `item_id`, recursively, when it can never complete."""
    for dep_id in dependents(session, item_id):
        if dead_reason is not None:
            mark_dead(session, dep_id, None, now, dead_reason)
        else:
            session.execute(
                update(_T)
                .where(_T.c.id == dep_id, _T.c.status != DONE)
                .values(status=DONE, done_at=now, response=json.dumps({"skipped": done_note}))
            )
        settle_dependents(session, dep_id, now, dead_reason=dead_reason, done_note=done_note)


def release_orphans(db: Database, now: datetime) -> int:
    """Put back at once the items held by relays on this host whose process is gone."""
    host = socket.gethostname()[:32]
    with db.read() as s:
        holders = list(
            s.execute(
                select(_T.c.claimed_by)
                .where(_T.c.status == IN_FLIGHT, _T.c.claimed_by.like(f"{host}:%"))
                .distinct()
            ).scalars()
        )
    dead = []
    for holder in holders:
        try:
            pid = int(holder.split(":")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            dead.append(holder)
    if not dead:
        return 0
    with db.write(durable=True) as s:
        res = s.execute(
            update(_T)
            .where(_T.c.status == IN_FLIGHT, _T.c.claimed_by.in_(dead))
            .values(status=PENDING, next_attempt_at=now, claimed_by=None, claimed_until=None)
        )
        return int(res.rowcount)  # type: ignore[attr-defined]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is gone for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def pull_forward(db: Database, now: datetime) -> int:
    """Central is back after an outage: whatever was backing off is due now."""
    with db.write() as s:
        res = s.execute(
            update(_T)
            .where(
                _T.c.status == PENDING, _T.c.next_attempt_at > now, _T.c.next_attempt_at < BLOCKED
            )
            .values(next_attempt_at=now)
        )
        return int(res.rowcount)  # type: ignore[attr-defined]


def counts(db: Database, now: datetime) -> dict[str, Any]:
    with db.read() as s:
        rows = dict(
            (r[0], r[1]) for r in s.execute(select(_T.c.status, func.count()).group_by(_T.c.status))
        )
        oldest = s.execute(
            select(func.min(_T.c.created_at)).where(_T.c.status.in_((PENDING, IN_FLIGHT)))
        ).scalar()
        next_due = s.execute(
            select(func.min(_T.c.next_attempt_at)).where(
                _T.c.status == PENDING, _T.c.next_attempt_at < BLOCKED
            )
        ).scalar()
    oldest_s = None
    if oldest is not None:
        oldest_s = round((now - as_utc(oldest)).total_seconds(), 1)
    return {
        "pending": int(rows.get(PENDING, 0)),
        "in_flight": int(rows.get(IN_FLIGHT, 0)),
        "dead": int(rows.get(DEAD, 0)),
        "done": int(rows.get(DONE, 0)),
        "oldest_pending_s": oldest_s,
        "next_attempt_at": as_utc(next_due).isoformat() if next_due is not None else None,
    }


def dead_letters(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(
            select(_T.c.id, _T.c.kind, _T.c.attempts, _T.c.last_error, _T.c.done_at, _T.c.payload)
            .where(_T.c.status == DEAD)
            .order_by(_T.c.id)
            .limit(limit)
        ).all()
    out = []
    for r in rows:
        payload = json.loads(r[5])
        out.append(
            {
                "id": r[0],
                "kind": r[1],
                "attempts": r[2],
                "reason": r[3],
                "dead_at": as_utc(r[4]).isoformat() if r[4] else None,
                "client_payment_id": payload.get("client_payment_id"),
            }
        )
    return out
