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
from branch.models import ACTIVE_SQL, Counter, Payment, Ticket, TicketStatus, UTCDateTime
from branch.settings import PRIORITIES, BranchConfig

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
_LINE = "status = 'waiting' AND assigned_counter IS NULL AND service_code = :s"
_SENT = "status = 'waiting' AND assigned_counter = :c"
_DAY = [bindparam("d", type_=Date())]
# Counting reads only the partial index. The oldest ticket is found among those ranked at most
# the largest class boost after the head (rank_at = issued_at - boost), a short index range,
# instead of reading every waiting row for its issue time.
_LINE_COUNT = text(f"SELECT count(*) FROM ticket WHERE {_LINE} AND business_day = :d").bindparams(
    *_DAY
)
_SENT_COUNT = text(f"SELECT count(*) FROM ticket WHERE {_SENT} AND business_day = :d").bindparams(
    *_DAY
)
_LINE_OLDEST = (
    text(f"SELECT min(issued_at) AS oldest FROM ticket WHERE {_LINE} AND business_day = :d "
         "AND rank_at <= :r")
    .bindparams(*_DAY, bindparam("r", type_=UTCDateTime()))
    .columns(oldest=UTCDateTime())
)  # fmt: skip
_SENT_OLDEST = (
    text(f"SELECT min(issued_at) AS oldest FROM ticket WHERE {_SENT} AND business_day = :d "
         "AND rank_at <= :r")
    .bindparams(*_DAY, bindparam("r", type_=UTCDateTime()))
    .columns(oldest=UTCDateTime())
)  # fmt: skip
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


# The payment purpose of the urgent service's fee (sync.contract), matched by value: the queue
# does not import the central link, it only reads what the counter wrote.
URGENT_FEE_PURPOSE = "urgent_fee"


def _fee_taken(s: Session, ticket_id: int | None) -> bool:
    """An urgent ticket's fee counts as taken once a payment for it is pending or confirmed."""
    return (
        ticket_id is not None
        and s.exec(
            select(Payment.id).where(
                Payment.ticket_id == ticket_id,
                Payment.purpose == URGENT_FEE_PURPOSE,
                col(Payment.status).in_(("pending", "confirmed")),
            )
        ).first()
        is not None
    )


def _held(t: Ticket, now: datetime, fee_taken: bool = False) -> HeldTicket:
    called = as_utc(t.called_at) if t.called_at else now
    return HeldTicket(
        code=t.code, service=t.service_code, priority=t.priority, status=t.status,
        issued_at=as_utc(t.issued_at),
        waited_s=max(0, int((called - as_utc(t.issued_at)).total_seconds())),
        serving_s=(
            int((now - as_utc(t.served_at)).total_seconds())
            if t.served_at and t.status == TicketStatus.serving else None
        ),
        notes=[URGENT_FEE_DUE] if t.priority == "urgent" and not fee_taken else [],
    )  # fmt: skip


def _wait_s(now: datetime, oldest: datetime | None) -> int:
    return max(0, int((now - as_utc(oldest)).total_seconds())) if oldest else 0


def _line(
    s: Session,
    count_q: Any,
    head_q: Any,
    oldest_q: Any,
    params: dict[str, Any],
    max_boost: timedelta,
    next_n: int,
) -> tuple[int, list[Any], datetime | None]:
    """(waiting, the first `next_n` rows in call order, oldest issue time) of one line."""
    n = int(s.execute(count_q, params).scalar_one())
    if not n:
        return 0, [], None
    heads = s.execute(head_q, {**params, "n": next_n}).all()
    r = as_utc(heads[0].rank_at) + max_boost
    oldest = s.execute(oldest_q, {**params, "r": r}).scalar_one()
    return n, heads, oldest


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
    max_boost = timedelta(seconds=max(policy.boost_s(p) for p in PRIORITIES))
    boost = timedelta(minutes=policy.primary_service_boost_min)
    ranked: list[tuple[datetime, int, str]] = []
    lines: list[LineView] = []
    for code in services:
        cfg = config.service(code)
        n, heads, oldest = _line(
            s, _LINE_COUNT, _LINE_HEAD, _LINE_OLDEST, {"s": code, "d": day}, max_boost, next_n
        )
        bias = boost if code == c.primary_service else timedelta(0)
        ranked += [(as_utc(h.rank_at) - bias, h.id, h.code) for h in heads]
        wait = _wait_s(now, oldest)
        lines.append(LineView(
            service=code, name_ar=cfg.name_ar, name_en=cfg.name_en, waiting=int(n),
            oldest_wait_s=wait, target_wait_min=cfg.target_wait_min,
            over_target=wait > cfg.target_wait_min * 60, next_codes=[h.code for h in heads],
        ))  # fmt: skip
    a_n, heads, a_oldest = _line(
        s, _SENT_COUNT, _ASSIGNED_HEAD, _SENT_OLDEST, {"c": counter, "d": day}, max_boost, next_n
    )
    assigned = None
    if a_n:
        ranked += [(as_utc(h.rank_at) - boost, h.id, h.code) for h in heads]
        assigned = LineView(
            service=None, name_ar="محوّلة إلى هذا الشباك", name_en="Sent to this counter",
            waiting=int(a_n), oldest_wait_s=_wait_s(now, a_oldest), target_wait_min=None,
            over_target=False, next_codes=[h.code for h in heads],
        )  # fmt: skip
    ranked.sort()
    current = s.exec(
        select(Ticket).where(Ticket.counter_number == counter, text(ACTIVE_SQL))
    ).first()
    parked = s.exec(
        select(Ticket)
        .where(Ticket.counter_number == counter, Ticket.status == TicketStatus.parked)
        .order_by(col(Ticket.id))
    ).all()
    return CounterQueue(
        counter=counter, status=c.status, staff=c.staff_username, pause_reason=c.pause_reason,
        services=services, lines=lines, assigned=assigned,
        next_codes=[code for _, _, code in ranked[:next_n]],
        parked=[_held(t, now, _fee_taken(s, t.id)) for t in parked],
        current=_held(current, now, _fee_taken(s, current.id)) if current else None,
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
