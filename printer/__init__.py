"""Tabour's printers and counter displays: tickets that print Arabic in about a second.

The API the rest of the branch uses is small:

    from printer import TicketPrinter, TicketData, render_ticket_png

    printer = TicketPrinter.from_settings(settings)      # or TicketPrinter(printer_cfg, branch_cfg)
    job = printer.print_ticket(TicketData.from_queue(...))  # never blocks; returns a PrintJob
    job.add_done_callback(lambda j: mark(j.id, j.state)) # "printed" or "failed" (+ j.reason)
    outcome = printer.print_ticket_and_wait(data, 30)   # in a worker thread: a PrintOutcome
                                                         # (failure kind, paper_near_end, preview)
    printer.reprint(job)                                 # only ever on request
    png = render_ticket_png(ticket)                      # what the paper shows (for the screen)

    printer.print_receipt(ReceiptData(...))              # counter payment receipts
    counter_display(display_cfg, home).show_call("A023", 4)   # serial display: "A023 -> 4"

A job ends `printed` or `failed` with a reason; `outcome_known=False` means bytes may have
reached the printer, so nothing is resent automatically. The queue engine maps job states
to `print_state` (pending until the callback, then printed|failed).

Inside: `layout` (what goes on paper), `arabic` (shaping), `escpos_render` + `commands`
(bytes), `graphics_cache` (artwork kept on the printer), `profiles`, `devices`, `status`,
`jobs` (the worker), `virtual` (the ESC/POS interpreter) and `virtual_device`, `displays` and
`display_emulator`, `bench`, `cli`. docs/printing.md explains the design and byte budget.
"""

from printer.displays import (
    CounterDisplay,
    DisplayDriver,
    counter_display,
    display_connection,
    driver,
)
from printer.jobs import JobState, PrintJob, PrintOutcome
from printer.layout import ReceiptData, TicketData
from printer.service import TicketPrinter, render_receipt_png, render_ticket_png
from printer.status import PrinterStatus

__all__ = [
    "CounterDisplay",
    "DisplayDriver",
    "JobState",
    "PrintJob",
    "PrintOutcome",
    "PrinterStatus",
    "ReceiptData",
    "TicketData",
    "TicketPrinter",
    "counter_display",
    "display_connection",
    "driver",
    "render_receipt_png",
    "render_ticket_png",
]
