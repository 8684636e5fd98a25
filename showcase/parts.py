"""Everything the hosted screens work with, built once: the same part factories the real apps
use (`CounterParts`, `HallParts`, ...), over one settings object and one database.

The demo's settings are the branch's own with one addition made in memory, never written to
`branch.toml`: counter 6 (where the demo clerk sits) gets a virtual receipt printer when the
file names none, so a payment at the demo counter prints a receipt you can look at.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branch.clock import utc_now
from branch.db import Database
from branch.errors import DomainError
from branch.models import Role
from branch.settings import PrinterConfig, Settings
from branch.staff import OPERATOR, Actor
from counter_app.parts import CounterParts
from queue_kiosk.engine import QueueEngine

DEMO_CLERK = ("sara", Role.clerk)  # README's demo staff
DEMO_MANAGER = ("huda", Role.manager)
DEMO_COUNTER = 6  # counters 1-5 and 8 belong to the simulated clerks


def demo_settings(settings: Settings, counter: int = DEMO_COUNTER) -> Settings:
    """The settings with a virtual receipt printer at `counter` if the file has none."""
    devices = settings.config.devices
    if str(counter) in devices.counter_printers:
        return settings
    printers = {
        **devices.counter_printers,
        str(counter): PrinterConfig(device=f"virtual:receipts-{counter}"),
    }
    config = settings.config.model_copy(
        update={"devices": devices.model_copy(update={"counter_printers": printers})}
    )
    return settings.model_copy(update={"config": config})


@dataclass
class ShowcaseParts:
    settings: Settings
    db: Database
    engine: QueueEngine
    clock: Callable[[], datetime] = utc_now
    counter_number: int = DEMO_COUNTER
    clerk: Actor = field(default_factory=lambda: Actor(*DEMO_CLERK))
    manager: Actor = field(default_factory=lambda: Actor(*DEMO_MANAGER))
    counter: CounterParts | None = None
    office: CounterParts | None = None  # the manager's (no counter of their own)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> ShowcaseParts:
        settings = demo_settings(settings)
        counter = CounterParts.build(settings, counter=DEMO_COUNTER, clock=clock)
        parts = cls(settings, counter.db, counter.engine, clock, counter=counter)
        parts.office = CounterParts(settings, counter.db, counter.engine, clock, None,
                                    counter.central_factory, None)  # fmt: skip
        return parts

    def sign_in_clerk(self) -> None:
        """Sara at counter 6, whatever an earlier run or a command left: signed in elsewhere,
        she is signed out there first (the counter left paused if it holds a ticket); someone
        else at counter 6 is signed out by the operator. A refusal is noted, not fatal."""
        eng, n, clerk = self.engine, self.counter_number, self.clerk
        with contextlib.suppress(DomainError):
            eng.sign_in(n, clerk)
            return
        try:
            self._free_counter_and_clerk()
            eng.sign_in(n, clerk)
        except DomainError as exc:
            self.notes.append(f"{clerk.username} could not sign in at counter {n}: {exc}")

    def _free_counter_and_clerk(self) -> None:
        from sqlmodel import select

        from branch.models import Counter

        with self.db.read() as s:
            rows = list(s.exec(select(Counter)))
        for row in rows:
            mine = row.staff_username == self.clerk.username and row.number != self.counter_number
            other_here = row.number == self.counter_number and row.staff_username not in (
                None,
                self.clerk.username,
            )
            if mine or other_here:
                for leave in ("closed", "paused"):
                    with contextlib.suppress(DomainError):
                        self.engine.sign_out(row.number, OPERATOR, leave)
                        break

    def on_close(self, fn: Callable[[], None]) -> None:
        self._closers.append(fn)

    def close(self) -> None:
        for fn in reversed(self._closers):
            with contextlib.suppress(Exception):
                fn()
        self._closers.clear()
