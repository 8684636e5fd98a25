"""What the hall shows, read in one short transaction: the last calls, the waiting counts per
service, and each counter's current code (for the serial counter displays).

Plain Python (no Textual), so the board, the headless display driver and the bench share it.
Codes and counter numbers only: the hall never reads names or national numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Integer, bindparam, text
from sqlmodel import Session

from branch.clock import as_utc, business_day
from branch.db import Database
from branch.models import ACTIVE_SQL
from branch.settings import BranchConfig

CALL_KINDS = ("called", "recalled")

# The newest call events first; a few more than shown, because a code called twice (a recall,
# a transfer) is listed once.
_CALLS = text(
    "SELECT e.id, e.ticket_id, t.code, e.counter_number, e.kind, e.at "
    "FROM ticketevent e JOIN ticket t ON t.id = e.ticket_id "
    "WHERE e.kind IN ('called', 'recalled') AND t.business_day = :d "
    "AND e.counter_number IS NOT NULL "
    "ORDER BY e.id DESC LIMIT :n"
).bindparams(bindparam("d", type_=Date()), bindparam("n", type_=Integer()))
_WAITING = text(
    "SELECT service_code, count(*) FROM ticket "
    "WHERE status = 'waiting' AND business_day = :d GROUP BY service_code"
).bindparams(bindparam("d", type_=Date()))
_AT_COUNTERS = text(f"SELECT counter_number, code FROM ticket WHERE {ACTIVE_SQL}")
_COUNTERS = text("SELECT number FROM counter WHERE active ORDER BY number")


@dataclass(frozen=True)
class HallCall:
    """One call (or recall) of a ticket to a counter."""

    event_id: int
    ticket_id: int
    code: str
    counter: int
    kind: str  # called | recalled
    at: datetime


@dataclass(frozen=True)
class WaitingLine:
    code: str
    prefix: str
    name_ar: str
    name_en: str
    waiting: int


@dataclass(frozen=True)
class HallState:
    business_day: date
    calls: tuple[HallCall, ...]  # newest first, one per code
    waiting: tuple[WaitingLine, ...]  # services in settings order
    at_counters: dict[int, str | None]  # every active counter -> the code it has called, or None

    @property
    def newest(self) -> HallCall | None:
        return self.calls[0] if self.calls else None


def _as_dt(value: object) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)  # type: ignore[arg-type]


def read_hall(session: Session, config: BranchConfig, now: datetime, shown: int) -> HallState:
    day = business_day(now, config.branch.tz)
    calls: list[HallCall] = []
    seen: set[str] = set()
    for row in session.execute(_CALLS, {"d": day, "n": shown * 4 + 8}):
        event_id, ticket_id, code, counter, kind, at = row
        if code in seen:
            continue
        seen.add(code)
        calls.append(HallCall(int(event_id), int(ticket_id), code, int(counter), kind, _as_dt(at)))
        if len(calls) >= shown:
            break
    counts = {r[0]: int(r[1]) for r in session.execute(_WAITING, {"d": day})}
    waiting = tuple(
        WaitingLine(s.code, s.prefix, s.name_ar, s.name_en, counts.get(s.code, 0))
        for s in config.services
        if s.active
    )
    at_counters: dict[int, str | None] = {int(r[0]): None for r in session.execute(_COUNTERS)}
    for number, code in session.execute(_AT_COUNTERS):
        if number is not None:
            at_counters[int(number)] = code
    return HallState(day, tuple(calls), waiting, at_counters)


def load_hall(db: Database, config: BranchConfig, now: datetime, shown: int) -> HallState:
    """`read_hall` in its own read transaction (a worker thread calls this)."""
    with db.read() as s:
        return read_hall(s, config, now, shown)


class CallTracker:
    """Which calls in a read are new: every call or recall after the first read (the first read
    only sets the mark, so a restarted board does not chime for calls made before it)."""

    def __init__(self) -> None:
        self.last_event: int | None = None

    @property
    def started(self) -> bool:
        return self.last_event is not None

    def fresh(self, state: HallState) -> list[HallCall]:
        """The calls newer than the previous read, oldest first."""
        mark = self.last_event
        newest = max((c.event_id for c in state.calls), default=0)
        self.last_event = max(mark or 0, newest)
        if mark is None:
            return []
        return sorted((c for c in state.calls if c.event_id > mark), key=lambda c: c.event_id)


__all__ = [
    "CALL_KINDS", "CallTracker", "HallCall", "HallState", "WaitingLine", "load_hall", "read_hall",
]  # fmt: skip
