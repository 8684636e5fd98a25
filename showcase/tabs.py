"""The tabs of the whole-branch demo and the real screen each one hosts.

Each tab builds the screen class its own app uses, from the same parts, through `host()`,
which only adds the demo's tab bar on top (a subclass whose `compose` yields the bar, then
everything the screen itself composes; styles, keys and behaviour are the screen's). A tab
whose front-end is not installed (or fails to build) shows `PendingScreen` with the reason,
so the demo never crashes on a missing piece.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen

from showcase.widgets.tab_bar import TabBar

if TYPE_CHECKING:
    from showcase.parts import ShowcaseParts


@dataclass(frozen=True)
class Tab:
    id: str  # the app mode's name
    title: str  # English msgid
    build: Callable[[ShowcaseParts], Screen]
    cli: str  # what to run for the real thing, shown on a pending tab


@cache
def host(cls: type[Screen]) -> type[Screen]:
    """`cls` with the demo's tab bar docked on top; one subclass per screen class."""

    def compose(self: Screen) -> ComposeResult:
        yield TabBar()
        yield from cls.compose(self)

    return type(cls.__name__, (cls,), {"compose": compose, "__module__": cls.__module__})


def _kiosk(parts: ShowcaseParts) -> Screen:
    from queue_kiosk.kiosk.parts import KioskParts
    from queue_kiosk.kiosk.screens.home import HomeScreen

    kiosk = parts.extra.get("kiosk")
    if kiosk is None:
        kiosk = KioskParts.build(parts.settings, clock=parts.clock, db=parts.db)
        parts.extra["kiosk"] = kiosk
        parts.on_close(kiosk.close)
    return host(HomeScreen)(kiosk)


def _counter(parts: ShowcaseParts) -> Screen:
    from counter_app.screens.main import MainScreen

    return host(MainScreen)(parts.counter, parts.clerk, parts.counter_number)


def _hall(parts: ShowcaseParts) -> Screen:
    from queue_kiosk.hall.parts import HallParts
    from queue_kiosk.hall.screens.board import BoardScreen

    hall = parts.extra.get("hall")
    if hall is None:
        hall = parts.extra["hall"] = HallParts.build(parts.settings, clock=parts.clock, db=parts.db)
        parts.on_close(hall.close)
    return host(BoardScreen)(hall)


def _manager(parts: ShowcaseParts) -> Screen:
    from counter_app.screens.dashboard import DashboardScreen

    return host(DashboardScreen)(parts.office, parts.manager)


def _printed(parts: ShowcaseParts) -> Screen:
    from showcase.screens.printed import PrintedScreen

    return PrintedScreen(parts)


TABS: tuple[Tab, ...] = (
    Tab("kiosk", "Kiosk", _kiosk, "tabour kiosk"),
    Tab("counter", "Counter", _counter, "tabour counter"),
    Tab("hall", "Hall board", _hall, "tabour hall"),
    Tab("manager", "Manager", _manager, "tabour manager"),
    Tab("printed", "Printed", _printed, ""),
)


def build_screen(tab: Tab, parts: ShowcaseParts) -> Screen:
    """The tab's real screen, or a pending screen saying why there is none."""
    from showcase.screens.pending import PendingScreen

    try:
        return tab.build(parts)
    except ImportError as exc:
        return PendingScreen(tab, f"not in this build ({exc.name or exc})")
    except Exception as exc:  # a front-end that fails to build must not take the demo down
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return PendingScreen(tab, f"{type(exc).__name__}: {first[:200]}")
