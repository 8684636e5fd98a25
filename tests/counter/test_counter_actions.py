"""Every counter action and every refusal, driven through the real app by keys (Pilot), on a
real SQLite file; the database is checked after each step, not only the screen."""

from __future__ import annotations

import pytest
from sqlmodel import select

from branch.clock import FixedClock
from branch.db import Database
from branch.models import Counter, Ticket, TicketEvent
from branch.settings import Settings
from counter_app.screens.dialogs import ChoiceDialog, CodeDialog, normal_code
from counter_app.screens.main import MainScreen
from queue_kiosk.engine import QueueEngine
from tests.support.counter_app import act, idle, make_app, make_parts, sign_in, status, until
from tui.testing import run_at


def issue(settings: Settings, db: Database, clock: FixedClock, *services: str) -> list[str]:
    eng = QueueEngine(db, settings.config, clock)
    codes = []
    for svc in services:
        codes.append(eng.issue(svc).code)
        clock.advance(30)
    return codes


def ticket(db: Database, code: str) -> Ticket:
    with db.read() as s:
        rows = s.exec(select(Ticket).where(Ticket.code == code).order_by(Ticket.id)).all()
        return rows[-1]


def counter_row(db: Database, n: int) -> Counter:
    with db.read() as s:
        c = s.get(Counter, n)
        assert c is not None
        return c


@pytest.fixture
def app(settings: Settings, db: Database, clock: FixedClock):
    return make_app(make_parts(settings, db, counter=1, clock=clock))


async def test_sign_in_call_serve_finish_with_an_outcome(app, settings, db, clock) -> None:
    a1, _ = issue(settings, db, clock, "CONTRIB", "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        c = counter_row(db, 1)
        assert (c.status, c.staff_username) == ("open", "sara")
        assert await act(pilot, "f2") == f"Called {a1}"
        assert ticket(db, a1).status == "called" and ticket(db, a1).staff_username == "sara"
        assert await act(pilot, "f5") == f"Serving {a1}"
        assert ticket(db, a1).status == "serving"
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "enter")  # the second outcome: paid
        await until(pilot, lambda: ticket(db, a1).status == "done")
        assert ticket(db, a1).outcome == "paid"
        await until(pilot, lambda: status(app) == f"Finished {a1}")
        main = app.main
        await until(pilot, lambda: main.queue is not None and main.queue.current is None)


async def test_recall_then_no_show_and_their_refusals(app, settings, db, clock) -> None:
    (a1,) = issue(settings, db, clock, "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        assert await act(pilot, "f4") == "counter 1 has no called ticket"
        assert await act(pilot, "f7") == "counter 1 has no called ticket"
        await act(pilot, "f2")
        assert await act(pilot, "f4") == f"Recalled {a1} (1)"
        assert ticket(db, a1).recalls == 1
        assert await act(pilot, "f7") == f"{a1}: no-show"
        assert ticket(db, a1).status == "no_show"
        assert await act(pilot, "f2") == "nothing is waiting for counter 1"


async def test_serving_refuses_recall_and_no_show_and_a_second_call(app, settings, db, clock):
    a1, _ = issue(settings, db, clock, "CONTRIB", "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await act(pilot, "f2")
        await act(pilot, "f5")
        assert await act(pilot, "f4") == f"{a1} is already being served"
        assert await act(pilot, "f7") == f"{a1} is being served; finish it instead"
        assert await act(pilot, "f2") == (
            f"counter 1 still has {a1}; finish it, mark it no-show or transfer it first"
        )
        assert ticket(db, a1).status == "serving"


async def test_call_by_code_refuses_bad_input_and_calls_the_code(app, settings, db, clock):
    _, a2, b1 = issue(settings, db, clock, "CONTRIB", "CONTRIB", "RETIRE")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, CodeDialog))
        await pilot.press("x", "!", "enter")
        await until(pilot, lambda: app.screen.problem != "")
        assert isinstance(app.screen, CodeDialog)  # still open, nothing lost
        await pilot.press("backspace", "backspace", "escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, CodeDialog))
        assert await act(pilot, *b1.lower(), "enter") == "counter 1 does not serve RETIRE"
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, CodeDialog))
        assert await act(pilot, "a", "2", "enter") == f"Called {a2}"  # a2 → A002
        assert ticket(db, a2).status == "called"


def test_codes_are_normalised() -> None:
    assert normal_code(" a 23 ") == "A023" and normal_code("B001") == "B001"
    assert normal_code("A0") is None and normal_code("23") is None and normal_code("AB1") is None


async def test_transfer_to_a_service_and_to_a_counter(app, settings, db, clock) -> None:
    a1, a2 = issue(settings, db, clock, "CONTRIB", "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        assert await act(pilot, "f8") == "counter 1 has no called ticket"
        await act(pilot, "f2")
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "down", "enter")  # CONTRIB, INQUIRY, RETIRE
        await until(pilot, lambda: status(app).startswith(f"{a1} sent to"))
        moved = ticket(db, a1)
        assert moved.status == "waiting" and moved.service_code == "RETIRE"
        await act(pilot, "f2")
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        services = sum(1 for s in settings.config.services if s.active)
        await pilot.press(*["down"] * services, "enter")  # the first counter after 1: 2
        await until(pilot, lambda: status(app) == f"{a2} sent to counter 2")
        assert ticket(db, a2).assigned_counter == 2


async def test_park_calls_the_next_and_take_back_by_code(app, settings, db, clock) -> None:
    a1, a2 = issue(settings, db, clock, "CONTRIB", "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        assert await act(pilot, "f9") == "nothing to park, and no ticket is parked here"
        await act(pilot, "f2")
        assert await act(pilot, "f9") == f"Parked {a1}; called {a2}"
        assert ticket(db, a1).status == "parked" and ticket(db, a2).status == "called"
        await pilot.press("f9")  # a2 is held: parks it too; nothing else waits
        await until(pilot, lambda: status(app) == f"Parked {a2}; nothing else is waiting")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, CodeDialog))
        assert await act(pilot, *a1, "enter") == f"Took back {a1}"
        assert ticket(db, a1).status == "called"
        await pilot.press("f9")  # a1 back: parking it again is allowed


async def test_walk_in_asks_service_priority_language(app, settings, db, clock) -> None:
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "enter")  # INQUIRY (counter 1: CONTRIB, INQUIRY)
        await until(pilot, lambda: app.screen.id == "walk-in-priority")
        await pilot.press("down", "enter")  # elderly
        await until(pilot, lambda: app.screen.id == "walk-in-lang")
        await pilot.press("down")
        done = await act(pilot, "enter")  # English
        assert done == "Walk-in B001 called"
        t = ticket(db, "B001")
        assert (t.status, t.priority, t.lang, t.counter_number) == ("called", "elderly", "en", 1)
        with db.read() as s:
            kinds = [
                e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id))
            ]
        assert kinds == ["walk_in", "called"]


async def test_pause_needs_a_reason_refuses_calls_and_resumes(app, settings, db, clock) -> None:
    issue(settings, db, clock, "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("escape")  # no reason: nothing happens
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert counter_row(db, 1).status == "open"
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down")
        assert await act(pilot, "enter") == "Paused: Prayer"
        c = counter_row(db, 1)
        assert (c.status, c.pause_reason) == ("paused", "prayer")
        assert await act(pilot, "f2") == "counter 1 is paused; resume it before calling"
        assert await act(pilot, "f11") == "Resumed"
        assert counter_row(db, 1).status == "open"
        assert (await act(pilot, "f2")).startswith("Called A")


async def test_panels_open_or_say_they_are_not_installed(app, settings, db) -> None:
    import importlib.util

    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        for key, module, line in (
            ("f12", "counter_app.screens.contributor", "the contributor panel is not installed"),
            ("ctrl+p", "counter_app.screens.payment", "the payment panel is not installed"),
        ):
            await pilot.press(key)
            if importlib.util.find_spec(module) is None:
                await until(pilot, lambda line=line: status(app) == line)
                assert isinstance(app.screen, MainScreen)
            else:  # landed: the panel opens over the main screen
                await until(pilot, lambda: not isinstance(app.screen, MainScreen))
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("ctrl+d")  # sara is a clerk
        await until(
            pilot, lambda: status(app) == "only supervisors and managers open the dashboard"
        )
        assert isinstance(app.screen, MainScreen)


async def test_a_supervisor_may_open_the_dashboard(settings, db, clock) -> None:
    import importlib.util

    app = make_app(make_parts(settings, db, counter=3, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot, "lina", "3333")
        await pilot.press("ctrl+d")
        if importlib.util.find_spec("counter_app.screens.dashboard") is None:
            await until(pilot, lambda: status(app) == "the dashboard is not installed")
        else:
            await until(pilot, lambda: not isinstance(app.screen, MainScreen))


async def test_sign_out_asks_closed_or_paused(app, settings, db, clock) -> None:
    (a1,) = issue(settings, db, clock, "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await act(pilot, "f2")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.screen.id == "sign-out")
        await pilot.press("enter")  # closed: refused while a1 is held
        await until(pilot, lambda: "still has" in status(app))
        assert isinstance(app.screen, MainScreen) and counter_row(db, 1).staff_username == "sara"
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.screen.id == "sign-out")
        await pilot.press("down", "enter")  # paused
        await until(pilot, lambda: app.screen is app.login)
        c = counter_row(db, 1)
        assert (c.status, c.staff_username) == ("paused", None)
        assert status(app) == "Signed out; counter 1 is paused"
        assert app.focused is not None and app.focused.id == "username"
        await sign_in(pilot, "omar", "2222")  # the next clerk, same app
        assert counter_row(db, 1).staff_username == "omar"
        assert app.main.queue.current.code == a1  # the ticket stayed with the counter


async def test_any_key_on_any_screen_is_safe(app, settings, db, clock) -> None:
    issue(settings, db, clock, "CONTRIB")
    keys = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
            "ctrl+p", "ctrl+d", "escape", "enter", "tab", "x", "1", "up", "down"]  # fmt: skip
    async with run_at(app, (120, 36)) as pilot:
        await pilot.press(*keys)  # on the login screen: nothing breaks
        await pilot.pause()
        assert app.screen is app.login
        for k in ("username", "pin"):
            app.login.query_one(f"#{k}").value = ""
        app.login.query_one("#username").focus()
        await sign_in(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            if not isinstance(app.screen, MainScreen):
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await idle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)


async def test_serving_timer_and_header_clock_follow_the_clock(app, settings, db, clock) -> None:
    issue(settings, db, clock, "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await act(pilot, "f2")
        await act(pilot, "f5")
        panel = app.main.query_one("#ticket")
        assert "Serving for: 00:00" in panel.render().plain
        clock.advance(65)
        app.main._tick()  # what the 1 s interval does
        await pilot.pause()
        assert "Serving for: 01:05" in panel.render().plain
        assert app.main.query_one("#header").clock_text == "10:31"


async def test_language_switch_inside_a_dialog_keeps_it_working(app, settings, db, clock) -> None:
    issue(settings, db, clock, "CONTRIB")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "ar" and app.focused is not None)
        assert app.focused.id == "choices"
        await pilot.press("enter")  # the first reason still chosen by Enter
        await until(pilot, lambda: counter_row(db, 1).status == "paused")
