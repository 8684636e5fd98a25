"""Taking a payment at the counter: one local transaction, delivered later by the relay.

`create_payment` writes the `Payment`, its two outbox items (create, then confirm, which
waits for the create) and the audit entry in one durable transaction, and returns at once:
the cash is in the drawer, the customer leaves with a provisional receipt number, and the
relay makes central agree. Offline (the relay sees central down), a cash payment is allowed
only against dues the branch has a fresh copy of, and under the offline cap.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from branch import audit
from branch.clock import as_utc
from branch.db import Database
from branch.errors import DomainError, NotFound
from branch.models import OutboxItem, Payment, Role
from branch.staff import Actor
from sync import contract as c
from sync import outbox
from sync import problems as p
from sync.identifiers import (
    format_jod,
    new_client_payment_id,
    new_idempotency_key,
    parse_amount_fils,
    validate_contributor_id,
    validate_identifier,
    validate_period,
)
from sync.snapshots import CONTRIBUTOR, DUES, Read, SnapshotStore

LOCAL_PENDING = "pending"


class OfflinePaymentRefused(DomainError):
    exit_code = 7


class PayerUnresolved(OfflinePaymentRefused):
    """No contributor id for the payer: central cannot be reached (any link fault, refused
    credentials included) and no snapshot holds the person's record. Nothing was written;
    the counter shows the message as is."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "central cannot be reached and this person has no cached record; "
            "take the payment when the link is back"
        )


class NothingToRetry(DomainError):
    pass


async def resolve_payer(
    *,
    national_number: str | None,
    contributor_id: str | None,
    offline: bool,
    lookup: Callable[[str], Awaitable[Read[c.ContributorSummary]]] | None,
    snapshots: SnapshotStore | None,
) -> tuple[str, bool]:
    """Who pays, as central's opaque `contributor_id`, and whether the payment is offline.

    The rule (issue #8 item 4): a payment never stores a national number. Online, the
    person is looked up first (`lookup`, which audits and keeps a snapshot); if the lookup
    can only be answered from a snapshot, the link is faulty and the payment is offline.
    Offline, only a person whose record is in a snapshot can pay. Otherwise
    `PayerUnresolved`, and the caller writes nothing. A 404 from central is an answer
    (`CentralNotFound`), not an outage, and propagates.
    """
    if contributor_id is not None:
        if national_number is not None:
            raise DomainError(
                "identify the payer by exactly one of national number, contributor id"
            )
        return validate_contributor_id(contributor_id), offline
    if national_number is None:
        raise DomainError("identify the payer by exactly one of national number, contributor id")
    nn = validate_identifier("national_number", national_number)
    if not offline and lookup is not None:
        try:
            read = await lookup(nn)
        except p.CentralUnavailable:
            raise PayerUnresolved() from None
        return read.value.contributor_id, read.stale
    cached = (
        snapshots.get(CONTRIBUTOR, f"national_number:{nn}", c.ContributorSummary)
        if snapshots is not None
        else None
    )
    if cached is None:
        if offline:
            raise PayerUnresolved()
        raise PayerUnresolved(
            "look this person up first: a payment names the payer by central's contributor id"
        )
    return cached.value.contributor_id, offline


@dataclass(frozen=True)
class PaymentView:
    id: int
    client_payment_id: str
    status: str
    amount_fils: int
    purpose: str
    method: str
    offline: bool
    provisional_receipt_no: str | None
    receipt_no: str | None
    central_id: str | None
    contributor_ref: str
    created_at: str
    delivery: str
    last_error: str | None
    failure_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse_purpose(value: str) -> c.PaymentPurpose:
    try:
        return c.PaymentPurpose(value)
    except ValueError:
        raise DomainError(
            f"unknown purpose {value!r}; choose one of "
            + ", ".join(x.value for x in c.PaymentPurpose)
        ) from None


def _parse_method(value: str) -> c.PaymentMethod:
    try:
        return c.PaymentMethod(value)
    except ValueError:
        raise DomainError(
            f"unknown method {value!r}; choose one of "
            + ", ".join(x.value for x in c.PaymentMethod)
        ) from None


def _offline_headroom(
    session: Session, contributor_id: str, dues_fils: int, dues_as_of: datetime
) -> int:
    """Cached dues less what this branch has taken from the person since that copy."""
    taken = session.execute(
        select(func.coalesce(func.sum(Payment.amount_fils), 0)).where(
            Payment.contributor_ref == contributor_id,
            Payment.created_at >= dues_as_of,
            or_(Payment.status == LOCAL_PENDING, Payment.status == "confirmed"),
        )
    ).scalar()
    return dues_fils - int(taken or 0)


def create_payment(
    db: Database,
    *,
    branch_code: str,
    actor: Actor,
    amount_fils: int | str,
    purpose: str,
    now: datetime,
    national_number: str | None = None,
    contributor_id: str | None = None,
    method: str = "cash",
    periods: list[str] | None = None,
    ticket_id: int | None = None,
    where: str | None = None,
    offline: bool = False,
    snapshots: SnapshotStore | None = None,
    offline_cap_fils: int = 0,
) -> PaymentView:
    """Queue a payment for central. Raises `DomainError` (one line) for bad input or when the
    offline rules refuse it; on success the payment is durable before this returns.

    The payer is central's `contributor_id`; a national number is accepted only when a
    snapshot holds the person's record (no network here: `Central.create_payment` looks
    the person up first). Otherwise `PayerUnresolved` and nothing is written."""
    if (national_number is None) == (contributor_id is None):
        raise DomainError("identify the payer by exactly one of national number, contributor id")
    if national_number is not None:
        validate_identifier("national_number", national_number)
    if contributor_id is not None:
        validate_contributor_id(contributor_id)
    amount = parse_amount_fils(amount_fils)
    purpose_ = _parse_purpose(purpose)
    method_ = _parse_method(method)
    periods = [validate_period(p) for p in (periods or [])]

    cid = contributor_id
    if cid is None:
        cached = (
            snapshots.get(CONTRIBUTOR, f"national_number:{national_number}", c.ContributorSummary)
            if snapshots is not None
            else None
        )
        if cached is None:
            raise PayerUnresolved(
                None
                if offline
                else "look this person up first: a payment names the payer by central's "
                "contributor id"
            )
        cid = cached.value.contributor_id
    dues = snapshots.get(DUES, cid, c.Statement) if snapshots else None

    cpid = new_client_payment_id(branch_code)
    body = c.PaymentCreate(
        client_payment_id=cpid,
        contributor_id=cid,
        purpose=purpose_,
        amount_fils=amount,
        method=method_,
        periods=periods,
        branch_code=branch_code,
    )
    with db.write(durable=True) as s:
        if offline:
            if method_ is not c.PaymentMethod.cash:
                raise OfflinePaymentRefused("central is offline: only cash payments can be taken")
            if amount > offline_cap_fils:
                raise OfflinePaymentRefused(
                    f"central is offline: the offline cap is {format_jod(offline_cap_fils)} "
                    "per payment"
                )
            if dues is None:
                raise OfflinePaymentRefused(
                    "central is offline and this branch has no recent copy of this person's "
                    "dues: look them up (statement) when the link is back"
                )
            headroom = _offline_headroom(s, cid, dues.value.total_due_fils, dues.as_of)
            if amount > headroom:
                raise OfflinePaymentRefused(
                    f"central is offline: the cached dues leave {format_jod(max(headroom, 0))} "
                    "to pay"
                )
        payment = Payment(
            client_payment_id=cpid,
            ticket_id=ticket_id,
            contributor_ref=cid,
            purpose=purpose_.value,
            periods=",".join(periods) or None,
            amount_fils=amount,
            method=method_.value,
            status=LOCAL_PENDING,
            offline=offline,
            created_by=actor.username,
            created_at=now,
        )
        s.add(payment)
        s.flush()
        payment.provisional_receipt_no = f"P-{branch_code}-{payment.id:07d}"
        create = outbox.enqueue(
            s,
            kind=outbox.PAYMENT_CREATE,
            payload=body.model_dump(mode="json", exclude_none=True),
            key=new_idempotency_key(),
            now=now,
        )
        outbox.enqueue(
            s,
            kind=outbox.PAYMENT_CONFIRM,
            payload={"client_payment_id": cpid},
            key=new_idempotency_key(),
            now=now,
            depends_on=create.id,
        )
        audit.append(
            s,
            at=now,
            staff=actor.audit_name,
            action="payment.create",
            subject_ref=cpid,
            where=where,
            outcome="queued_offline" if offline else "queued",
        )
        return _view(s, payment, items=[(outbox.PAYMENT_CREATE, outbox.PENDING, None)])


def reverse_payment(
    db: Database, *, actor: Actor, ref: str, reason: str, now: datetime, where: str | None = None
) -> PaymentView:
    """Queue a reversal (supervisor or above). It waits for the confirm to be delivered."""
    actor.require(Role.supervisor, "reverse a payment")
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise DomainError("a reversal needs a reason of 3 to 500 characters")
    with db.write(durable=True) as s:
        payment = _find(s, ref)
        if payment.status not in (LOCAL_PENDING, "confirmed"):
            raise DomainError(f"payment {payment.id} is {payment.status}; it cannot be reversed")
        confirm = s.execute(
            select(OutboxItem).where(
                OutboxItem.kind == outbox.PAYMENT_CONFIRM,
                OutboxItem.payload.contains(payment.client_payment_id),  # type: ignore[union-attr]
            )
        ).scalar_one_or_none()
        already = s.execute(
            select(func.count()).where(
                OutboxItem.kind == outbox.PAYMENT_REVERSE,
                OutboxItem.payload.contains(payment.client_payment_id),  # type: ignore[union-attr]
            )
        ).scalar()
        if already:
            raise DomainError(f"payment {payment.id} already has a reversal queued")
        outbox.enqueue(
            s,
            kind=outbox.PAYMENT_REVERSE,
            payload={"client_payment_id": payment.client_payment_id, "reason": reason},
            key=new_idempotency_key(),
            now=now,
            depends_on=confirm.id if confirm is not None else None,
        )
        audit.append(
            s,
            at=now,
            staff=actor.audit_name,
            action="payment.reverse",
            subject_ref=payment.client_payment_id,
            where=where,
            outcome="queued",
        )
        return _view(s, payment)


def retry_payment(
    db: Database, *, actor: Actor, ref: str | int, now: datetime, where: str | None = None
) -> PaymentView:
    """Send a dead payment again, whole (supervisor or above), once its cause is fixed.

    Every dead item of the payment goes back to `pending` in its original order (the create,
    then the confirm that waits for it, then a reversal if one was queued) and the payment
    returns to `pending`, audited as `payment.retry`, in one transaction.

    Keys: central stores a non-retryable refusal as the final answer of its
    Idempotency-Key, so resending with the old key would only replay the refusal. An item
    that was sent and refused therefore gets a new key. That is safe: a create is
    resolved first by `GET /payments?client_payment_id=` (its attempts are > 1), and the
    `client_payment_id`, which never changes, is permanently unique at central (a second
    create with it is 409 `client_payment_id_exists`, resolved by the same query), so the
    payment cannot exist twice; a confirm or reversal of a payment already in that state
    is answered as it is. Items that died only because what they waited for died were never
    sent and keep their key.
    """
    actor.require(Role.supervisor, "retry a dead payment")
    with db.write(durable=True) as s:
        payment = _find(s, ref)
        items = list(
            s.execute(
                select(OutboxItem)
                .where(OutboxItem.payload.contains(payment.client_payment_id))  # type: ignore[union-attr]
                .order_by(OutboxItem.id)  # type: ignore[arg-type]
            ).scalars()
        )
        dead = [i for i in items if i.status == outbox.DEAD]
        if not dead:
            raise NothingToRetry(
                f"payment {payment.id} has nothing dead to retry (it is {payment.status})"
            )
        status = {i.id: i.status for i in items}
        for item in dead:
            item.status = outbox.PENDING
            item.done_at = None
            item.claimed_by = item.claimed_until = None
            if item.attempts > 0:
                item.idempotency_key = new_idempotency_key()
            waits = item.depends_on is not None and status.get(item.depends_on) != outbox.DONE
            item.next_attempt_at = outbox.BLOCKED if waits else now
            status[item.id] = outbox.PENDING
            s.add(item)
        if any(i.kind != outbox.PAYMENT_REVERSE for i in dead):
            payment.status = LOCAL_PENDING
            payment.failure_reason = None
            s.add(payment)
        audit.append(
            s,
            at=now,
            staff=actor.username,
            action="payment.retry",
            subject_ref=payment.client_payment_id,
            where=where,
            outcome="queued",
        )
        s.flush()
        return _view(s, payment)


def _find(s: Session, ref: str | int) -> Payment:
    text = str(ref).strip()
    if text.isdigit() and len(text) < 12:
        payment = s.get(Payment, int(text))
    else:
        payment = s.execute(
            select(Payment).where(Payment.client_payment_id == text)
        ).scalar_one_or_none()
    if payment is None:
        raise NotFound(f"no payment {text!r} at this branch")
    return payment


def payment_status(db: Database, ref: str | int) -> PaymentView:
    with db.read() as s:
        return _view(s, _find(s, ref))


def _view(
    s: Session, payment: Payment, items: list[tuple[str, str, str | None]] | None = None
) -> PaymentView:
    if items is None:
        items = [
            (r[0], r[1], r[2])
            for r in s.execute(
                select(OutboxItem.kind, OutboxItem.status, OutboxItem.last_error)
                .where(OutboxItem.payload.contains(payment.client_payment_id))  # type: ignore[union-attr]
                .order_by(OutboxItem.id)
            )
        ]
    delivery, last_error = "delivered", None
    for kind, status, error in items:
        if status == outbox.DEAD:
            delivery, last_error = f"dead ({kind})", error
            break
        if status != outbox.DONE:
            delivery = "delivering" if status == outbox.IN_FLIGHT else "queued"
            last_error = error or last_error
    if not items:
        delivery = "none"
    return PaymentView(
        id=payment.id or 0,
        client_payment_id=payment.client_payment_id,
        status=payment.status,
        amount_fils=payment.amount_fils,
        purpose=payment.purpose,
        method=payment.method,
        offline=payment.offline,
        provisional_receipt_no=payment.provisional_receipt_no,
        receipt_no=payment.receipt_no,
        central_id=payment.central_id,
        contributor_ref=payment.contributor_ref,
        created_at=as_utc(payment.created_at).isoformat(),
        delivery=delivery,
        last_error=last_error,
        failure_reason=payment.failure_reason,
    )


def describe(view: PaymentView) -> str:
    receipt = view.receipt_no or f"{view.provisional_receipt_no} (provisional)"
    line = (
        f"payment {view.id} {view.client_payment_id}: {format_jod(view.amount_fils)} "
        f"{view.purpose} {view.status}, receipt {receipt}, delivery {view.delivery}"
    )
    if view.offline:
        line += ", taken offline"
    if view.failure_reason:
        line += f"\n  failed: {view.failure_reason}"
    elif view.last_error:
        line += f"\n  last error: {view.last_error}"
    return line


def payload_of(item_payload: str) -> dict[str, Any]:
    return json.loads(item_payload)
