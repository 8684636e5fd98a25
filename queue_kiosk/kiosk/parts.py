"""What the kiosk screens work with, built once per process: settings, database, engine, the
kiosk's rules (`KioskDesk`), a clock and the ticket printer.

Screens never build their own: the whole-branch demo hosts them with its own parts, and tests
compose the real app with a fixed clock and a virtual printer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from branch.clock import utc_now
from branch.db import Database
from branch.settings import KioskSettings, Settings
from queue_kiosk.desk import KioskDesk, with_printer
from queue_kiosk.engine import QueueEngine

if TYPE_CHECKING:
    from printer.service import TicketPrinter


@dataclass
class KioskParts:
    settings: Settings
    db: Database
    engine: QueueEngine
    desk: KioskDesk
    clock: Callable[[], datetime] = utc_now
    printer_factory: Callable[[], TicketPrinter] | None = None
    _printer: TicketPrinter | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def kiosk(self) -> KioskSettings:
        return self.settings.config.kiosk

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        db: Database | None = None,
        printer: str | None = None,
    ) -> KioskParts:
        """The real parts from settings; `printer` is a device spec replacing the setting."""
        settings = with_printer(settings, printer)
        if db is None:
            db = Database(settings.database_url, settings.config.database.busy_timeout_ms)
            db.require_migrated()
        engine = QueueEngine(db, settings.config, clock)

        def make_printer() -> TicketPrinter:
            from printer.service import TicketPrinter

            return TicketPrinter.from_settings(settings)

        return cls(settings, db, engine, KioskDesk(engine, home=settings.home), clock, make_printer)

    def printer(self) -> TicketPrinter | None:
        """The ticket printer, built and started on first use (from a worker thread)."""
        with self._lock:
            if self._printer is None and self.printer_factory is not None:
                self._printer = self.printer_factory()
                self._printer.start()
            return self._printer

    def close(self) -> None:
        with self._lock:
            if self._printer is not None:
                self._printer.close()
                self._printer = None


__all__ = ["KioskParts", "with_printer"]
