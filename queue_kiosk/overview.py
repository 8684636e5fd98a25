"""The live queue at a glance: per service and per counter (`tabour queue`, the demo view)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session, col, select

from branch.clock import as_utc, business_day
from branch.models import ACTIVE_SQL, Counter, Ticket
from branch.settings import BranchConfig
from queue_kiosk import estimate


@dataclass(frozen=True)
class ServiceLine:
    code: str
    prefix: str
    name_ar: str
    name_en: str
    waiting: int
    longest_wait_s: int
    estimated_wait_s: int
    target_wait_min: int
    open_counters: int


@dataclass(frozen=True)
class CounterLine:
    number: int
    name_ar: str
    name_en: str
    status: str
    staff: str | None
    services: list[str]
    ticket: str | None
    ticket_status: str | None
    since: str | None
    pause_reason: str | None = None


@dataclass(frozen=True)
class QueueOverview:
    business_day: date
    at: datetime
    services: list[ServiceLine]
    counters: list[CounterLine]
    issued_today: int
    served_today: int

    def to_json(self) -> dict[str, Any]:
        return {
            "business_day": self.business_day.isoformat(),
            "at": self.at.isoformat(),
            "issued_today": self.issued_today,
            "served_today": self.served_today,
            "services": [asdict(s) for s in self.services],
            "counters": [asdict(c) for c in self.counters],
        }


_WAITING = text(
    "SELECT service_code, count(*), min(issued_at) FROM ticket "
    "WHERE status = 'waiting' AND business_day = :d GROUP BY service_code"
).bindparams(bindparam("d", type_=Date()))
_TODAY = text(
    "SELECT sum(CASE WHEN transferred_from IS NULL THEN 1 ELSE 0 END), "
    "sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END) FROM ticket WHERE business_day = :d"
).bindparams(bindparam("d", type_=Date()))


def _as_dt(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def build(session: Session, config: BranchConfig, now: datetime) -> QueueOverview:
    day = business_day(now, config.branch.tz)
    waiting = {r[0]: (int(r[1]), _as_dt(r[2])) for r in session.execute(_WAITING, {"d": day})}
    issued, served = session.execute(_TODAY, {"d": day}).one()
    services = []
    for svc in config.services:
        if not svc.active:
            continue
        count, oldest = waiting.get(svc.code, (0, None))
        open_n = estimate.open_counters_for(session, svc.code)
        mean = estimate.mean_service_s(session, config, svc.code, now)
        services.append(ServiceLine(
            code=svc.code, prefix=svc.prefix, name_ar=svc.name_ar, name_en=svc.name_en,
            waiting=count,
            longest_wait_s=int((now - oldest).total_seconds()) if oldest else 0,
            estimated_wait_s=estimate.wait_s(count, mean, open_n),
            target_wait_min=svc.target_wait_min, open_counters=open_n,
        ))  # fmt: skip
    active = {t.counter_number: t for t in session.exec(select(Ticket).where(text(ACTIVE_SQL)))}
    counters = []
    for c in session.exec(select(Counter).where(Counter.active).order_by(col(Counter.number))):
        t = active.get(c.number)
        counters.append(CounterLine(
            number=c.number, name_ar=c.name_ar, name_en=c.name_en, status=c.status,
            staff=c.staff_username, services=c.services_on(day),
            ticket=t.code if t else None, ticket_status=t.status if t else None,
            since=(t.served_at or t.called_at).isoformat() if t and (t.served_at or t.called_at) else None,
            pause_reason=c.pause_reason,
        ))  # fmt: skip
    return QueueOverview(day, now, services, counters, int(issued or 0), int(served or 0))
