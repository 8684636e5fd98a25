"""What the manager dashboard shows, read in one go: `dashboard_snapshot(db, config, now)`.

Plain data (frozen dataclasses), no Textual: the dashboard screen renders it, the CLI or a test
can print it. Everything comes from today's tickets (business day in the branch time zone)
through `queue_kiosk.statistics`, plus the live state of counters; a refresh is four small
queries on indexed columns, whatever the length of the history (bench/reports.py measures it).

Alerts and visitor feedback live in tables another part of Tabour owns; the snapshot has a field
for each (`alerts`, `feedback`) filled by the callables passed as `alert_source` and
`feedback_source`, so the dashboard gets them without this module knowing those tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session, col, select

from branch.clock import as_utc, business_day
from branch.db import Database
from branch.models import ACTIVE_SQL, Counter, CounterStatus, Ticket
from branch.settings import BranchConfig
from queue_kiosk import statistics

NEAR_TARGET = 0.8  # the longest wait turns "near" at 80 % of the service's target


@dataclass(frozen=True)
class ServicePanel:
    code: str
    prefix: str
    name_ar: str
    name_en: str
    target_wait_min: int
    waiting: int
    longest_wait_s: int
    longest_state: str  # ok | near | late: the longest wait against the target
    open_counters: int
    issued_today: int
    called_today: int
    served_today: int
    walk_outs_today: int
    avg_wait_s: float | None
    p90_wait_s: float | None
    within_target_share: float | None
    avg_service_s: float | None
    no_show_rate: float | None


@dataclass(frozen=True)
class CounterPanel:
    number: int
    name_ar: str
    name_en: str
    status: str
    staff: str | None
    services: tuple[str, ...]
    ticket: str | None
    ticket_status: str | None
    ticket_service: str | None
    since: datetime | None
    served_today: int
    idle_today_s: float
    idle_now_s: float | None  # open with no ticket: seconds since its last ticket ended
    pause_reason: str | None = None  # a paused counter's reason code ([queue] pause_reasons)


@dataclass(frozen=True)
class HourPoint:
    hour: int  # local hour of issue
    arrivals: int
    called: int
    avg_wait_s: float | None
    p90_wait_s: float | None


@dataclass(frozen=True)
class AlertLine:
    """One alert as the dashboard lists it (filled by the alerts feature's `alert_source`)."""

    kind: str
    source: str
    message: str
    raised_at: datetime
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class FeedbackSummary:
    """Visitor ratings and complaints today (filled by the feedback feature's source)."""

    ratings: int
    average_rating: float | None
    complaints: int
    recent: tuple[str, ...] = ()


AlertSource = Callable[[Session, BranchConfig, datetime], Sequence[AlertLine]]
FeedbackSource = Callable[[Session, BranchConfig, date], FeedbackSummary | None]


@dataclass(frozen=True)
class DashboardData:
    business_day: date
    at: datetime
    timezone: str
    services: tuple[ServicePanel, ...]
    counters: tuple[CounterPanel, ...]
    hours: tuple[HourPoint, ...]
    totals: dict[str, Any]
    alerts: tuple[AlertLine, ...] = field(default=())
    feedback: FeedbackSummary | None = None

    @property
    def late_services(self) -> tuple[ServicePanel, ...]:
        """Services whose longest wait is past the target (an alert source can use this)."""
        return tuple(s for s in self.services if s.longest_state == "late")

    def to_json(self) -> dict[str, Any]:
        return json_ready(asdict(self))


def json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


_WAITING = text(
    "SELECT service_code, count(*), min(issued_at) FROM ticket "
    "WHERE business_day = :d AND status = 'waiting' GROUP BY service_code"
).bindparams(bindparam("d", type_=Date()))


def _counter_sql(is_pg: bool) -> Any:
    busy = statistics._seconds_between(is_pg, "called_at", "finished_at")
    span = statistics._seconds_between(is_pg, "min(called_at)", "max(finished_at)")
    return text(
        "SELECT counter_number, sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END), "
        f"{span}, sum({busy}), max(finished_at) FROM ticket "
        "WHERE business_day = :d AND counter_number IS NOT NULL AND called_at IS NOT NULL "
        "AND finished_at IS NOT NULL GROUP BY counter_number"
    ).bindparams(bindparam("d", type_=Date()))


def _as_dt(value: Any) -> datetime | None:
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _state(longest_s: int, target_min: int) -> str:
    if longest_s > target_min * 60:
        return "late"
    if longest_s >= NEAR_TARGET * target_min * 60:
        return "near"
    return "ok"


def build(
    session: Session,
    config: BranchConfig,
    now: datetime,
    alert_source: AlertSource | None = None,
    feedback_source: FeedbackSource | None = None,
) -> DashboardData:
    """The snapshot from an open session (the caller may hold a read transaction)."""
    now = as_utc(now)
    day = business_day(now, config.branch.tz)
    is_pg = session.get_bind().dialect.name == "postgresql"
    rep = statistics.compute(session, config, day, day, ("service", "hour"))
    per_service: dict[str, statistics.Stats] = {}
    per_hour: dict[int, statistics.Stats] = {}
    for (svc, hour), s in rep.groups:
        per_service.setdefault(svc, statistics.Stats()).add(s)
        per_hour.setdefault(int(hour), statistics.Stats()).add(s)
    waiting = {
        r[0]: (int(r[1]), _as_dt(r[2])) for r in session.execute(_WAITING, {"d": day})
    }
    counters = list(
        session.exec(select(Counter).where(Counter.active).order_by(col(Counter.number)))
    )
    open_by_service: dict[str, int] = {}
    for c in counters:
        if c.status == CounterStatus.open:
            for code in c.services_on(day):
                open_by_service[code] = open_by_service.get(code, 0) + 1
    services = []
    for svc in config.services:
        if not svc.active:
            continue
        count, oldest = waiting.get(svc.code, (0, None))
        longest = max(0, int((now - oldest).total_seconds())) if oldest else 0
        st = per_service.get(svc.code, statistics.Stats())
        services.append(ServicePanel(
            code=svc.code, prefix=svc.prefix, name_ar=svc.name_ar, name_en=svc.name_en,
            target_wait_min=svc.target_wait_min, waiting=count, longest_wait_s=longest,
            longest_state=_state(longest, svc.target_wait_min),
            open_counters=open_by_service.get(svc.code, 0), issued_today=st.issued,
            called_today=st.called, served_today=st.served, walk_outs_today=st.walk_outs,
            avg_wait_s=st.avg_wait_s, p90_wait_s=st.p90_wait_s,
            within_target_share=st.within_target_share, avg_service_s=st.avg_service_s,
            no_show_rate=st.no_show_rate,
        ))  # fmt: skip
    active = {t.counter_number: t for t in session.exec(select(Ticket).where(text(ACTIVE_SQL)))}
    done: dict[int, tuple[int, float, datetime | None]] = {}
    for number, served, span, busy, last in session.execute(_counter_sql(is_pg), {"d": day}):
        idle = max(0.0, float(span or 0.0) - float(busy or 0.0))
        done[int(number)] = (int(served or 0), idle, _as_dt(last))
    panels = []
    for c in counters:
        t = active.get(c.number)
        served, idle, last = done.get(c.number, (0, 0.0, None))
        idle_now = None
        if t is not None and t.called_at is not None and last is not None:
            idle += max(0.0, (as_utc(t.called_at) - last).total_seconds())
        elif t is None and c.status == CounterStatus.open and last is not None:
            idle_now = max(0.0, (now - last).total_seconds())
            idle += idle_now
        since = (t.served_at or t.called_at) if t is not None else None
        panels.append(CounterPanel(
            number=c.number, name_ar=c.name_ar, name_en=c.name_en, status=c.status,
            staff=c.staff_username, services=tuple(c.services_on(day)),
            ticket=t.code if t else None, ticket_status=t.status if t else None,
            ticket_service=t.service_code if t else None,
            since=as_utc(since) if since is not None else None,
            served_today=served, idle_today_s=idle, idle_now_s=idle_now,
            pause_reason=c.pause_reason if c.status == CounterStatus.paused else None,
        ))  # fmt: skip
    hours = tuple(
        HourPoint(h, s.issued, s.called, s.avg_wait_s, s.p90_wait_s)
        for h, s in sorted(per_hour.items())
    )
    alerts = tuple(alert_source(session, config, now)) if alert_source else ()
    feedback = feedback_source(session, config, day) if feedback_source else None
    return DashboardData(
        business_day=day, at=now, timezone=config.branch.timezone, services=tuple(services),
        counters=tuple(panels), hours=hours, totals=rep.totals.to_json(), alerts=alerts,
        feedback=feedback,
    )  # fmt: skip


def dashboard_snapshot(
    db: Database,
    config: BranchConfig,
    now: datetime,
    alert_source: AlertSource | None = None,
    feedback_source: FeedbackSource | None = None,
) -> DashboardData:
    """One refresh of the manager dashboard (a read snapshot of the branch database)."""
    with db.read() as s:  # one read transaction: every query sees the same snapshot
        return build(s, config, now, alert_source, feedback_source)
