"""Every kiosk flow driven through the real app with Pilot, in Arabic and English: digit keys
and touches issue tickets that print on the virtual printer; the priority classes; the
urgent fast track; refusals; Escape; idle return home; no key crashes it."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Button, Static

from branch.db import Database
from branch.i18n import gettext
from branch.models import Ticket
from queue_kiosk.engine import QueueEngine
from queue_kiosk.kiosk.app import KioskApp
from queue_kiosk.kiosk.screens.choose import ChooseServiceScreen
from queue_kiosk.kiosk.screens.home import HomeScreen
from queue_kiosk.kiosk.screens.notice import NoticeScreen
from queue_kiosk.kiosk.screens.priority import PriorityScreen
from queue_kiosk.kiosk.screens.ticket import TicketScreen
from tests.kiosk.conftest import SIZE, until
from tui import bidi
from tui.testing import run_at

LANGS = ["ar", "en"]


def tickets(db: Database) -> list[Ticket]:
    with db.read() as s:
        return list(s.exec(select(Ticket).order_by(Ticket.id)).all())


def shown(app: KioskApp, message: str, lang: str) -> str:
    """A message as the screen renders it in `lang` (shaped and reordered in Arabic)."""
    return bidi.text(gettext(message, lang), lang, "app")


def screen_text(app: KioskApp) -> str:
    parts = [str(w.render()) for w in app.screen.query(Static)]
    parts += [str(b.label) for b in app.screen.query(Button)]
    return "\n".join(parts)


async def printed(pilot, app: KioskApp) -> TicketScreen:
    await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    await until(pilot, lambda: screen.state != "printing")
    return screen


@pytest.mark.parametrize("lang", LANGS)
async def test_a_digit_key_issues_a_normal_ticket_that_prints(
    make_kiosk, sqlite_db: Database, printer_dir, lang: str
) -> None:
    app = make_kiosk(lang)
    async with run_at(app, SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("2")  # INQUIRY is the second service in settings
        screen = await printed(pilot, app)
        assert screen.state == "printed"
        [t] = tickets(sqlite_db)
        assert (t.code, t.service_code, t.priority, t.lang) == ("B001", "INQUIRY", "normal", lang)
        assert t.print_state == "printed"
        assert (printer_dir / "0002-B001.png").exists()
        assert shown(app, "Please take your ticket", lang) in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_digits_follow_the_settings_order_one_to_nine_then_zero(
    make_kiosk, sqlite_db: Database
) -> None:
    app = make_kiosk("en")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("0")
        await printed(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("9")
        await printed(pilot, app)
    assert [t.service_code for t in tickets(sqlite_db)] == ["COMPLAINT", "HOUSING"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_touch_on_a_service_button_issues_a_ticket(
    make_kiosk, sqlite_db: Database, lang: str
) -> None:
    app = make_kiosk(lang)
    async with run_at(app, SIZE) as pilot:
        await pilot.click("#svc-RETIRE")
        await printed(pilot, app)
    [t] = tickets(sqlite_db)
    assert t.service_code == "RETIRE" and t.priority == "normal"


async def test_two_quick_presses_issue_one_ticket(make_kiosk, sqlite_db: Database) -> None:
    app = make_kiosk("en")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1", "1")
        await printed(pilot, app)
    assert len(tickets(sqlite_db)) == 1


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("key", "priority"), [("1", "elderly"), ("2", "disabled"),
                                               ("3", "pregnant")])
async def test_each_priority_class(
    make_kiosk, sqlite_db: Database, lang: str, key: str, priority: str
) -> None:
    app = make_kiosk(lang)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PriorityScreen))
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, ChooseServiceScreen))
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert shown(app, "Priority ticket", lang) in screen_text(app)
        assert screen.issued.ticket.priority == priority
    [t] = tickets(sqlite_db)
    assert (t.service_code, t.priority) == ("CONTRIB", priority)


async def test_the_priority_path_offers_only_the_services_that_allow_it(
    make_kiosk, sqlite_db: Database
) -> None:
    app = make_kiosk("en", priority_services=["RETIRE", "NAF"])
    async with run_at(app, SIZE) as pilot:
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PriorityScreen))
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, ChooseServiceScreen))
        codes = {b.id for b in app.screen.query(Button) if (b.id or "").startswith("svc-")}
        assert codes == {"svc-RETIRE", "svc-NAF"}
        await pilot.press("2")  # the second offered: NAF
        await printed(pilot, app)
    [t] = tickets(sqlite_db)
    assert (t.service_code, t.priority) == ("NAF", "pregnant")


@pytest.mark.parametrize("lang", LANGS)
async def test_urgent_fast_track_shows_its_fee_and_records_urgent(
    make_kiosk, sqlite_db: Database, lang: str
) -> None:
    app = make_kiosk(lang)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ChooseServiceScreen))
        offered = {b.id for b in app.screen.query(Button) if (b.id or "").startswith("svc-")}
        assert offered == {"svc-CONTRIB", "svc-INQUIRY", "svc-RETIRE"}  # demo [kiosk]
        assert "JD 5.000" in screen_text(app)
        await pilot.press("3")
        await printed(pilot, app)
        assert "JD 5.000" in screen_text(app)
    [t] = tickets(sqlite_db)
    assert (t.service_code, t.priority) == ("RETIRE", "urgent")


async def test_no_urgent_button_when_no_service_allows_it(make_kiosk, sqlite_db) -> None:
    app = make_kiosk("en", urgent_services=[])
    async with run_at(app, SIZE) as pilot:
        assert not app.screen.query("#urgent")
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert tickets(sqlite_db) == []


@pytest.mark.parametrize("lang", LANGS)
async def test_branch_closed_refuses_in_the_customer_language(
    make_kiosk, sqlite_db: Database, lang: str
) -> None:
    # The fixed clock is a Sunday 10:30 in Amman; this branch opens Monday to Thursday.
    app = make_kiosk(lang, open_days=["mon", "tue", "wed", "thu"], opens="08:00",
                     closes="15:00")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, NoticeScreen))
        text = screen_text(app)
        assert shown(app, "The branch is closed now", lang) in text
        assert "08:00" in text and "15:00" in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    assert tickets(sqlite_db) == []


@pytest.mark.parametrize("lang", LANGS)
async def test_outside_opening_hours_refuses(make_kiosk, sqlite_db, lang: str) -> None:
    app = make_kiosk(lang, opens="11:00", closes="15:00")  # 10:30 now
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, NoticeScreen))
    assert tickets(sqlite_db) == []


async def test_no_open_counter_still_issues_and_says_so(
    make_kiosk, sqlite_db: Database, engine: QueueEngine
) -> None:
    engine.open_counter(3)  # serves INQUIRY, CONTRIB, COMPLAINT
    app = make_kiosk("en")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert not screen.issued.no_open_counter
        assert "No counter serves" not in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("3")  # RETIRE: counters 4 and 5, both closed
        screen = await printed(pilot, app)
        assert screen.issued.no_open_counter
        assert "No counter serves this service yet" in screen_text(app)
    assert len(tickets(sqlite_db)) == 2


@pytest.mark.parametrize("lang", LANGS)
async def test_no_open_counter_refuses_when_settings_say_so(
    make_kiosk, sqlite_db: Database, lang: str
) -> None:
    app = make_kiosk(lang, no_open_counter="refuse")
    async with run_at(app, SIZE) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, NoticeScreen))
        assert shown(app, "No counter serves this service now", lang) in screen_text(app)
    assert tickets(sqlite_db) == []


async def test_the_ticket_screen_goes_home_after_the_idle_timeout(make_kiosk) -> None:
    app = make_kiosk("en", idle_timeout_s=0.3)
    async with run_at(app, SIZE) as pilot:
        await pilot.press("1")
        await printed(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))


@pytest.mark.parametrize("lang", LANGS)
async def test_language_toggle_by_key_and_by_touch(make_kiosk, lang: str) -> None:
    app = make_kiosk(lang)
    other = "en" if lang == "ar" else "ar"
    async with run_at(app, SIZE) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: app.language.lang == other)
        await pilot.pause()
        await pilot.click("#lang")
        await until(pilot, lambda: app.language.lang == lang)
        await pilot.press("1")
        screen = await printed(pilot, app)
        assert screen.issued.ticket.lang == lang


async def test_no_key_quits_or_crashes_the_kiosk(make_kiosk, sqlite_db: Database) -> None:
    app = make_kiosk("en", urgent_services=[])
    keys = ["ctrl+q", "ctrl+c", "ctrl+p", "ctrl+backslash", "tab", "a", "z", "f1", "f12",
            "space", "enter", "up", "down", "ctrl+z", "backspace", "delete", "home", "escape",
            "shift+tab", "ctrl+a", "ctrl+x", "ctrl+v", "question_mark", "u"]
    async with run_at(app, SIZE) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PriorityScreen))
        await pilot.press(*keys)
        await pilot.pause()
        assert app.is_running
    assert tickets(sqlite_db) == []


@pytest.mark.postgres
async def test_the_kiosk_on_postgresql(make_parts, postgres_db: Database) -> None:
    """The same app on the PostgreSQL branch database: a touch, a key, a priority ticket."""
    app = KioskApp(make_parts(db=postgres_db), lang="ar")
    async with run_at(app, SIZE) as pilot:
        await pilot.click("#svc-NAF")
        await printed(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PriorityScreen))
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, ChooseServiceScreen))
        await pilot.press("2")
        await printed(pilot, app)
    rows = [(t.code, t.priority, t.print_state) for t in tickets(postgres_db)]
    assert rows == [("N001", "normal", "printed"), ("B001", "pregnant", "printed")]
