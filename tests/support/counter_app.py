"""Driving the real counter app (Pilot) on a real database: parts, staff, waits on state.

Used by tests/counter and bench/counter_app.py. Doubles only at the edges: a fixed clock and,
for the header, a fixed answer about the central link (its real module belongs to the central
panels and is exercised by their tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.pilot import Pilot

from branch.clock import utc_now
from branch.db import Database
from branch.settings import Settings, UISettings
from branch.staff import Actor, actor_for, add_staff
from counter_app.app import CounterApp
from counter_app.parts import CounterParts
from queue_kiosk.engine import QueueEngine
from tui.live import GROUP as LIVE_GROUP

STAFF = (
    ("sara", "clerk", "1111"),
    ("omar", "clerk", "2222"),
    ("lina", "supervisor", "3333"),
)


def offline_link(_: CounterParts) -> tuple[bool, int, str | None]:
    return False, 2, None


def online_link(_: CounterParts) -> tuple[bool, int, str | None]:
    return True, 0, None


def add_demo_staff(db: Database, now: datetime) -> None:
    with db.write() as s:
        for username, role, pin in STAFF:
            add_staff(s, username=username, display_name=username.title(), role=role, pin=pin,
                      now=now)  # fmt: skip


def actor(db: Database, username: str) -> Actor:
    with db.read() as s:
        return actor_for(s, username)


def with_keys(settings: Settings, keys: dict[str, str]) -> Settings:
    ui = settings.config.ui
    config = settings.config.model_copy(
        update={"ui": UISettings(bidi=ui.bidi, default_lang=ui.default_lang, keys=keys)}
    )
    return settings.model_copy(update={"config": config})


def make_parts(
    settings: Settings, db: Database, *, counter: int | None = 1,
    clock: Callable[[], datetime] = utc_now,
    link: Callable[[CounterParts], tuple[bool, int, str | None]] | None = online_link,
) -> CounterParts:  # fmt: skip
    parts = CounterParts(settings, db, QueueEngine(db, settings.config, clock), clock, counter)
    if link is not None:
        parts.extra["link_status"] = link
    return parts


def make_app(parts: CounterParts, lang: str = "en", live: bool = True) -> CounterApp:
    return CounterApp(parts, lang=lang, live=live)


async def until(pilot: Pilot, pred: Callable[[], Any], timeout_s: float = 30.0) -> None:
    """Wait on the app's state, letting its event loop run (never a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state")
        await pilot.pause(0.02)


async def idle(pilot: Pilot, timeout_s: float = 30.0) -> None:
    """Every worker of the app and its screens finished (the live-update watch aside, which
    runs as long as the app), messages handled."""
    await pilot.pause()
    await until(pilot, lambda: not any(
        w.is_running for w in pilot.app.workers if w.group != LIVE_GROUP
    ), timeout_s)  # fmt: skip
    await pilot.pause()


def status(app: CounterApp) -> str:
    return app.screen.query_one("#status").message


async def sign_in(pilot: Pilot, username: str = "sara", pin: str = "1111") -> None:
    """Type the username, Tab, the PIN, Enter; wait for the main screen with its queue read."""
    app: CounterApp = pilot.app  # type: ignore[assignment]
    await until(pilot, lambda: app.focused is not None and app.focused.id == "username")
    await pilot.press(*username, "tab", *pin, "enter")
    await until(pilot, lambda: app.main is not None and app.screen is app.main)
    await until(pilot, lambda: app.main is not None and app.main.queue is not None)


async def act(pilot: Pilot, *keys: str) -> str:
    """Press keys on the main screen; wait until the engine call they started has finished."""
    app: CounterApp = pilot.app  # type: ignore[assignment]
    assert app.main is not None
    before = app.main.actions_done
    await pilot.press(*keys)
    await until(pilot, lambda: app.main is not None and app.main.actions_done > before)
    return status(app)


__all__ = [
    "STAFF", "act", "actor", "add_demo_staff", "idle", "make_app", "make_parts", "offline_link",
    "online_link", "sign_in", "status", "until", "with_keys",
]  # fmt: skip
