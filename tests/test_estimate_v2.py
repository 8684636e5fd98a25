"""Estimated wait v2: replaying the policy where v1's formula is wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from branch.clock import FixedClock
from branch.db import Database
from branch.models import Role, Ticket
from branch.settings import Settings
from branch.staff import Actor
from queue_kiosk import estimate
from queue_kiosk.engine import QueueEngine

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SARA = Actor("sara", Role.clerk)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    estimate._cache.clear()


@pytest.fixture
def engine(any_db: Database, settings: Settings) -> tuple[QueueEngine, FixedClock]:
    clock = FixedClock(MORNING)
    return QueueEngine(any_db, settings.config, clock), clock


def test_a_shared_counter_serves_other_lines_first(engine: tuple[QueueEngine, FixedClock]) -> None:
    """Counter 3 alone is open (INQUIRY, CONTRIB, COMPLAINT; primary INQUIRY). Three INQUIRY
    tickets wait: a new CONTRIB ticket has nobody ahead in its line (v1 says 0), but the counter
    will serve the three INQUIRY tickets first (CONTRIB standard time: 8 min each)."""
    e, clock = engine
    e.open_counter(3, SARA)
    for _ in range(3):
        e.issue("INQUIRY")
        clock.advance(10)
    clock.advance(60)
    with e.db.read() as s:
        v1_ahead = estimate.ahead_of_rank(s, "CONTRIB", None, e.today(), clock.now)
        v1 = estimate.wait_s(v1_ahead, 480.0, estimate.open_counters_for(s, "CONTRIB"))
    t = e.issue("CONTRIB")
    assert (t.ahead, v1) == (0, 0)
    assert t.estimated_wait_s == 3 * 5 * 60  # three INQUIRY tickets at their 5-minute standard


def test_nobody_ahead_still_waits_for_a_busy_counter(
    engine: tuple[QueueEngine, FixedClock],
) -> None:
    e, clock = engine
    e.open_counter(8, SARA)  # the special counter alone serves NAF
    e.issue("NAF")
    e.call_next(8, SARA)
    e.start_serving(8, SARA)
    clock.advance(240)  # 4 of its 10 standard minutes are gone
    t = e.issue("NAF")
    assert t.ahead == 0
    assert t.estimated_wait_s == 360


def test_it_learns_the_occupancy_from_the_branch_history(
    engine: tuple[QueueEngine, FixedClock],
) -> None:
    e, clock = engine
    e.open_counter(8, SARA)
    for _ in range(4):  # NAF tickets that hold the counter 120 s each (call to finish)
        e.issue("NAF")
        e.call_next(8, SARA)
        clock.advance(120)
        e.finish(8, None, SARA)
    estimate._cache.clear()
    for _ in range(2):
        e.issue("NAF")
    t = e.issue("NAF")
    assert (t.ahead, t.estimated_wait_s) == (2, 240)


def test_transferred_tickets_get_a_v2_estimate(
    engine: tuple[QueueEngine, FixedClock], settings: Settings
) -> None:
    e, clock = engine
    e.open_counter(4, Actor("omar", Role.clerk))  # RETIRE, INJURY: primary RETIRE
    e.open_counter(5, Actor("lina", Role.supervisor))  # RETIRE, UNEMP, MATERN
    e.open_counter(1, SARA)
    e.issue("RETIRE")
    e.issue("CONTRIB")
    clock.advance(30)
    e.call_next(1, SARA)
    moved = e.transfer(1, to_service="RETIRE", actor=SARA)
    # two idle counters serve RETIRE: one calls the ticket ahead, the other this one, now;
    # v1 divides the one ahead's 15 standard minutes by the two counters instead
    assert moved.ahead == 1
    assert moved.estimated_wait_s == 0
    with e.db.read() as s:
        row = s.get(Ticket, moved.id)
        assert row is not None
        ahead, v1 = estimate.v1_for_ticket(s, settings.config, row, clock.now)
    assert (ahead, v1) == (1, 15 * 60 // 2)
