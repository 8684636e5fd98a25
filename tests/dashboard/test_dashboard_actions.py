"""Manager actions from the dashboard, each confirmed by PIN, on the real engine: open and
close a counter, change its services for the day; refused to a clerk, to a supervisor where a
manager is needed, and on a wrong PIN (nothing changes)."""

from __future__ import annotations

from sqlmodel import col, select

from branch.clock import FixedClock
from branch.i18n import gettext
from branch.models import AuditEntry, Counter
from branch.staff import WRONG_PIN, Actor
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.screens.dashboard_dialogs import PinDialog, ServicesDialog
from tests.dashboard.morning import HUDA, LINA, SARA, busy_morning, until
from tui.testing import run_at

SIZE = (160, 45)


def counter(parts: CounterParts, number: int) -> Counter:
    with parts.db.read() as s:
        c = s.get(Counter, number)
        assert c is not None
        return c


def last_audit(parts: CounterParts) -> AuditEntry:
    with parts.db.read() as s:
        return s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()


async def dashboard(pilot, app: ManagerApp) -> DashboardScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
    return app.screen


async def with_pin(pilot, app: ManagerApp, key: str, pin: str | None) -> None:
    """Press the action key, answer the PIN dialog (None: Escape)."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, PinDialog))
    if pin is None:
        await pilot.press("escape")
    else:
        await pilot.press(*pin, "enter")
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_manager_opens_and_closes_counters(parts: CounterParts, clock: FixedClock) -> None:
    busy_morning(parts.db, parts.settings, clock)
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await pilot.press("down")  # counter 2
        await with_pin(pilot, app, "f2", "4444")
        await until(pilot, lambda: screen.message == "Counter 2 opened")
        c2 = counter(parts, 2)
        assert (c2.status, c2.staff_username) == ("open", None)  # opened for the branch
        entry = last_audit(parts)
        assert (entry.action, entry.staff_username, entry.subject_ref) == (
            "counter.open", "huda", "counter:2")  # fmt: skip
        # the screen follows: counter 2 open, CONTRIB now has two open counters
        await until(pilot, lambda: app.screen.query_one("#svc-CONTRIB-open").content == "2")
        # counter 3 still serves K001: the engine refuses to close it, in one line
        await pilot.press("down")
        await with_pin(pilot, app, "f3", "4444")
        await until(pilot, lambda: "K001" in screen.message)
        assert "finish, park or transfer it" in screen.message
        assert counter(parts, 3).status == "open"
        # counter 1 (paused by sara): closed, nobody holds it any more
        await pilot.press("up", "up")
        await with_pin(pilot, app, "f3", "4444")
        await until(pilot, lambda: screen.message == "Counter 1 closed")
        c1 = counter(parts, 1)
        assert (c1.status, c1.staff_username) == ("closed", None)


async def test_manager_changes_a_counters_services_for_the_day(
    parts: CounterParts, clock: FixedClock
) -> None:
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await pilot.press("down")  # counter 2: A B
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, ServicesDialog))
        await pilot.press("end", "space", "home", "space")  # tick COMPLAINT, untick CONTRIB
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.press(*"4444", "enter")
        await until(pilot, lambda: screen.message == "Counter 2 serves today: B K")
        assert parts.engine.counter_services(2) == ["INQUIRY", "COMPLAINT"]
        await until(pilot, lambda: "B K" in str(screen.query_one("#dash-counters").get_row("2")))


async def test_a_supervisor_may_not_change_services(parts: CounterParts) -> None:
    app = ManagerApp(parts, "en", actor=LINA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, ServicesDialog))
        await pilot.press("end", "space", "f2")
        await until(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.press(*"3333", "enter")
        await until(pilot, lambda: screen.message.startswith("lina"))
        assert screen.message == (
            "lina is a supervisor: only a manager may change a counter's services"
        )
        assert parts.engine.counter_services(1) == ["CONTRIB", "INQUIRY"]


async def test_a_clerk_is_refused_even_with_the_right_pin(parts: CounterParts) -> None:
    app = ManagerApp(parts, "en", actor=SARA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await with_pin(pilot, app, "f2", "1111")
        await until(pilot, lambda: screen.message.startswith("sara"))
        assert screen.message == "sara is a clerk: only a supervisor may open a counter"
        assert screen.query_one("#dash-status").has_class("error")
        assert counter(parts, 1).status == "closed"


async def test_wrong_pin_and_cancel_change_nothing(parts: CounterParts) -> None:
    app = ManagerApp(parts, "ar", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await with_pin(pilot, app, "f2", "9999")
        await until(pilot, lambda: screen.message != "")
        assert screen.message == gettext(WRONG_PIN, "ar")  # in the screen's language
        assert counter(parts, 1).status == "closed"
        entry = last_audit(parts)
        assert (entry.action, entry.subject_ref, entry.outcome) == (
            "staff.auth", "huda", "wrong_pin")  # fmt: skip
        screen.message = ""
        await with_pin(pilot, app, "f2", None)
        await until(pilot, lambda: screen.message != "")
        assert counter(parts, 1).status == "closed"


async def test_no_staff_member_no_action(parts: CounterParts) -> None:
    app = ManagerApp(parts, "en", actor=Actor(None, HUDA.role), live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await pilot.press("f2")
        await until(pilot, lambda: screen.message == "Sign in as a staff member to act")
        assert isinstance(app.screen, DashboardScreen)


async def test_an_engine_refusal_is_one_line_in_arabic(
    parts: CounterParts, clock: FixedClock
) -> None:
    busy_morning(parts.db, parts.settings, clock)  # counter 3 serves K001
    app = ManagerApp(parts, "ar", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await dashboard(pilot, app)
        await pilot.press("down", "down")  # counter 3
        await with_pin(pilot, app, "f3", "4444")
        await until(pilot, lambda: "K001" in screen.message)
        msgid = "counter {n} still has {code}; finish, park or transfer it first"
        assert screen.message == gettext(msgid, "ar").format(n=3, code="K001")
        assert counter(parts, 3).status == "open"
