"""The manager dashboard's screen refresh on a year of history (SQLite; PostgreSQL when
TABOUR_BENCH_POSTGRES_URL or TABOUR_TEST_POSTGRES_URL is set).

The history is bench/reports.py's (365 business days of the demo branch, ~511,000 tickets,
today with a live line). The real `tabour manager` app runs headless at 160×45, signed in as a
manager, live updates on. Measured:
- load: one snapshot in the screen's worker thread (queries + derived alerts);
- apply: the event loop's time to put a whole snapshot on screen (every panel redrawn, as
  after a language switch; a usual refresh redraws only the panels that changed);
- committed → on screen: a ticket the engine has committed → the waiting count on screen
  updated (the notifier's delay, SQLite polls every 100 ms, + load + apply).

Goals: load ≤ 50 ms (the dashboard refresh goal of issue 11), apply ≤ 50 ms (the event loop
stays responsive), change → screen p95 ≤ 500 ms.
Usage: python bench/dashboard.py [--days N] [--per-day N] [--repeat N]
"""

from __future__ import annotations

import asyncio
import statistics as pystats
import sys
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reports import CONFIG, prepare, run_on_both_backends
from branch.clock import FixedClock, business_day
from branch.db import Database
from branch.models import DayCounter, Role, Ticket
from branch.settings import Settings
from branch.staff import Actor
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from queue_kiosk.engine import QueueEngine

GOAL_LOAD_MS, GOAL_APPLY_MS, GOAL_CHANGE_MS = 50.0, 50.0, 500.0


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, -(-len(values) * 95 // 100) - 1)]


async def drive(parts: CounterParts, repeat: int) -> dict[str, list[float]]:
    app = ManagerApp(parts, "ar", actor=Actor("huda", Role.manager))
    out: dict[str, list[float]] = {"load": [], "apply": [], "issue": [], "change": []}
    async with app.run_test(size=(160, 45)) as pilot:
        while not (isinstance(app.screen, DashboardScreen) and app.screen.loads):
            await pilot.pause(0.05)
        screen: DashboardScreen = app.screen
        for _ in range(repeat):  # the worker's snapshot, then the event loop applying it
            data = await asyncio.to_thread(_timed_load, screen, out["load"])
            t0 = time.perf_counter()
            screen.show(data, force=True)  # every panel, as after a language switch
            out["apply"].append(time.perf_counter() - t0)
            await pilot.pause()
        cell = screen.query_one("#svc-NAF-waiting")
        for _ in range(repeat):
            before = int(str(cell.content))
            t0 = time.perf_counter()
            await asyncio.to_thread(parts.engine.issue, "NAF")
            t1 = time.perf_counter()
            out["issue"].append(t1 - t0)
            while int(str(cell.content)) == before:
                await pilot.pause(0.005)
            out["change"].append(time.perf_counter() - t1)
    return out


def _timed_load(screen: DashboardScreen, into: list[float]):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    data, _ = screen.snapshot()
    into.append(time.perf_counter() - t0)
    return data


def bench(url: str, label: str, days: int, per_day: int, repeat: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    local = now.astimezone(CONFIG.branch.tz)
    if not 9 <= local.hour < 15:  # a working hour, so that today has a line
        now = datetime.combine(local.date(), dtime(11), CONFIG.branch.tz).astimezone(UTC)
    t0 = time.perf_counter()
    n = prepare(url, days, per_day, now)
    print(f"[{label}] history: {n:,} tickets over {days + 1} business days "
          f"(built in {time.perf_counter() - t0:.0f} s)")  # fmt: skip
    db = Database(url)
    today = business_day(now, CONFIG.branch.tz)
    with db.write() as s:  # the bulk history bypassed the engine's per-day numbering
        for code, last in s.execute(
            select(Ticket.service_code, func.max(Ticket.number))
            .where(Ticket.business_day == today)
            .group_by(Ticket.service_code)
        ):
            s.merge(DayCounter(business_day=today, service_code=code, last_number=last))
        if db.is_postgres:  # ids were given explicitly: move the sequence past them
            s.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                           "(SELECT max(id) FROM ticket))"))  # fmt: skip
    clock = FixedClock(now)
    home = Path(tempfile.gettempdir())
    settings = Settings(
        home=home, config_path=home / "branch.toml", config=CONFIG, database_url=url
    )
    parts = CounterParts(settings, db, QueueEngine(db, CONFIG, clock), clock)
    got = asyncio.run(drive(parts, repeat))
    for key, goal, what in (("load", GOAL_LOAD_MS, "load (worker)"),
                            ("apply", GOAL_APPLY_MS, "apply (event loop)"),
                            ("change", GOAL_CHANGE_MS, "committed -> on screen"),
                            ("issue", None, "(engine.issue itself)")):  # fmt: skip
        ms = [v * 1000 for v in got[key]]
        aim = f" (goal ≤ {goal:.0f} ms)" if goal else ""
        print(f"[{label}] {what}: median {pystats.median(ms):.1f} ms, p95 {p95(ms):.1f} ms{aim}")
    db.dispose()


def main() -> None:
    run_on_both_backends(bench)


if __name__ == "__main__":
    main()
