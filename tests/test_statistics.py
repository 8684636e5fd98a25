"""Statistics on constructed days with known answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect

from branch.db import Database
from branch.errors import DomainError, PermissionDenied
from branch.settings import Settings
from queue_kiosk import statistics
from tests.support.stats_days import DAY, LINA, SARA, constructed_day


@pytest.fixture
def day_db(any_db: Database, settings: Settings) -> Database:
    constructed_day(any_db, settings.config)
    return any_db


def test_totals_of_a_constructed_day(day_db: Database, settings: Settings) -> None:
    with day_db.read() as s:
        rep = statistics.compute(s, settings.config, DAY, DAY)
    t = rep.totals
    assert (t.issued, t.called, t.served, t.no_shows) == (6, 5, 3, 1)
    assert (t.walk_outs, t.transferred, t.cancelled, t.expired) == (2, 1, 1, 1)
    # waits: A001 300, A002 600, A003 1,500, B001 120, B001's copy 1,000 (from the first issue)
    assert t.avg_wait_s == pytest.approx((300 + 600 + 1500 + 120 + 1000) / 5, abs=0.01)
    assert t.p90_wait_s == 1500
    assert t.within_target == 4  # only A003 waited past its 15 minutes
    assert t.within_target_share == pytest.approx(0.8)
    assert t.avg_service_s == pytest.approx((200 + 400 + 600) / 3, abs=0.01)
    assert t.no_show_rate == pytest.approx(0.2)


def test_per_service_hour_counter_and_staff(day_db: Database, settings: Settings) -> None:
    cfg = settings.config
    with day_db.read() as s:
        by_service = dict(statistics.compute(s, cfg, DAY, DAY, ["service"]).groups)
        by_hour = dict(statistics.compute(s, cfg, DAY, DAY, ["hour"]).groups)
        by_counter = dict(statistics.compute(s, cfg, DAY, DAY, ["counter"]).groups)
        by_staff = dict(statistics.compute(s, cfg, DAY, DAY, ["staff"]).groups)
    contrib = by_service[("CONTRIB",)]
    assert (contrib.issued, contrib.called, contrib.served, contrib.no_shows) == (3, 3, 2, 1)
    assert contrib.avg_wait_s == pytest.approx(800, abs=0.01)
    retire = by_service[("RETIRE",)]
    # the copy of B001 is not a new issue; its wait counts from B001's first issue
    assert (retire.issued, retire.called, retire.walk_outs) == (1, 1, 1)
    assert retire.avg_wait_s == pytest.approx(1000, abs=0.01)
    inquiry = by_service[("INQUIRY",)]
    assert (inquiry.issued, inquiry.transferred, inquiry.cancelled) == (2, 1, 1)
    # the night ticket is hour 1 of the business day in Amman, not 22 UTC of the day before
    assert sorted(k[0] for k in by_hour) == [1, 9]
    assert by_hour[(1,)].issued == 1 and by_hour[(9,)].issued == 5
    # counter 1: first call 01:35, last end 09:28 (the no-show); it held tickets 230 s, 520 s
    # and 120 s; the rest of that span it was idle
    c1 = by_counter[(1,)]
    span = datetime(2026, 11, 22, 6, 28, tzinfo=UTC) - datetime(2026, 11, 21, 22, 35, tzinfo=UTC)
    assert c1.idle_s == pytest.approx(span.total_seconds() - 230 - 520 - 120, abs=0.5)
    assert by_counter[(4,)].idle_s == pytest.approx(0, abs=0.01)
    assert by_staff[("sara",)].called == 3 and by_staff[("omar",)].called == 2
    assert by_staff[("sara",)].idle_s == pytest.approx(c1.idle_s, abs=0.5)


def test_other_days_are_not_counted(day_db: Database, settings: Settings) -> None:
    with day_db.read() as s:
        before = statistics.compute(s, settings.config, date(2026, 11, 21), date(2026, 11, 21))
        both = statistics.compute(s, settings.config, date(2026, 11, 21), DAY)
    assert before.totals.issued == 0 and both.totals.issued == 6


def test_bad_ranges_and_groupings_are_one_line_errors(sqlite_db: Database, settings: Settings) -> None:
    with sqlite_db.read() as s:
        with pytest.raises(DomainError, match="ends"):
            statistics.compute(s, settings.config, DAY, date(2026, 1, 1))
        with pytest.raises(DomainError, match="unknown grouping"):
            statistics.compute(s, settings.config, DAY, DAY, ["colour"])
        with pytest.raises(PermissionDenied):
            statistics.report(s, settings.config, DAY, DAY, (), SARA)
        assert statistics.report(s, settings.config, DAY, DAY, (), LINA).totals.issued == 0


def test_the_statistics_index_exists(any_db: Database) -> None:
    names = {ix["name"] for ix in inspect(any_db.engine).get_indexes("ticket")}
    assert "ix_ticket_stats" in names
    assert any_db.current_revision() == "0007"


def test_p90_is_nearest_rank_rounded_up_to_ten_seconds() -> None:
    s = statistics.Stats(hist={1: 5, 3: 4, 60: 1})  # 10 waits: nine ≤ 30 s, one at 600 s
    assert s.p90_wait_s == 30
    s.hist[60] = 2  # 11 waits: the 10th is 600 s
    assert s.p90_wait_s == 600
