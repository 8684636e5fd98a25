"""Waiting on state in Pilot tests (never on fixed sleeps): generous deadlines, short pauses."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def until(
    pilot: Pilot, cond: Callable[[], object], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
