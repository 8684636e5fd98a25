"""Offline: reads from snapshots marked stale, purge after the TTL, the offline payment rules,
and the audit trail of lookups."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from branch.audit import verify_chain
from branch.clock import FixedClock, utc_now
from branch.db import Database
from branch.models import AuditEntry, OutboxItem, Payment, Role, Snapshot
from branch.settings import Settings
from branch.staff import Actor
from sync import link_state
from sync import problems as p
from sync.breaker import BreakerSnapshot, BreakerState
from sync.central import Central
from sync.contract import ContributorSummary
from sync.payments import OfflinePaymentRefused, PayerUnresolved
from sync.snapshots import SnapshotStore

CLERK = Actor("sara", Role.clerk)


def run(central: Central, coro_fn: Any) -> Any:
    async def go() -> Any:
        try:
            return await coro_fn(central)
        finally:
            await central.aclose()

    return asyncio.run(go())


def open_central(db: Database, settings: Settings, sandbox: Any, **kw: Any) -> Central:
    kw.setdefault("timeout_s", 1.0)
    kw.setdefault("read_attempts", 1)
    return Central.open(db, settings, env={"TABOUR_CENTRAL_URL": sandbox.url}, **kw)


def test_reads_fall_back_to_stale_snapshots(
    sqlite_db: Database, settings: Settings, central: Any
) -> None:
    nn = central.nn(1)

    async def online(c: Central) -> Any:
        who = await c.lookup(actor=CLERK, national_number=nn)
        st = await c.statement(who.value.contributor_id, actor=CLERK)
        naf = await c.naf_eligibility(nn, actor=CLERK)
        housing = await c.housing_lookup(nn, actor=CLERK)
        return who, st, naf, housing

    who, st, naf, housing = run(open_central(sqlite_db, settings, central), online)
    assert not who.stale and not st.stale and not naf.stale and not housing.stale
    central.faults(outage=True)

    async def offline(c: Central) -> Any:
        who2 = await c.lookup(actor=CLERK, national_number=nn)
        st2 = await c.statement(who2.value.contributor_id, actor=CLERK)
        naf2 = await c.naf_eligibility(nn, actor=CLERK)
        with pytest.raises(p.CentralUnavailable, match="no copy"):
            await c.lookup(actor=CLERK, national_number=central.nn(2))
        return who2, st2, naf2

    who2, st2, naf2 = run(open_central(sqlite_db, settings, central), offline)
    assert who2.stale and who2.value == who.value and who2.as_of == who.as_of
    assert st2.stale and st2.value.total_due_fils == st.value.total_due_fils
    assert naf2.stale
    with sqlite_db.read() as s:
        outcomes = [
            (a.action, a.outcome)
            for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]
        assert verify_chain(s) is None
    assert ("central.lookup", "ok") in outcomes and ("central.lookup", "stale") in outcomes
    assert outcomes.count(("central.lookup", "ok")) == 1


def test_snapshots_expire_and_are_purged(
    sqlite_db: Database, settings: Settings, central: Any
) -> None:
    clock = FixedClock(utc_now())
    c = open_central(sqlite_db, settings, central)
    c.clock = clock
    c.snapshots = SnapshotStore(sqlite_db, settings.config.central.snapshot_ttl_h, clock)
    central.faults()
    run(c, lambda c: c.lookup(national_number=central.nn(0)))
    store = c.snapshots
    with sqlite_db.read() as s:
        assert s.execute(select(func.count()).select_from(Snapshot)).scalar() == 2  # by nn + by id
    clock.advance(settings.config.central.snapshot_ttl_h * 3600 + 60)
    assert store.get("contributor", f"national_number:{central.nn(0)}", ContributorSummary) is None
    assert store.purge() == 2


def _go_offline(db: Database) -> None:
    link_state.publish(
        db, BreakerSnapshot("ssc", BreakerState.open, 3, "outage", 0.0), utc_now(), by="test"
    )


def test_offline_payment_rules(sqlite_db: Database, settings: Settings, central: Any) -> None:
    nn = central.nn(1)  # owes three months
    cap = settings.config.central.offline_cash_cap_fils
    c = open_central(sqlite_db, settings, central)
    _go_offline(sqlite_db)
    assert c.is_offline()
    with pytest.raises(PayerUnresolved, match="no cached record; take the payment when"):
        asyncio.run(
            c.create_payment(actor=CLERK, national_number=nn, amount_fils=1000, purpose="arrears")
        )
    assert _written(sqlite_db) == (0, 0)  # nothing written
    with pytest.raises(OfflinePaymentRefused, match="no recent copy"):  # id known, dues not
        c.create_payment_now(
            actor=CLERK, contributor_id=central.cid(1), amount_fils=1000, purpose="arrears"
        )

    async def warm(c: Central) -> Any:
        who = await c.lookup(national_number=nn)
        return await c.statement(who.value.contributor_id)

    st = run(c, warm).value
    due = st.total_due_fils
    assert due > 0
    c = open_central(sqlite_db, settings, central)
    with pytest.raises(OfflinePaymentRefused, match="only cash"):
        c.create_payment_now(
            actor=CLERK, national_number=nn, amount_fils=1000, purpose="arrears", method="card"
        )
    with pytest.raises(OfflinePaymentRefused, match="offline cap"):
        c.create_payment_now(
            actor=CLERK, national_number=nn, amount_fils=cap + 1, purpose="arrears"
        )
    first = min(due, cap) - 1
    view = c.create_payment_now(
        actor=CLERK, national_number=nn, amount_fils=first, purpose="arrears"
    )
    assert (
        view.offline and view.provisional_receipt_no and view.contributor_ref == st.contributor_id
    )
    left = due - first
    with pytest.raises(OfflinePaymentRefused, match="cached dues leave"):
        c.create_payment_now(
            actor=CLERK, national_number=nn, amount_fils=left + 1, purpose="arrears"
        )
    c.create_payment_now(actor=CLERK, national_number=nn, amount_fils=left, purpose="arrears")
    asyncio.run(c.aclose())


def test_online_payment_looks_the_payer_up_first(
    sqlite_db: Database, settings: Settings, central: Any
) -> None:
    c = open_central(sqlite_db, settings, central)
    assert not c.is_offline()

    async def go(c: Central) -> Any:
        view = await c.create_payment(
            actor=CLERK, national_number=central.nn(3), amount_fils="1234", purpose="late_fee"
        )
        status = await c.payment_status(view.client_payment_id)
        with pytest.raises(p.CentralNotFound):  # central does not know the person
            await c.create_payment(
                actor=CLERK, national_number="0000000001", amount_fils=5, purpose="arrears"
            )
        return view, status

    view, status = run(c, go)
    assert not view.offline and view.contributor_ref == central.cid(3)
    assert status.delivery == "queued"
    with sqlite_db.read() as s:
        payloads = [i.payload for i in s.execute(select(OutboxItem)).scalars()]
        actions = [a.action for a in s.execute(select(AuditEntry)).scalars()]
    assert payloads and all(central.nn(3) not in x for x in payloads)
    assert json.loads(payloads[0])["contributor_id"] == central.cid(3)
    assert actions[:2] == ["central.lookup", "payment.create"]  # the lookup is audited too
    assert _written(sqlite_db) == (1, 2)  # nothing written for the unknown person


def test_link_fault_during_lookup_means_snapshot_or_nothing(
    sqlite_db: Database, settings: Settings, central: Any
) -> None:
    """The breaker is still closed, but central drops every connection: the lookup falls
    back to the snapshot (offline payment) or, without one, nothing is written."""
    nn = central.nn(1)
    warm = open_central(sqlite_db, settings, central)

    async def look(c: Central) -> Any:
        who = await c.lookup(national_number=nn)
        return await c.statement(who.value.contributor_id)

    due = run(warm, look).value.total_due_fils
    central.faults(outage=True)
    c = open_central(sqlite_db, settings, central)
    assert not c.is_offline()

    async def go(c: Central) -> Any:
        with pytest.raises(PayerUnresolved, match="no cached record"):
            await c.create_payment(
                actor=CLERK, national_number=central.nn(2), amount_fils=100, purpose="arrears"
            )
        assert _written(sqlite_db) == (0, 0)
        return await c.create_payment(
            actor=CLERK, national_number=nn, amount_fils=min(due, 5000), purpose="arrears"
        )

    view = run(c, go)
    assert view.offline and view.contributor_ref == central.cid(1)


def _written(db: Database) -> tuple[int, int]:
    with db.read() as s:
        return (
            int(s.execute(select(func.count()).select_from(Payment)).scalar() or 0),
            int(s.execute(select(func.count()).select_from(OutboxItem)).scalar() or 0),
        )


def test_snapshot_keys_are_keyed_by_the_branch_secret(
    sqlite_db: Database, settings: Settings, central: Any, tmp_path: Any
) -> None:
    import hashlib
    import stat

    from branch.secret import keyed_hash, load_or_create, secret_path

    key = load_or_create(settings.home)
    assert stat.S_IMODE(secret_path(settings.home).stat().st_mode) == 0o600
    run(
        open_central(sqlite_db, settings, central),
        lambda c: c.lookup(national_number=central.nn(0)),
    )
    with sqlite_db.read() as s:
        hashes = {r.key_hash for r in s.execute(select(Snapshot)).scalars()}
    plain = hashlib.sha256(
        f"tabour-snapshot\x00contributor\x00national_number:{central.nn(0)}".encode()
    ).hexdigest()
    mine = keyed_hash(key, "snapshot", f"contributor\x00national_number:{central.nn(0)}")
    assert plain not in hashes and mine in hashes
    other = SnapshotStore(sqlite_db, 72, secret=load_or_create(tmp_path / "other-branch"))
    assert other.get("contributor", f"national_number:{central.nn(0)}", ContributorSummary) is None


def test_breaker_changes_are_published_for_other_processes(
    sqlite_db: Database, settings: Settings, central: Any
) -> None:
    central.faults(outage=True)
    c = open_central(sqlite_db, settings, central, reset_timeout_s=30)

    async def fail(c: Central) -> None:
        for _ in range(3):
            with pytest.raises(p.CentralUnavailable):
                await c.naf_application("N0000000")

    run(c, fail)
    states = link_state.read_all(sqlite_db)
    assert states["naf"]["state"] == "open" and "ssc" not in states
    assert not link_state.is_offline(sqlite_db, "ssc")
    _ = timedelta
