"""Taking a payment at the counter: amounts typed in JOD, the payment through the outbox, the
receipt on the counter's printer, reversal by a supervisor with their PIN.

Everything here is blocking and runs in the payment screen's thread workers. Nothing waits
on central: a payer already looked up is named by central's `contributor_id` and the payment
is one local transaction (`sync.payments`); the relay delivers it later.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from typing import TYPE_CHECKING

from sqlalchemy import select

from branch.errors import DomainError
from branch.models import Payment
from branch.settings import PrinterConfig
from branch.staff import Actor, StaffLocked, authenticate
from counter_app.central_session import central_session
from counter_app.contributor_lookup import LoadedContributor
from sync import payments as pay
from sync.identifiers import MAX_AMOUNT_FILS, InvalidAmount, format_jod, parse_amount_fils

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from printer.jobs import PrintJob
    from printer.service import TicketPrinter
    from queue_kiosk.engine import TicketView

URGENT_FEE = "urgent_fee"
# Purpose code -> (English msgid, Arabic as printed on the receipt).
PURPOSES: dict[str, tuple[str, str]] = {
    "arrears": ("Arrears", "متأخرات اشتراكات"),
    "voluntary_contribution": ("Voluntary contribution", "اشتراك اختياري"),
    "late_fee": ("Late fee", "غرامة تأخير"),
    URGENT_FEE: ("Urgent service fee", "رسوم الخدمة المستعجلة"),
}
_JOD = re.compile(r"^([0-9]{1,9})(?:\.([0-9]{1,3}))?$")
_PRINTER = "receipt_printer"
_printer_lock = threading.Lock()


def parse_jod(text: str) -> int:
    """`12.345` (JOD, up to 3 decimals) -> 12345 fils. ASCII digits only; never echoes input."""
    value = text.strip()
    if not value:
        raise InvalidAmount("type an amount in JOD, e.g. 12.500")
    if re.fullmatch(r"[0-9]+\.[0-9]{4,}", value):
        raise InvalidAmount("an amount has at most 3 decimals (fils)")
    if re.fullmatch(r"[0-9]{10,}(\.[0-9]*)?", value):
        raise InvalidAmount(
            f"the amount is too large: at most {format_jod(MAX_AMOUNT_FILS)} per payment"
        )
    m = _JOD.match(value)
    if m is None:
        raise InvalidAmount("an amount is in JOD with up to 3 decimals, digits only (12.500)")
    fils = int(m.group(1)) * 1000 + int((m.group(2) or "0").ljust(3, "0"))
    if fils > MAX_AMOUNT_FILS:
        raise InvalidAmount(
            f"the amount is too large: at most {format_jod(MAX_AMOUNT_FILS)} per payment"
        )
    return parse_amount_fils(fils)


def jod(fils: int) -> str:
    """`12.345`: the amount as typed and shown, three decimals, no currency."""
    return f"{fils // 1000}.{fils % 1000:03d}"


def take_payment(
    parts: CounterParts,
    actor: Actor,
    *,
    purpose: str,
    amount_fils: int,
    payer: LoadedContributor | None = None,
    national_number: str | None = None,
    periods: list[str] | None = None,
    ticket: TicketView | None = None,
) -> pay.PaymentView:
    """Queue the payment (Payment + outbox + audit in one local transaction).

    With a payer looked up, nothing touches the network. With only a national number,
    `Central.create_payment` resolves the person first (online) or from a snapshot
    (offline); `PayerUnresolved` means nothing was written."""
    if purpose not in PURPOSES:
        raise DomainError(f"unknown purpose {purpose!r}")
    if (payer is None) == (national_number is None):
        raise DomainError("look the contributor up first (F12), or type their national number")
    ticket_id = ticket.id if ticket else None
    session = central_session(parts)
    if payer is not None:
        cid = payer.contributor_id
        return session.run(
            lambda cen: cen.create_payment(
                actor=actor,
                contributor_id=cid,
                amount_fils=amount_fils,
                purpose=purpose,
                periods=periods,
                ticket_id=ticket_id,
            )
        )
    return session.run(
        lambda cen: cen.create_payment(
            actor=actor,
            national_number=national_number,
            amount_fils=amount_fils,
            purpose=purpose,
            periods=periods,
            ticket_id=ticket_id,
        )
    )


def payment_status(parts: CounterParts, payment_id: int) -> pay.PaymentView:
    return pay.payment_status(parts.db, payment_id)


def payments_for_ticket(parts: CounterParts, ticket: TicketView | None) -> list[pay.PaymentView]:
    """Payments taken for this visit, newest first (to show their state, and to reverse)."""
    if ticket is None:
        return []
    with parts.db.read() as s:
        ids = list(
            s.execute(
                select(Payment.id).where(Payment.ticket_id == ticket.id).order_by(Payment.id.desc())  # type: ignore[union-attr]
            ).scalars()
        )
    return [pay.payment_status(parts.db, i) for i in ids if i is not None]


def urgent_fee_due(parts: CounterParts, ticket: TicketView | None) -> bool:
    """An urgent ticket owes the urgent-service fee until one is taken (pending or confirmed)."""
    if ticket is None or ticket.priority != "urgent":
        return False
    with parts.db.read() as s:
        taken = s.execute(
            select(Payment.id).where(
                Payment.ticket_id == ticket.id,
                Payment.purpose == URGENT_FEE,
                Payment.status.in_(("pending", "confirmed")),  # type: ignore[attr-defined]
            )
        ).first()
    return taken is None


def reverse_payment(
    parts: CounterParts, payment_id: int, reason: str, username: str, pin: str
) -> pay.PaymentView:
    """A reversal signed by whoever types their username and PIN here (a supervisor
    standing at the clerk's counter, usually). A clerk's own PIN is refused by the rule in
    `sync.payments.reverse_payment`; a wrong PIN counts towards the lockout."""
    where = f"counter:{parts.counter}"
    try:
        with parts.db.write(durable=True) as s:
            signer = authenticate(s, username.strip(), pin.strip(), parts.clock(), where=where)
    except StaffLocked as exc:
        raise exc.shown_in(parts.settings.tz) from None
    return pay.reverse_payment(
        parts.db,
        actor=signer,
        ref=str(payment_id),
        reason=reason,
        now=parts.clock(),
        where=where,
    )


# -- receipts ----------------------------------------------------------------------------


def receipt_printer(parts: CounterParts) -> TicketPrinter:
    """The counter's receipt printer (`[devices.counter_printers]`), or a virtual one under
    `TABOUR_HOME/receipts-counter-N` when none is configured; one per process."""
    from printer.errors import PrinterError
    from printer.service import TicketPrinter

    with _printer_lock:
        printer = parts.extra.get(_PRINTER)
        if printer is None:
            try:
                if parts.printer_factory is None:
                    raise PrinterError("no printer factory")
                printer = parts.printer_factory()
            except PrinterError:
                printer = TicketPrinter(
                    PrinterConfig(device=f"virtual:receipts-counter-{parts.counter}"),
                    parts.settings.config,
                    home=parts.settings.home,
                    receipts=True,
                    name=f"counter-{parts.counter}",
                )
            parts.extra[_PRINTER] = printer
        return printer


def verification_code(client_payment_id: str) -> str:
    """Eight characters a person can read out to check a receipt against the branch."""
    digest = hashlib.sha256(client_payment_id.encode()).digest()
    code = base64.b32encode(digest).decode()[:8]
    return f"{code[:4]}-{code[4:]}"


def receipt_for(
    parts: CounterParts,
    view: pay.PaymentView,
    *,
    lang: str,
    periods: list[str] | None = None,
    payer_ref: str | None = None,
):  # -> ReceiptData (printer import kept lazy)
    from printer.layout import ReceiptData

    cfg = parts.settings.config
    en, ar = PURPOSES.get(view.purpose, (view.purpose, view.purpose))
    return ReceiptData(
        branch_code=cfg.branch.code,
        branch_name_ar=cfg.branch.name_ar,
        branch_name_en=cfg.branch.name_en,
        contributor_ref=payer_ref or view.contributor_ref,
        purpose_ar=ar,
        purpose_en=en,
        periods=tuple(periods or ()),
        amount_fils=view.amount_fils,
        provisional_receipt_no=view.provisional_receipt_no or "-",
        central_receipt_no=view.receipt_no,
        verification_code=verification_code(view.client_payment_id),
        issued_at=parts.clock(),
        lang="en" if lang == "en" else "ar",
        timezone=cfg.branch.timezone,
    )


def print_receipt(
    parts: CounterParts,
    view: pay.PaymentView,
    *,
    lang: str,
    periods: list[str] | None = None,
    payer_ref: str | None = None,
) -> PrintJob:
    """Queue the receipt; returns at once (the job resolves to printed or failed)."""
    data = receipt_for(parts, view, lang=lang, periods=periods, payer_ref=payer_ref)
    return receipt_printer(parts).print_receipt(data)


def close_receipt_printer(parts: CounterParts) -> None:
    with _printer_lock:
        printer = parts.extra.pop(_PRINTER, None)
    if printer is not None:
        printer.close()


__all__ = [
    "PURPOSES",
    "URGENT_FEE",
    "close_receipt_printer",
    "jod",
    "parse_jod",
    "payment_status",
    "payments_for_ticket",
    "print_receipt",
    "receipt_for",
    "receipt_printer",
    "reverse_payment",
    "take_payment",
    "urgent_fee_due",
    "verification_code",
]
