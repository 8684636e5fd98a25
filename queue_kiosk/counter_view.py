"""What a counter's screen shows about its own queue: a plain read, no Textual.

The counter screen refreshes this on every change another process commits, so it must stay
cheap with a long queue: each number comes from one indexed query (the partial indexes on
waiting, active and parked tickets), never from loading the lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, text
from sqlmodel import Session, col, select

from branch.clock import as_utc, business_day
from branch.db import Database
from branch.errors import NotFound
from branch.models import ACTIVE_SQL, Counter, Ticket, TicketStatus, UTCDateTime
from branch.settings import BranchConfig

URGENT_FEE_DUE = "urgent: fee due"  # a msgid: the screen shows it through branch.i18n.gettext
NEXT_CODES = 5


@dataclass(frozen=True)
class LineView:
    """One service the counter serves today (or the tickets sent to it by name)."""

    service: str | None
    name_ar: str
    name_en: str
    waiting: int
    oldest_wait_s: int
    target_wait_min: int | None
    over_target: bool
    next_codes: list[str]


@dataclass(frozen=True)
class HeldTicket:
    code: str
    service: str
    priority: str
    status: str
    issued_at: datetime
    waited_s: int  # issue to call (or to now while parked)
    serving_s: int | None  # since service started, for the serving timer
    notes: list[str] = field(default_factory=list)  # msgids, e.g. URGENT_FEE_DUE


@dataclass(frozen=True)
class CounterQueue:
    counter: int
    status: str
    staff: str | None
    pause_reason: str | None
    services: list[str]
    lines: list[LineView]
    assigned: LineView | None
    next_codes: list[str]  # what call-next would take, in turn, if nobody else called
    parked: list[HeldTicket]
    current: HeldTicket | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_COLS = {"id": Integer(), "code": String(), "rank_at": UTCDateTime(), "service_code": String()}
_LINE_COUNTS = text(
    "SELECT service_code, count(*) AS n, min(issued_at) AS oldest FROM ticket "
    "WHERE status = 'waiting' AND assigned_counter IS NULL AND business_day = :d "
    "AND service_code IN :services GROUP BY service_code"
).bindparams(
    bindparam("d", type_=Date()), bindparam("services", expanding=True)
).columns(service_code=String(), n=Integer(), oldest=UTCDateTime())
_ASSIGNED_COUNT = text(
    "SELECT count(*) AS n, min(issued_at) AS oldest FROM ticket "
    "WHERE status = 'waiting' AND assigned_counter = :c AND business_day = :d"
).bindparams(bindparam("d", type_=Date())).columns(n=Integer(), oldest=UTCDateTime())
_LINE_HEAD = (
    text(
        "SELECT id, code, rank_at, service_code FROM ticket WHERE status = 'waiting' "
        "AND assigned_counter IS NULL AND service_code = :s AND business_day = :d "
        "ORDER BY rank_at, id LIMIT :n"
    )
    .bindparams(bindparam("d", type_=Date()))
    .columns(**_COLS)
)
_ASSIGNED_HEAD = (
    text(
        "SELECT id, code, rank_at, service_code FROM ticket WHERE status = 'waiting' "
        "AND assigned_counter = :c AND business_day = :d ORDER BY rank_at, id LIMIT :n"
    )
    .bindparams(bindparam("d", type_=Date()))
    .columns(**_COLS)
)


def _held(t: Ticket, now: datetime) -> HeldTicket:
    called = as_utc(t.called_at) if t.called_at else now
    return HeldTicket(
        code=t.code, service=t.service_code, priority=t.priority, status=t.status,
        issued_at=as_utc(t.issued_at),
        waited_s=max(0, int((called - as_utc(t.issued_at)).total_seconds())),
        serving_s=(
            int((now - as_utc(t.served_at)).total_seconds())
            if t.served_at and t.status == TicketStatus.serving else None
        ),
        notes=[URGENT_FEE_DUE] if t.priority == "urgent" else [],
    )  # fmt: skip


def _wait_s(now: datetime, oldest: datetime | None) -> int:
    return max(0, int((now - as_utc(oldest)).total_seconds())) if oldest else 0


def read_counter_queue(
    s: Session, config: BranchConfig, counter: int, now: datetime, next_n: int = NEXT_CODES
) -> CounterQueue:
    """The same as `counter_queue`, inside a session the caller already holds."""
    c = s.get(Counter, counter)
    if c is None or not c.active:
        raise NotFound(f"unknown counter {counter}")
    day = business_day(now, config.branch.tz)
    policy = config.queue
    services = c.services_on(day)
    counts = {
        r.service_code: (r.n, r.oldest)
        for r in s.execute(_LINE_COUNTS, {"d": day, "services": services})
    }
    boost = timedelta(minutes=policy.primary_service_boost_min)
    ranked: list[tuple[datetime, int, str]] = []
    lines: list[LineView] = []
    for code in services:
        cfg = config.service(code)
        n, oldest = counts.get(code, (0, None))
        heads = s.execute(_LINE_HEAD, {"s": code, "d": day, "n": next_n}).all() if n else []
        bias = boost if code == c.primary_service else timedelta(0)
        ranked += [(as_utc(h.rank_at) - bias, h.id, h.code) for h in heads]
        wait = _wait_s(now, oldest)
        lines.append(LineView(
            service=code, name_ar=cfg.name_ar, name_en=cfg.name_en, waiting=int(n),
            oldest_wait_s=wait, target_wait_min=cfg.target_wait_min,
            over_target=wait > cfg.target_wait_min * 60, next_codes=[h.code for h in heads],
        ))  # fmt: skip
    a_n, a_oldest = s.execute(_ASSIGNED_COUNT, {"c": counter, "d": day}).one()
    assigned = None
    if a_n:
        heads = s.execute(_ASSIGNED_HEAD, {"c": counter, "d": day, "n": next_n}).all()
        ranked += [(as_utc(h.rank_at) - boost, h.id, h.code) for h in heads]
        assigned = LineView(
            service=None, name_ar="محوّلة إلى هذا الشباك", name_en="Sent to this counter",
            waiting=int(a_n), oldest_wait_s=_wait_s(now, a_oldest), target_wait_min=None,
            over_target=False, next_codes=[h.code for h in heads],
        )  # fmt: skip
    ranked.sort()
    current = s.exec(select(Ticket).where(Ticket.counter_number == counter, text(ACTIVE_SQL))).first()
    parked = s.exec(
        select(Ticket)
        .where(Ticket.counter_number == counter, Ticket.status == TicketStatus.parked)
        .order_by(col(Ticket.id))
    ).all()
    return CounterQueue(
        counter=counter, status=c.status, staff=c.staff_username, pause_reason=c.pause_reason,
        services=services, lines=lines, assigned=assigned,
        next_codes=[code for _, _, code in ranked[:next_n]],
        parked=[_held(t, now) for t in parked],
        current=_held(current, now) if current else None,
    )  # fmt: skip


def counter_queue(
    db: Database, config: BranchConfig, counter: int, now: datetime, next_n: int = NEXT_CODES
) -> CounterQueue:
    """Per service the counter serves today: how many wait, the oldest wait against the
    service's target, the next codes in call order; its parked tickets; its current ticket
    (with "urgent: fee due" for an urgent one)."""
    with db.read() as s:
        return read_counter_queue(s, config, counter, now, next_n)


__all__ = ["URGENT_FEE_DUE", "CounterQueue", "HeldTicket", "LineView", "counter_queue"]
