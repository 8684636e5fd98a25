"""Stored alerts (the kiosk's printer) and visitor ratings on the dashboard: an alert raised
while it is open appears without a key; F5 acknowledges it with the PIN (audited), refused to
a clerk; a derived alert cannot be acknowledged; today's ratings and complaints are shown."""

from __future__ import annotations

from sqlmodel import col, select

from branch.clock import FixedClock
from branch.models import Alert, AuditEntry
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.screens.dashboard_dialogs import PinDialog
from counter_app.widgets.dashboard.alerts import AlertTable
from counter_app.widgets.dashboard.feedback import FeedbackPanel
from tests.dashboard.morning import HUDA, SARA, busy_morning, until
from tui.testing import run_at

SIZE = (160, 45)
PAPER = "paper_out|printer:kiosk"


def alert_row(app: ManagerApp, key: str) -> list[str]:
    return [str(c).strip() for c in app.screen.query_one(AlertTable).get_row(key)]


def keys(app: ManagerApp) -> list[str]:
    table = app.screen.query_one(AlertTable)
    return [f"{a.kind}|{a.source}" for a in table.alerts]


async def open_dashboard(pilot, app: ManagerApp) -> DashboardScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
    return app.screen


async def choose_alert(pilot, app: ManagerApp, key: str) -> None:
    table = app.screen.query_one(AlertTable)
    table.focus()
    table.move_cursor(row=keys(app).index(key))
    await pilot.pause()


async def test_a_raised_alert_appears_and_a_manager_acknowledges_it(
    parts: CounterParts, clock: FixedClock
) -> None:
    busy_morning(parts.db, parts.settings, clock)  # INQUIRY is past its target (derived)
    app = ManagerApp(parts, "en", actor=HUDA)
    async with run_at(app, SIZE) as pilot:
        screen = await open_dashboard(pilot, app)
        assert PAPER not in keys(app)
        parts.engine.raise_alert("paper_out", "printer:kiosk", "out of paper")  # the kiosk
        await until(pilot, lambda: PAPER in keys(app))  # no key pressed
        assert alert_row(app, PAPER)[1:] == ["Printer out of paper", "printer:kiosk",
                                             "out of paper"]  # fmt: skip
        # a derived alert has no row to acknowledge: said at once, no PIN asked
        await choose_alert(pilot, app, "service_past_target|service:INQUIRY")
        await pilot.press("f5")
        await until(pilot, lambda: "clears by itself" in screen.message)
        assert isinstance(app.screen, DashboardScreen)
        await choose_alert(pilot, app, PAPER)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.press(*"4444", "enter")
        await until(pilot, lambda: screen.message == "Alert acknowledged")
        with parts.db.read() as s:
            alert = s.exec(select(Alert).where(Alert.kind == "paper_out")).one()
            entry = s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert alert.acknowledged_by == "huda" and alert.cleared_at is None
        assert (entry.action, entry.staff_username) == ("alert.acknowledge", "huda")
        await until(pilot, lambda: alert_row(app, PAPER)[3] == "out of paper (seen by huda)")
        # paper loaded: the kiosk clears it and it leaves the screen
        parts.engine.clear_alert("paper_out", "printer:kiosk")
        await until(pilot, lambda: PAPER not in keys(app))


async def test_a_clerk_may_not_acknowledge(parts: CounterParts) -> None:
    parts.engine.raise_alert("print_failed", "printer:kiosk", "printer did not answer")
    app = ManagerApp(parts, "en", actor=SARA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await open_dashboard(pilot, app)
        await choose_alert(pilot, app, "print_failed|printer:kiosk")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.press(*"1111", "enter")
        await until(pilot, lambda: screen.message.startswith("sara"))
        assert screen.message == "sara is a clerk: only a supervisor may acknowledge an alert"
        with parts.db.read() as s:
            assert s.exec(select(Alert)).one().acknowledged_at is None


async def test_ratings_and_complaints_today(parts: CounterParts, clock: FixedClock) -> None:
    busy_morning(parts.db, parts.settings, clock)
    parts.engine.record_feedback("A001", 5)
    parts.engine.record_feedback("A003", 2, None, "waited too long in the heat")
    parts.engine.record_feedback("B001", 4, "staff")
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        screen = await open_dashboard(pilot, app)
        panel = screen.query_one(FeedbackPanel)
        assert panel.summary is not None
        shown = str(panel.content)
        for line in ("Ratings today: 3", "Average rating: 3.7 / 5", "Complaints: 2",
                     "- Staff conduct", "- waited too long in the heat"):  # fmt: skip
            assert line in shown.splitlines()
        assert shown.index("Staff conduct") < shown.index("waited too long")  # newest first
