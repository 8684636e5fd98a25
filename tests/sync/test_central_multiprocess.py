"""Many OS processes, the real failure modes: payments taken by four counters while central
is down, two relays draining at once, a relay killed with SIGKILL mid-delivery. Every
payment must exist exactly once at central (checked in the sandbox's own database)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from branch.clock import utc_now
from branch.db import Database
from branch.models import Payment, Role
from branch.settings import Settings
from branch.staff import Actor
from sync import link_state, outbox
from sync import payments as pay
from sync.central import Central
from sync.client import CentralClient
from sync.relay import Relay

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

WRITER = r"""
import sys
from branch.clock import utc_now
from branch.db import Database
from branch.models import Role
from branch.settings import load_settings
from branch.staff import Actor
from sync import link_state, payments as pay
from sync.snapshots import SnapshotStore

url, count, numbers = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
settings = load_settings()
db = Database(url)
store = SnapshotStore(db, settings.config.central.snapshot_ttl_h)
actor = Actor("sara", Role.clerk)
for i in range(count):
    v = pay.create_payment(
        db, branch_code=settings.config.branch.code, actor=actor, amount_fils=100 + i % 7,
        purpose="arrears", now=utc_now(), national_number=numbers[i % len(numbers)],
        offline=link_state.is_offline(db, "ssc"), snapshots=store,
        offline_cap_fils=settings.config.central.offline_cash_cap_fils,
    )
    assert v.offline, "expected the offline path"
print("ok")
"""


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> tuple[str, Database]:
    url = request.getfixturevalue(f"{request.param}_url")
    db = request.getfixturevalue(f"{request.param}_db")
    return url, db


def env_for(url: str, central: Any) -> dict[str, str]:
    return {**os.environ, "TABOUR_DATABASE_URL": url, "TABOUR_CENTRAL_URL": central.url}


def drain(db: Database, central: Any, until: float = 60.0) -> None:
    async def go() -> None:
        client = CentralClient({"ssc": central.url}, timeout_s=2, reset_timeout_s=0.3)
        relay = Relay(db, client, backoff_base_s=0.01, backoff_cap_s=0.1, concurrency=16)
        try:
            deadline = time.monotonic() + until
            while True:
                await relay.run_once()
                counts = outbox.counts(db, utc_now())
                if counts["pending"] == 0 and counts["in_flight"] == 0:
                    return
                assert time.monotonic() < deadline, counts
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()

    asyncio.run(go())


def _local_cpids(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.execute(select(Payment.client_payment_id)).scalars())


def assert_exactly_once(db: Database, central: Any, expected: int) -> None:
    with db.read() as s:
        local = list(s.execute(select(Payment.client_payment_id, Payment.status)))
    assert len(local) == expected
    at_central = central.payments({cpid for cpid, _ in local})
    missing = [cpid for cpid, _ in local if cpid not in at_central]
    doubled = [cpid for cpid, rows in at_central.items() if len(rows) != 1]
    assert not missing and not doubled, (len(missing), len(doubled))
    assert {rows[0].status for rows in at_central.values()} == {"confirmed"}
    assert {status for _, status in local} == {"confirmed"}
    assert outbox.counts(db, utc_now())["dead"] == 0


def test_four_counters_offline_then_two_relays_deliver_exactly_once(
    backend: tuple[str, Database], settings: Settings, central: Any
) -> None:
    url, db = backend
    people = central.contributors("voluntary_active", 40, min_unpaid=1)
    numbers = [r.national_number for r in people]

    async def warm() -> None:
        c = Central.open(db, settings, env={"TABOUR_CENTRAL_URL": central.url}, read_attempts=1)
        try:
            for nn in numbers:
                who = await c.lookup(national_number=nn)
                await c.statement(who.value.contributor_id)
            central.faults(outage=True)
            for _ in range(3):  # the counters notice: the breaker opens and is published
                with contextlib.suppress(Exception):
                    await c.lookup(national_number=numbers[0])
        finally:
            await c.aclose()

    asyncio.run(warm())
    assert link_state.is_offline(db, "ssc")
    t0 = time.monotonic()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, "250", ",".join(numbers[i::4])],
            cwd=ROOT,
            env=env_for(url, central),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(4)
    ]
    for w in writers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()[-2000:]
    created_s = time.monotonic() - t0
    counts = outbox.counts(db, utc_now())
    assert counts["pending"] == 2000
    assert not central.payments(_local_cpids(db))  # nothing reached central while it was down
    # central comes back; two relays drain at once
    central.faults()
    t1 = time.monotonic()
    relays = [
        subprocess.Popen(
            [sys.executable, "-m", "branch", "sync", "--once", "--max-backoff", "0.5"],
            cwd=ROOT,
            env=env_for(url, central),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for r in relays:
        _, err = r.communicate(timeout=120)
        assert r.returncode == 0, err.decode()[-2000:]
    drain(db, central)
    drained_s = time.monotonic() - t1
    assert_exactly_once(db, central, 1000)
    assert not link_state.is_offline(db, "ssc")  # the relay published what it saw
    print(
        f"\n[{url.split(':')[0]}] created 1000 offline in {created_s:.1f}s, drained in {drained_s:.1f}s"
    )


def test_relay_killed_mid_delivery_still_exactly_once(
    backend: tuple[str, Database], central: Any
) -> None:
    url, db = backend
    people = central.contributors("active", 30)
    for i in range(150):
        pay.create_payment(
            db,
            branch_code="AMM-TEST",
            actor=Actor("sara", Role.clerk),
            amount_fils=250,
            purpose="arrears",
            now=utc_now(),
            contributor_id=people[i % len(people)].id,
        )
    central.faults(latency_ms=150, paths=["/v1/payments"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "branch", "sync", "--concurrency", "8", "--batch", "16"],
        cwd=ROOT,
        env=env_for(url, central),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        c = outbox.counts(db, utc_now())
        if c["done"] >= 40 and c["in_flight"] > 0:
            break
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        assert time.monotonic() < deadline, c
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert outbox.counts(db, utc_now())["in_flight"] > 0  # killed mid-delivery
    central.faults()
    rerun = subprocess.run(
        [sys.executable, "-m", "branch", "sync", "--once", "--max-backoff", "0.5"],
        cwd=ROOT,
        env=env_for(url, central),
        capture_output=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    drain(db, central)
    assert_exactly_once(db, central, 150)
