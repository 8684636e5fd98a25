"""The outbox and the relay on SQLite and PostgreSQL, against the sandbox: one local
transaction per payment, exactly-once delivery through drops, timeouts, 500s and garbage,
dead letters for refusals, claims that never overlap."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from branch.audit import verify_chain
from branch.clock import utc_now
from branch.db import Database
from branch.errors import PermissionDenied
from branch.models import AuditEntry, OutboxItem, Payment, Role
from branch.settings import Settings
from branch.staff import Actor
from sync import outbox
from sync import payments as pay
from sync.client import CentralClient
from sync.relay import Relay

ROOT = Path(__file__).resolve().parents[2]
CLERK = Actor("sara", Role.clerk)
SUPERVISOR = Actor("lina", Role.supervisor)


def make_relay(db: Database, central: Any, **kw: Any) -> Relay:
    client = CentralClient(
        {"ssc": central.url},
        timeout_s=kw.pop("timeout_s", 2.0),
        reset_timeout_s=kw.pop("reset_timeout_s", 0.3),
    )
    kw.setdefault("backoff_base_s", 0.01)
    kw.setdefault("backoff_cap_s", 0.05)
    kw.setdefault("before_round", None)
    return Relay(db, client, **kw)


def drain(relay: Relay, until: float = 20.0) -> None:
    """Run the relay until nothing is pending (backoffs are tiny in these tests)."""

    async def go() -> None:
        try:
            deadline = time.monotonic() + until
            while True:
                await relay.run_once()
                counts = outbox.counts(relay.db, utc_now())
                if counts["pending"] == 0 and counts["in_flight"] == 0:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"relay did not drain: {counts}")
                await asyncio.sleep(0.05)
        finally:
            await relay.client.aclose()

    asyncio.run(go())


def once(relay: Relay) -> Any:
    async def go() -> Any:
        try:
            return await relay.run_once()
        finally:
            await relay.client.aclose()

    return asyncio.run(go())


def queue(
    db: Database, central: Any, seq: int = 0, amount: int = 2500, **kw: Any
) -> pay.PaymentView:
    kw.setdefault("contributor_id", central.cid(seq))
    return pay.create_payment(
        db,
        branch_code="AMM-TEST",
        actor=CLERK,
        amount_fils=amount,
        purpose="arrears",
        now=utc_now(),
        **kw,
    )


def payment_row(db: Database, cpid: str) -> Payment:
    with db.read() as s:
        return s.exec(select(Payment).where(Payment.client_payment_id == cpid)).scalars().one()  # type: ignore[call-overload]


def test_payment_is_one_local_transaction_then_delivered_once(
    any_db: Database, central: Any
) -> None:
    view = queue(any_db, central)
    assert view.status == "pending" and view.provisional_receipt_no.startswith("P-AMM-TEST-")
    with any_db.read() as s:
        items = s.exec(select(OutboxItem).order_by(col(OutboxItem.id))).scalars().all()  # type: ignore[call-overload]
        audits = (
            s.exec(select(AuditEntry).where(AuditEntry.action == "payment.create")).scalars().all()
        )  # type: ignore[call-overload]
    assert [i.kind for i in items] == [outbox.PAYMENT_CREATE, outbox.PAYMENT_CONFIRM]
    assert items[1].depends_on == items[0].id
    assert len(audits) == 1 and audits[0].subject_ref == view.client_payment_id
    assert json.loads(items[0].payload)["contributor_id"] == central.cid(0)
    assert all(central.nn(0) not in i.payload for i in items)  # never a national number
    report = once(make_relay(any_db, central))
    assert report.delivered == 2
    row = payment_row(any_db, view.client_payment_id)
    assert row.status == "confirmed" and row.receipt_no and row.central_id
    assert row.contributor_ref.startswith("C")
    at_central = central.payments([view.client_payment_id])[view.client_payment_id]
    assert [r.status for r in at_central] == ["confirmed"]
    with any_db.read() as s:
        create = s.get(OutboxItem, items[0].id)
        assert "national_number" not in json.loads(create.payload)
        assert verify_chain(s) is None


@pytest.mark.parametrize(
    "fault",
    [
        {"drop_rate": 1.0},
        {"error_rate": 1.0},
        {"malformed_rate": 1.0},
        {"latency_ms": 1200},
    ],
    ids=["drop-after-commit", "http-503", "malformed-json", "slow-past-timeout"],
)
def test_failures_are_retried_with_the_same_key_and_land_once(
    sqlite_db: Database, central: Any, fault: dict[str, Any]
) -> None:
    views = [queue(sqlite_db, central, seq=s) for s in (0, 1)]
    seen_before = central.requests_seen()
    central.faults(paths=["/v1/payments"], **fault)
    report = once(make_relay(sqlite_db, central, timeout_s=0.5))
    assert report.delivered == 0 and report.retried + report.deferred >= 1
    with sqlite_db.read() as s:
        first = s.exec(select(OutboxItem).order_by(col(OutboxItem.id))).scalars().first()  # type: ignore[call-overload]
    assert first.status == "pending" and first.attempts == 1 and first.last_error
    assert first.next_attempt_at > first.created_at  # backoff persisted
    central.faults()
    drain(make_relay(sqlite_db, central))  # a new relay: a new client, its breaker closed
    for v in views:
        rows = central.payments([v.client_payment_id]).get(v.client_payment_id, [])
        assert [r.status for r in rows] == ["confirmed"], fault
        assert payment_row(sqlite_db, v.client_payment_id).status == "confirmed"
    # Every attempt carried the key the item got when it was queued (read at the sandbox).
    with sqlite_db.read() as s:
        keys = {
            i.kind: i.idempotency_key
            for i in s.exec(select(OutboxItem).order_by(col(OutboxItem.id))).scalars()  # type: ignore[call-overload]
            if i.payload.find(views[0].client_payment_id) >= 0
        }
    sent = [r for r in central.requests(since=seen_before) if r["method"] == "POST"]
    creates = [r["idempotency_key"] for r in sent if r["path"] == "/v1/payments"]
    assert creates and all(k is not None for k in creates)
    with sqlite_db.read() as s:
        create_keys = {
            i.idempotency_key
            for i in s.exec(
                select(OutboxItem).where(OutboxItem.kind == outbox.PAYMENT_CREATE)
            ).scalars()  # type: ignore[call-overload]
        }
    assert set(creates) == create_keys, fault  # no attempt minted a key of its own
    confirms = [r["idempotency_key"] for r in sent if r["path"].endswith(":confirm")]
    assert keys[outbox.PAYMENT_CONFIRM] in confirms
    if "error_rate" in fault:  # the 503ed create never took effect: it was sent again
        assert creates.count(keys[outbox.PAYMENT_CREATE]) >= 2, (fault, creates)


def test_refusal_goes_to_dead_letters_with_reason(any_db: Database, central: Any) -> None:
    view = queue(any_db, central, contributor_id="C999NOPE")
    report = once(make_relay(any_db, central))
    assert report.dead == 1
    dead = outbox.dead_letters(any_db)
    assert [d["kind"] for d in dead] == [outbox.PAYMENT_CREATE, outbox.PAYMENT_CONFIRM]
    assert "contributor_not_found" in dead[0]["reason"]
    assert "depends on dead item" in dead[1]["reason"]
    row = payment_row(any_db, view.client_payment_id)
    assert row.status == "failed" and "contributor_not_found" in row.failure_reason
    assert outbox.counts(any_db, utc_now())["dead"] == 2
    assert central.payments([view.client_payment_id]) == {}


def test_central_failed_payment_skips_confirm(sqlite_db: Database, central: Any) -> None:
    view = queue(sqlite_db, central, seq=4)  # deceased: central records it as failed
    once(make_relay(sqlite_db, central))
    row = payment_row(sqlite_db, view.client_payment_id)
    assert row.status == "failed" and row.failure_reason == "contributor_deceased"
    assert pay.payment_status(sqlite_db, view.id).delivery == "delivered"


def test_outage_defers_without_burning_attempts_then_drains(
    sqlite_db: Database, central: Any
) -> None:
    views = [queue(sqlite_db, central, seq=s) for s in range(6)]
    central.faults(outage=True)
    relay = make_relay(sqlite_db, central, batch_size=6, concurrency=1)
    report = once(relay)
    assert report.delivered == 0 and report.deferred >= 1
    with sqlite_db.read() as s:
        attempts = [i.attempts for i in s.exec(select(OutboxItem)).scalars()]  # type: ignore[call-overload]
    assert max(attempts) <= 1 and sum(attempts) == 3  # three tries opened the breaker
    central.faults()
    drain(make_relay(sqlite_db, central))
    assert all(
        len(central.payments([v.client_payment_id])[v.client_payment_id]) == 1 for v in views
    )


def test_reversal_needs_a_supervisor_and_follows_the_confirm(
    any_db: Database, central: Any
) -> None:
    view = queue(any_db, central)
    with pytest.raises(PermissionDenied):
        pay.reverse_payment(any_db, actor=CLERK, ref=str(view.id), reason="typo", now=utc_now())
    pay.reverse_payment(
        any_db, actor=SUPERVISOR, ref=view.client_payment_id, reason="wrong person", now=utc_now()
    )
    drain(make_relay(any_db, central))
    assert payment_row(any_db, view.client_payment_id).status == "reversed"
    assert [
        r.status for r in central.payments([view.client_payment_id])[view.client_payment_id]
    ] == ["reversed"]


def test_expired_lease_and_dead_holder_are_reclaimed(any_db: Database) -> None:
    now = utc_now()
    with any_db.write() as s:
        for n in range(3):
            outbox.enqueue(s, kind="stats.window", payload={"n": n}, key=f"k-{n}", now=now)
    got = outbox.claim(any_db, worker="somehost:1:x", now=now, limit=1, lease_s=0.5)
    assert len(got) == 1
    import socket

    dead_holder = f"{socket.gethostname()[:32]}:999999:abc"
    got2 = outbox.claim(any_db, worker=dead_holder, now=now, limit=1, lease_s=600)
    assert outbox.claim(any_db, worker="w3", now=now, limit=5, lease_s=60)[0].id not in {
        got[0].id,
        got2[0].id,
    }
    assert outbox.release_orphans(any_db, now) == 1  # pid 999999 does not exist
    again = outbox.claim(any_db, worker="w4", now=now + timedelta(seconds=1), limit=5, lease_s=60)
    assert {i.id for i in again} == {got[0].id, got2[0].id}  # expired lease + orphan
    assert all(i.attempts == 2 for i in again)


CLAIMER = r"""
import sys
import time
from pathlib import Path
from branch.clock import utc_now
from branch.db import Database
from sync import outbox

url, name, gate = sys.argv[1], sys.argv[2], Path(sys.argv[3])
db = Database(url)
db.dispose()  # connect before the start: all four claim from the first instant
(gate / f"{name}.ready").touch()
while not (gate / "go").exists():
    time.sleep(0.005)
now = utc_now()
taken = []
while True:
    got = outbox.claim(db, worker=name, now=now, limit=3, lease_s=600)
    if not got:
        break
    taken.extend(x.id for x in got)
print(",".join(map(str, taken)))
"""


def test_concurrent_claimers_never_share_an_item(
    any_db: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Four OS processes claim at once (not threads: each its own connections and pool)."""
    now = utc_now()
    with any_db.write() as s:
        for n in range(240):
            outbox.enqueue(s, kind="stats.window", payload={"n": n}, key=f"c-{n}", now=now)
    url = request.getfixturevalue("postgres_url" if any_db.is_postgres else "sqlite_url")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, url, f"w{i}", str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i in range(4)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.ready"))) < 4:  # wait on state: every claimer is up
        assert time.monotonic() < deadline and all(p_.poll() is None for p_ in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    taken: list[list[int]] = []
    for p_ in procs:
        out, err = p_.communicate(timeout=120)
        assert p_.returncode == 0, err.decode()[-2000:]
        taken.append([int(x) for x in out.decode().strip().split(",") if x])
    flat = [x for t in taken for x in t]
    assert len(flat) == 240 and len(set(flat)) == 240
    assert sum(1 for t in taken if t) >= 2  # they really ran side by side
    with any_db.read() as s:
        holders = dict(
            s.execute(select(OutboxItem.id, OutboxItem.claimed_by)).all()  # type: ignore[call-overload]
        )
    for i, ids in enumerate(taken):
        assert all(holders[x] == f"w{i}" for x in ids)  # the database agrees who holds what


def test_status_counts(sqlite_db: Database, central: Any, settings: Settings) -> None:
    queue(sqlite_db, central)
    counts = outbox.counts(sqlite_db, utc_now() + timedelta(seconds=5))
    assert counts["pending"] == 2 and counts["oldest_pending_s"] >= 4
    with sqlite_db.read() as s:
        n = s.execute(select(func.count()).select_from(Payment)).scalar()
    assert n == 1
