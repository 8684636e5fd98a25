"""The dashboard on a known morning: the numbers on screen are the day's, live, in both
languages; derived alerts (central link, dead letters, a service past its target)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from branch.clock import FixedClock, utc_now
from branch.db import Database
from branch.i18n import rtl
from branch.settings import Settings
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.widgets.dashboard.alerts import AlertTable
from counter_app.widgets.dashboard.counters import CounterTable
from queue_kiosk.engine import QueueEngine
from sync import link_state, outbox
from sync.breaker import BreakerSnapshot, BreakerState
from tests.dashboard.morning import HUDA, busy_morning, until
from tui.testing import run_at

ROOT = Path(__file__).resolve().parents[2]
SIZE = (160, 45)


def cell(app: ManagerApp, cell_id: str) -> str:
    return str(app.screen.query_one(f"#{cell_id}", Static).content).strip()


def row(table: DataTable, key: str) -> list[str]:
    return [str(c).strip() for c in table.get_row(key)]


async def test_numbers_on_screen_are_the_mornings(parts: CounterParts, clock: FixedClock) -> None:
    busy_morning(parts.db, parts.settings, clock)
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        assert cell(app, "svc-CONTRIB-waiting") == "1"
        assert cell(app, "svc-CONTRIB-longest") == "13:00 / 15:00"
        assert cell(app, "svc-CONTRIB-avg") == "1:00"
        assert cell(app, "svc-CONTRIB-p90") == "1:00"
        assert cell(app, "svc-CONTRIB-within") == "100%"
        assert cell(app, "svc-CONTRIB-service_time") == "4:00"
        assert cell(app, "svc-CONTRIB-no_show") == "50%"
        assert cell(app, "svc-CONTRIB-open") == "1"  # counter 3; counter 1 is paused
        assert cell(app, "svc-INQUIRY-longest") == "26:00 / 10:00"
        assert cell(app, "svc-COMPLAINT-avg") == "0:00"
        assert cell(app, "svc-COMPLAINT-service_time") == "-"  # still being served
        # the longest wait against the target: near from 80 %, past it beyond
        screen = app.screen
        assert screen.query_one("#svc-CONTRIB-longest").has_class("wait-near")
        assert screen.query_one("#svc-INQUIRY-longest").has_class("wait-past")
        assert not screen.query_one("#svc-COMPLAINT-longest").classes & {"wait-near", "wait-past"}
        counters = screen.query_one(CounterTable)
        assert row(counters, "1") == ["1", "paused: Break", "sara", "A B", "-", "-", "1", "15:00"]
        assert row(counters, "3") == ["3", "open", "omar", "B A K", "K001 serving", "09:25", "0",
                                      "0:00"]  # fmt: skip
        assert row(counters, "2")[1] == "closed"
        totals = cell(app, "dash-totals")
        for part in ("Issued: 5", "Served: 1", "Waiting: 2", "Within target: 100%"):
            assert part in totals
        # INQUIRY is past its target: an alert the dashboard raised itself
        alerts = screen.query_one(AlertTable)
        assert [a.source for a in alerts.alerts] == ["service:INQUIRY"]
        assert row(alerts, "service_past_target|service:INQUIRY")[:3] == ["09:10",
            "Service past its target", "Inquiries & statements"]  # fmt: skip
        assert [(h.hour, h.arrivals) for h in screen.data.hours] == [(9, 5)]


async def test_arabic_is_mirrored(parts: CounterParts, clock: FixedClock) -> None:
    busy_morning(parts.db, parts.settings, clock)
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "ar" and app.screen.query(
            "#svc-INQUIRY-longest"))  # fmt: skip
        await until(pilot, lambda: cell(app, "svc-INQUIRY-longest") == "26:00 / 10:00")
        assert app.has_class("-rtl")
        # the service name is the rightmost cell of its row, in Arabic
        svc_row = app.screen.query_one("#svc-INQUIRY")
        assert [c.id for c in svc_row.children][-1] == "svc-INQUIRY-service"
        assert rtl("الاستعلام") in cell(app, "svc-INQUIRY-service")
        assert app.screen.query_one("#svc-INQUIRY-longest").has_class("wait-past")
        counters = app.screen.query_one(CounterTable)
        assert [c.key.value for c in counters.ordered_columns][-1] == "counter"
        assert row(counters, "1")[-1] == "1" and row(counters, "1")[-2] == rtl(
            "متوقف مؤقتاً: استراحة"
        )
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "en" and cell(
            app, "svc-INQUIRY-service").endswith("Inquiries & statements"))  # fmt: skip


def tabour(home: Path, url: str | None, *args: str) -> None:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for var in ("TABOUR_DATABASE_URL", "TABOUR_CONFIG"):
        env.pop(var, None)
    if url:
        env["TABOUR_DATABASE_URL"] = url
    proc = subprocess.run([sys.executable, "-m", "branch", *args], capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr


async def _issued_elsewhere_appears(db: Database, settings, home: Path, url: str | None) -> None:
    # another process issues with the real clock: so does the dashboard here
    live = CounterParts(settings, db, QueueEngine(db, settings.config), utc_now)
    app = ManagerApp(live, "en", actor=HUDA)
    async with run_at(app, SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        assert cell(app, "svc-NAF-waiting") == "0"
        tabour(home, url, "ticket", "issue", "--service", "NAF")
        await until(pilot, lambda: cell(app, "svc-NAF-waiting") == "1")  # no key pressed
        tabour(home, url, "ticket", "issue", "--service", "NAF")
        await until(pilot, lambda: cell(app, "svc-NAF-waiting") == "2")


async def test_a_ticket_issued_by_another_process_appears_without_a_key(
    sqlite_db: Database, settings: Settings, branch_home: Path
) -> None:
    await _issued_elsewhere_appears(sqlite_db, settings, branch_home, None)


@pytest.mark.postgres
async def test_a_ticket_issued_by_another_process_appears_on_postgres(
    postgres_db: Database, postgres_url: str, settings: Settings, branch_home: Path
) -> None:
    await _issued_elsewhere_appears(postgres_db, settings, branch_home, postgres_url)


async def test_central_link_and_dead_letters_are_alerts(
    parts: CounterParts, clock: FixedClock
) -> None:
    db = parts.db
    at = datetime(2026, 11, 22, 5, 50, tzinfo=UTC)  # 08:50 in Amman
    link_state.publish(db, BreakerSnapshot("ssc", BreakerState.open, 3, "connection refused",
                                           5.0, "unreachable"), at)  # fmt: skip
    link_state.publish(db, BreakerSnapshot("naf", BreakerState.closed, 1, "401 token expired",
                                           None, "auth_failed"), at)  # fmt: skip
    with db.write() as s:
        item = outbox.enqueue(s, kind="payment.create", payload={"client_payment_id": "p-1"},
                              key="k-1", now=at)  # fmt: skip
        outbox.mark_dead(s, item.id, None, at, "422 CONTRIBUTOR_INACTIVE: not active")
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        table = app.screen.query_one(AlertTable)
        got = {(a.kind, a.source) for a in table.alerts}
        assert got == {("central_auth", "central:naf"), ("central_down", "central:ssc"),
                       ("dead_letters", f"outbox:{item.id}")}  # fmt: skip
        dead = row(table, f"dead_letters|outbox:{item.id}")
        assert dead[:2] == ["08:50", "Undeliverable to central"]
        assert "422 CONTRIBUTOR_INACTIVE" in dead[3]
        assert row(table, "central_auth|central:naf")[1] == "Central refuses our credentials"
        # central is back: the alert goes on the next refresh, with no key pressed
        link_state.publish(db, BreakerSnapshot("ssc", BreakerState.closed, 0, None, None), at)
        app.screen.load()
        await until(pilot, lambda: ("central_down", "central:ssc") not in {
            (a.kind, a.source) for a in app.screen.query_one(AlertTable).alerts})  # fmt: skip


async def test_a_wait_turns_late_with_time_alone(
    parts: CounterParts, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No database change: the slow timer alone recolours a wait crossing its target."""
    busy_morning(parts.db, parts.settings, clock)
    monkeypatch.setattr(DashboardScreen, "slow_refresh_s", 0.2)
    app = ManagerApp(parts, "en", actor=HUDA, live=False)
    async with run_at(app, SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        longest = app.screen.query_one("#svc-CONTRIB-longest")
        assert longest.has_class("wait-near") and not longest.has_class("wait-past")
        clock.advance(3 * 60)  # A002 has waited 16 min: past its 15
        await until(pilot, lambda: longest.has_class("wait-past"))
        assert cell(app, "svc-CONTRIB-longest") == "16:00 / 15:00"
        assert not longest.has_class("wait-near")
