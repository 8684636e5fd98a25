"""The relay: delivers the outbox to central, exactly once in effect.

Rules it keeps (DESIGN §6):
- every item is sent with the Idempotency-Key chosen when it was queued, never a new one;
- an answer that may have been lost (timeout, dropped connection, garbage) is resolved by
  asking central (`GET /payments?client_payment_id=`) before sending the create again;
- a payment's create is done before its confirm is claimed (`depends_on`);
- retryable failures back off exponentially with full jitter, `next_attempt_at` persisted;
- only central's refusal of the request itself (problem+json, business code, not
  retryable, at 400/404/409/422: `sync.problems.classify_answer`) moves the item to `dead`
  with the reason for an operator, and the payment to `failed`; credentials refused,
  throttling, 5xx and answers that are not central's (a proxy's page) are link faults: the
  item waits with backoff and the link state records the kind of fault;
- while the circuit is open nothing is sent and no attempt is counted; when central comes
  back, the backlog is due at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from branch import audit
from branch.clock import utc_now
from branch.db import Database
from branch.models import Payment
from sync import contract as c
from sync import outbox
from sync import problems as p
from sync.breaker import BreakerSnapshot, BreakerState
from sync.client import CentralClient

log = logging.getLogger("tabour.sync.relay")

_PAYMENTS = Payment.__table__  # type: ignore[attr-defined]


@dataclass
class Outcome:
    item: outbox.Claimed
    result: str  # done | retry | dead | deferred
    response: dict[str, Any] | None = None
    error: str | None = None
    payment: c.CentralPayment | None = None


@dataclass
class RelayReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0
    rounds: int = 0
    offline: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "retried": self.retried,
            "dead": self.dead,
            "deferred": self.deferred,
            "rounds": self.rounds,
            "offline": self.offline,
            "by_kind": self.by_kind,
        }


class Relay:
    def __init__(
        self,
        db: Database,
        client: CentralClient,
        *,
        batch_size: int = 64,
        concurrency: int = 8,
        lease_s: float = 60.0,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        clock: Callable[[], datetime] = utc_now,
        worker: str | None = None,
        before_round: Callable[[], None] | None = None,
        rng: random.Random | None = None,
        publish: Callable[[BreakerSnapshot], None] | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease_s = max(lease_s, client.timeout_s * 3)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.clock = clock
        self.worker = worker or outbox.worker_id()
        self.before_round = before_round
        self.rng = rng or random.Random()
        self.publish = publish
        self._was_open = False
        self._known_ids: dict[str, str] = {}

    # -- scheduling -----------------------------------------------------------------------
    def backoff(self, attempts: int) -> timedelta:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=self.rng.uniform(0, ceiling))

    async def _link_ok(self) -> bool:
        try:
            await self.client.ensure_available("ssc")
        except p.CentralUnavailable:
            self._was_open = True
            return False
        if self.publish is not None:
            # A fresh relay has no transition to report: say what it sees, so a "down"
            # left by an earlier process does not keep counters offline.
            await asyncio.to_thread(self.publish, self.client.breakers["ssc"].snapshot())
        if self._was_open or self.client.breakers["ssc"].state is not BreakerState.closed:
            self._was_open = False
            moved = await asyncio.to_thread(outbox.pull_forward, self.db, self.clock())
            if moved:
                log.info("central is back: %d queued items are due now", moved)
        return True

    async def run_once(self) -> RelayReport:
        """Deliver everything that is due, then return (`tabour sync --once`)."""
        report = RelayReport()
        await asyncio.to_thread(outbox.release_orphans, self.db, self.clock())
        if self.before_round is not None:
            await asyncio.to_thread(self.before_round)
        while True:
            if not await self._link_ok():
                report.offline = True
                break
            items = await asyncio.to_thread(
                outbox.claim,
                self.db,
                worker=self.worker,
                now=self.clock(),
                limit=self.batch_size,
                lease_s=self.lease_s,
            )
            if not items:
                break
            report.rounds += 1
            self._known_ids = await asyncio.to_thread(self._central_ids, items)
            outcomes = await self._deliver_all(items)
            await asyncio.to_thread(self.record, outcomes)
            for o in outcomes:
                if o.result == "done":
                    report.delivered += 1
                    report.by_kind[o.item.kind] = report.by_kind.get(o.item.kind, 0) + 1
                elif o.result == "dead":
                    report.dead += 1
                elif o.result == "deferred":
                    report.deferred += 1
                else:
                    report.retried += 1
            if all(o.result in ("retry", "deferred") for o in outcomes):
                break  # nothing moved: leave the rest to their backoff
        if self.publish is not None:
            # What this round learnt of the link (e.g. credentials refused) for `sync status`.
            await asyncio.to_thread(self.publish, self.client.breakers["ssc"].snapshot())
        return report

    async def _deliver_all(self, items: list[outbox.Claimed]) -> list[Outcome]:
        sem = asyncio.Semaphore(self.concurrency)

        async def one(item: outbox.Claimed) -> Outcome:
            async with sem:
                return await self.deliver(item)

        return list(await asyncio.gather(*(one(i) for i in items)))

    async def run_forever(self, stop: asyncio.Event, poll_s: float = 1.0) -> None:
        while not stop.is_set():
            try:
                report = await self.run_once()
                if report.delivered or report.dead:
                    log.info("relay: %s", report.as_dict())
            except Exception:
                log.exception("relay round failed; retrying in %.1f s", poll_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s)

    # -- delivery -------------------------------------------------------------------------
    async def deliver(self, item: outbox.Claimed) -> Outcome:
        try:
            if item.kind == outbox.PAYMENT_CREATE:
                return await self._create(item)
            if item.kind in (outbox.PAYMENT_CONFIRM, outbox.PAYMENT_REVERSE):
                return await self._transition(item)
            if item.kind == outbox.STATS_WINDOW:
                pl = item.payload
                ack = await self.client.put_stats(
                    pl["branch_code"],
                    pl["business_day"],
                    pl["window_start"],
                    c.StatsWindowUpload.model_validate(pl["body"]),
                )
                return Outcome(item, "done", response=ack.value.model_dump(mode="json"))
            if item.kind == outbox.AUDIT_HEAD:
                pl = item.payload
                head = await self.client.put_audit_head(
                    pl["branch_code"],
                    int(pl["seq"]),
                    c.AuditHeadUpload(hash=pl["hash"], at=pl["at"]),
                )
                return Outcome(item, "done", response=head.value.model_dump(mode="json"))
            return Outcome(item, "dead", error=f"unknown outbox item kind {item.kind!r}")
        except p.CentralUnavailable as exc:
            if exc.code == p.BREAKER_OPEN:
                return Outcome(item, "deferred", error=str(exc))
            return Outcome(item, "retry", error=str(exc))
        except p.CentralConflict as exc:
            if exc.retryable:
                return Outcome(item, "retry", error=str(exc))
            return Outcome(item, "dead", error=str(exc))
        except p.CentralRejected as exc:
            return Outcome(item, "dead", error=str(exc))
        except Exception as exc:  # a bug must not kill the relay nor lose the item
            log.exception("delivering outbox item %s failed unexpectedly", item.id)
            return Outcome(item, "retry", error=f"internal error: {type(exc).__name__}")

    async def _create(self, item: outbox.Claimed) -> Outcome:
        cpid = item.payload["client_payment_id"]
        if item.attempts > 1:
            # An earlier attempt may have reached central: ask before sending again.
            found = await self.client.find_payment(cpid)
            if found is not None:
                return self._created(item, found)
        body = c.PaymentCreate.model_validate(item.payload)
        try:
            written = await self.client.submit_payment(body, item.idempotency_key)
        except p.CentralConflict as exc:
            if exc.code != p.CLIENT_PAYMENT_ID_EXISTS:
                raise
            found = await self.client.find_payment(cpid)
            if found is None:
                raise
            return self._created(item, found)
        return self._created(item, written.value)

    @staticmethod
    def _created(item: outbox.Claimed, payment: c.CentralPayment) -> Outcome:
        return Outcome(item, "done", response=payment.model_dump(mode="json"), payment=payment)

    async def _transition(self, item: outbox.Claimed) -> Outcome:
        cpid = item.payload["client_payment_id"]
        central_id = self._known_ids.get(cpid)
        if central_id is None:
            found = await self.client.find_payment(cpid)
            if found is None:
                return Outcome(item, "retry", error="central does not know the payment yet")
            central_id = found.id
        confirm = item.kind == outbox.PAYMENT_CONFIRM
        try:
            if confirm:
                written = await self.client.confirm_payment(central_id, item.idempotency_key)
            else:
                written = await self.client.reverse_payment(
                    central_id, item.payload["reason"], item.idempotency_key
                )
        except p.CentralConflict as exc:
            if exc.code != p.INVALID_TRANSITION:
                raise
            current = await self.client.get_payment(central_id)
            wanted = c.PaymentStatus.confirmed if confirm else c.PaymentStatus.reversed
            if current.status is wanted:
                return Outcome(
                    item, "done", response=current.model_dump(mode="json"), payment=current
                )
            return Outcome(item, "dead", error=str(exc), payment=current)
        return Outcome(
            item, "done", response=written.value.model_dump(mode="json"), payment=written.value
        )

    def _central_ids(self, items: list[outbox.Claimed]) -> dict[str, str]:
        """Central's ids of the payments a round confirms or reverses, in one query."""
        cpids = [
            i.payload["client_payment_id"]
            for i in items
            if i.kind in (outbox.PAYMENT_CONFIRM, outbox.PAYMENT_REVERSE)
        ]
        if not cpids:
            return {}
        with self.db.read() as s:
            rows = s.execute(
                select(_PAYMENTS.c.client_payment_id, _PAYMENTS.c.central_id).where(
                    _PAYMENTS.c.client_payment_id.in_(cpids),
                    _PAYMENTS.c.central_id.is_not(None),
                )
            )
            return {r[0]: r[1] for r in rows}

    # -- recording ------------------------------------------------------------------------
    def record(self, outcomes: list[Outcome]) -> None:
        """One durable transaction for a whole round: the items, the payments, the audit."""
        now = self.clock()
        plain = [o for o in outcomes if self._is_plain(o)]
        others = [o for o in outcomes if not self._is_plain(o)]
        with self.db.write(durable=True) as s:
            if plain:
                self._record_plain(s, plain, now)
            for o in others:
                self._record_one(s, o, now)

    @staticmethod
    def _is_plain(o: Outcome) -> bool:
        """The common case after an outage: delivered, nothing else to settle."""
        if o.result != "done" or o.payment is None:
            return False
        if o.item.kind == outbox.PAYMENT_CREATE:
            return o.payment.status is c.PaymentStatus.pending
        return o.item.kind in (outbox.PAYMENT_CONFIRM, outbox.PAYMENT_REVERSE)

    def _record_plain(self, s: Session, plain: list[Outcome], now: datetime) -> None:
        """Bulk form of `_record_one` for delivered items: a few executemany statements
        instead of several statements per item (the relay's drain rate depends on it)."""
        t = outbox._T
        owned = set(
            s.execute(
                select(t.c.id).where(
                    t.c.id.in_([o.item.id for o in plain]),
                    t.c.status == outbox.IN_FLIGHT,
                    t.c.claimed_by == self.worker,
                )
            ).scalars()
        )
        mine = [o for o in plain if o.item.id in owned]  # others lost their lease meanwhile
        if not mine:
            return
        rows = []
        for o in mine:
            payload = None
            if o.item.kind == outbox.PAYMENT_CREATE:
                assert o.payment is not None
                scrubbed = {k: v for k, v in o.item.payload.items() if k != "national_number"}
                scrubbed["contributor_id"] = o.payment.contributor_id
                payload = json.dumps(scrubbed, separators=(",", ":"))
            rows.append(
                {
                    "b_id": o.item.id,
                    "b_response": json.dumps(o.response, ensure_ascii=False),
                    "b_payload": payload,
                }
            )
        outbox.unblock(s, [o.item.id for o in mine], now)
        s.execute(
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                status=outbox.DONE,
                done_at=now,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
                response=bindparam("b_response"),
                payload=func.coalesce(bindparam("b_payload"), t.c.payload),
            ),
            rows,
        )
        created = [o.payment for o in mine if o.item.kind == outbox.PAYMENT_CREATE]
        moved = [o for o in mine if o.item.kind != outbox.PAYMENT_CREATE]
        if created:
            s.execute(
                update(_PAYMENTS)
                .where(_PAYMENTS.c.client_payment_id == bindparam("b_cpid"))
                .values(central_id=bindparam("b_cid"), contributor_ref=bindparam("b_ref")),
                [
                    {"b_cpid": p_.client_payment_id, "b_cid": p_.id, "b_ref": p_.contributor_id}
                    for p_ in created
                    if p_ is not None
                ],
            )
        if moved:
            s.execute(
                update(_PAYMENTS)
                .where(_PAYMENTS.c.client_payment_id == bindparam("b_cpid"))
                .values(status=bindparam("b_status"), receipt_no=bindparam("b_receipt")),
                [
                    {
                        "b_cpid": o.payment.client_payment_id,
                        "b_status": o.payment.status.value,
                        "b_receipt": o.payment.receipt_no,
                    }
                    for o in moved
                    if o.payment is not None
                ],
            )
            for o in moved:
                assert o.payment is not None
                action = (
                    "payment.confirmed"
                    if o.item.kind == outbox.PAYMENT_CONFIRM
                    else "payment.reversed"
                )
                self._audit(s, now, action, o.payment.client_payment_id, o.payment.status.value)

    def _record_one(self, s: Session, o: Outcome, now: datetime) -> None:
        item = o.item
        if o.result == "deferred":
            outbox.mark_retry(
                s,
                item.id,
                self.worker,
                now + timedelta(seconds=1),
                o.error or "central offline",
                uncount=True,
            )
            return
        if o.result == "retry":
            when = now + self.backoff(item.attempts)
            if outbox.mark_retry(s, item.id, self.worker, when, o.error or "retry"):
                log.info(
                    "outbox item %s (%s) attempt %d failed, next in %.1f s: %s",
                    item.id,
                    item.kind,
                    item.attempts,
                    (when - now).total_seconds(),
                    o.error,
                )
            return
        cpid = item.payload.get("client_payment_id")
        if o.result == "dead":
            if not outbox.mark_dead(s, item.id, self.worker, now, o.error or "refused"):
                return
            log.warning("outbox item %s (%s) is dead: %s", item.id, item.kind, o.error)
            outbox.settle_dependents(
                s, item.id, now, dead_reason=f"depends on dead item {item.id}", done_note=None
            )
            if cpid and item.kind != outbox.PAYMENT_REVERSE:
                status = o.payment.status.value if o.payment else "failed"
                self._update_payment(s, cpid, status=status, failure_reason=o.error)
                self._audit(s, now, "payment.dead", cpid, "dead")
            return
        if not outbox.mark_done(s, item.id, self.worker, now, o.response):
            return
        pay = o.payment
        if item.kind == outbox.PAYMENT_CREATE and pay is not None:
            # The national number has done its job: keep only central's opaque id.
            scrubbed = {k: v for k, v in item.payload.items() if k != "national_number"}
            scrubbed["contributor_id"] = pay.contributor_id
            s.execute(
                update(outbox._T)
                .where(outbox._T.c.id == item.id)
                .values(payload=json.dumps(scrubbed, separators=(",", ":")))
            )
            values: dict[str, Any] = {"central_id": pay.id, "contributor_ref": pay.contributor_id}
            if pay.status in (c.PaymentStatus.failed, c.PaymentStatus.cancelled):
                values.update(status=pay.status.value, failure_reason=pay.failure_reason)
                outbox.settle_dependents(
                    s, item.id, now, dead_reason=None, done_note=f"payment {pay.status.value}"
                )
                self._audit(s, now, "payment.failed", pay.client_payment_id, pay.status.value)
            self._update_payment(s, pay.client_payment_id, **values)
        elif item.kind in (outbox.PAYMENT_CONFIRM, outbox.PAYMENT_REVERSE) and pay is not None:
            self._update_payment(
                s, pay.client_payment_id, status=pay.status.value, receipt_no=pay.receipt_no
            )
            action = (
                "payment.confirmed" if item.kind == outbox.PAYMENT_CONFIRM else "payment.reversed"
            )
            self._audit(s, now, action, pay.client_payment_id, pay.status.value)

    @staticmethod
    def _update_payment(s: Session, cpid: str, **values: Any) -> None:
        s.execute(update(_PAYMENTS).where(_PAYMENTS.c.client_payment_id == cpid).values(**values))

    @staticmethod
    def _audit(s: Session, now: datetime, action: str, cpid: str, outcome: str) -> None:
        audit.append(
            s, at=now, staff=None, action=action, subject_ref=cpid, where="relay", outcome=outcome
        )


class Housekeeping:
    """What the relay does besides delivering, at most once a minute: queue the closed
    statistics windows and the audit chain head (when it moved; `sync.audit_anchor`), and
    purge expired snapshots."""

    def __init__(
        self,
        db: Database,
        *,
        branch_code: str,
        tz: Any,
        snapshot_ttl_h: float,
        clock: Callable[[], datetime] = utc_now,
        every_s: float = 60.0,
        window_minutes: int = 15,
    ) -> None:
        self.db = db
        self.branch_code = branch_code
        self.tz = tz
        self.snapshot_ttl_h = snapshot_ttl_h
        self.clock = clock
        self.every_s = every_s
        self.window_minutes = window_minutes
        self._last: datetime | None = None

    def __call__(self) -> None:
        from sync.audit_anchor import enqueue_head
        from sync.snapshots import SnapshotStore
        from sync.stats_upload import enqueue_closed_windows

        now = self.clock()
        if self._last is not None and (now - self._last).total_seconds() < self.every_s:
            return
        self._last = now
        try:
            enqueue_closed_windows(
                self.db,
                branch_code=self.branch_code,
                tz=self.tz,
                now=now,
                window_minutes=self.window_minutes,
            )
            enqueue_head(self.db, branch_code=self.branch_code, now=now)
            SnapshotStore(self.db, self.snapshot_ttl_h, self.clock).purge()
        except Exception:
            log.exception("housekeeping failed; the relay goes on")
