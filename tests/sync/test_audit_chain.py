"""The keyed audit chain and `tabour audit verify` (issue #8 item 9): an edited entry, a
deleted middle entry, a truncated tail (caught only with the heads central holds) and a
chain rebuilt without the key are each detected, each with its own message; the relay
anchors the head at central."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from branch import audit
from branch.cli import main
from branch.clock import utc_now
from branch.db import Database
from branch.models import AuditEntry, OutboxItem
from branch.settings import Settings
from sync import outbox
from sync import problems as p
from sync.audit_anchor import enqueue_head
from sync.client import CentralClient
from sync.relay import Relay


def _fill(db: Database, n: int = 6) -> None:
    t0 = utc_now()
    with db.write() as s:
        for i in range(n):
            audit.append(
                s,
                at=t0 + timedelta(seconds=i),
                staff="sara",
                action="central.lookup",
                subject_ref=f"C00700000{i:02d}",
                where="counter-1",
            )


def _verify(db: Database, heads: list[audit.Head] | None = None) -> audit.ChainReport:
    with db.read() as s:
        return audit.verify(s, heads=heads or [])


def _tabour(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_intact_chain_is_keyed(any_db: Database, settings: Settings) -> None:
    _fill(any_db)
    report = _verify(any_db)
    assert report.ok and report.entries == 6 and report.head and report.head.seq == 6
    with any_db.read() as s:
        first = s.get(AuditEntry, 1)
    assert first is not None
    plain = hashlib.sha256(
        json.dumps(
            [
                audit.GENESIS,
                first.at.isoformat(),
                first.staff_username,
                first.action,
                first.subject_ref,
                first.where,
                first.outcome,
            ],
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert first.hash != plain  # not computable without the branch secret


def test_edited_entry(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(any_db)
    with any_db.write() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 3).values(subject_ref="C0070009999"))  # type: ignore[arg-type]
    broken = _verify(any_db).broken
    assert broken is not None and (broken.entry, broken.kind) == (3, audit.EDITED)
    assert "entry 3 was edited" in broken.message
    if not any_db.is_postgres:
        rc, _, err = _tabour(capsys, "audit", "verify")
        assert rc == 1 and "entry 3 was edited" in err and err.count("\n") == 1
        rc, out, _ = _tabour(capsys, "audit", "verify", "--json")
        obj = json.loads(out)
        assert rc == 1 and not obj["ok"] and obj["broken"]["kind"] == audit.EDITED


def test_deleted_middle_entry(any_db: Database) -> None:
    _fill(any_db)
    with any_db.write() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 3))  # type: ignore[arg-type]
    broken = _verify(any_db).broken
    assert broken is not None and (broken.entry, broken.kind) == (4, audit.DELETED)
    assert "entry 3 was deleted" in broken.message


def test_chain_rebuilt_without_the_key(any_db: Database) -> None:
    """Someone with the database but not the key edits entry 2 and recomputes every hash
    from there on (links consistent, with a key of their own)."""
    _fill(any_db)
    guess = b"not the branch secret".ljust(32, b"\0")
    with any_db.write() as s:
        rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())  # type: ignore[arg-type]
        prev = rows[0].hash
        for e in rows[1:]:
            if e.id == 2:
                e.outcome = "not_found"
            e.prev_hash = prev
            e.hash = hmac.new(guess, audit._body(prev, e.at, e.staff_username, e.action,
                                                 e.subject_ref, e.where, e.outcome),
                              hashlib.sha256).hexdigest()  # fmt: skip
            prev = e.hash
            s.add(e)
    broken = _verify(any_db).broken
    assert broken is not None and (broken.entry, broken.kind) == (2, audit.REBUILT)
    assert "rebuilt without the branch key from entry 2" in broken.message


def test_truncated_tail_needs_centrals_heads(
    sqlite_db: Database, central: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(sqlite_db)
    assert enqueue_head(sqlite_db, branch_code="AMM-ABDALI", now=utc_now()) == 6
    assert enqueue_head(sqlite_db, branch_code="AMM-ABDALI", now=utc_now()) is None  # queued
    _deliver(sqlite_db, central)
    rc, out, err = _tabour(capsys, "audit", "verify", "--against-central", "--json")
    assert rc == 0, err
    assert json.loads(out)["heads_checked"] == 1
    with sqlite_db.write() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id > 4))  # type: ignore[arg-type]
    rc, out, _ = _tabour(capsys, "audit", "verify")
    assert rc == 0 and "intact" in out  # offline, a cut tail leaves no broken link
    rc, _, err = _tabour(capsys, "audit", "verify", "--against-central")
    assert rc == 1 and err.count("\n") == 1
    assert "truncated: central holds entry 6" in err and "ends at entry 4" in err


def test_head_central_holds_differs(sqlite_db: Database, central: Any) -> None:
    _fill(sqlite_db, 3)
    enqueue_head(sqlite_db, branch_code="AMM-ABDALI", now=utc_now())
    _deliver(sqlite_db, central)
    with sqlite_db.read() as s:
        entry = s.get(AuditEntry, 3)
    assert entry is not None
    report = _verify(sqlite_db, [audit.Head(3, "f" * 64)])
    assert report.broken is not None and report.broken.kind == audit.HEAD_MISMATCH

    # central refuses another hash for a head it holds: a refusal, so the item is dead
    async def put() -> None:
        async with CentralClient({"ssc": central.url}) as client:
            from sync import contract as c

            with pytest.raises(p.CentralConflict, match="audit_head_conflict"):
                await client.put_audit_head(
                    "AMM-ABDALI", 3, c.AuditHeadUpload(hash="e" * 64, at=utc_now().isoformat())
                )
            again = await client.put_audit_head(
                "AMM-ABDALI", 3, c.AuditHeadUpload(hash=entry.hash, at=utc_now().isoformat())
            )
            assert again.value.hash == entry.hash

    asyncio.run(put())


def test_relay_housekeeping_anchors_the_head(
    sqlite_db: Database, central: Any, settings: Settings
) -> None:
    from zoneinfo import ZoneInfo

    from sync.relay import Housekeeping

    _fill(sqlite_db, 2)
    hk = Housekeeping(
        sqlite_db, branch_code="AMM-ABDALI", tz=ZoneInfo("Asia/Amman"), snapshot_ttl_h=72
    )
    hk()
    with sqlite_db.read() as s:
        items = list(
            s.execute(select(OutboxItem).where(OutboxItem.kind == outbox.AUDIT_HEAD)).scalars()  # type: ignore[call-overload]
        )
    assert [json.loads(i.payload)["seq"] for i in items] == [2]
    _deliver(sqlite_db, central)

    async def heads() -> list[Any]:
        async with CentralClient({"ssc": central.url}) as client:
            return (await client.audit_heads("AMM-ABDALI")).items

    got = {h.seq: h.hash for h in asyncio.run(heads())}
    with sqlite_db.read() as s:
        assert got[2] == audit.head(s).hash  # type: ignore[union-attr]


def _deliver(db: Database, central: Any) -> None:
    async def go() -> None:
        async with CentralClient({"ssc": central.url}, timeout_s=2) as client:
            report = await Relay(db, client).run_once()
            assert report.dead == 0 and report.delivered >= 1, report.as_dict()

    asyncio.run(go())


def test_an_intact_chain_from_before_the_key_is_rekeyed_by_the_migration(
    branch_home: Any, settings: Settings
) -> None:
    from sqlalchemy import create_engine, insert

    from branch.migrate import upgrade

    url = f"sqlite:///{branch_home / 'legacy.db'}"
    upgrade(url, "0002")
    engine = create_engine(url)
    t = AuditEntry.__table__  # type: ignore[attr-defined]
    prev, t0 = audit.GENESIS, utc_now()
    with engine.begin() as conn:
        for i in range(3):
            at = t0 + timedelta(seconds=i)
            body = audit._body(prev, at, "sara", "central.lookup", f"C{i}", "c1", "ok")
            h = hashlib.sha256(body).hexdigest()
            conn.execute(
                insert(t).values(
                    at=at, staff_username="sara", action="central.lookup", subject_ref=f"C{i}",
                    where="c1", outcome="ok", prev_hash=prev, hash=h,
                )
            )  # fmt: skip
            prev = h
    engine.dispose()
    upgrade(url)
    db = Database(url)
    try:
        report = _verify(db)
        assert report.ok and report.entries == 3
    finally:
        db.dispose()
