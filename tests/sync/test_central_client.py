"""The client against the sandbox over real loopback HTTP: every read, the payment
lifecycle, idempotency, and each way the link fails."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from sync import contract as c
from sync import problems as p
from sync.breaker import BreakerState
from sync.client import CentralClient, SyncCentralClient

T = TypeVar("T")


def run(sandbox: Any, fn: Callable[[CentralClient], Awaitable[T]], **kw: Any) -> T:
    async def main() -> T:
        kw.setdefault("timeout_s", 2.0)
        async with CentralClient({"ssc": sandbox.url}, **kw) as client:
            return await fn(client)

    return asyncio.run(main())


def new_payment(contributor_id: str, amount: int = 1500) -> c.PaymentCreate:
    return c.PaymentCreate(
        client_payment_id=f"TEST-{uuid.uuid4().hex}",
        contributor_id=contributor_id,
        purpose=c.PaymentPurpose.arrears,
        amount_fils=amount,
        branch_code="AMM-TEST",
    )


def test_lookup_by_each_identifier(central: Any) -> None:
    async def go(client: CentralClient) -> list[c.ContributorSummary]:
        by_nn = await client.lookup(national_number=central.nn(0))
        by_ins = await client.lookup(insurance_number=by_nn.insurance_number)
        foreign = central.contributors("active", 400)
        pn = next(r.personal_number for r in _foreign(central))
        by_pn = await client.lookup(personal_number=pn)
        assert foreign
        return [by_nn, by_ins, by_pn]

    by_nn, by_ins, by_pn = run(central, go)
    assert by_nn.contributor_id == by_ins.contributor_id
    assert by_nn.national_number_masked == "******" + central.nn(0)[-4:]
    assert by_nn.name_ar and by_nn.name_en and by_nn.status is c.ContributorStatus.active
    assert by_pn.contributor_id != by_nn.contributor_id


def _foreign(central: Any) -> list[Any]:
    from sqlalchemy import select

    from sync.sandbox import models as sbm

    t = sbm.Contributor.__table__  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        return list(conn.execute(select(t).where(t.c.personal_number.is_not(None)).limit(3)))


def test_unknown_contributor_is_not_found_and_bad_identifier_never_leaves(central: Any) -> None:
    with pytest.raises(p.CentralNotFound, match="contributor_not_found"):
        run(central, lambda cl: cl.lookup(national_number="0000000001"))
    with pytest.raises(Exception, match="exactly 10 digits") as info:
        run(central, lambda cl: cl.lookup(national_number="12345"))
    assert "12345" not in str(info.value)


def test_statement_naf_and_housing(central: Any) -> None:
    async def go(client: CentralClient) -> dict[str, Any]:
        who = await client.lookup(national_number=central.nn(1))
        st = await client.statement(who.contributor_id, "2020-01", "2020-12")
        recent = await client.statement(who.contributor_id)
        naf = await client.naf_eligibility(central.nn(0), household_size=5)
        housing = await client.housing_lookup(central.nn(9999))
        return {"who": who, "st": st, "recent": recent, "naf": naf, "housing": housing}

    r = run(central, go)
    assert r["st"].from_period == "2020-01" and r["st"].to_period == "2020-12"
    assert r["recent"].total_due_fils > 0  # seq 1 owes three months
    assert any(x.status is c.PeriodStatus.due for x in r["recent"].periods)
    assert 0 <= r["naf"].score <= 100 and r["naf"].eligible == (not r["naf"].reasons)
    assert r["naf"].eligible == (r["naf"].monthly_aid_fils > 0)
    assert len(r["housing"].items) == _housing_count(central, central.nn(9999))


def _housing_count(central: Any, nn: str) -> int:
    from sqlalchemy import func, select

    from sync.sandbox import models as sbm

    t = sbm.HousingApplication.__table__  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(t).where(t.c.national_number == nn)
            ).scalar()
            or 0
        )


def test_naf_application_appeal_and_housing_reads(central: Any) -> None:
    from sqlalchemy import select

    from sync.sandbox import models as sbm

    nt = sbm.NafApplication.__table__  # type: ignore[attr-defined]
    ht = sbm.HousingApplication.__table__  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        statuses = {r[0] for r in conn.execute(select(nt.c.status).distinct())}
        hstatuses = {r[0] for r in conn.execute(select(ht.c.status).distinct())}
        rejected = conn.execute(select(nt.c.id).where(nt.c.status == "rejected")).first()[0]
        approved = conn.execute(select(nt.c.id).where(nt.c.status == "approved")).first()[0]
        housing_id = conn.execute(select(ht.c.id)).first()[0]
    assert statuses == {s.value for s in c.NafApplicationStatus}
    assert hstatuses == {s.value for s in c.HousingStatus}

    async def go(client: CentralClient) -> None:
        got = await client.naf_application(rejected)
        assert got.status is c.NafApplicationStatus.rejected
        appeal = await client.naf_appeal(rejected, "income has dropped", uuid.uuid4().hex)
        assert appeal.value.application_id == rejected
        assert (await client.naf_application(rejected)).status is c.NafApplicationStatus.appealed
        with pytest.raises(p.CentralConflict, match="appeal_not_allowed"):
            await client.naf_appeal(approved, "please", None)
        h = await client.housing_application(housing_id)
        assert h.id == housing_id
        new = await client.naf_apply(
            c.NafApplicationCreate(
                national_number=central.nn(7777),
                household_size=4,
                monthly_income_fils=120_000,
                branch_code="AMM-TEST",
            ),
            uuid.uuid4().hex,
        )
        assert new.value.status is c.NafApplicationStatus.submitted

    run(central, go)


def test_payment_lifecycle_and_idempotency(central: Any) -> None:
    async def go(client: CentralClient) -> None:
        who = await client.lookup(national_number=central.nn(0))
        body = new_payment(who.contributor_id)
        key = uuid.uuid4().hex
        first = await client.submit_payment(body, key)
        assert first.value.status is c.PaymentStatus.pending and not first.replayed
        again = await client.submit_payment(body, key)
        assert again.replayed and again.value.id == first.value.id
        changed = body.model_copy(update={"amount_fils": 99})
        with pytest.raises(p.IdempotencyMismatch):
            await client.submit_payment(changed, key)
        with pytest.raises(p.CentralConflict, match="client_payment_id_exists") as info:
            await client.submit_payment(body, uuid.uuid4().hex)
        assert info.value.extra["payment_id"] == first.value.id
        assert (await client.find_payment(body.client_payment_id)).id == first.value.id
        assert await client.find_payment("NOPE-" + uuid.uuid4().hex) is None
        with pytest.raises(p.CentralConflict, match="no_receipt"):
            await client.receipt(first.value.id)
        confirmed = await client.confirm_payment(first.value.id, uuid.uuid4().hex)
        assert confirmed.value.status is c.PaymentStatus.confirmed
        receipt = await client.receipt(first.value.id)
        assert receipt.receipt_no == confirmed.value.receipt_no
        reversed_ = await client.reverse_payment(first.value.id, "wrong amount", None)
        assert reversed_.value.status is c.PaymentStatus.reversed
        with pytest.raises(p.CentralConflict, match="invalid_transition"):
            await client.confirm_payment(first.value.id, None)
        other = await client.submit_payment(new_payment(who.contributor_id), uuid.uuid4().hex)
        cancelled = await client.cancel_payment(other.value.id, None)
        assert cancelled.value.status is c.PaymentStatus.cancelled
        dead = await client.lookup(national_number=central.nn(4))
        failed = await client.submit_payment(new_payment(dead.contributor_id), uuid.uuid4().hex)
        assert failed.value.status is c.PaymentStatus.failed
        assert (await client.get_payment(first.value.id)).status is c.PaymentStatus.reversed

    run(central, go)


def test_concurrent_duplicate_is_409_retryable(central: Any) -> None:
    central.faults(hold_ms=1500)

    key = uuid.uuid4().hex

    async def go(client: CentralClient) -> list[Any]:
        body = new_payment(central.cid(0))
        first = asyncio.ensure_future(client.submit_payment(body, key))
        await _until(lambda: _key_state(central, key) == "in_progress")  # the first is held
        second = await asyncio.gather(client.submit_payment(body, key), return_exceptions=True)
        return [await first, second[0]]

    first, second = run(central, go)
    assert isinstance(first.value, c.CentralPayment) and not first.replayed
    assert isinstance(second, p.CentralConflict) and second.retryable
    assert second.code == p.REQUEST_IN_PROGRESS
    assert _key_state(central, key) == "done"


def _key_state(central: Any, key: str) -> str | None:
    from sqlalchemy import select

    from sync.sandbox import models as sbm

    t = sbm.IdempotencyRecord.__table__  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        return conn.execute(select(t.c.state).where(t.c.key == key)).scalar()


async def _until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait on state, not on time: poll `cond` off the event loop until it holds."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(cond):
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.01)


def test_timeouts_drops_garbage_and_500s_map_to_clear_errors(central: Any) -> None:
    body = new_payment("C0070000000")
    central.faults(latency_ms=1500)
    t0 = time.monotonic()
    with pytest.raises(p.CentralAmbiguous, match="did not answer"):
        run(central, lambda cl: cl.submit_payment(body, uuid.uuid4().hex), timeout_s=0.5)
    assert time.monotonic() - t0 < 1.4
    central.faults(drop_rate=1.0)
    with pytest.raises(p.CentralAmbiguous, match="dropped the connection"):
        run(central, lambda cl: cl.submit_payment(body, uuid.uuid4().hex))
    assert len(central.payments([body.client_payment_id])[body.client_payment_id]) == 1
    central.faults(malformed_rate=1.0)
    with pytest.raises(p.CentralProtocolError, match="malformed body"):
        run(central, lambda cl: cl.get_payment("PAY-0000"))
    central.faults(error_rate=1.0)
    with pytest.raises(p.CentralUnavailable, match="unavailable"):
        run(central, lambda cl: cl.lookup(national_number=central.nn(0)))


def test_reads_retry_briefly_on_fast_failures(central: Any) -> None:
    central.faults(error_rate=0.5)
    ok = 0
    for _ in range(10):
        try:
            run(
                central,
                lambda cl: cl.lookup(national_number=central.nn(0)),
                read_attempts=5,
                failure_threshold=10,  # keep the breaker out of this test
            )
            ok += 1
        except p.CentralUnavailable:
            pass
    assert ok >= 7  # each call fails only if all five attempts do (1 in 32)


def test_breaker_opens_fails_fast_and_half_open_probe_closes_it(central: Any) -> None:
    changes: list[str] = []

    async def go(client: CentralClient) -> None:
        central.faults(outage=True)
        for _ in range(3):
            with pytest.raises(p.CentralUnavailable):
                await client.lookup(national_number=central.nn(0))
        assert client.breakers["ssc"].state is BreakerState.open
        assert client.breakers["naf"].state is BreakerState.closed  # one breaker per upstream
        t0 = time.monotonic()
        with pytest.raises(p.CentralUnavailable, match="offline") as info:
            await client.lookup(national_number=central.nn(0))
        # No request, no probe: answered well inside the 0.3 s reset (0.05 s failed under load).
        assert info.value.code == p.BREAKER_OPEN and time.monotonic() - t0 < 0.25
        await _until(lambda: client.breakers["ssc"].state is BreakerState.half_open)
        with pytest.raises(p.CentralUnavailable, match="still offline"):
            await client.lookup(national_number=central.nn(0))  # probe fails: open again
        central.faults()
        await _until(lambda: client.breakers["ssc"].state is BreakerState.half_open)
        who = await client.lookup(national_number=central.nn(0))  # probe, then the call
        assert who.contributor_id
        assert client.breakers["ssc"].state is BreakerState.closed

    run(
        central,
        go,
        reset_timeout_s=0.3,
        read_attempts=1,
        on_breaker_change=lambda s: changes.append(s.state.value),
    )
    assert changes == ["open", "open", "closed"]


def test_sync_face(central: Any) -> None:
    with SyncCentralClient(lambda: CentralClient({"ssc": central.url}, timeout_s=2)) as sc:
        assert sc.health().status == "ok"
        assert sc.lookup(national_number=central.nn(0)).contributor_id


def test_connection_refused_is_unavailable_not_ambiguous() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # held, bound and not listening: the kernel refuses
        port = s.getsockname()[1]
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
            pass

        async def go() -> None:
            async with CentralClient(
                {"ssc": f"http://127.0.0.1:{port}"}, timeout_s=1, read_attempts=1
            ) as client:
                with pytest.raises(p.CentralUnavailable, match="cannot be reached") as info:
                    await client.health()
                assert not isinstance(info.value, p.CentralAmbiguous)
                assert info.value.code == p.TRANSPORT and info.value.kind == p.UNREACHABLE

        asyncio.run(go())


def test_a_4xx_that_is_not_problem_json_is_a_link_fault() -> None:
    """A proxy's HTML page is not central refusing anything (issue #8 item 1)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>404 Not Found</html>")

    async def go() -> None:
        async with CentralClient(
            {"ssc": "http://127.0.0.1:1"}, transport=httpx.MockTransport(handler), read_attempts=1
        ) as client:
            with pytest.raises(p.CentralUnavailable, match="HTTP 404") as info:
                await client.health()
            assert info.value.kind == p.BAD_GATEWAY

    asyncio.run(go())
