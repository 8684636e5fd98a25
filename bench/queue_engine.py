"""Call-next latency and throughput: 1, 8 and 32 counter processes; 10, 1,000 and 100,000
waiting tickets; SQLite and PostgreSQL (when TABOUR_BENCH_POSTGRES_URL or
TABOUR_TEST_POSTGRES_URL is set).

Each counter process loops: call next (timed) → finish → (up to 1,000 waiting) the kiosk issues
one more ticket, so the line keeps its size; at 100,000 the few thousand calls of a run
barely dent it, and three-digit codes could not number a refill anyway. Every run starts from
a freshly prepared line. Two load shapes:
- paced: each counter calls once a second (32 counters = 32 calls/s; a busy branch calls
  about once a minute, so this is ~30× the real rate);
- saturated: back-to-back calls, to find the throughput ceiling (on this 2-core machine 32
  processes also queue for the CPU, which shows in the latency).

Goal: p99 ≤ 20 ms at 32 counters with 100,000 waiting, on both backends.
Usage: python bench/queue_engine.py [--quick] [--seconds S]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from branch import reference
from branch.clock import business_day
from branch.db import Database
from branch.errors import NothingWaiting
from branch.migrate import upgrade
from branch.models import DayCounter, Ticket
from branch.settings import demo_config_text, load_config, parse_config
from queue_kiosk.engine import QueueEngine
from queue_kiosk.policy import rank_at

GOAL_P99_MS = 20.0
SERVICES = [s.code for s in parse_config(demo_config_text(), "demo").services]


def bench_config(path: Path, counters: int = 32) -> None:
    base = demo_config_text().split("[[counters]]")[0]
    tail = '\n[ui]\nbidi = "app"\n'
    blocks = []
    for n in range(1, counters + 1):
        svcs = [SERVICES[(n + k) % len(SERVICES)] for k in range(3)]
        blocks.append(f"[[counters]]\nnumber = {n}\nservices = {svcs!r}\nprimary = {svcs[0]!r}\n")
    path.write_text(base + "\n".join(blocks).replace("'", '"') + tail, encoding="utf-8")
    parse_config(path.read_text(encoding="utf-8"), path)


def prepare(url: str, config_path: Path, waiting: int) -> None:
    upgrade(url)
    config = load_config(config_path)
    db = Database(url)
    with db.write() as s:
        reference.sync_reference_data(s, config)
    now = datetime.now(UTC)
    day = business_day(now, config.branch.tz)
    prefixes = {s.code: s.prefix for s in config.services}
    rows, numbers = [], dict.fromkeys(SERVICES, 0)
    for i in range(waiting):
        svc = SERVICES[i % len(SERVICES)]
        numbers[svc] += 1
        issued = now - timedelta(seconds=waiting - i)
        prio = "elderly" if i % 9 == 0 else "normal"
        rows.append({
            "business_day": day, "service_code": svc, "number": numbers[svc],
            "code": f"{prefixes[svc]}{numbers[svc] % 1000:03d}", "priority": prio,
            "status": "waiting", "issued_at": issued, "rank_at": rank_at(issued, prio, config.queue),
            "lang": "ar", "print_state": "printed", "recalls": 0,
            # codes wrap past 999 in this synthetic load; keep them unique per day
            "transferred_from": None if numbers[svc] <= 999 else -i,
        })  # fmt: skip
    with db.engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Ticket.__table__), rows[start : start + 5000])
        conn.execute(insert(DayCounter.__table__), [
            {"business_day": day, "service_code": s, "last_number": min(numbers[s], 999)}
            for s in SERVICES
        ])  # fmt: skip
        if db.is_postgres:
            conn.execute(text("ANALYZE ticket"))
        else:
            conn.execute(text("ANALYZE"))
    db.dispose()


def worker(
    url: str,
    config_path: str,
    counter: int,
    seconds: float,
    pace_s: float,
    refill: bool,
    go: object,
    out: object,
) -> None:
    config = load_config(Path(config_path))
    eng = QueueEngine(Database(url, busy_timeout_ms=60_000), config)
    services = next(c.services for c in config.counters if c.number == counter)
    lat: list[float] = []
    # warm up before the clock starts: connect, compile every statement of the loop
    if refill:
        eng.issue(services[0])
    try:
        eng.call_next(counter)
        eng.finish(counter)
    except NothingWaiting:
        pass
    go.wait()  # type: ignore[attr-defined]
    if pace_s:
        time.sleep(random.random() * pace_s)  # counters are not in lockstep
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        try:
            eng.call_next(counter)
        except NothingWaiting:
            if refill:
                eng.issue(services[i % len(services)])
            continue
        lat.append((time.perf_counter() - t0) * 1000)
        eng.finish(counter)
        if refill:
            eng.issue(services[i % len(services)])
        i += 1
        if pace_s:
            time.sleep(max(0.0, pace_s - (time.perf_counter() - t0)))
    out.put(lat)  # type: ignore[attr-defined]


def run(
    url: str, config_path: Path, counters: int, seconds: float, pace_s: float, refill: bool
) -> dict:
    ctx = mp.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=worker, args=(url, str(config_path), n, seconds, pace_s, refill, go, out)
        )
        for n in range(1, counters + 1)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)
    go.set()
    lat = [x for _ in procs for x in out.get(timeout=seconds + 120)]
    for p in procs:
        p.join()
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    return {"calls": len(lat), "p50": q[49], "p99": q[98], "rate": len(lat) / seconds}


def pg_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    u = make_url(base)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    eng = create_engine(u)
    with eng.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        False
    ), schema


def drop_pg(base: str, schema: str) -> None:
    u = make_url(base)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    eng = create_engine(u)
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="sizes 10 and 1,000 only, 2 s runs")
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args()
    sizes = [10, 1_000] if args.quick else [10, 1_000, 100_000]
    seconds = 2.0 if args.quick else args.seconds
    backends = ["sqlite"]
    pg_base = os.environ.get("TABOUR_BENCH_POSTGRES_URL") or os.environ.get(
        "TABOUR_TEST_POSTGRES_URL"
    )
    if pg_base:
        backends.append("postgres")
    else:
        print("PostgreSQL skipped: set TABOUR_TEST_POSTGRES_URL")
    tmp = Path(tempfile.mkdtemp(prefix="tabour-bench-"))
    cfg = tmp / "branch.toml"
    bench_config(cfg)
    print(
        f"{'backend':<9}{'waiting':>9}{'counters':>9}  {'load':<10}{'calls':>7}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'calls/s':>9}  goal"
    )
    for backend in backends:
        for size in sizes:
            for counters in (1, 8, 32):
                for load, pace in (("paced", 1.0), ("saturated", 0.0)):
                    schema = None
                    if backend == "sqlite":
                        db_file = tmp / f"bench-{size}-{counters}-{load}.db"
                        url = f"sqlite:///{db_file}"
                    else:
                        url, schema = pg_url(pg_base)  # type: ignore[arg-type]
                    try:
                        prepare(url, cfg, size)
                        r = run(url, cfg, counters, seconds, pace, refill=size <= 1_000)
                    finally:
                        if schema:
                            drop_pg(pg_base, schema)  # type: ignore[arg-type]
                        else:
                            for f in tmp.glob(f"bench-{size}-{counters}-{load}.db*"):
                                f.unlink()
                    goal = ""
                    if counters == 32 and size == max(sizes):
                        ok = r["p99"] <= GOAL_P99_MS
                        goal = f"p99 ≤ {GOAL_P99_MS:g} ms: {'met' if ok else 'MISSED'}"
                    print(
                        f"{backend:<9}{size:>9,}{counters:>9}  {load:<10}{r['calls']:>7}"
                        f"{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rate']:>9.0f}  {goal}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
