"""Append-only, keyed hash chain: who did what to whom, when, where, with what outcome.

Each entry's hash is an HMAC (the branch secret, `branch.secret`) over its fields and the
previous entry's hash. Editing a row breaks its own hash; deleting one breaks the next
entry's link; rebuilding the chain after a change needs the key, which stays in
`TABOUR_HOME` (mode 0600), so a rewrite by someone holding only the database shows. A
deleted tail leaves no link to break: the relay anchors the head at central (`PUT
/branches/{branch}/audit-heads/{seq}`) and `verify(..., heads=...)` checks the local chain
still holds every head central has. Appends are serialized: on SQLite by the caller's
`BEGIN IMMEDIATE`, on PostgreSQL by a transaction-scoped advisory lock.

The key is found inside `append` (the `TABOUR_HOME` of the process, cached per home), so
the many callers keep a signature without a key argument.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from branch.clock import as_utc
from branch.models import AuditEntry

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x7AB0A0D1

EDITED = "edited"
DELETED = "deleted"
TRUNCATED = "truncated"
REBUILT = "rebuilt_without_key"
HEAD_MISMATCH = "head_mismatch"

_keys: dict[str, bytes] = {}
_keys_lock = threading.Lock()


def chain_key(home: Path | None = None) -> bytes:
    """The branch secret of `home` (default: this process's `TABOUR_HOME`), read once."""
    from branch.secret import load_or_create
    from branch.settings import tabour_home

    where = (home or tabour_home()).resolve()
    with _keys_lock:
        key = _keys.get(str(where))
        if key is None:
            key = _keys[str(where)] = load_or_create(where)
        return key


def _body(
    prev_hash: str,
    at: datetime,
    staff: str | None,
    action: str,
    subject: str | None,
    where: str | None,
    outcome: str,
) -> bytes:
    return json.dumps(
        [prev_hash, as_utc(at).isoformat(), staff, action, subject, where, outcome],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _keyed(key: bytes, body: bytes) -> str:
    return hmac.new(key, b"tabour-audit\x00" + body, hashlib.sha256).hexdigest()


def _digest(key: bytes, prev_hash: str, e: AuditEntry) -> str:
    return _keyed(
        key,
        _body(prev_hash, e.at, e.staff_username, e.action, e.subject_ref, e.where, e.outcome),
    )


def rekey_legacy_chain(conn: Connection, key: bytes | None = None) -> bool:
    """Migration 0005: a chain written before the key (plain SHA-256) is re-hashed with the
    branch secret, but only if it is intact (a broken one is left for `verify` to name).
    True when it was re-keyed."""
    t = AuditEntry.__table__  # type: ignore[attr-defined]
    rows = conn.execute(sa_select(t).order_by(t.c.id)).mappings().all()
    prev = GENESIS
    for r in rows:
        body = _body(
            prev, r["at"], r["staff_username"], r["action"], r["subject_ref"], r["where"],
            r["outcome"],
        )  # fmt: skip
        if r["prev_hash"] != prev or r["hash"] != hashlib.sha256(body).hexdigest():
            return False
        prev = r["hash"]
    if not rows:
        return False
    key = key or chain_key()
    prev = GENESIS
    for r in rows:
        body = _body(
            prev, r["at"], r["staff_username"], r["action"], r["subject_ref"], r["where"],
            r["outcome"],
        )  # fmt: skip
        new = _keyed(key, body)
        conn.execute(t.update().where(t.c.id == r["id"]).values(prev_hash=prev, hash=new))
        prev = new
    return True


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
    key = chain_key()
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
        hash="",
    )
    entry.hash = _digest(key, prev, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Head:
    """A chain head as central holds it: the entry's id (its sequence number) and hash."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Break:
    entry: int
    kind: str  # EDITED | DELETED | TRUNCATED | REBUILT | HEAD_MISMATCH
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: Head | None
    heads_checked: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": asdict(self.head) if self.head else None,
            "heads_checked": self.heads_checked,
            "broken": self.broken.as_dict() if self.broken else None,
        }


def head(session: Session) -> Head | None:
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return Head(int(last.id or 0), last.hash) if last else None


def _walk(entries: Sequence[AuditEntry], key: bytes) -> Break | None:
    prev, prev_id = GENESIS, 0
    for i, e in enumerate(entries):
        eid = int(e.id or 0)
        if e.prev_hash != prev:
            gap = f"entries {prev_id + 1}..{eid - 1}" if eid - prev_id > 2 else f"entry {eid - 1}"
            what = (
                f"{gap} were deleted"
                if eid - prev_id > 2
                else f"{gap} was deleted"
                if eid - prev_id == 2
                else "an entry before it was deleted or replaced"
            )
            return Break(eid, DELETED, f"audit entry {eid} does not follow entry {prev_id}: {what}")
        if e.hash != _digest(key, prev, e):
            nxt = entries[i + 1] if i + 1 < len(entries) else None
            nxt_ok = (
                nxt is not None
                and nxt.prev_hash == e.hash
                and nxt.hash == _digest(key, e.hash, nxt)
            )
            if nxt_ok or (nxt is None and not _unkeyed(prev, e)):
                return Break(
                    eid,
                    EDITED,
                    f"audit entry {eid} was edited: its content no longer matches its hash",
                )
            return Break(
                eid,
                REBUILT,
                f"the audit chain was rebuilt without the branch key from entry {eid} on "
                "(its links agree, its keyed hashes do not)",
            )
        prev, prev_id = e.hash, eid
    return None


def _unkeyed(prev: str, e: AuditEntry) -> bool:
    """A plain SHA-256 over the same fields: how someone without the key rebuilds."""
    body = _body(prev, e.at, e.staff_username, e.action, e.subject_ref, e.where, e.outcome)
    return e.hash == hashlib.sha256(body).hexdigest()


def _against_heads(entries: Sequence[AuditEntry], heads: Iterable[Head]) -> Break | None:
    by_id = {int(e.id or 0): e for e in entries}
    last = max(by_id, default=0)
    for h in sorted(heads, key=lambda x: x.seq):
        e = by_id.get(h.seq)
        if e is None and h.seq > last:
            return Break(
                h.seq,
                TRUNCATED,
                f"the audit chain was truncated: central holds entry {h.seq} as a head, "
                f"the local chain ends at entry {last}",
            )
        if e is None:
            return Break(
                h.seq,
                DELETED,
                f"audit entry {h.seq}, anchored at central, is missing from the local chain",
            )
        if e.hash != h.hash:
            return Break(
                h.seq,
                HEAD_MISMATCH,
                f"audit entry {h.seq} differs from the head central holds (the chain was "
                "rewritten)",
            )
    return None


def verify(
    session: Session, *, heads: Iterable[Head] = (), key: bytes | None = None
) -> ChainReport:
    """Walk the whole chain (and, given central's heads, check each is still in it); name
    the first entry that breaks it, with what kind of break it is."""
    heads = list(heads)
    entries = list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))
    broken = _walk(entries, key or chain_key())
    if broken is None:
        broken = _against_heads(entries, heads)
    last = entries[-1] if entries else None
    return ChainReport(
        entries=len(entries),
        head=Head(int(last.id or 0), last.hash) if last else None,
        heads_checked=len(heads),
        broken=broken,
    )


def verify_chain(session: Session) -> int | None:
    """Return the id of the first entry that breaks the chain, or None when it is intact."""
    broken = verify(session).broken
    return broken.entry if broken else None
