"""`TicketPrinter`: the one object the kiosk and the counters hold for a printer.

It ties a `[devices]` printer entry and the branch config to a profile, a renderer, a
graphics cache and a worker thread. Start-up sends the artwork every ticket uses (branch
header, labels, fixed phrase, rule); the remaining fixed artwork (the other service names,
priority marks) is downloaded one piece at a time while the printer is idle, or with the
first ticket that needs it, whichever comes first.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from PIL import Image

from branch.settings import BranchConfig, PrinterConfig, Settings, tabour_home
from printer.arabic import ArabicShaper, resolve_font
from printer.devices import Connection, connect, parse_spec
from printer.errors import PrinterError
from printer.escpos_render import EscposRenderer
from printer.graphics_cache import GraphicsCache
from printer.jobs import PrinterWorker, PrintJob, PrintOutcome
from printer.layout import (
    Arabic,
    ReceiptData,
    Sizes,
    TicketData,
    fixed_artwork,
    keyed_art,
    receipt_layout,
    ticket_layout,
)
from printer.profiles import PrinterProfile, profile_for
from printer.status import PrinterStatus
from printer.virtual import VirtualPrinter, stack_pages
from printer.virtual_device import VirtualConnection, VirtualDevice

_RARE = ("service:", "priority:", "phrase:reprint")


def virtual_code_pages(profile: PrinterProfile) -> dict[int, str]:
    return {profile.codepage_slot: profile.codec}


def split_artwork(
    arts: list[Arabic], receipts: bool, mode: str = "ram"
) -> tuple[list[Arabic], list[Arabic]]:
    """(sent at start-up, downloaded later): what every job uses goes first.

    FS q can only define every image at once, so on such printers everything goes at
    start-up (and, being NV memory, only when it changed)."""
    if receipts or mode == "fs":
        return arts, []
    common = [a for a in arts if not (a.key or "").startswith(_RARE)]
    return common, [a for a in arts if a not in common]


class TicketPrinter:
    """Prints tickets and receipts on one device without ever blocking the caller."""

    def __init__(
        self,
        printer: PrinterConfig,
        branch: BranchConfig,
        *,
        home: Path | None = None,
        connection: Connection | None = None,
        shaper: ArabicShaper | None = None,
        receipts: bool = False,
        name: str = "kiosk",
        confirm_margin: float = 8.0,
    ) -> None:
        self.config = printer
        self.branch = branch
        self.home = home or tabour_home()
        self.spec = parse_spec(printer.device)
        self.profile = profile_for(printer)
        self.shaper = shaper or ArabicShaper(resolve_font(printer.font))
        slug = re.sub(r"[^A-Za-z0-9]+", "-", printer.device).strip("-")[:60]
        self.cache = GraphicsCache(
            self.profile.stored_graphics,
            self.profile.graphics_capacity,
            self.home / "printer" / f"graphics-{slug}.json",
        )
        self.renderer = EscposRenderer(self.profile, self.shaper, self.cache)
        self.sizes: Sizes = self.renderer.sizes
        arts = fixed_artwork(
            branch.branch.code,
            branch.branch.name_ar,
            [(s.code, s.name_ar) for s in branch.services if s.active],
            self.sizes,
            tickets=not receipts,
            receipts=receipts,
        )
        startup, later = split_artwork(arts, receipts, self.profile.stored_graphics)
        self.worker = PrinterWorker(
            (lambda: connection) if connection is not None else self._connect,
            self.renderer,
            startup_art=startup,
            prefetch_art=later,
            status_timeout=printer.status_timeout_s,
            confirm_margin=confirm_margin,
            name=name,
        )

    @classmethod
    def from_settings(cls, settings: Settings, counter: str | None = None) -> TicketPrinter:
        """The kiosk printer, or a counter's receipt printer (`[devices.counter_printers]`)."""
        devices = settings.config.devices
        if counter is None:
            return cls(devices.kiosk_printer, settings.config, home=settings.home)
        if counter not in devices.counter_printers:
            raise PrinterError(f"no printer configured for counter {counter!r}")
        return cls(
            devices.counter_printers[counter],
            settings.config,
            home=settings.home,
            receipts=True,
            name=f"counter-{counter}",
        )

    def _connect(self) -> Connection:
        return connect(
            self.spec,
            serial_defaults=self.profile.serial,
            write_timeout=self.config.write_timeout_s,
            base_dir=self.home,
            dots_per_line=self.profile.dots_per_line,
            code_pages=virtual_code_pages(self.profile),
            profile=self.profile,
        )

    # the API ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (printing a job also starts it)."""
        self.worker.start()

    def print_ticket(self, ticket: TicketData, *, reprint_of: str | None = None) -> PrintJob:
        """Queue a ticket; returns at once. The job resolves to printed or failed."""
        job = PrintJob(
            "ticket",
            ticket.code,
            lambda: ticket_layout(ticket, self.sizes, qr=self.config.qr),
            payload=ticket,
            reprint_of=reprint_of,
        )
        return self.worker.submit(job)

    def print_receipt(self, receipt: ReceiptData, *, reprint_of: str | None = None) -> PrintJob:
        job = PrintJob(
            "receipt",
            receipt.provisional_receipt_no,
            lambda: receipt_layout(receipt, self.sizes),
            payload=receipt,
            reprint_of=reprint_of,
        )
        return self.worker.submit(job)

    def reprint(self, job: PrintJob) -> PrintJob:
        """Print a job's ticket or receipt again, marked as a reprint. Only ever on request."""
        if job.payload is None:
            raise ValueError("this job has nothing to reprint")
        again = dataclasses.replace(job.payload, reprint=True)
        if isinstance(again, TicketData):
            return self.print_ticket(again, reprint_of=job.id)
        return self.print_receipt(again, reprint_of=job.id)

    def print_ticket_and_wait(self, ticket: TicketData, timeout: float = 30.0) -> PrintOutcome:
        """Print one ticket and say how it ended; for a front-end's worker thread.

        Blocks up to `timeout` seconds (the wire time of a ticket plus the printer's
        confirmation), so call it from a thread worker, never from the UI thread. Never
        raises for printer trouble: the outcome says printed or failed, and why."""
        return self.print_ticket(ticket).outcome(timeout)

    @property
    def virtual_device(self) -> VirtualDevice | None:
        """The virtual printer behind a `virtual:DIR` device (faults, power cycles), else None.

        The same object the worker prints to, before the first job too, so a test can put
        it in a fault state (`set_fault("paper_out")`) and then print."""
        if self.spec.kind != "virtual":
            return None
        conn = self._connect()
        return conn.device if isinstance(conn, VirtualConnection) else None

    @property
    def last_status(self) -> PrinterStatus | None:
        """The status seen before the latest job (None before the first)."""
        return self.worker.last_status

    def close(self, timeout: float = 10.0) -> None:
        """Let queued jobs finish, then release the device."""
        self.worker.stop(timeout)

    def __enter__(self) -> TicketPrinter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _preview(printer: PrinterConfig | None, build, shaper: ArabicShaper | None) -> Image.Image:
    config = printer or PrinterConfig()
    profile = profile_for(config)
    renderer = EscposRenderer(
        profile,
        shaper or ArabicShaper(resolve_font(config.font)),
        GraphicsCache(profile.stored_graphics, 10**7),
    )
    elements = build(renderer.sizes, config)
    vp = VirtualPrinter(
        profile.dots_per_line,
        virtual_code_pages(profile),
        renderer.shaper.font_path,
        profile=profile,
    )
    vp.feed(renderer.startup(keyed_art(elements)).data)
    vp.feed(renderer.render(elements).data)
    return stack_pages(vp.page_images())


def render_ticket_png(
    ticket: TicketData,
    printer: PrinterConfig | None = None,
    *,
    shaper: ArabicShaper | None = None,
) -> Image.Image:
    """What the ticket will look like on paper (the kiosk shows it when printing fails)."""
    return _preview(printer, lambda sizes, cfg: ticket_layout(ticket, sizes, qr=cfg.qr), shaper)


def render_receipt_png(
    receipt: ReceiptData,
    printer: PrinterConfig | None = None,
    *,
    shaper: ArabicShaper | None = None,
) -> Image.Image:
    return _preview(printer, lambda sizes, cfg: receipt_layout(receipt, sizes), shaper)
