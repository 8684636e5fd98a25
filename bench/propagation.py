"""Propagation: a call committed in one process, to the hall screen updated and the serial
display written in another (issue 9: p95 ≤ 250 ms on SQLite, ≤ 100 ms on PostgreSQL).

`tabour hall` runs as a real process on a pseudo-terminal (160×45) with counter 1's display
on a pty emulator. This process calls tickets through the queue engine; for each call it
takes the wall time just after the commit returns, the time the code's bytes arrived on the
hall's terminal, and the time the display's line showed it. PostgreSQL runs when
TABOUR_BENCH_POSTGRES_URL or TABOUR_TEST_POSTGRES_URL is set.
Usage: python bench/propagation.py [--calls N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from branch import reference
from branch.db import Database
from branch.migrate import upgrade
from branch.settings import load_settings
from queue_kiosk.engine import QueueEngine
from tests.support import hall_process
from tests.support.hall_process import LinkedDisplay, hall_config

GOALS_P95_MS = {"sqlite": 250.0, "postgresql": 100.0}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * p) - 1)]


def measure(home: Path, url: str, calls: int) -> tuple[list[float], list[float]]:
    display = LinkedDisplay(home / "ttyCOUNTER1")
    (home / "branch.toml").write_text(hall_config({1: display.link}, None), encoding="utf-8")
    settings = load_settings({"TABOUR_HOME": str(home), "TABOUR_DATABASE_URL": url})
    upgrade(url)
    db = Database(url)
    with db.write() as s:
        reference.sync_reference_data(s, settings.config)
    engine = QueueEngine(db, settings.config)
    hall = hall_process.HallProcess(home, ["--lang", "en"], database_url=url)
    screen_ms: list[float] = []
    display_ms: list[float] = []
    try:
        if not display.emulator.wait_for(lambda e: not e.cursor_visible, 60):
            raise SystemExit("the hall did not start")
        for i in range(calls + 3):
            engine.issue("CONTRIB")
            time.sleep(0.3)  # let the hall settle on the issue before the call
            shown: list[float] = []
            code = f"A{i + 1:03d}"

            def watch(code: str = code, shown: list[float] = shown) -> None:
                if display.emulator.wait_for(lambda e: e.lines[0].strip() == f"{code} -> 1", 10):
                    shown.append(time.time())

            watcher = threading.Thread(target=watch)
            watcher.start()
            mark = hall.screen.mark()
            view = engine.call_next(1)
            committed = time.time()
            assert view.code == code, (view.code, code)
            on_screen = hall.screen.wait_for(code.encode(), mark, 10)
            watcher.join(11)
            if on_screen is None or not shown:
                raise SystemExit(f"{code} did not arrive (screen {on_screen}, display {shown})")
            if i >= 3:  # warm-up: first reads, statement caches
                screen_ms.append((on_screen - committed) * 1000)
                display_ms.append((shown[0] - committed) * 1000)
            engine.finish(1)
            time.sleep(0.2)
    finally:
        hall.stop()
        display.close()
        db.dispose()
    return screen_ms, display_ms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=40)
    args = ap.parse_args()
    pg = os.environ.get("TABOUR_BENCH_POSTGRES_URL") or os.environ.get("TABOUR_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", f"sqlite:///{tmp}/sqlite/tabour.db", Path(tmp) / "sqlite")]
        admin = schema = None
        if pg:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            base = make_url(pg)
            admin = create_engine(base)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = base.update_query_dict({"options": f"-csearch_path={schema}"})
            backends.append(
                ("postgresql", url.render_as_string(hide_password=False), Path(tmp) / "pg")
            )
        try:
            for name, url, home in backends:
                home.mkdir()
                screen, display = measure(home, url, args.calls)
                goal = GOALS_P95_MS[name]
                for what, values in (("hall screen", screen), ("serial display", display)):
                    p50, p95 = statistics.median(values), pct(values, 0.95)
                    verdict = "ok" if p95 <= goal else "OVER GOAL"
                    print(
                        f"{name:<10} call -> {what:<14} n={len(values)}  p50 {p50:6.1f} ms  "
                        f"p95 {p95:6.1f} ms  max {max(values):6.1f} ms  "
                        f"(goal p95 ≤ {goal:g} ms: {verdict})"
                    )
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
