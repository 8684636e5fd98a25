"""SVG snapshots of the hall board at 160x45 (and 120x36) in Arabic and English, fixed clock."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot

from queue_kiosk.engine import QueueEngine
from tui.testing import settle


def busy_morning(engine: QueueEngine) -> None:
    """A fixed queue: five calls, one recall, people waiting in three services."""
    for service in ("CONTRIB", "CONTRIB", "CONTRIB", "INQUIRY", "INQUIRY", "RETIRE", "NAF"):
        engine.issue(service)
    for _ in range(4):
        engine.issue("CONTRIB")
    engine.call_next(1)
    engine.call_next(3)
    engine.call_next(8)
    engine.call_next(2)
    engine.recall(3)


async def loaded(pilot: Pilot) -> None:
    deadline = time.monotonic() + 20
    while not pilot.app.board.loads and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await settle(pilot)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_hall_board(snap_compare, make_hall, engine: QueueEngine, lang: str) -> None:
    busy_morning(engine)
    app = make_hall(languages=lang)
    assert snap_compare(app, terminal_size=(160, 45), run_before=loaded)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_hall_board_small_tv(snap_compare, make_hall, engine: QueueEngine, lang: str) -> None:
    busy_morning(engine)
    app = make_hall(languages=lang)
    assert snap_compare(app, terminal_size=(120, 36), run_before=loaded)


def test_hall_board_side_by_side(snap_compare, make_hall, engine: QueueEngine) -> None:
    busy_morning(engine)
    app = make_hall(languages="side_by_side")
    assert snap_compare(app, terminal_size=(160, 45), run_before=loaded)


def test_hall_board_empty(snap_compare, make_hall) -> None:
    app = make_hall(languages="ar")
    assert snap_compare(app, terminal_size=(160, 45), run_before=loaded)
