"""Several processes raise the same alert and rate the same ticket at once: one open alert,
one rating (SQLite WAL + BEGIN IMMEDIATE; PostgreSQL unique indexes)."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlmodel import select

from branch.db import Database
from branch.models import Alert, Feedback
from branch.settings import Settings
from queue_kiosk.engine import QueueEngine
from tests.support import alert_workers

pytestmark = pytest.mark.slow
PROCESSES = 6


def test_one_open_alert_and_one_rating_under_a_race(any_db: Database, settings: Settings) -> None:
    code = QueueEngine(any_db, settings.config).issue("CONTRIB").code
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    url = any_db.engine.url.render_as_string(hide_password=False)
    procs = [
        ctx.Process(
            target=alert_workers.race, args=(url, str(settings.config_path), code, go, out)
        )
        for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    go.set()
    results = [out.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    alert_ids = {a for a, _ in results}
    ratings = [r for _, r in results if r is not None]
    assert len(alert_ids) == 1 and len(ratings) == 1
    with any_db.read() as s:
        assert [a.id for a in s.exec(select(Alert))] == list(alert_ids)
        assert [f.id for f in s.exec(select(Feedback))] == ratings
