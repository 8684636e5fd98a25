"""The dashboard read model on a live morning, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from branch.clock import FixedClock
from branch.db import Database
from branch.models import Role
from branch.settings import BranchConfig, Settings
from branch.staff import Actor
from queue_kiosk.dashboard_data import (
    AlertLine,
    FeedbackSummary,
    dashboard_snapshot,
)
from queue_kiosk.engine import QueueEngine
from tests.support.stats_days import constructed_day

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 09:00 in Amman
SARA = Actor("sara", Role.clerk)


def test_live_morning(any_db: Database, settings: Settings) -> None:
    clock = FixedClock(MORNING)
    e = QueueEngine(any_db, settings.config, clock)
    e.open_counter(1, SARA)
    e.open_counter(3, Actor("omar", Role.clerk))
    e.issue("CONTRIB")  # A001: called after 60 s, served 240 s
    e.issue("INQUIRY")  # B001: still waiting, 11 min at the end (target 10: late)
    clock.advance(60)
    e.call_next(1, SARA)
    e.start_serving(1, SARA)
    clock.advance(240)
    e.finish(1, None, SARA)
    e.pause(1, SARA, reason="break")  # counter 1 stops calling; counter 3 is open but nobody calls
    e.issue("CONTRIB")  # A002 at 09:05: waits 6 min (target 15: ok)
    clock.advance(6 * 60)
    e.issue("COMPLAINT")  # K001 waits 0
    alerts = [AlertLine("printer", "kiosk", "out of paper", MORNING)]
    snap = dashboard_snapshot(
        any_db, settings.config, clock.now,
        alert_source=lambda s, cfg, now: alerts,
        feedback_source=lambda s, cfg, day: FeedbackSummary(3, 4.5, 1),
    )  # fmt: skip
    assert snap.business_day == date(2026, 11, 22)
    svc = {s.code: s for s in snap.services}
    contrib, inquiry = svc["CONTRIB"], svc["INQUIRY"]
    assert (contrib.waiting, contrib.longest_wait_s, contrib.longest_state) == (1, 360, "ok")
    assert (contrib.issued_today, contrib.called_today, contrib.served_today) == (2, 1, 1)
    assert contrib.avg_wait_s == pytest.approx(60, abs=0.01)
    assert contrib.avg_service_s == pytest.approx(240, abs=0.01)
    assert contrib.within_target_share == 1.0 and contrib.no_show_rate == 0.0
    assert (inquiry.waiting, inquiry.longest_wait_s, inquiry.longest_state) == (1, 660, "late")
    assert inquiry.open_counters == 1  # counter 3; counter 1 is paused
    assert [s.code for s in snap.late_services] == ["INQUIRY"]
    counters = {c.number: c for c in snap.counters}
    c1, c3 = counters[1], counters[3]
    assert (c1.status, c1.staff, c1.served_today, c1.ticket) == ("paused", "sara", 1, None)
    assert c1.idle_now_s is None  # paused is not idle
    assert (c3.status, c3.served_today, c3.idle_today_s) == ("open", 0, 0.0)
    assert [(h.hour, h.arrivals, h.called) for h in snap.hours] == [(9, 4, 1)]
    assert snap.alerts == tuple(alerts)
    assert snap.feedback == FeedbackSummary(3, 4.5, 1)
    assert snap.to_json()["services"][0]["code"] == "CONTRIB"


def test_current_ticket_and_idle_stretch(sqlite_db: Database, settings: Settings) -> None:
    clock = FixedClock(MORNING)
    e = QueueEngine(sqlite_db, settings.config, clock)
    e.open_counter(1, SARA)
    for _ in range(2):
        e.issue("CONTRIB")
    e.call_next(1, SARA)
    clock.advance(100)
    e.finish(1, None, SARA)  # held 100 s
    clock.advance(50)  # idle 50 s
    e.call_next(1, SARA)
    clock.advance(30)
    e.start_serving(1, SARA)
    clock.advance(20)
    c1 = next(c for c in dashboard_snapshot(sqlite_db, settings.config, clock.now).counters
              if c.number == 1)  # fmt: skip
    assert (c1.ticket, c1.ticket_status, c1.ticket_service) == ("A002", "serving", "CONTRIB")
    assert c1.since == MORNING.replace(minute=3)  # serving since 06:03
    assert c1.idle_today_s == pytest.approx(50, abs=0.01) and c1.idle_now_s is None
    clock.advance(100)
    e.finish(1, None, SARA)
    clock.advance(70)
    c1 = next(c for c in dashboard_snapshot(sqlite_db, settings.config, clock.now).counters
              if c.number == 1)  # fmt: skip
    assert c1.idle_now_s == pytest.approx(70, abs=0.01)
    assert c1.idle_today_s == pytest.approx(120, abs=0.01)
    assert c1.served_today == 2


def test_snapshot_of_a_finished_day(any_db: Database, settings: Settings) -> None:
    config: BranchConfig = settings.config
    constructed_day(any_db, config)
    snap = dashboard_snapshot(any_db, config, datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert snap.totals["issued"] == 6 and snap.totals["walk_outs"] == 2
    assert sum(s.waiting for s in snap.services) == 0
    assert [h.hour for h in snap.hours] == [1, 9]
