"""The national-number step, "Rate your visit", printer alerts and reprint, the staff exit:
the real kiosk app with Pilot in Arabic and English, the real CLI as a process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input

from branch.audit import chain_key
from branch.db import Database
from branch.models import Alert, Feedback, Ticket
from branch.national_ref import open_sealed
from branch.settings import Settings
from branch.staff import add_staff
from queue_kiosk.engine import QueueEngine
from queue_kiosk.kiosk.app import KioskApp
from queue_kiosk.kiosk.screens.choose import ChooseServiceScreen
from queue_kiosk.kiosk.screens.home import HomeScreen
from queue_kiosk.kiosk.screens.national_number import NationalNumberScreen
from queue_kiosk.kiosk.screens.notice import NoticeScreen
from queue_kiosk.kiosk.screens.priority import PriorityScreen
from queue_kiosk.kiosk.screens.rating import RatingScreen
from tests.kiosk.conftest import SIZE, until
from tests.kiosk.test_kiosk_flows import printed, screen_text, shown
from tui.testing import FIXED_NOW, run_at

NN = "9861042317"
LANGS = ["ar", "en"]


def all_tickets(db: Database) -> list[Ticket]:
    with db.read() as s:
        return list(s.exec(select(Ticket).order_by(Ticket.id)).all())


def open_alerts(db: Database) -> set[tuple[str, str]]:
    with db.read() as s:
        return {(a.kind, a.source) for a in s.exec(select(Alert)).all() if a.cleared_at is None}


def focused(app: KioskApp, widget_id: str) -> bool:
    return app.focused is not None and app.focused.id == widget_id


# -- national number -------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
async def test_the_national_number_is_sealed_for_the_counter_and_never_shown(
    make_kiosk, sqlite_db: Database, settings: Settings, printer_dir: Path, lang: str
) -> None:
    app = make_kiosk(lang, national_number=True)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, NationalNumberScreen)
                    and focused(app, "nn"))
        await pilot.press(*NN[:4])
        assert NN[:4] not in screen_text(app)  # masked while typed
        await pilot.press(*NN[4:], "enter")
        await printed(pilot, app)
        assert NN not in screen_text(app)
    [t] = all_tickets(sqlite_db)
    assert t.national_ref and NN not in t.national_ref
    assert open_sealed(t.national_ref, chain_key(settings.home)) == NN
    for f in printer_dir.iterdir():  # never printed (the bytes carry no trace of it)
        assert NN.encode() not in f.read_bytes()
    log = settings.home / "kiosk.log"
    assert not log.exists() or NN not in log.read_text()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_bad_national_number_is_refused_in_one_line_and_can_be_skipped(
    make_kiosk, sqlite_db: Database, lang: str
) -> None:
    app = make_kiosk(lang, national_number=True)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, NationalNumberScreen)
                    and focused(app, "nn"))
        await pilot.press("1", "2", "3", "x", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert shown(app, "A national number is exactly 10 digits. Try again, or skip.", lang) in text
        assert "123" not in text
        assert app.screen.query_one("#nn", Input).value == ""
        assert all_tickets(sqlite_db) == []
        await pilot.press("f3")  # skip
        await printed(pilot, app)
    [t] = all_tickets(sqlite_db)
    assert t.service_code == "INQUIRY" and t.national_ref is None


async def test_empty_national_number_issues_without_one(make_kiosk, sqlite_db) -> None:
    app = make_kiosk("en", national_number=True)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PriorityScreen))
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, ChooseServiceScreen))
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, NationalNumberScreen)
                    and focused(app, "nn"))
        await pilot.press("enter")
        await printed(pilot, app)
    [t] = all_tickets(sqlite_db)
    assert (t.priority, t.national_ref) == ("elderly", None)


async def test_day_close_erases_the_captured_number(
    make_kiosk, sqlite_db: Database, engine: QueueEngine
) -> None:
    app = make_kiosk("en", national_number=True)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, NationalNumberScreen)
                    and focused(app, "nn"))
        await pilot.press(*NN, "enter")
        await printed(pilot, app)
    assert all_tickets(sqlite_db)[0].national_ref
    engine.close_day()
    assert all_tickets(sqlite_db)[0].national_ref is None


# -- rate your visit -------------------------------------------------------------------------
async def rate(pilot, app: KioskApp, code: str, score: str, category: str | None = None,
               comment: str = "") -> None:
    await pilot.press("r")
    await until(pilot, lambda: focused(app, "code-input"))
    await pilot.press(*code.lower(), "enter")
    await until(pilot, lambda: getattr(app.screen, "step", "") == "score")
    await pilot.press(score)
    await until(pilot, lambda: focused(app, "comment"))
    if category:
        await pilot.click(f"#cat-{category}")
    if comment:
        await pilot.press(*comment)
    await pilot.press("f3")


@pytest.mark.parametrize("lang", LANGS)
async def test_rate_your_visit_once_per_ticket(
    make_kiosk, sqlite_db: Database, engine: QueueEngine, lang: str
) -> None:
    engine.issue("CONTRIB")
    app = make_kiosk(lang)
    async with run_at(app, SIZE) as pilot:
        await rate(pilot, app, "A001", "2", "waiting", "too slow")
        await until(pilot, lambda: isinstance(app.screen, NoticeScreen))
        assert shown(app, "Thank you for your rating", lang) in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await rate(pilot, app, "A001", "5")
        await until(pilot, lambda: isinstance(app.screen, RatingScreen)
                    and app.screen.step == "code" and app.screen.error != "")
        assert shown(app, "This ticket has already been rated. Thank you.", lang) in screen_text(app)
    with sqlite_db.read() as s:
        [f] = s.exec(select(Feedback)).all()
        assert (f.rating, f.category, f.text, f.service_code) == (2, "waiting", "too slow",
                                                                  "CONTRIB")


async def test_rating_an_unknown_code_says_so(make_kiosk, sqlite_db: Database) -> None:
    app = make_kiosk("en")
    async with run_at(app, SIZE) as pilot:
        await rate(pilot, app, "Z999", "4")
        await until(pilot, lambda: isinstance(app.screen, RatingScreen) and app.screen.error)
        assert "No ticket with this code today" in screen_text(app)
    with sqlite_db.read() as s:
        assert s.exec(select(Feedback)).all() == []


async def test_rating_by_touch_without_a_category(make_kiosk, sqlite_db, engine) -> None:
    engine.issue("INQUIRY")
    app = make_kiosk("ar")
    async with run_at(app, SIZE) as pilot:
        await pilot.click("#rate")
        await until(pilot, lambda: focused(app, "code-input"))
        await pilot.press("b", "0", "0", "1", "enter")
        await until(pilot, lambda: getattr(app.screen, "step", "") == "score")
        await pilot.click("#score-5")
        await until(pilot, lambda: getattr(app.screen, "step", "") == "details")
        await pilot.click("#send")
        await until(pilot, lambda: isinstance(app.screen, NoticeScreen))
    with sqlite_db.read() as s:
        [f] = s.exec(select(Feedback)).all()
        assert (f.rating, f.category, f.text) == (5, None, None)


# -- printer alerts and reprint --------------------------------------------------------------
async def test_print_failure_raises_alerts_and_a_good_print_clears_them(
    make_parts, sqlite_db: Database
) -> None:
    parts = make_parts(fault="paper_out")
    app = KioskApp(parts, lang="en")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert screen.state == "failed"
        assert open_alerts(sqlite_db) == {("print_failed", "printer:kiosk"),
                                          ("paper_out", "printer:kiosk")}
        device = parts.printer().virtual_device
        assert device is not None
        device.clear_faults()
        device.set_fault("near_end")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("2")
        screen = await printed(pilot, app)
        assert screen.state == "printed"
    assert open_alerts(sqlite_db) == {("paper_near_end", "printer:kiosk")}
    states = [(t.code, t.print_state) for t in all_tickets(sqlite_db)]
    assert states == [("A001", "failed"), ("B001", "printed")]


async def test_reprint_of_a_ticket_the_kiosk_failed_to_print(
    make_parts, sqlite_db: Database, settings: Settings
) -> None:
    from queue_kiosk.desk import KioskDesk

    parts = make_parts(fault="offline")
    app = KioskApp(parts, lang="ar")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        assert (await printed(pilot, app)).state == "failed"
    assert ("printer_offline", "printer:kiosk") in open_alerts(sqlite_db)
    with sqlite_db.write() as s:
        add_staff(s, username="mona", display_name="Mona", role="clerk", pin="2468", now=FIXED_NOW)
    from branch.staff import actor_for

    with sqlite_db.read() as s:
        actor = actor_for(s, "mona")
    view = parts.engine.reprint("A001", actor)
    printer = parts.printer()
    printer.virtual_device.clear_faults()
    desk = KioskDesk(parts.engine, home=settings.home)
    outcome = desk.print_ticket(printer, desk.with_queue_position(view), reprint=True)
    assert outcome.printed and outcome.preview is not None
    assert all_tickets(sqlite_db)[0].print_state == "printed"
    assert open_alerts(sqlite_db) == set()


# -- the operator's exit -----------------------------------------------------------------------
async def test_the_staff_chord_and_a_supervisor_pin_stop_the_kiosk(
    make_kiosk, sqlite_db: Database
) -> None:
    with sqlite_db.write() as s:
        add_staff(s, username="huda", display_name="Huda", role="supervisor", pin="5555", now=FIXED_NOW)
        add_staff(s, username="sami", display_name="Sami", role="clerk", pin="3333", now=FIXED_NOW)
    app = make_kiosk("en", exit_chord="ctrl+f12")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("ctrl+f12")
        await until(pilot, lambda: focused(app, "staff-user"))
        await pilot.press(*"sami", "enter")
        await until(pilot, lambda: focused(app, "staff-pin"))
        await pilot.press(*"3333", "enter")
        await until(pilot, lambda: app.screen.error != "")
        assert "Only a supervisor or manager" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("ctrl+f12")
        await until(pilot, lambda: focused(app, "staff-user"))
        await pilot.press(*"huda", "enter")
        await until(pilot, lambda: focused(app, "staff-pin"))
        await pilot.press(*"5555", "enter")
        await until(pilot, lambda: not app.is_running)



@pytest.mark.parametrize("screen_key", ["p", "u", "r", "1"])
async def test_a_customer_who_walks_away_is_taken_home(
    make_kiosk, sqlite_db: Database, screen_key: str
) -> None:
    """Priority, urgent, rating and national-number screens go home when left alone; a
    half-typed national number leaves with its screen."""
    app = make_kiosk("en", national_number=True, idle_timeout_s=0.5)
    async with run_at(app, SIZE) as pilot:
        await pilot.press(screen_key)
        await until(pilot, lambda: not isinstance(app.screen, HomeScreen))
        left = app.screen
        if isinstance(left, NationalNumberScreen):
            await until(pilot, lambda: focused(app, "nn"))
            await pilot.press("9", "8")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert left not in app.screen_stack
    assert all_tickets(sqlite_db) == []
