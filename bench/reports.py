"""Statistics on a year of history: a dashboard refresh and year reports, SQLite and PostgreSQL
(when TABOUR_BENCH_POSTGRES_URL or TABOUR_TEST_POSTGRES_URL is set).

The history is 365 business days of the demo branch, 1,400 tickets a day (511,000 tickets,
over 500,000 as the issue asks): issue times over 08:00-15:00 local, waits, walk-ups, service
times, 4 % no-shows, 2 % transfers (with their copies), 1 % cancelled, 1 % expired, on eight
counters with their staff. Today has a live line: tickets waiting, counters busy. The rows are
inserted in bulk (the engine would take hours), then ANALYZEd as a running branch would be.

Goals: dashboard refresh ≤ 50 ms; a year report by service and hour ≤ 2 s.
Usage: python bench/reports.py [--days N] [--per-day N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics as pystats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from bench.queue_engine import drop_pg, pg_url
from branch import reference
from branch.clock import business_day
from branch.db import Database
from branch.migrate import upgrade
from branch.models import Counter, Ticket
from branch.settings import demo_config_text, parse_config
from queue_kiosk import statistics
from queue_kiosk.dashboard_data import dashboard_snapshot
from queue_kiosk.policy import rank_at

GOAL_DASHBOARD_MS = 50.0
GOAL_YEAR_REPORT_S = 2.0
CONFIG = parse_config(demo_config_text(), "demo")
WEIGHTS = {"CONTRIB": 30, "INQUIRY": 28, "RETIRE": 8, "UNEMP": 6, "MATERN": 5, "INJURY": 5,
           "NAF": 6, "HEALTH": 5, "HOUSING": 3, "COMPLAINT": 4}  # fmt: skip


def history_rows(today: date, days: int, per_day: int, now: datetime) -> list[dict]:
    rng = random.Random(7)
    tz = CONFIG.branch.tz
    services = list(WEIGHTS)
    weights = [WEIGHTS[s] for s in services]
    prefixes = {s.code: s.prefix for s in CONFIG.services}
    serving = {s: [c.number for c in CONFIG.counters if s in c.services] for s in services}
    rows: list[dict] = []
    next_id = 1
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        opening = datetime.combine(day, dtime(8), tz).astimezone(UTC)
        numbers = dict.fromkeys(services, 0)
        n_today = per_day if back else per_day // 3
        for i in range(n_today):
            svc = rng.choices(services, weights)[0]
            numbers[svc] += 1
            span = 7 * 3600 if back else (now - opening).total_seconds() - 60
            issued = opening + timedelta(seconds=i * span / n_today + rng.random() * 5)
            if back == 0 and issued > now:
                break
            prio = "elderly" if rng.random() < 0.08 else "normal"
            counter = rng.choice(serving[svc])
            wait = rng.expovariate(1 / 500)
            called = issued + timedelta(seconds=wait)
            served = called + timedelta(seconds=rng.uniform(15, 45))
            finished = served + timedelta(seconds=rng.lognormvariate(6, 0.5))
            u = rng.random()
            status = ("no_show" if u < 0.04 else "transferred" if u < 0.06 else
                      "cancelled" if u < 0.07 else "expired" if u < 0.08 else "done")  # fmt: skip
            if back == 0 and called > now:
                status, called, served, finished = "waiting", None, None, None
            elif back == 0 and finished > now:
                status, served, finished = "serving", None, None
            row = {
                "id": next_id, "business_day": day, "service_code": svc, "number": numbers[svc],
                "code": f"{prefixes[svc]}{numbers[svc] % 1000:03d}", "priority": prio,
                "status": status, "issued_at": issued, "rank_at": rank_at(issued, prio, CONFIG.queue),
                "called_at": None if status in ("cancelled", "expired") else called,
                "served_at": served if status in ("done", "transferred") else None,
                "finished_at": None if status in ("waiting", "serving") else (
                    finished if status in ("done", "transferred") else called or issued
                ),
                "counter_number": None if status in ("waiting", "cancelled", "expired") else counter,
                "staff_username": None if status in ("waiting", "cancelled", "expired")
                else f"clerk{counter}",
                "lang": "ar", "print_state": "printed", "recalls": 0,
                "transferred_from": None if numbers[svc] <= 999 else -next_id,
            }  # fmt: skip
            if status in ("cancelled", "expired"):
                row["finished_at"] = issued + timedelta(seconds=wait)
            rows.append(row)
            next_id += 1
            if status == "transferred":
                copy = dict(row, id=next_id, service_code="INQUIRY", status="done",
                            transferred_from=row["id"], called_at=finished + timedelta(seconds=300),
                            served_at=finished + timedelta(seconds=330),
                            finished_at=finished + timedelta(seconds=600))  # fmt: skip
                rows.append(copy)
                next_id += 1
    # one active ticket per counter at most: keep only the latest 'serving' per counter
    seen: set[int] = set()
    for row in reversed(rows):
        if row["status"] == "serving":
            if row["counter_number"] in seen:
                row["status"], row["finished_at"] = "done", now
                row["served_at"] = row["called_at"]
            seen.add(row["counter_number"])
    return rows


def prepare(url: str, days: int, per_day: int, now: datetime) -> int:
    upgrade(url)
    db = Database(url)
    with db.write() as s:
        reference.sync_reference_data(s, CONFIG)
    rows = history_rows(business_day(now, CONFIG.branch.tz), days, per_day, now)
    with db.engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Ticket.__table__), rows[start : start + 10_000])
        conn.execute(
            Counter.__table__.update().values(status="open", staff_username=None)  # type: ignore[attr-defined]
        )
        conn.execute(text("ANALYZE ticket" if db.is_postgres else "ANALYZE"))
    db.dispose()
    return len(rows)


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm: connect, compile, page cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return pystats.median(times), times[min(len(times) - 1, -(-len(times) * 95 // 100) - 1)]


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
    start = today - timedelta(days=days)
    snap = dashboard_snapshot(db, CONFIG, now)
    assert sum(s.waiting for s in snap.services) > 0, "today should have a line"
    med, p95 = timed(lambda: dashboard_snapshot(db, CONFIG, now), repeat)
    print(f"[{label}] dashboard refresh: median {med * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
          f"(goal ≤ {GOAL_DASHBOARD_MS:.0f} ms)")  # fmt: skip

    def report(by: tuple[str, ...]):  # type: ignore[no-untyped-def]
        def go() -> None:
            with db.read() as s:
                rep = statistics.compute(s, CONFIG, start, today, by)
            assert rep.totals.issued > 400_000 or per_day * days < 400_000

        return go

    for by in (("service", "hour"), ("service",), ("counter",), ("staff",)):
        med, p95 = timed(report(by), max(2, repeat // 10))
        print(f"[{label}] year report by {'+'.join(by)}: median {med:.2f} s, p95 {p95:.2f} s "
              f"(goal ≤ {GOAL_YEAR_REPORT_S:.0f} s)")  # fmt: skip

    def day_report() -> None:
        with db.read() as s:
            statistics.compute(s, CONFIG, today, today, ("service", "hour"))

    day_med, _ = timed(day_report, repeat)
    print(f"[{label}] day report by service+hour: median {day_med * 1000:.1f} ms")
    db.dispose()


def run_on_both_backends(bench: Callable[[str, str, int, int, int], None]) -> None:
    """The command line every year-of-history bench shares: build and measure on SQLite in a
    temporary folder, then on PostgreSQL when a URL is set."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1400)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    print(
        "measured on this machine as it is (2 cores shared with other work: figures are "
        "upper bounds)"
    )
    with tempfile.TemporaryDirectory(prefix="tabour-bench-") as tmp:
        bench(f"sqlite:///{Path(tmp) / 'year.db'}", "sqlite", args.days, args.per_day, args.repeat)
    base = os.environ.get("TABOUR_BENCH_POSTGRES_URL") or os.environ.get("TABOUR_TEST_POSTGRES_URL")
    if base:
        url, schema = pg_url(base)
        try:
            bench(url, "postgres", args.days, args.per_day, args.repeat)
        finally:
            drop_pg(base, schema)
    else:
        print("[postgres] skipped: set TABOUR_TEST_POSTGRES_URL")


def main() -> None:
    run_on_both_backends(bench)


if __name__ == "__main__":
    main()
