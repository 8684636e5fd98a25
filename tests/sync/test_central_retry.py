"""A dead payment is retried whole (issue #8 item 3): refused → cause fixed → retried → at
central exactly once, `confirmed` locally; a clerk may not, a wrong PIN changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from branch.audit import verify_chain
from branch.cli import main
from branch.clock import utc_now
from branch.db import Database
from branch.errors import PermissionDenied
from branch.models import AuditEntry, OutboxItem, Role
from branch.staff import Actor, add_staff
from sync import outbox
from sync import payments as pay
from sync.client import CentralClient
from sync.relay import Relay
from sync.sandbox import models as sbm

CLERK = Actor("sara", Role.clerk)
SUPERVISOR = Actor("lina", Role.supervisor)


def _once(db: Database, central: Any) -> Any:
    async def go() -> Any:
        client = CentralClient({"ssc": central.url}, timeout_s=2)
        try:
            relay = Relay(db, client, backoff_base_s=0.01, backoff_cap_s=0.02)
            report = await relay.run_once()
            deadline = time.monotonic() + 20
            while outbox.counts(db, utc_now())["pending"]:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
                more = await relay.run_once()
                report.delivered += more.delivered
                report.dead += more.dead
            return report
        finally:
            await client.aclose()

    return asyncio.run(go())


def _missing_contributor(central: Any) -> str:
    """An id central does not know (yet): a record that has not reached central."""
    return f"C{int(time.time() * 1000) % 10**10:010d}"


def _fix_cause(central: Any, cid: str) -> None:
    """The cause is fixed at central: the contributor's record arrives there."""
    t = sbm.Contributor.__table__  # type: ignore[attr-defined]
    with central.engine.begin() as conn:
        model = conn.execute(select(t).where(t.c.seq == 0)).mappings().one()
        row = dict(model)
        row.update(
            id=cid,
            seq=900_000 + int(cid[-5:]),
            national_number=None,
            personal_number=None,
            insurance_number=cid[-9:],
        )
        conn.execute(insert(t).values(**row))


def _items(db: Database, cpid: str) -> list[OutboxItem]:
    with db.read() as s:
        return list(
            s.execute(
                select(OutboxItem)
                .where(OutboxItem.payload.contains(cpid))  # type: ignore[union-attr]
                .order_by(OutboxItem.id)  # type: ignore[arg-type]
            ).scalars()
        )


def test_refused_then_fixed_then_retried_lands_once(any_db: Database, central: Any) -> None:
    cid = _missing_contributor(central)
    view = pay.create_payment(
        any_db,
        branch_code="AMM-TEST",
        actor=CLERK,
        amount_fils=3000,
        purpose="arrears",
        now=utc_now(),
        contributor_id=cid,
    )
    cpid = view.client_payment_id
    report = _once(any_db, central)
    assert report.dead == 1
    assert pay.payment_status(any_db, cpid).status == "failed"
    old = _items(any_db, cpid)
    assert [i.status for i in old] == ["dead", "dead"]

    # Central stored the refusal as the final answer of the old key: resending with it
    # only replays the refusal. That is why the retry gives a refused item a new key.
    _fix_cause(central, cid)
    replay = httpx.post(
        f"{central.url}/v1/payments",
        json=json.loads(old[0].payload),
        headers={"Idempotency-Key": old[0].idempotency_key},
    )
    assert replay.status_code == 404 and replay.headers.get("idempotent-replayed") == "true"

    with pytest.raises(PermissionDenied):
        pay.retry_payment(any_db, actor=CLERK, ref=cpid, now=utc_now())
    assert [i.status for i in _items(any_db, cpid)] == ["dead", "dead"]  # nothing changed

    again = pay.retry_payment(any_db, actor=SUPERVISOR, ref=view.id, now=utc_now(), where="t")
    assert again.status == "pending" and again.failure_reason is None
    new = _items(any_db, cpid)
    assert [i.status for i in new] == ["pending", "pending"]
    assert new[0].idempotency_key != old[0].idempotency_key  # sent and refused: new key
    assert new[1].idempotency_key == old[1].idempotency_key  # never sent: same key
    assert new[1].next_attempt_at == outbox.BLOCKED  # the confirm still waits for the create
    _once(any_db, central)
    rows = central.payments([cpid])[cpid]
    assert [r.status for r in rows] == ["confirmed"]  # exactly once at central
    assert pay.payment_status(any_db, cpid).status == "confirmed"
    with any_db.read() as s:
        actions = [a.action for a in s.execute(select(AuditEntry)).scalars()]
        assert verify_chain(s) is None
    assert "payment.retry" in actions and actions.index("payment.retry") < actions.index(
        "payment.confirmed"
    )
    with pytest.raises(pay.NothingToRetry, match="nothing dead"):
        pay.retry_payment(any_db, actor=SUPERVISOR, ref=cpid, now=utc_now())


def test_retry_when_central_had_it_after_all(sqlite_db: Database, central: Any) -> None:
    """A create refused locally as dead though central has the payment (e.g. accepted under
    another key): the retry resolves it by query, never a second payment."""
    view = pay.create_payment(
        sqlite_db,
        branch_code="AMM-TEST",
        actor=CLERK,
        amount_fils=1200,
        purpose="arrears",
        now=utc_now(),
        contributor_id=central.cid(0),
    )
    cpid = view.client_payment_id
    create = _items(sqlite_db, cpid)[0]
    httpx.post(
        f"{central.url}/v1/payments",
        json=json.loads(create.payload),
        headers={"Idempotency-Key": "some-other-key-123"},
    ).raise_for_status()
    with sqlite_db.write() as s:
        outbox.mark_dead(s, create.id, None, utc_now(), "refused by an operator's mistake")
        outbox.settle_dependents(s, create.id, utc_now(), dead_reason="depends", done_note=None)
    pay.retry_payment(sqlite_db, actor=SUPERVISOR, ref=cpid, now=utc_now())
    _once(sqlite_db, central)
    assert [r.status for r in central.payments([cpid])[cpid]] == ["confirmed"]
    assert pay.payment_status(sqlite_db, cpid).status == "confirmed"


def test_cli_retry_needs_a_supervisor_pin(
    sqlite_db: Database,
    central: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with sqlite_db.write() as s:
        add_staff(
            s, username="lina", display_name="Lina", role="supervisor", pin="3333", now=utc_now()
        )
        add_staff(s, username="sara", display_name="Sara", role="clerk", pin="1111", now=utc_now())
    view = pay.create_payment(
        sqlite_db,
        branch_code="AMM-TEST",
        actor=CLERK,
        amount_fils=10,
        purpose="arrears",
        now=utc_now(),
        contributor_id="C999NOPE",
    )
    _once(sqlite_db, central)
    assert pay.payment_status(sqlite_db, view.id).status == "failed"

    def tabour(pin: str, *argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(pin + "\n"))
        rc = main(list(argv))
        out, err = capsys.readouterr()
        return rc, out, err

    rc, _, err = tabour("0000", "sync", "retry", str(view.id), "--staff", "lina")
    assert rc == 4 and err.count("\n") == 1
    rc, _, err = tabour("1111", "sync", "retry", str(view.id), "--staff", "sara")
    assert rc == 4 and "needs supervisor" in err
    assert pay.payment_status(sqlite_db, view.id).status == "failed"  # nothing changed
    rc, out, err = tabour(
        "3333", "sync", "retry", view.client_payment_id, "--staff", "lina", "--json"
    )
    assert rc == 0, err
    assert json.loads(out)["status"] == "pending"
    with sqlite_db.read() as s:
        retry = (
            s.execute(
                select(AuditEntry).where(AuditEntry.action == "payment.retry")  # type: ignore[call-overload]
            )
            .scalars()
            .one()
        )
    assert retry.staff_username == "lina" and retry.subject_ref == view.client_payment_id
