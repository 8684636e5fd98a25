"""The issued ticket: its code very large, the service, people ahead and the estimated wait,
while it prints. A failed print keeps the code on screen with "show this at the counter".

The print runs in a thread worker (`KioskDesk.print_ticket`: the printer worker, then the
ticket's print_state); the screen goes home after `[kiosk] idle_timeout_s` once printing is
over (three times as long after a failure, so the code can be noted), or on Escape/Done.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from branch.errors import DomainError
from queue_kiosk.desk import Issued
from queue_kiosk.hall.widgets.big_text import BigText
from queue_kiosk.kiosk.fees import fee_text
from queue_kiosk.kiosk.messages import PrintFinished
from queue_kiosk.kiosk.screens.base import KioskScreen
from queue_kiosk.kiosk.screens.priority import CLASS_LABELS
from tui.lang import language_of

if TYPE_CHECKING:
    from printer.jobs import PrintOutcome


class TicketScreen(KioskScreen):
    IDLE_FACTOR = None
    BINDINGS: ClassVar = [
        Binding("enter", "home", "Done", id="kiosk.done", show=False),
    ]

    def __init__(self, parts, issued: Issued, started: float | None = None, **kwargs) -> None:
        super().__init__(parts, **kwargs)
        self.issued = issued
        self.started = started
        self.outcome: PrintOutcome | None = None
        self.print_error: str | None = None
        self.finished_at: float | None = None  # perf_counter when the print ended

    @property
    def state(self) -> str:
        """printing | printed | failed"""
        if self.outcome is None and self.print_error is None:
            return "printing"
        return "printed" if self.outcome is not None and self.outcome.printed else "failed"

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        ticket = self.issued.ticket
        service = self.parts.settings.config.service(ticket.service)
        yield Static(self.status_text(), id="print-status", classes=self.status_classes())
        yield BigText(ticket.code, id="code", classes="failed" if self.state == "failed" else "")
        with Vertical(id="details"):
            yield Static(lang.text(service.name_ar if lang.is_rtl else service.name_en),
                         id="service", classes="text")
            wait_min = round((ticket.estimated_wait_s or 0) / 60)
            wait = lang.t("about {n} min").format(n=wait_min)
            line = (f"{lang.t('People ahead')}: {ticket.ahead or 0}    "
                    f"{lang.t('Estimated wait')}: {wait}")
            yield Static(lang.text(line), id="wait", classes="text")
            for note in self.notes():
                yield Static(lang.show(note) if note.isascii() else lang.text(note),
                             classes="note text")
        done = Button(lang.row(["Enter", lang.t("Done")]), id="done", flat=True)
        done.can_focus = False
        yield Horizontal(done, id="actions")

    def notes(self) -> list[str]:
        lang = language_of(self)
        ticket = self.issued.ticket
        out: list[str] = []
        if ticket.priority == "urgent":
            fee = fee_text(self.parts.settings.config.central.urgent_fee_fils)
            out.append(lang.t("Urgent service: the fee of {fee} is paid at the counter")
                       .format(fee=fee))
        elif ticket.priority in CLASS_LABELS:
            out.append(lang.t("Priority ticket") + ": " + lang.t(CLASS_LABELS[ticket.priority]))
        if self.issued.no_open_counter:
            out.append(lang.t("No counter serves this service yet; your place in the queue "
                              "is kept."))
        return out

    def status_text(self) -> str:
        lang = language_of(self)
        state = self.state
        if state == "printing":
            return lang.show("Your ticket is printing…")
        if state == "printed":
            return lang.show("Please take your ticket")
        return lang.show("The ticket could not be printed. Show this number at the counter.")

    def status_classes(self) -> str:
        return {"printing": "text", "printed": "text ok", "failed": "text alert"}[self.state]

    # -- printing --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._print()

    @work(thread=True, group="print", exit_on_error=False)
    def _print(self) -> None:
        ticket = self.issued.ticket
        try:
            printer = self.parts.printer()
            if printer is None:
                raise DomainError("no printer")
            outcome = self.parts.desk.print_ticket(printer, ticket)
        except Exception as error:  # a printer we cannot even open: the ticket stays issued
            self.parts.desk.print_failed(ticket, str(error))
            self.post_message(PrintFinished(ticket.id, None, str(error)))
            return
        self.post_message(PrintFinished(ticket.id, outcome, None))

    @on(PrintFinished)
    def _printed(self, message: PrintFinished) -> None:
        self.outcome, self.print_error = message.outcome, message.error
        self.finished_at = time.perf_counter()
        status = self.query_one("#print-status", Static)
        status.update(self.status_text())
        status.set_classes(self.status_classes())
        if self.state == "failed":
            self.query_one("#code", BigText).add_class("failed")
        timeout = self.parts.kiosk.idle_timeout_s * (3 if self.state == "failed" else 1)
        self.set_timer(timeout, self.action_home)

    def on_language_changed(self, _) -> None:
        self.refresh(recompose=True)

    @on(Button.Pressed, "#done")
    def _done(self) -> None:
        self.action_home()


__all__ = ["TicketScreen"]
