"""Kiosk fixtures: the demo branch on real SQLite, a fixed clock, a virtual printer in a
temporary directory (faults through its spec), and the real kiosk app built from parts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import KioskSettings, PrinterConfig, Settings
from printer.service import TicketPrinter
from queue_kiosk.desk import KioskDesk
from queue_kiosk.engine import QueueEngine
from queue_kiosk.kiosk.app import KioskApp
from queue_kiosk.kiosk.parts import KioskParts
from tui.testing import fixed_clock

SIZE = (100, 30)


def with_kiosk(settings: Settings, **kiosk: Any) -> Settings:
    """The settings with `[kiosk]` keys replaced. Validated like a branch.toml, except the
    idle timeout, which tests shorten below the configurable minimum."""
    idle = kiosk.pop("idle_timeout_s", None)
    merged = KioskSettings.model_validate({**settings.config.kiosk.model_dump(), **kiosk})
    if idle is not None:
        merged = merged.model_copy(update={"idle_timeout_s": idle})
    config = settings.config.model_copy(update={"kiosk": merged})
    return settings.model_copy(update={"config": config})


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def engine(sqlite_db: Database, settings: Settings, clock: FixedClock) -> QueueEngine:
    return QueueEngine(sqlite_db, settings.config, clock)


@pytest.fixture
def printer_dir(tmp_path: Path) -> Path:
    return tmp_path / "printer-out"


@pytest.fixture
def make_parts(
    sqlite_db: Database, settings: Settings, clock: FixedClock, printer_dir: Path
) -> Iterator[Callable[..., KioskParts]]:
    made: list[KioskParts] = []

    def make(fault: str | None = None, db: Database | None = None, **kiosk: Any) -> KioskParts:
        s = with_kiosk(settings, **kiosk)
        spec = f"virtual:{printer_dir}" + (f"?fault={fault}" if fault else "")
        config = PrinterConfig(device=spec)
        db = db or sqlite_db
        engine = QueueEngine(db, s.config, clock)

        def printer() -> TicketPrinter:
            return TicketPrinter(config, s.config, home=s.home, confirm_margin=2.0)

        parts = KioskParts(s, db, engine, KioskDesk(engine, home=s.home), clock, printer)
        made.append(parts)
        return parts

    yield make
    for parts in made:
        parts.close()


@pytest.fixture
def make_kiosk(make_parts) -> Callable[..., KioskApp]:
    def make(lang: str = "ar", fault: str | None = None, **kiosk: Any) -> KioskApp:
        return KioskApp(make_parts(fault, **kiosk), lang=lang)

    return make


async def until(pilot: Pilot, pred: Callable[[], object], timeout_s: float = 30.0) -> None:
    """Wait on state, never on a fixed sleep (the machine is shared)."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("the kiosk did not reach the expected state")
        await pilot.pause(0.05)
