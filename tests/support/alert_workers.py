"""Workers for tests/kiosk/test_front_end_races.py: kiosks and printers in separate processes
raising the same alert and rating the same ticket at the same instant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from branch.db import Database
from branch.settings import load_config
from queue_kiosk.engine import QueueEngine
from queue_kiosk.feedback import AlreadyRated


def race(url: str, config_path: str, code: str, go: Any, out: Any) -> None:
    eng = QueueEngine(Database(url, busy_timeout_ms=60_000), load_config(Path(config_path)))
    go.wait()
    alert = eng.raise_alert("paper_out", "printer:kiosk", "Kiosk printer is out of paper")
    try:
        rated: int | None = eng.record_feedback(code, 5).id
    except AlreadyRated:
        rated = None
    out.put((alert.id, rated))
