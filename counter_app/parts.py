"""What a counter screen works with, built once per process and handed to every screen.

Screens never build their own database, engine, central link or printer: they take them from
`CounterParts`, so the whole-branch demo can host the counter screens in one app and tests can
compose the real app with doubles only at the edges (a clock, a fault-injecting transport, a
virtual printer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from branch.clock import utc_now
from branch.db import Database
from branch.settings import Settings
from queue_kiosk.engine import QueueEngine

if TYPE_CHECKING:
    from printer.service import TicketPrinter
    from sync.central import Central


@dataclass
class CounterParts:
    settings: Settings
    db: Database
    engine: QueueEngine
    clock: Callable[[], datetime] = utc_now
    counter: int | None = None
    central_factory: Callable[[], Central] | None = None
    printer_factory: Callable[[], TicketPrinter] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        counter: int | None = None,
        clock: Callable[[], datetime] = utc_now,
        central_kw: dict[str, Any] | None = None,
    ) -> CounterParts:
        """The real parts from settings. `central_kw` reaches `Central.open` (a test passes a
        transport there); the central link and the receipt printer are built lazily, on first
        use, so a screen that never pays never opens a printer."""
        db = Database(settings.database_url, settings.config.database.busy_timeout_ms)
        db.require_migrated()
        engine = QueueEngine(db, settings.config, clock)

        parts = cls(settings, db, engine, clock, counter)

        # The counter is read when the part is first built: a counter chosen at sign-in
        # (`parts.counter` set by the main screen) is the one the central link and the
        # receipt printer name.
        def central() -> Central:
            from sync.central import Central

            return Central.open(
                db, settings, where=f"counter:{parts.counter}", **(central_kw or {})
            )

        def printer() -> TicketPrinter:
            from printer.service import TicketPrinter

            return TicketPrinter.from_settings(settings, counter=str(parts.counter))

        parts.central_factory, parts.printer_factory = central, printer
        return parts
