"""Fixtures for the dashboard tests: real SQLite branch, staff with PINs, a fixed clock."""

from __future__ import annotations

import pytest

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import Settings
from counter_app.parts import CounterParts
from queue_kiosk.engine import QueueEngine
from tests.dashboard.morning import MORNING, add_demo_staff


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def parts(sqlite_db: Database, settings: Settings, clock: FixedClock) -> CounterParts:
    add_demo_staff(sqlite_db, clock.now)
    return CounterParts(settings, sqlite_db, QueueEngine(sqlite_db, settings.config, clock), clock)
