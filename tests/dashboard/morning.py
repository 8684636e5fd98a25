"""A branch on a known morning for the dashboard tests: staff with PINs, counters, tickets."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from textual.pilot import Pilot

from branch.clock import FixedClock
from branch.db import Database
from branch.models import Role
from branch.settings import Settings
from branch.staff import Actor, add_staff
from queue_kiosk.engine import QueueEngine

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 09:00 in Amman
STAFF = {  # username: (role, PIN)
    "sara": ("clerk", "1111"),
    "omar": ("clerk", "2222"),
    "lina": ("supervisor", "3333"),
    "huda": ("manager", "4444"),
}
SARA = Actor("sara", Role.clerk)
OMAR = Actor("omar", Role.clerk)
LINA = Actor("lina", Role.supervisor)
HUDA = Actor("huda", Role.manager)


def add_demo_staff(db: Database, now: datetime) -> None:
    with db.write() as s:
        for username, (role, pin) in STAFF.items():
            add_staff(s, username=username, display_name=username.title(), role=role, pin=pin,
                      now=now)  # fmt: skip


def busy_morning(db: Database, settings: Settings, clock: FixedClock) -> None:
    """09:00-09:26 in Amman, every figure known (see test_dashboard_screen.py):

    - A001 (CONTRIB) called at counter 1 after 60 s, served 240 s;
    - B001 (INQUIRY) waiting since 09:00: 26 min at the end, target 10 (past it);
    - A002 (CONTRIB) waiting since 09:13: 13 min, target 15 (near it: from 12 min);
    - A003 (CONTRIB) called at counter 1 at 09:20 after 60 s: no-show;
    - K001 (COMPLAINT) called at counter 3 (omar) at 09:25, serving since then;
    - counter 1 (sara) paused; counter 3 (omar) serving; the others closed.
    """
    e = QueueEngine(db, settings.config, clock)
    e.open_counter(1, SARA)
    e.issue("CONTRIB")  # A001
    e.issue("INQUIRY")  # B001
    clock.advance(60)
    e.call_next(1, SARA)  # A001 after 60 s
    e.start_serving(1, SARA)
    clock.advance(240)
    e.finish(1, None, SARA)
    clock.advance(480)  # 09:13
    e.issue("CONTRIB")  # A002
    clock.advance(360)  # 09:19
    e.issue("CONTRIB")  # A003
    clock.advance(60)
    e.call_ticket(1, "A003", SARA)  # 09:20, waited 60 s
    clock.advance(120)
    e.no_show(1, SARA)
    e.pause(1, SARA, reason="break")
    clock.advance(180)  # 09:25
    e.open_counter(3, OMAR)
    e.issue("COMPLAINT")  # K001
    e.call_ticket(3, "K001", OMAR)
    e.start_serving(3, OMAR)
    clock.advance(60)  # 09:26


async def until(pilot: Pilot, pred: Callable[[], object], timeout_s: float = 30.0) -> None:
    """Wait on the app's state, letting its event loop run (never a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state")
        await pilot.pause(0.05)
