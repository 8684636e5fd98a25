"""`tabour ticket reprint CODE --staff U`: print today's ticket again, on request only.

The engine checks the role and records the reprint (event + audit); the kiosk's rules
(`KioskDesk`) print it marked as a reprint with the people ahead of it now, on the kiosk
printer (or `--printer SPEC`), write the outcome to `print_state`, and raise or clear the
printer's alerts exactly as the kiosk does (a failure raises `print_failed` and its cause;
a good print clears them).
"""

from __future__ import annotations

from branch.settings import Settings
from branch.staff import Actor
from printer.jobs import PrintOutcome
from printer.service import TicketPrinter
from queue_kiosk.desk import KioskDesk, with_printer
from queue_kiosk.engine import QueueEngine, TicketView


def kiosk_printer(settings: Settings, spec: str | None = None) -> TicketPrinter:
    """The kiosk's printer from settings, its device replaced by `spec` when given."""
    return TicketPrinter.from_settings(with_printer(settings, spec))


def reprint_ticket(
    engine: QueueEngine,
    printer: TicketPrinter,
    code: str,
    actor: Actor,
    timeout: float = 30.0,
) -> tuple[TicketView, PrintOutcome]:
    """Reprint today's ticket `code`; returns the ticket and how the print ended."""
    desk = KioskDesk(engine)
    view = desk.with_queue_position(engine.reprint(code, actor))
    return view, desk.print_ticket(printer, view, timeout, reprint=True)
