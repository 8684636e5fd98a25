"""The whole-branch app driven by Pilot: tabs, language, live updates reaching a tab that was
not shown, a front-end that fails to build, and a printed ticket listed with its PNG."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import Settings
from printer.samples import sample_ticket
from printer.service import TicketPrinter
from queue_kiosk.engine import QueueEngine
from showcase import tabs as tabs_mod
from showcase.app import ShowcaseApp
from showcase.parts import ShowcaseParts
from showcase.screens.pending import PendingScreen
from showcase.services import PrintedList
from showcase.widgets.tab_bar import TabBar
from tui.testing import fixed_clock, run_at

SIZE = (120, 36)


async def wait_for(pilot: Pilot, check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def parts(sqlite_db: Database, settings: Settings, clock: FixedClock) -> ShowcaseParts:
    p = ShowcaseParts.build(settings, clock=clock)
    p.sign_in_clerk()
    yield p
    p.close()


def _bar(app: ShowcaseApp) -> str:
    return str(app.screen.query_one(TabBar).render())


async def test_f1_steps_through_every_tab_and_each_one_shows(parts: ShowcaseParts) -> None:
    app = ShowcaseApp(parts, lang="en", live=False)
    async with run_at(app, SIZE) as pilot:
        assert app.current_mode == "counter"
        seen = [app.current_mode]
        for _ in range(len(tabs_mod.TABS)):
            await pilot.press("f1")
            await wait_for(pilot, lambda: app.screen.is_attached, "the tab's screen")
            seen.append(app.current_mode)
            assert app.screen.query(TabBar), f"{app.current_mode} has no tab bar"
        assert seen == ["counter", "hall", "manager", "printed", "kiosk", "counter"]
        await pilot.press("shift+f1")
        assert app.current_mode == "kiosk"
        assert "Kiosk" in _bar(app) and "Ctrl+Q Quit" in _bar(app)
        # the hall tab hosts the hall app's own screen class
        from queue_kiosk.hall.screens.board import BoardScreen

        assert isinstance(app.hosted["hall"], BoardScreen)


async def test_language_switch_reaches_every_tab(parts: ShowcaseParts) -> None:
    app = ShowcaseApp(parts, lang="en", start="printed", live=False)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("f1")  # kiosk: built and then left
        await pilot.press("shift+f1")
        assert app.current_mode == "printed"
        await pilot.press("ctrl+l")
        arabic = app.language.show("Printed")  # as the terminal gets it (shaped, reordered)
        await wait_for(pilot, lambda: arabic in _bar(app) and arabic != "Printed", "Arabic tabs")
        assert app.has_class("-rtl")
        await pilot.press("f1")  # back to the kiosk tab, which was not shown during the switch
        await pilot.pause()
        kiosk = app.hosted["kiosk"]
        assert app.screen is kiosk
        if isinstance(kiosk, PendingScreen):
            await wait_for(
                pilot,
                lambda: (
                    app.language.show("Kiosk")
                    in str(kiosk.query_one("#pending-title", Static).render())
                ),
                "the pending tab in Arabic",
            )


async def test_a_call_made_while_the_hall_is_hidden_is_on_it_when_shown(
    parts: ShowcaseParts, settings: Settings, clock: FixedClock, sqlite_db: Database
) -> None:
    app = ShowcaseApp(parts, lang="en", start="hall", live=True)
    async with run_at(app, SIZE) as pilot:
        board = app.hosted["hall"]
        await wait_for(pilot, lambda: board.loads > 0, "the board's first load")
        await pilot.press("f1", "f1")  # away to the printed tab
        assert app.current_mode == "printed"
        loads = board.loads
        other = QueueEngine(Database(settings.database_url), settings.config, clock)
        other.issue("NAF")
        called = other.call_next(8)
        await wait_for(pilot, lambda: board.loads > loads, "the hidden board to reload")
        await pilot.press("shift+f1", "shift+f1")
        assert app.screen is board
        await wait_for(pilot, lambda: board.state is not None and board.state.newest is not None
                       and board.state.newest.code == called.code, "the call on the board")  # fmt: skip


async def test_a_front_end_that_fails_to_build_is_a_pending_tab(
    parts: ShowcaseParts, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_parts: ShowcaseParts):
        raise RuntimeError("the printer is on fire\nsecond line")

    patched = tuple(
        tabs_mod.Tab(t.id, t.title, broken, t.cli) if t.id == "hall" else t for t in tabs_mod.TABS
    )
    monkeypatch.setattr("showcase.app.TABS", patched)
    app = ShowcaseApp(parts, lang="en", start="hall", live=False)
    async with run_at(app, SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        reason = str(screen.query_one("#pending-reason", Static).render())
        assert reason == "RuntimeError: the printer is on fire"
        await pilot.press("f1")  # and the demo goes on
        assert app.current_mode == "manager"


async def test_a_printed_ticket_is_listed_with_its_png(
    parts: ShowcaseParts, settings: Settings
) -> None:
    devices = parts.settings.config.devices
    printed = PrintedList(settings.home, {"kiosk": devices.kiosk_printer.device})
    app = ShowcaseApp(parts, lang="en", start="printed", live=False, printed=printed, scan_s=0.1,
                      status=lambda: ["central: http://127.0.0.1:1 (stopped)"])  # fmt: skip
    async with run_at(app, SIZE) as pilot:
        with TicketPrinter.from_settings(parts.settings) as printer:
            outcome = printer.print_ticket_and_wait(sample_ticket(parts.settings.config, "en"))
        assert outcome.printed, outcome
        table = app.screen.query_one("#printed-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the printed job in the list")
        cells = [str(c) for c in table.get_row_at(0)]
        png = Path(cells[2])
        assert png.suffix == ".png" and png.exists() and png.parent == settings.home / "printer"
        assert cells[0] == "Kiosk printer" and "A023" in cells[1]
        status = str(app.screen.query_one("#printed-status", Static).render())
        assert "central: http://127.0.0.1:1 (stopped)" in status


async def test_demo_keys_work_under_a_dialog(parts: ShowcaseParts) -> None:
    """A modal dialog hides the app's bindings in Textual; the demo's own keys still work."""
    from textual.screen import ModalScreen

    app = ShowcaseApp(parts, lang="en", start="counter", live=False)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("f3")  # the counter's call-by-code dialog
        await wait_for(pilot, lambda: isinstance(app.screen, ModalScreen), "the dialog")
        dialog = app.screen
        await pilot.press("f1")
        assert app.current_mode == "hall"
        await pilot.press("shift+f1")
        assert app.screen is dialog  # still open where it was left
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running, "the demo to stop")
