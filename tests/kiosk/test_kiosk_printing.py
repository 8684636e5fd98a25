"""Printing through the virtual printer's fault modes: the ticket is always issued; a failed
print keeps the code large with "show this at the counter" and print_state=failed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from branch.db import Database
from branch.models import Ticket
from queue_kiosk.kiosk.app import KioskApp
from queue_kiosk.kiosk.screens.home import HomeScreen
from queue_kiosk.kiosk.widgets.service_grid import ServiceGrid
from tests.kiosk.conftest import SIZE, until
from tests.kiosk.test_kiosk_flows import printed, screen_text, shown
from tui.testing import run_at

FAILED = "The ticket could not be printed. Show this number at the counter."


def only_ticket(db: Database) -> Ticket:
    with db.read() as s:
        [t] = s.exec(select(Ticket)).all()
        return t


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
async def test_a_failed_print_still_issues_and_says_show_this_at_the_counter(
    make_kiosk, sqlite_db: Database, printer_dir, lang: str, fault: str
) -> None:
    app: KioskApp = make_kiosk(lang, fault=fault)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert screen.state == "failed"
        assert shown(app, FAILED, lang) in screen_text(app)
        assert screen.query_one("#code").has_class("failed")
        assert screen.query_one("#code").text == "A001"
    t = only_ticket(sqlite_db)
    assert (t.code, t.status, t.print_state) == ("A001", "waiting", "failed")
    assert not list(printer_dir.glob("*A001.png"))  # nothing came out of the printer


async def test_a_printer_that_cannot_be_opened_fails_the_print_not_the_ticket(
    make_parts, sqlite_db: Database
) -> None:
    parts = make_parts()

    def broken():
        raise OSError("no such device")

    parts.printer_factory = broken
    app = KioskApp(parts, lang="en")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert screen.state == "failed"
    assert only_ticket(sqlite_db).print_state == "failed"


async def test_paper_near_end_prints(make_kiosk, sqlite_db: Database, printer_dir) -> None:
    app = make_kiosk("en", fault="near_end")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert screen.state == "printed"
        assert screen.outcome is not None and screen.outcome.paper_near_end
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.screen.query_one(ServiceGrid)
    assert only_ticket(sqlite_db).print_state == "printed"
    assert (printer_dir / "0002-A001.png").exists()
