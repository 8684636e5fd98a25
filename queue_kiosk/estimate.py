"""Estimated wait (DESIGN §4): v2 projects the queue forward; v1 is kept for comparison.

v1: wait = people ahead under the same policy × recent mean service time of the service ÷
counters open for the service. The simulator showed where it falls short (bench/estimate.py):
a counter serves several lines, so "counters open for the service" overstates the capacity a
line gets; a ticket with nobody ahead still waits for a counter to free up; the time a counter
spends per call includes the walk-up, recalls and no-shows, not only service.

v2 (`project`) replays the policy forward from the live state instead: each open counter frees
when its current ticket should end (learnt mean occupancy − time already spent), then calls
what `policy.choose` would call among today's waiting tickets, and holds it for the learnt
mean occupancy of that ticket's service; the estimate is when this ticket is called. The only
thing learnt is the mean occupancy (call → end) per service, from the branch's own last
`OCCUPANCY_SAMPLES` called tickets of that service (falling back to the published standard);
it is cached per process for `CACHE_S` of clock time. Its accuracy is measured in
`bench/estimate.py` (docs/statistics.md has the figures), not assumed.
"""

from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session, col, select

from branch.clock import as_utc
from branch.models import (
    ACTIVE_SQL,
    Counter,
    CounterStatus,
    Ticket,
    TicketStatus,
    UTCDateTime,
)
from branch.settings import BranchConfig
from queue_kiosk.policy import Candidate, effective_rank, rank_at

HISTORY = timedelta(days=28)
MIN_HOUR_SAMPLES = 5
SCAN_LIMIT = 400


def ahead_of_rank(
    session: Session,
    service: str,
    assigned_counter: int | None,
    day: date,
    rank: datetime,
    ticket_id: int | None = None,
) -> int:
    """Waiting tickets of one line that the policy would call before a ticket of this rank
    (ties go to the lower id; with no id yet, every tie counts as ahead)."""
    if assigned_counter is not None:
        where, line = "assigned_counter = :line", assigned_counter
    else:
        where, line = "assigned_counter IS NULL AND service_code = :line", service
    stmt = text(
        f"SELECT count(*) FROM ticket WHERE status = 'waiting' AND {where} "
        "AND business_day = :d AND (rank_at < :r OR (rank_at = :r AND id < :id))"
    ).bindparams(bindparam("d", type_=Date()), bindparam("r", type_=UTCDateTime()))
    params = {
        "line": line,
        "d": day,
        "r": rank,
        "id": ticket_id if ticket_id is not None else 2**62,
    }
    return int(session.execute(stmt, params).scalar_one())


def ahead_of(session: Session, ticket: Ticket) -> int:
    return ahead_of_rank(
        session,
        ticket.service_code,
        ticket.assigned_counter,
        ticket.business_day,
        ticket.rank_at,
        ticket.id,
    )


def mean_service_s(session: Session, config: BranchConfig, service: str, now: datetime) -> float:
    cfg = config.service(service)
    rows = session.exec(
        select(Ticket.served_at, Ticket.finished_at)
        .where(
            Ticket.service_code == service,
            Ticket.status == TicketStatus.done,
            col(Ticket.finished_at) >= now - HISTORY,
            col(Ticket.served_at).is_not(None),
        )
        .order_by(col(Ticket.finished_at).desc())
        .limit(SCAN_LIMIT)
    ).all()
    durations = [
        (as_utc(fin), (as_utc(fin) - as_utc(srv)).total_seconds())
        for srv, fin in rows
        if srv is not None and fin is not None
    ]
    if not durations:
        return cfg.target_service_min * 60.0
    tz = config.branch.tz
    hour = now.astimezone(tz).hour
    near = [d for fin, d in durations if abs(fin.astimezone(tz).hour - hour) <= 1]
    if len(near) >= MIN_HOUR_SAMPLES:
        return fmean(near[: config.queue.recent_service_samples])
    return fmean(d for _, d in durations[: config.queue.recent_service_samples])


def open_counters_for(session: Session, service: str) -> int:
    counters = session.exec(
        select(Counter).where(Counter.status == CounterStatus.open, Counter.active)
    ).all()
    return sum(1 for c in counters if service in c.service_list)


def wait_s(ahead: int, mean_s: float, open_counters: int) -> int:
    return round(ahead * mean_s / max(open_counters, 1))


def v1_for_ticket(
    session: Session, config: BranchConfig, ticket: Ticket, now: datetime
) -> tuple[int, int]:
    """v1: (people ahead, estimated wait in seconds), kept to measure v2 against."""
    ahead = ahead_of(session, ticket)
    mean = mean_service_s(session, config, ticket.service_code, now)
    counters = (
        1
        if ticket.assigned_counter is not None
        else open_counters_for(session, ticket.service_code)
    )
    return ahead, wait_s(ahead, mean, counters)


def for_ticket(
    session: Session, config: BranchConfig, ticket: Ticket, now: datetime
) -> tuple[int, int]:
    """(people ahead, estimated wait in seconds) for a ticket just issued or requeued."""
    ahead = ahead_of(session, ticket)
    projected = project(
        session, config, ticket.service_code, ticket.assigned_counter, ticket.business_day,
        ticket.rank_at, ticket.id, now,
    )  # fmt: skip
    if projected is None:
        return v1_for_ticket(session, config, ticket, now)
    return ahead, projected


def for_new_ticket(
    session: Session, config: BranchConfig, service: str, priority: str, day: date, now: datetime
) -> tuple[int, int]:
    """(people ahead, estimated wait in seconds) for a ticket about to be issued now."""
    rank = rank_at(now, priority, config.queue)
    ahead = ahead_of_rank(session, service, None, day, rank)
    projected = project(session, config, service, None, day, rank, None, now)
    if projected is None:
        mean_s = mean_service_s(session, config, service, now)
        return ahead, wait_s(ahead, mean_s, open_counters_for(session, service))
    return ahead, projected


# -- v2: replay the policy forward -------------------------------------------------------
OCCUPANCY_SAMPLES = 200
OCCUPANCY_HISTORY = timedelta(days=28)
CACHE_S = 600.0
MAX_WAITING = 3000
MIN_REMAINING = 0.3  # of the mean occupancy: a ticket past its mean still needs some time

_cache: dict[tuple[str, str], tuple[datetime, dict[str, float]]] = {}

_OCCUPANCY = text(
    "SELECT called_at, finished_at FROM ticket WHERE service_code = :s "
    "AND finished_at >= :since AND called_at IS NOT NULL "
    "ORDER BY finished_at DESC LIMIT :n"
).bindparams(bindparam("since", type_=UTCDateTime())).columns(
    called_at=UTCDateTime(), finished_at=UTCDateTime()
)
_WAITING = (
    text(
        "SELECT id, service_code, assigned_counter, rank_at FROM ticket "
        "WHERE business_day = :d AND status = 'waiting' LIMIT :n"
    )
    .bindparams(bindparam("d", type_=Date()))
    .columns(rank_at=UTCDateTime())
)
_ACTIVE = text(
    f"SELECT counter_number, service_code, called_at FROM ticket WHERE {ACTIVE_SQL}"
).columns(called_at=UTCDateTime())


def occupancy_s(session: Session, config: BranchConfig, now: datetime) -> dict[str, float]:
    """Mean seconds a counter is held per call (call → finish, no-show or transfer), per
    service, from the branch's recent history; the published standard where it has none."""
    bind = session.get_bind()
    key = (str(bind.url), config.branch.code)
    hit = _cache.get(key)
    if hit is not None and timedelta(0) <= now - hit[0] <= timedelta(seconds=CACHE_S):
        return hit[1]
    out: dict[str, float] = {}
    for svc in config.services:
        rows = session.execute(
            _OCCUPANCY, {"s": svc.code, "since": now - OCCUPANCY_HISTORY, "n": OCCUPANCY_SAMPLES}
        ).all()
        held = [(as_utc(f) - as_utc(c)).total_seconds() for c, f in rows if c and f]
        out[svc.code] = fmean(held) if held else svc.target_service_min * 60.0
    _cache[key] = (now, out)
    return out


def project(
    session: Session,
    config: BranchConfig,
    service: str,
    assigned_counter: int | None,
    day: date,
    rank: datetime,
    ticket_id: int | None,
    now: datetime,
) -> int | None:
    """Seconds until the policy would call this ticket, replaying today's waiting tickets
    through the open counters; None when no open counter can call it or the line is too long
    to replay (the caller then falls back to v1)."""
    counters = [
        c for c in session.exec(
            select(Counter).where(Counter.status == CounterStatus.open, Counter.active)
        )
    ]  # fmt: skip
    reach = [
        c for c in counters
        if (c.number == assigned_counter if assigned_counter is not None
            else service in c.service_list)
    ]  # fmt: skip
    if not reach:
        return None
    rows = session.execute(_WAITING, {"d": day, "n": MAX_WAITING + 1}).all()
    if len(rows) > MAX_WAITING:
        return None
    occ = occupancy_s(session, config, now)
    me = ticket_id if ticket_id is not None else 2**62
    lines: dict[Any, list[tuple[datetime, int, str]]] = {}
    for tid, svc, assigned, r in rows:
        if tid == me:
            continue
        line = ("c", assigned) if assigned is not None else ("s", svc)
        lines.setdefault(line, []).append((as_utc(r), tid, svc))
    mine = ("c", assigned_counter) if assigned_counter is not None else ("s", service)
    lines.setdefault(mine, []).append((as_utc(rank), me, service))
    for entries in lines.values():
        heapq.heapify(entries)
    free_at: dict[int, datetime] = {c.number: now for c in counters}
    for number, svc, called_at in session.execute(_ACTIVE):
        if number in free_at and called_at is not None:
            mean = occ.get(svc, 600.0)
            left = max(mean - (now - as_utc(called_at)).total_seconds(), MIN_REMAINING * mean)
            free_at[number] = now + timedelta(seconds=left)
    heap = [(free_at[c.number], c.number) for c in counters]
    heapq.heapify(heap)
    by_number = {c.number: c for c in counters}
    policy = config.queue
    while heap:
        t, number = heapq.heappop(heap)
        c = by_number[number]
        options = [("s", s) for s in c.service_list] + [("c", number)]
        best: tuple[datetime, int, Any] | None = None
        for line in options:
            entries = lines.get(line)
            if not entries:
                continue
            r, tid, svc = entries[0]
            cand = Candidate(tid, r, svc, assigned=line[0] == "c")
            key = (effective_rank(cand, c.primary_service, policy), tid, line)
            if best is None or key[:2] < best[:2]:
                best = key
        if best is None:
            continue  # this counter has nothing left to call: it drops out
        line = best[2]
        _, tid, svc = heapq.heappop(lines[line])
        if tid == me:
            return max(0, round((t - now).total_seconds()))
        heapq.heappush(heap, (t + timedelta(seconds=occ.get(svc, 600.0)), number))
    return None

