"""What a counter calls: central reads with offline fallback and auditing, payments into
the outbox. The counter TUI builds one `Central` per process and awaits its methods.

- Every read that succeeds is kept as a snapshot; when central is unavailable (breaker
  open, timeout, 5xx, garbage) the snapshot is returned with `stale=True` and its `as_of`.
  "Not found" is an answer, not an outage: no fallback.
- Every lookup is audited (who looked up whom, with what outcome); so is every payment.
- `create_payment` looks the payer up first when online (a payment names central's
  `contributor_id`, never a national number), then writes the outbox and returns; it never
  waits for the payment itself to reach central.
Database work runs in a worker thread so the UI's event loop never blocks on a lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from branch import audit
from branch.clock import utc_now
from branch.db import Database
from branch.settings import Settings
from branch.staff import KIOSK, Actor
from sync import contract as c
from sync import link_state
from sync import payments as pay
from sync import problems as p
from sync import snapshots as snap
from sync.breaker import BreakerSnapshot
from sync.client import CentralClient
from sync.identifiers import (
    IdentifierKind,
    mask,
    new_idempotency_key,
    parse_amount_fils,
    validate_contributor_id,
    validate_identifier,
)
from sync.snapshots import Read, SnapshotStore

T = TypeVar("T", bound=BaseModel)


class Central:
    def __init__(
        self,
        client: CentralClient,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        where: str | None = None,
    ) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self.clock = clock
        self.where = where
        self.snapshots = SnapshotStore(db, settings.config.central.snapshot_ttl_h, clock)

    @classmethod
    def open(
        cls,
        db: Database,
        settings: Settings,
        *,
        env: dict[str, str] | None = None,
        where: str | None = None,
        publish_breakers: bool = True,
        clock: Callable[[], datetime] = utc_now,
        **client_kw: Any,
    ) -> Central:
        """Build the client from settings; breaker changes are published to the database
        (for `tabour sync status` and the offline payment rule) unless told not to."""

        def publish(s: BreakerSnapshot) -> None:
            link_state.publish(db, s, utc_now(), by=where or "counter")

        if publish_breakers:
            client_kw.setdefault("on_breaker_change", publish)
        client = CentralClient.from_settings(settings.config.central, env, **client_kw)
        return cls(client, db, settings, clock=clock, where=where)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- helpers --------------------------------------------------------------------------
    async def _db(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kw)

    def _audit(
        self,
        actor: Actor,
        action: str,
        subject: str | None,
        outcome: str,
        ticket: str | None = None,
    ) -> None:
        """One audit entry; `ticket` (a ticket reference such as `A023#42`, never personal
        data) joins the place, so a lookup names the visit it was made for."""
        where = " ".join(x for x in (self.where, f"ticket:{ticket}" if ticket else None) if x)
        with self.db.write() as s:
            audit.append(
                s,
                at=self.clock(),
                staff=actor.audit_name,
                action=action,
                subject_ref=subject,
                where=where or None,
                outcome=outcome,
            )

    async def _read(
        self,
        kind: str,
        keys: list[str],
        model: type[T],
        fetch: Callable[[], Awaitable[T]],
        as_of: Callable[[T], datetime] | None = None,
    ) -> Read[T]:
        try:
            value = await fetch()
        except p.CentralUnavailable as exc:
            cached = await self._db(self.snapshots.get, kind, keys[0], model)
            if cached is None:
                raise p.CentralUnavailable(
                    f"{exc}; no copy of this record is kept at the branch",
                    code=exc.code,
                    upstream=exc.upstream,
                    kind=exc.kind,
                ) from None
            return cached
        stamp = as_of(value) if as_of else self.clock()
        for key in keys:
            await self._db(self.snapshots.put, kind, key, value, stamp)
        return Read(value, stamp, stale=False)

    # -- contributors ---------------------------------------------------------------------
    async def lookup(
        self,
        *,
        actor: Actor = KIOSK,
        national_number: str | None = None,
        personal_number: str | None = None,
        insurance_number: str | None = None,
        ticket: str | None = None,
    ) -> Read[c.ContributorSummary]:
        given = [
            (k, v)
            for k, v in (
                ("national_number", national_number),
                ("personal_number", personal_number),
                ("insurance_number", insurance_number),
            )
            if v is not None
        ]
        if len(given) != 1:
            raise p.CentralRejected(
                "look a contributor up by exactly one identifier", code=p.INVALID_REQUEST
            )
        kind: IdentifierKind = given[0][0]  # type: ignore[assignment]
        value = validate_identifier(kind, given[0][1])
        try:
            found = await self._read(
                snap.CONTRIBUTOR,
                [f"{kind}:{value}"],
                c.ContributorSummary,
                lambda: self.client.lookup(**{kind: value}),
                as_of=lambda v: v.as_of,
            )
        except p.CentralError as exc:
            outcome = "not_found" if isinstance(exc, p.CentralNotFound) else exc.code
            await self._db(
                self._audit, actor, "central.lookup", f"{kind}:{mask(value)}", outcome, ticket
            )
            raise
        await self._db(
            self.snapshots.put,
            snap.CONTRIBUTOR,
            f"contributor_id:{found.value.contributor_id}",
            found.value,
            found.as_of,
        )
        await self._db(
            self._audit,
            actor,
            "central.lookup",
            found.value.contributor_id,
            "stale" if found.stale else "ok",
            ticket,
        )
        return found

    async def statement(
        self,
        contributor_id: str,
        from_period: str | None = None,
        to_period: str | None = None,
        *,
        actor: Actor = KIOSK,
        ticket: str | None = None,
    ) -> Read[c.Statement]:
        validate_contributor_id(contributor_id)
        key = f"{contributor_id}:{from_period or ''}:{to_period or ''}"
        try:
            found = await self._read(
                snap.STATEMENT,
                [key],
                c.Statement,
                lambda: self.client.statement(contributor_id, from_period, to_period),
                as_of=lambda v: v.as_of,
            )
        except p.CentralError as exc:
            await self._db(
                self._audit, actor, "central.statement", contributor_id, exc.code, ticket
            )
            raise
        if not found.stale:  # the latest dues, whatever the range: the offline payment rule
            await self._db(self.snapshots.put, snap.DUES, contributor_id, found.value, found.as_of)
        await self._db(
            self._audit,
            actor,
            "central.statement",
            contributor_id,
            "stale" if found.stale else "ok",
            ticket,
        )
        return found

    # -- National Aid Fund and housing ----------------------------------------------------
    async def naf_eligibility(
        self,
        national_number: str,
        household_size: int | None = None,
        *,
        actor: Actor = KIOSK,
        ticket: str | None = None,
    ) -> Read[c.NafEligibility]:
        nn = validate_identifier("national_number", national_number)
        found = await self._read(
            snap.NAF_ELIGIBILITY,
            [f"{nn}:{household_size or ''}"],
            c.NafEligibility,
            lambda: self.client.naf_eligibility(nn, household_size),
            as_of=lambda v: v.as_of,
        )
        await self._db(
            self._audit, actor, "naf.eligibility", f"nn:{mask(nn)}", _outcome(found), ticket
        )
        return found

    async def naf_application(
        self, application_id: str, *, actor: Actor = KIOSK, ticket: str | None = None
    ) -> Read[c.NafApplication]:
        found = await self._read(
            snap.NAF_APPLICATION,
            [application_id],
            c.NafApplication,
            lambda: self.client.naf_application(application_id),
        )
        await self._db(
            self._audit, actor, "naf.application", application_id, _outcome(found), ticket
        )
        return found

    async def naf_appeal(
        self,
        application_id: str,
        reason: str,
        *,
        actor: Actor,
        idempotency_key: str | None = None,
        ticket: str | None = None,
    ) -> c.NafAppeal:
        """File an appeal against a rejected application: sent once, with a key, audited.
        Not money, so it does not go through the outbox: a link fault is the caller's one
        line and the clerk files it again (the same key replays central's answer)."""
        key = idempotency_key or new_idempotency_key()
        try:
            written = await self.client.naf_appeal(application_id, reason, key)
        except p.CentralError as exc:
            await self._db(self._audit, actor, "naf.appeal", application_id, exc.code, ticket)
            raise
        await self._db(self._audit, actor, "naf.appeal", application_id, "ok", ticket)
        return written.value

    async def housing_lookup(
        self, national_number: str, *, actor: Actor = KIOSK, ticket: str | None = None
    ) -> Read[c.HousingApplicationList]:
        nn = validate_identifier("national_number", national_number)
        found = await self._read(
            snap.HOUSING_LOOKUP,
            [nn],
            c.HousingApplicationList,
            lambda: self.client.housing_lookup(nn),
        )
        await self._db(
            self._audit, actor, "housing.lookup", f"nn:{mask(nn)}", _outcome(found), ticket
        )
        return found

    async def housing_application(
        self, application_id: str, *, actor: Actor = KIOSK, ticket: str | None = None
    ) -> Read[c.HousingApplication]:
        found = await self._read(
            snap.HOUSING_APPLICATION,
            [application_id],
            c.HousingApplication,
            lambda: self.client.housing_application(application_id),
        )
        await self._db(
            self._audit, actor, "housing.application", application_id, _outcome(found), ticket
        )
        return found

    # -- payments -------------------------------------------------------------------------
    def is_offline(self) -> bool:
        """Offline when this process's breaker is open or the relay last saw central down."""
        return not self.client.is_available("ssc") or link_state.is_offline(self.db, "ssc")

    def create_payment_now(
        self,
        *,
        actor: Actor,
        amount_fils: int | str,
        purpose: str,
        national_number: str | None = None,
        contributor_id: str | None = None,
        method: str = "cash",
        periods: list[str] | None = None,
        ticket_id: int | None = None,
        offline: bool | None = None,
    ) -> pay.PaymentView:
        """Queue a payment without any network: the payer by `contributor_id`, or by a
        national number only when a snapshot holds the person (else `PayerUnresolved`).
        `create_payment` is the counter's entry point; it looks the person up first."""
        cfg = self.settings.config
        return pay.create_payment(
            self.db,
            branch_code=cfg.branch.code,
            actor=actor,
            amount_fils=amount_fils,
            purpose=purpose,
            now=self.clock(),
            national_number=national_number,
            contributor_id=contributor_id,
            method=method,
            periods=periods,
            ticket_id=ticket_id,
            where=self.where,
            offline=self.is_offline() if offline is None else offline,
            snapshots=self.snapshots,
            offline_cap_fils=cfg.central.offline_cash_cap_fils,
        )

    async def create_payment(
        self,
        *,
        actor: Actor,
        amount_fils: int | str,
        purpose: str,
        national_number: str | None = None,
        contributor_id: str | None = None,
        method: str = "cash",
        periods: list[str] | None = None,
        ticket_id: int | None = None,
    ) -> pay.PaymentView:
        """Take a payment: resolve the payer to central's `contributor_id`, then queue it
        (Payment + OutboxItem + audit in one transaction) and return at once with a
        provisional receipt number.

        Online, a national number is looked up first (audited, snapshot kept); offline, or
        when the lookup can only be answered from a snapshot, the person's snapshot record
        gives the id and the offline rules apply. Raises `pay.PayerUnresolved` (one line,
        exit 7, nothing written) when neither is possible, `OfflinePaymentRefused` when
        the offline rules refuse, `CentralNotFound` for a person central does not know, and
        `DomainError` for bad input."""
        parse_amount_fils(amount_fils)  # bad input is refused before anyone is looked up
        offline = await self._db(self.is_offline)
        cid, offline = await pay.resolve_payer(
            national_number=national_number,
            contributor_id=contributor_id,
            offline=offline,
            lookup=lambda nn: self.lookup(actor=actor, national_number=nn),
            snapshots=self.snapshots,
        )
        return await self._db(
            lambda: self.create_payment_now(
                actor=actor,
                amount_fils=amount_fils,
                purpose=purpose,
                contributor_id=cid,
                method=method,
                periods=periods,
                ticket_id=ticket_id,
                offline=offline,
            )
        )

    async def retry_payment(self, ref: str | int, *, actor: Actor) -> pay.PaymentView:
        """Re-queue a dead payment whole (supervisor or above); see `pay.retry_payment`."""
        return await self._db(
            lambda: pay.retry_payment(
                self.db, actor=actor, ref=ref, now=self.clock(), where=self.where
            )
        )

    async def payment_status(self, ref: str | int) -> pay.PaymentView:
        return await self._db(pay.payment_status, self.db, ref)

    async def reverse_payment(
        self, ref: str | int, reason: str, *, actor: Actor
    ) -> pay.PaymentView:
        return await self._db(
            lambda: pay.reverse_payment(
                self.db,
                actor=actor,
                ref=str(ref),
                reason=reason,
                now=self.clock(),
                where=self.where,
            )
        )


def _outcome(read: Read[Any]) -> str:
    return "stale" if read.stale else "ok"
