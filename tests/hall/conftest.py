"""Hall fixtures: the demo branch on real SQLite, an engine on the same fixed clock, a board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import HallSettings, Settings
from queue_kiosk.engine import QueueEngine
from queue_kiosk.hall.app import HallApp
from queue_kiosk.hall.chime import Chime
from queue_kiosk.hall.parts import HallParts
from tui.testing import fixed_clock


def with_hall(settings: Settings, **hall: Any) -> Settings:
    """The settings with `[hall]` keys replaced (validated like a branch.toml would be)."""
    merged = HallSettings.model_validate({**settings.config.hall.model_dump(), **hall})
    config = settings.config.model_copy(update={"hall": merged})
    return settings.model_copy(update={"config": config})


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def engine(sqlite_db: Database, settings: Settings, clock: FixedClock) -> QueueEngine:
    return QueueEngine(sqlite_db, settings.config, clock)


@pytest.fixture
def make_hall(sqlite_db: Database, settings: Settings, clock: FixedClock) -> Callable[..., HallApp]:
    def make(chime: list[str] | None = None, **hall: Any) -> HallApp:
        hall.setdefault("languages", "en")
        s = with_hall(settings, **hall)
        parts = HallParts(s, sqlite_db, clock, Chime(chime or []))
        return HallApp(parts)

    return make
