"""Fixtures for the counter app: the demo branch on a real SQLite file, three staff, a clock."""

from __future__ import annotations

import pytest

from branch.clock import FixedClock
from branch.db import Database
from tests.support.counter_app import add_demo_staff
from tui.testing import fixed_clock


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def db(sqlite_db: Database, clock: FixedClock) -> Database:
    add_demo_staff(sqlite_db, clock())
    return sqlite_db
