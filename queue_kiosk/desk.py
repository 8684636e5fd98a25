"""What the kiosk does, without a screen: which services it offers, whether the branch is
open, issuing a ticket, and printing it with its outcome recorded.

The kiosk front-end (`queue_kiosk.kiosk`) calls these from thread workers; the CLI and the
bench call them directly. Nothing here imports Textual, so the rules a customer meets at the
kiosk are tested as plain Python too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import select

from branch.errors import DomainError, NotFound
from branch.models import Counter, CounterStatus, Ticket, TicketStatus
from branch.settings import BranchConfig, KioskSettings, ServiceConfig, Settings
from queue_kiosk import estimate
from queue_kiosk.engine import QueueEngine, TicketView

if TYPE_CHECKING:
    # The printer stack (Pillow, fonts) loads in the printer worker, not at start-up.
    from printer.jobs import PrintOutcome
    from printer.layout import TicketData
    from printer.service import TicketPrinter

DIGITS = "1234567890"
PRIORITY_CLASSES = ("elderly", "disabled", "pregnant")
PRINTER_SOURCE = "printer:kiosk"
# A failed print raises the alert of its cause; a good print clears them all.
_FAILURE_ALERT = {"paper_out": "paper_out", "offline": "printer_offline"}
_PRINTER_ALERTS = ("print_failed", "paper_out", "printer_offline")


def with_printer(settings: Settings, spec: str | None) -> Settings:
    """The settings with the kiosk printer's device replaced by `--printer SPEC`."""
    if not spec:
        return settings
    devices = settings.config.devices
    printer = devices.kiosk_printer.model_copy(update={"device": spec})
    config = settings.config.model_copy(
        update={"devices": devices.model_copy(update={"kiosk_printer": printer})}
    )
    return settings.model_copy(update={"config": config})


class KioskRefusal(DomainError):
    """The kiosk cannot issue this ticket now; `reason` is a message id the screen translates."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class KioskService:
    """A service button: its digit key (None past the tenth) and what it offers."""

    code: str
    name_ar: str
    name_en: str
    digit: str | None
    group: str
    priority: bool
    urgent: bool

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en


@dataclass(frozen=True)
class Issued:
    ticket: TicketView
    no_open_counter: bool


# DOMAIN.md groups the services a branch offers; an unknown code goes with the core ones.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Contributions and inquiries", ("CONTRIB", "INQUIRY")),
    ("Benefits", ("RETIRE", "UNEMP", "MATERN", "INJURY")),
    ("Special counter", ("NAF", "HEALTH", "HOUSING")),
    ("Complaints", ("COMPLAINT",)),
)


def group_of(service: ServiceConfig) -> str:
    for name, codes in GROUPS:
        if service.code in codes:
            return name
    return "Special counter" if service.special else GROUPS[0][0]


class KioskDesk:
    """The kiosk's rules over the queue engine (one per kiosk process)."""

    def __init__(
        self,
        engine: QueueEngine,
        config: BranchConfig | None = None,
        home: Path | None = None,
        source: str = PRINTER_SOURCE,
    ) -> None:
        self.engine = engine
        self.config = config or engine.config
        self.kiosk: KioskSettings = self.config.kiosk
        self.home = home  # TABOUR_HOME, whose branch secret seals national numbers
        self.source = source

    def services(self) -> list[KioskService]:
        """Active services in settings order; digits 1-9 then 0."""
        active = [s for s in self.config.services if s.active]
        return [
            KioskService(
                code=s.code,
                name_ar=s.name_ar,
                name_en=s.name_en,
                digit=DIGITS[i] if i < len(DIGITS) else None,
                group=group_of(s),
                priority=self.kiosk.allows_priority(s.code),
                urgent=self.kiosk.allows_urgent(s.code),
            )
            for i, s in enumerate(active)
        ]

    def is_open(self, now: datetime | None = None) -> bool:
        local = (now or self.engine.clock()).astimezone(self.config.branch.tz)
        return self.kiosk.is_open(local.weekday(), local.strftime("%H:%M"))

    def has_open_counter(self, service: str) -> bool:
        """Is a counter open now (not paused or closed) that serves this service?"""
        with self.engine.db.read() as s:
            rows = s.exec(
                select(Counter).where(
                    Counter.active == True,  # noqa: E712
                    Counter.status == CounterStatus.open,
                )
            ).all()
        return any(service in (c.services or "").split(",") for c in rows)

    def issue(
        self,
        service: str,
        priority: str = "normal",
        lang: str = "ar",
        national_number: str | None = None,
    ) -> Issued:
        """Issue a ticket, or refuse with a `KioskRefusal` the screen shows in its language."""
        offered = {s.code: s for s in self.services()}
        if service not in offered:
            raise KioskRefusal("unknown_service", f"service {service!r} is not offered here")
        if not self.is_open():
            raise KioskRefusal("closed", "the branch is closed now")
        choice = offered[service]
        if priority in PRIORITY_CLASSES and not choice.priority:
            raise KioskRefusal("no_priority", f"{service} has no priority path")
        if priority == "urgent" and not choice.urgent:
            raise KioskRefusal("no_urgent", f"{service} has no urgent fast track")
        counter_open = self.has_open_counter(service)
        if not counter_open and self.kiosk.no_open_counter == "refuse":
            raise KioskRefusal("no_counter", f"no counter serves {service} yet")
        sealed = self.seal(national_number) if national_number else None
        ticket = self.engine.issue(service, priority, lang, national_ref=sealed)
        return Issued(ticket, no_open_counter=not counter_open)

    def seal(self, national_number: str) -> str:
        """The national number validated and sealed under the branch secret: what the ticket
        keeps for the counter until day close (`branch.national_ref`, opened by the counter's
        `kiosk_capture`). Raises `InvalidNationalNumber` without echoing the input."""
        from branch.audit import chain_key
        from branch.national_ref import seal
        from queue_kiosk.national import validate

        return seal(validate(national_number), chain_key(self.home))

    def ticket_data(self, ticket: TicketView, reprint: bool = False) -> TicketData:
        """The printer's view of a ticket (codes and names, never personal data)."""
        service = self.config.service(ticket.service)
        branch = self.config.branch
        from printer.layout import TicketData

        data = TicketData.from_queue(
            code=ticket.code,
            service_code=ticket.service,
            service_name_ar=service.name_ar,
            service_name_en=service.name_en,
            people_ahead=ticket.ahead or 0,
            estimated_wait=ticket.estimated_wait_s,
            issued_at=ticket.issued_at,
            branch_code=branch.code,
            branch_name_ar=branch.name_ar,
            branch_name_en=branch.name_en,
            priority=ticket.priority,
            lang=ticket.lang,
            timezone=branch.timezone,
        )
        if reprint:
            data = replace(data, reprint=True)
        return data

    def record_print(self, ticket: TicketView, outcome: PrintOutcome) -> None:
        """Write how the print ended on the ticket, and raise or clear the printer alerts:
        a failure raises `print_failed` (and `paper_out` / `printer_offline` for those
        causes); a good print clears them; paper near its end raises `paper_near_end`."""
        self.engine.set_print_state(ticket.id, "printed" if outcome.printed else "failed")
        alerts = self.engine.alerts
        if outcome.printed:
            for kind in _PRINTER_ALERTS:
                alerts.clear_alert(kind, self.source)
        else:
            why = outcome.failure or "unknown"
            alerts.raise_alert(
                "print_failed", self.source, f"ticket {ticket.code} was not printed ({why})"
            )
            if why in _FAILURE_ALERT:
                alerts.raise_alert(_FAILURE_ALERT[why], self.source, f"kiosk printer: {why}")
        if outcome.paper_near_end:
            alerts.raise_alert("paper_near_end", self.source, "kiosk printer paper near its end")
        elif outcome.printed:
            alerts.clear_alert("paper_near_end", self.source)

    def print_ticket(
        self,
        printer: TicketPrinter,
        ticket: TicketView,
        timeout: float = 30.0,
        reprint: bool = False,
    ) -> PrintOutcome:
        """Print the ticket and record the outcome; blocks up to `timeout` (a worker thread).

        A failed or unknown print leaves the ticket issued (`print_state=failed`)."""
        outcome = printer.print_ticket_and_wait(self.ticket_data(ticket, reprint), timeout)
        self.record_print(ticket, outcome)
        return outcome

    def print_failed(self, ticket: TicketView, reason: str) -> None:
        """The printer could not be used at all: the ticket stays issued, marked failed."""
        self.engine.set_print_state(ticket.id, "failed")
        self.engine.alerts.raise_alert(
            "print_failed", self.source, f"ticket {ticket.code} was not printed ({reason})"
        )

    def with_queue_position(self, ticket: TicketView) -> TicketView:
        """The ticket with the people ahead of it now (for a reprint of a waiting ticket)."""
        with self.engine.db.read() as s:
            row = s.get(Ticket, ticket.id)
            if row is None:
                raise NotFound(f"no ticket with id {ticket.id}")
            ahead = estimate.ahead_of(s, row) if row.status == TicketStatus.waiting else 0
        return replace(ticket, ahead=ahead)


__all__ = [
    "DIGITS",
    "GROUPS",
    "PRIORITY_CLASSES",
    "Issued",
    "KioskDesk",
    "KioskRefusal",
    "KioskService",
    "group_of",
    "with_printer",
]
