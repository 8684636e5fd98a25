"""Queue statistics per window, computed from tickets, uploaded once with an idempotent PUT."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from branch.db import Database
from branch.models import OutboxItem, Ticket
from sync import outbox
from sync.client import CentralClient
from sync.relay import Housekeeping, Relay
from sync.sandbox import models as sbm
from sync.stats_upload import enqueue_closed_windows, window_stats

TZ = ZoneInfo("Asia/Amman")
DAY = date(2026, 3, 15)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, ss, tzinfo=TZ)


def ticket(n: int, service: str, issued: datetime, **kw: Any) -> Ticket:
    return Ticket(
        business_day=DAY,
        service_code=service,
        number=n,
        code=f"A{n:03d}",
        issued_at=issued,
        rank_at=issued,
        **kw,
    )


def seed_tickets(db: Database) -> None:
    with db.write() as s:
        s.add(
            ticket(
                1,
                "CONTRIB",
                at(9, 1),
                status="done",
                called_at=at(9, 5),
                served_at=at(9, 5, 30),
                finished_at=at(9, 12),
            )
        )
        s.add(
            ticket(
                2,
                "CONTRIB",
                at(9, 2),
                status="done",
                called_at=at(9, 12),
                served_at=at(9, 12),
                finished_at=at(9, 20),
            )
        )
        s.add(
            ticket(
                3, "CONTRIB", at(9, 3), status="no_show", called_at=at(9, 20), finished_at=at(9, 23)
            )
        )
        s.add(ticket(4, "INQUIRY", at(9, 14), status="waiting"))


def test_window_aggregates() -> None:
    tickets = [
        ticket(
            1,
            "CONTRIB",
            at(9, 1),
            status="done",
            called_at=at(9, 5),
            served_at=at(9, 5, 30),
            finished_at=at(9, 12),
        ),
        ticket(
            2,
            "CONTRIB",
            at(9, 2),
            status="done",
            called_at=at(9, 12),
            served_at=at(9, 12),
            finished_at=at(9, 20),
        ),
        ticket(
            3, "CONTRIB", at(9, 3), status="no_show", called_at=at(9, 20), finished_at=at(9, 23)
        ),
        ticket(4, "INQUIRY", at(9, 14), status="waiting"),
    ]
    w = window_stats(tickets, DAY, TZ, 15)
    first = w["0900"]["CONTRIB"]
    assert (first.issued, first.called, first.served, first.no_show) == (3, 2, 1, 0)
    assert first.mean_wait_s == 420.0 and first.p90_wait_s == 600.0
    assert first.mean_service_s == 390.0
    second = w["0915"]["CONTRIB"]
    assert (second.issued, second.called, second.served, second.no_show) == (0, 1, 1, 1)
    assert w["0900"]["INQUIRY"].issued == 1 and w["0900"]["INQUIRY"].mean_wait_s is None
    dumped = json.dumps({k: {s: v.model_dump() for s, v in d.items()} for k, d in w.items()})
    assert "A00" not in dumped and "sara" not in dumped  # aggregates only


def test_closed_windows_are_uploaded_once(sqlite_db: Database, central: Any) -> None:
    seed_tickets(sqlite_db)
    mid = at(9, 25)  # 09:15 window not closed yet (grace 5 min after 09:30)
    n = enqueue_closed_windows(sqlite_db, branch_code="AMM-TEST", tz=TZ, now=mid)
    assert n == 1
    later = at(23, 0)
    assert enqueue_closed_windows(sqlite_db, branch_code="AMM-TEST", tz=TZ, now=later) == 1
    assert enqueue_closed_windows(sqlite_db, branch_code="AMM-TEST", tz=TZ, now=later) == 0
    client = CentralClient({"ssc": central.url}, timeout_s=2)
    relay = Relay(sqlite_db, client, clock=lambda: later)

    async def go() -> Any:
        try:
            return await relay.run_once()
        finally:
            await client.aclose()

    report = asyncio.run(go())
    assert report.by_kind == {outbox.STATS_WINDOW: 2}
    t = sbm.StatsWindow.__table__  # type: ignore[attr-defined]
    with central.engine.connect() as conn:
        rows = list(
            conn.execute(select(t).where(t.c.branch_code == "AMM-TEST", t.c.business_day == DAY))
        )
    assert sorted(r.window_start for r in rows) == ["0900", "0915"]
    body = json.loads(next(r.body for r in rows if r.window_start == "0900"))
    assert {s["service_code"] for s in body["services"]} == {"CONTRIB", "INQUIRY"}
    # PUT is idempotent: sending the same window again replaces it, never duplicates
    with sqlite_db.write() as s:
        item = (
            s.execute(select(OutboxItem).where(OutboxItem.kind == outbox.STATS_WINDOW))
            .scalars()
            .first()
        )
        item.status, item.next_attempt_at = "pending", later - timedelta(seconds=1)
    asyncio.run(_again(sqlite_db, central, later))
    with central.engine.connect() as conn:
        rows = list(
            conn.execute(select(t).where(t.c.branch_code == "AMM-TEST", t.c.business_day == DAY))
        )
    assert len(rows) == 2 and max(r.puts for r in rows) == 2


async def _again(db: Database, central: Any, now: datetime) -> None:
    client = CentralClient({"ssc": central.url}, timeout_s=2)
    try:
        await Relay(db, client, clock=lambda: now).run_once()
    finally:
        await client.aclose()


def test_housekeeping_runs_at_most_once_a_minute(sqlite_db: Database) -> None:
    seed_tickets(sqlite_db)
    now = [at(23, 0)]
    hk = Housekeeping(
        sqlite_db, branch_code="AMM-TEST", tz=TZ, snapshot_ttl_h=1, clock=lambda: now[0]
    )
    hk()
    with sqlite_db.write() as s:
        s.execute(OutboxItem.__table__.delete())  # type: ignore[attr-defined]
    hk()
    assert outbox.counts(sqlite_db, now[0])["pending"] == 0
    now[0] += timedelta(minutes=2)
    hk()
    assert outbox.counts(sqlite_db, now[0])["pending"] == 2
