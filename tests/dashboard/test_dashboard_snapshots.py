"""SVG snapshots at 160×45 in Arabic and English: the dashboard on a known morning (fixed
clock, fixed data), its services dialog, and `tabour manager`'s sign-in screen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from branch.clock import FixedClock
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.screens.dashboard_dialogs import ServicesDialog
from sync import link_state, outbox
from sync.breaker import BreakerSnapshot, BreakerState
from tests.dashboard.morning import HUDA, busy_morning, until
from tui.testing import settle

SIZE = (160, 45)


def morning_with_alerts(parts: CounterParts, clock: FixedClock) -> None:
    busy_morning(parts.db, parts.settings, clock)
    parts.engine.raise_alert("paper_near_end", "printer:kiosk", "paper near its end")
    parts.engine.record_feedback("A001", 5)
    parts.engine.record_feedback("A003", 2, None, "waited too long in the heat")
    at = datetime(2026, 11, 22, 6, 20, tzinfo=UTC)
    link_state.publish(parts.db, BreakerSnapshot("ssc", BreakerState.open, 3,
                                                 "connection refused", 5.0, "unreachable"), at)  # fmt: skip
    with parts.db.write() as s:
        item = outbox.enqueue(s, kind="payment.create", payload={"client_payment_id": "p-1"},
                              key="k-1", now=at)  # fmt: skip
        outbox.mark_dead(s, item.id, None, at, "422 CONTRIBUTOR_INACTIVE: contributor inactive")


async def loaded(pilot) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen)
                and pilot.app.screen.loads)  # fmt: skip
    await settle(pilot)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_dashboard(snap_compare, parts: CounterParts, clock: FixedClock, lang: str) -> None:
    morning_with_alerts(parts, clock)
    app = ManagerApp(parts, lang, actor=HUDA, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_dashboard_at_the_counter_size(
    snap_compare, parts: CounterParts, clock: FixedClock, lang: str
) -> None:
    """Opened from the counter app (120×36): the least urgent columns make room."""
    morning_with_alerts(parts, clock)
    app = ManagerApp(parts, lang, actor=HUDA, live=False)
    assert snap_compare(app, terminal_size=(120, 36), run_before=loaded)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_services_dialog(snap_compare, parts: CounterParts, lang: str) -> None:
    app = ManagerApp(parts, lang, actor=HUDA, live=False)

    async def open_dialog(pilot) -> None:
        await loaded(pilot)
        await pilot.press("down", "f4")
        await until(pilot, lambda: isinstance(pilot.app.screen, ServicesDialog))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sign_in(snap_compare, parts: CounterParts, lang: str) -> None:
    app = ManagerApp(parts, lang, live=False)

    async def wrong_pin(pilot) -> None:
        await pilot.press(*"huda", "tab", *"1234", "enter")
        await until(pilot, lambda: pilot.app.screen.message)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=wrong_pin)
