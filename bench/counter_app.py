"""The counter app's figures (issue 10): cold start to the login screen (goal ≤ 1.0 s), RSS
after login with a busy queue (goal ≤ 120 MB), key press to screen updated for call next, p95
over 200 presses (goal ≤ 100 ms).

Everything is the real app over a real SQLite branch database (demo config, a fresh temporary
TABOUR_HOME). Cold start: a new Python process imports the app, opens the database and mounts
the login screen (headless, like Pilot); timed from before the process is started to the
username field having focus, median of 5. RSS and call next: one process, 300 tickets waiting
over the counter's services, signed in by keys; each F2 is timed from the key to the screen
showing the called ticket (the answer on the status line and the ticket panel re-read, up to
the refresh after it: `MainScreen.painted_at`); an untimed
F7 (no-show) frees the counter before the next press.
Usage: python bench/counter_app.py [--presses N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_COLD_S = 1.0
GOAL_RSS_MB = 120.0
GOAL_P95_MS = 100.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * p) - 1)]


def make_home() -> Path:
    from branch import reference
    from branch.clock import utc_now
    from branch.db import Database
    from branch.migrate import upgrade
    from branch.settings import demo_config_text, load_settings
    from tests.support.counter_app import add_demo_staff

    home = Path(tempfile.mkdtemp(prefix="tabour-bench-counter-"))
    (home / "branch.toml").write_text(demo_config_text(), encoding="utf-8")
    os.environ["TABOUR_HOME"] = str(home)
    settings = load_settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.write() as s:
        reference.sync_reference_data(s, settings.config)
    add_demo_staff(db, utc_now())
    db.dispose()
    return home


async def _login_ready() -> None:
    """The child of the cold-start figure: mount the app, stop at the login screen."""
    from branch.settings import load_settings
    from counter_app.app import CounterApp
    from counter_app.parts import CounterParts

    app = CounterApp(CounterParts.build(load_settings(), counter=1))
    async with app.run_test(size=(120, 36)) as pilot:
        while not (app.focused is not None and app.focused.id == "username"):
            await pilot.pause(0.005)
        print("ready", flush=True)


def cold_start(home: Path, runs: int = 5) -> tuple[float, float]:
    """(median wall time, median CPU time of the child): on a busy machine the CPU time is
    what the wall time would be on an idle one (the start is single-threaded)."""
    import resource

    times, cpu = [], []
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child-cold"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None
        line = proc.stdout.readline()
        times.append(time.perf_counter() - t0)
        proc.wait(timeout=60)
        assert line.strip() == "ready", line
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def busy_counter(presses: int) -> tuple[float, list[float], list[float]]:
    from branch.settings import load_settings
    from counter_app.app import CounterApp
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import QueueEngine
    from tests.support.counter_app import act, sign_in

    settings = load_settings()
    parts = CounterParts.build(settings, counter=1)
    eng = QueueEngine(parts.db, settings.config)
    for i in range(300):
        eng.issue(("CONTRIB", "INQUIRY", "RETIRE")[i % 3], "elderly" if i % 17 == 0 else "normal")
    app = CounterApp(parts, lang="ar")
    times: list[float] = []
    in_app: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot)
        rss = rss_mb()
        for _ in range(presses):
            main = app.main
            assert main is not None
            t0 = time.perf_counter()
            said = await act(pilot, "f2")
            times.append((main.painted_at - t0) * 1000)
            in_app.append((main.painted_at - main.acted_at) * 1000)
            assert main.queue is not None and main.queue.current is not None, said
            await act(pilot, "f7")
    return rss, times, in_app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--child-cold", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_cold:
        asyncio.run(_login_ready())
        return
    home = make_home()
    cold, cold_cpu = cold_start(home)
    rss, times, in_app = asyncio.run(busy_counter(args.presses))
    print(f"cold start to the login screen: {cold:.2f} s wall, {cold_cpu:.2f} s CPU "
          f"(goal ≤ {GOAL_COLD_S} s)")  # fmt: skip
    print(f"RSS after login, 300 waiting: {rss:.0f} MB (goal ≤ {GOAL_RSS_MB:.0f} MB)")
    print(f"call next, key to screen over {len(times)} presses: p50 {pct(times, 0.5):.1f} ms, "
          f"p95 {pct(times, 0.95):.1f} ms (goal ≤ {GOAL_P95_MS:.0f} ms)")  # fmt: skip
    print(f"  of which inside the app (action to painted): p50 {pct(in_app, 0.5):.1f} ms, "
          f"p95 {pct(in_app, 0.95):.1f} ms; the rest is Pilot delivering the key")  # fmt: skip
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
