"""The counter screen's read of its own queue (`queue_kiosk.counter_view.counter_queue`) with a
long queue: 1,000 and 100,000 waiting tickets, SQLite and PostgreSQL (when
TABOUR_BENCH_POSTGRES_URL or TABOUR_TEST_POSTGRES_URL is set).

The counter screen re-reads this after every change another process commits, so it sits on
the path of "key press to screen updated" (issue 10: p95 ≤ 100 ms). Goal here: p95 ≤ 10 ms.
Usage: python bench/counter_view.py [--reads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.queue_engine import bench_config, prepare
from branch.db import Database
from branch.settings import load_config
from queue_kiosk.counter_view import counter_queue

GOAL_P95_MS = 10.0


def measure(url: str, config_path: Path, reads: int) -> tuple[float, float]:
    config = load_config(config_path)
    db = Database(url)
    try:
        lat = []
        for i in range(reads + 20):
            t0 = time.perf_counter()
            counter_queue(db, config, 1 + i % 8, datetime.now(UTC))
            if i >= 20:  # warm-up: connections, statement caches
                lat.append((time.perf_counter() - t0) * 1000)
    finally:
        db.dispose()
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reads", type=int, default=200)
    args = ap.parse_args()
    pg = os.environ.get("TABOUR_BENCH_POSTGRES_URL") or os.environ.get("TABOUR_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "branch.toml"
        bench_config(cfg, counters=8)
        for waiting in (1_000, 100_000):
            backends = [("sqlite", f"sqlite:///{tmp}/v{waiting}.db")]
            schema = None
            if pg:
                schema = f"bench_{uuid.uuid4().hex[:8]}"
                base = make_url(pg)
                admin = create_engine(base)
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                url = base.update_query_dict({"options": f"-csearch_path={schema}"})
                backends.append(("postgresql", url.render_as_string(hide_password=False)))
            for name, url in backends:
                prepare(url, cfg, waiting)
                p50, p95 = measure(url, cfg, args.reads)
                verdict = "ok" if p95 <= GOAL_P95_MS else "OVER GOAL"
                print(
                    f"{name:<10} waiting={waiting:>7,}  counter_queue p50 {p50:6.2f} ms  "
                    f"p95 {p95:6.2f} ms  (goal p95 ≤ {GOAL_P95_MS:g} ms: {verdict})"
                )
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
