"""A constructed business day whose every statistic is known (tests/test_statistics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from branch.clock import FixedClock
from branch.db import Database
from branch.models import Role
from branch.settings import BranchConfig
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine

# 01:30 in Amman on 22 November is 22:30 UTC on the 21st: the day starts before midnight UTC.
NIGHT = datetime(2026, 11, 21, 22, 30, tzinfo=UTC)
MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 09:00 in Amman
DAY = date(2026, 11, 22)
SARA = Actor("sara", Role.clerk)
OMAR = Actor("omar", Role.clerk)
LINA = Actor("lina", Role.supervisor)
HUDA = Actor("huda", Role.manager)


def constructed_day(db: Database, config: BranchConfig) -> None:
    """A day whose every figure is known (times in seconds from the ticket's issue)."""
    clock = FixedClock(NIGHT)
    e = QueueEngine(db, config, clock)
    # 01:30 local: A001 waits 300 s, is served 200 s at counter 1 by sara
    e.issue("CONTRIB")
    clock.advance(300)
    e.call_next(1, SARA)
    clock.advance(30)
    e.start_serving(1, SARA)
    clock.advance(200)
    e.finish(1, "paid", SARA)
    clock.now = MORNING
    # 09:00 local: A002 waits 600 s, is recalled twice (the wait does not restart), served 400 s
    e.issue("CONTRIB")
    clock.advance(60)
    e.issue("CONTRIB")  # A003, issued 09:01
    clock.advance(540)
    e.call_next(1, SARA)  # A002 at 600 s
    clock.advance(60)
    e.recall(1, SARA)
    clock.advance(60)
    e.recall(1, SARA)
    e.start_serving(1, SARA)
    clock.advance(400)
    e.finish(1, None, SARA)  # counter 1 idle from here (09:18:40)
    clock.advance(440)  # A003 called after 1,500 s (> 15 min target), no-show at counter 1
    e.call_next(1, SARA)
    clock.advance(120)
    e.no_show(1, SARA)
    # B001 INQUIRY: waits 120 s at counter 3 (omar), transferred to RETIRE after 100 s, then
    # called at counter 4 1,000 s after its original issue and served 600 s
    e.issue("INQUIRY")
    clock.advance(120)
    e.call_next(3, OMAR)
    clock.advance(100)
    e.transfer(3, to_service="RETIRE", actor=OMAR)
    e.sign_out(3, OMAR)  # one clerk, one counter: omar moves to counter 4
    clock.advance(1000 - 220)
    e.call_next(4, OMAR)
    e.start_serving(4, OMAR)
    clock.advance(600)
    e.finish(4, None, OMAR)
    # B002 cancelled before being called (a walk-out), C001 left waiting: expires at closing
    e.issue("INQUIRY")
    clock.advance(30)
    e.cancel("B002", LINA)
    e.issue("RETIRE")
    clock.advance(60)
    e.close_day(HUDA)
