"""Worker loops run in separate OS processes by the concurrency and crash tests."""

from __future__ import annotations

import random
import time
from typing import Any

from branch.db import Database
from branch.errors import DatabaseBusy, NothingWaiting
from branch.settings import load_config
from queue_kiosk.engine import QueueEngine


def _engine(url: str, config_path: str) -> QueueEngine:
    from pathlib import Path

    return QueueEngine(Database(url, busy_timeout_ms=30_000), load_config(Path(config_path)))


def kiosk(url: str, config_path: str, n: int, services: list[str], seed: int, go: Any) -> None:
    eng = _engine(url, config_path)
    rng = random.Random(seed)
    go.wait()
    for _ in range(n):
        eng.issue(rng.choice(services), rng.choice(["normal"] * 6 + ["elderly", "urgent"]))


def counter(url: str, config_path: str, number: int, kiosks_done: Any, go: Any, out: Any) -> None:
    """Call and finish until the kiosks are done and nothing is left for this counter."""
    eng = _engine(url, config_path)
    called: list[int] = []
    go.wait()
    while True:
        try:
            t = eng.call_next(number)
        except NothingWaiting:
            if kiosks_done.is_set():
                try:
                    t = eng.call_next(number)
                except NothingWaiting:
                    break
            else:
                time.sleep(0.002)
                continue
        called.append(t.id)
        eng.finish(number)
    out.put((number, called))


def churn(url: str, config_path: str, role: str, number: int, seed: int) -> None:
    """Issue (kiosk) or call/finish (counter) forever, until killed."""
    eng = _engine(url, config_path)
    rng = random.Random(seed)
    services = ["CONTRIB", "INQUIRY", "RETIRE", "NAF"]
    while True:
        try:
            if role == "kiosk":
                eng.issue(rng.choice(services))
            else:
                if eng.current(number) is None:
                    eng.call_next(number)
                eng.finish(number)
        except (NothingWaiting, DatabaseBusy):
            time.sleep(0.001)
