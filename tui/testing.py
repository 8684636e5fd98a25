"""What stable Pilot and snapshot tests need: a fixed clock, no blinking, a size.

async def test_home():
    async with run_at(make_app(clock=fixed_clock()), (100, 30)) as pilot:
        ...

def test_home_snapshot(snap_compare):
    assert snap_compare(make_app(clock=fixed_clock()), terminal_size=(100, 30),
                        run_before=settle)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from branch.clock import FixedClock

FIXED_NOW = datetime(2026, 3, 15, 7, 30, tzinfo=UTC)  # 10:30 in Amman, a Sunday


def fixed_clock(at: datetime = FIXED_NOW) -> FixedClock:
    return FixedClock(at)


def stop_blinking(app: App) -> None:
    """Cursor blink off in every input of the current screen (snapshots must not move)."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


async def settle(pilot: Pilot) -> None:
    """`run_before` for snap_compare: let pending messages run, then stop the blinking."""
    await pilot.pause()
    stop_blinking(pilot.app)
    await pilot.pause()


@asynccontextmanager
async def run_at(
    app: App, size: tuple[int, int] = (100, 30), **run_test_options
) -> AsyncIterator[Pilot]:
    """`app.run_test` at a size, settled (no blinking) before the test drives it."""
    async with app.run_test(size=size, **run_test_options) as pilot:
        await settle(pilot)
        yield pilot


__all__ = ["FIXED_NOW", "fixed_clock", "run_at", "settle", "stop_blinking"]
