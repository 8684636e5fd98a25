"""`tabour ticket reprint CODE --staff U`: print today's ticket again, on request only.

The engine checks the role and records the reprint (event + audit); the ticket is printed
as it was issued (its people-ahead and estimated wait from the `issued` event), marked as a
reprint, on the kiosk printer (or `--printer SPEC`), and the outcome is written to
`print_state`. A failure leaves the ticket as it is, marked failed, and raises a
`print_failed` alert for the printer; a print that succeeds clears it.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sqlmodel import col, select

from branch.models import TicketEvent
from branch.settings import Settings
from branch.staff import Actor
from printer.jobs import PrintOutcome
from printer.service import TicketPrinter
from queue_kiosk.desk import KioskDesk
from queue_kiosk.engine import QueueEngine, TicketView

ALERT_SOURCE = "printer:kiosk"


def _as_issued(engine: QueueEngine, view: TicketView) -> TicketView:
    """The ticket with the people-ahead figure it was issued with."""
    with engine.db.read() as s:
        data = s.exec(
            select(TicketEvent.data)
            .where(TicketEvent.ticket_id == view.id, TicketEvent.kind == "issued")
            .order_by(col(TicketEvent.id))
        ).first()
    ahead = json.loads(data).get("ahead") if data else None
    return replace(view, ahead=ahead if isinstance(ahead, int) else 0)


def kiosk_printer(settings: Settings, spec: str | None = None) -> TicketPrinter:
    """The kiosk's printer from settings, its device replaced by `spec` when given."""
    printer = settings.config.devices.kiosk_printer
    if spec:
        printer = printer.model_copy(update={"device": spec})
    return TicketPrinter(printer, settings.config, home=settings.home, name="reprint")


def reprint_ticket(
    engine: QueueEngine,
    printer: TicketPrinter,
    code: str,
    actor: Actor,
    timeout: float = 30.0,
) -> tuple[TicketView, PrintOutcome]:
    """Reprint today's ticket `code`; returns the ticket and how the print ended."""
    view = _as_issued(engine, engine.reprint(code, actor))
    desk = KioskDesk(engine)
    outcome = printer.print_ticket_and_wait(desk.ticket_data(view, reprint=True), timeout)
    engine.set_print_state(view.id, "printed" if outcome.printed else "failed")
    if outcome.printed:
        engine.clear_alert("print_failed", ALERT_SOURCE)
    else:
        engine.raise_alert(
            "print_failed", ALERT_SOURCE, f"A reprint did not print: {outcome.reason or 'unknown'}"
        )
    return view, outcome
