"""Estimated wait, v1 (DESIGN §4).

wait = people ahead under the same policy × recent mean service time of the service ÷ counters
open for the service. The mean is time-of-day aware: tickets finished around this hour of the
day over the last four weeks if there are enough, else the most recent ones, else the
published service standard. Its accuracy is measured in `bench/`, not assumed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from statistics import fmean

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session, col, select

from branch.clock import as_utc
from branch.models import Counter, CounterStatus, Ticket, TicketStatus, UTCDateTime
from branch.settings import BranchConfig

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


def for_ticket(
    session: Session, config: BranchConfig, ticket: Ticket, now: datetime
) -> tuple[int, int]:
    """(people ahead, estimated wait in seconds) for a ticket just issued or requeued."""
    ahead = ahead_of(session, ticket)
    mean = mean_service_s(session, config, ticket.service_code, now)
    counters = (
        1
        if ticket.assigned_counter is not None
        else open_counters_for(session, ticket.service_code)
    )
    return ahead, wait_s(ahead, mean, counters)
