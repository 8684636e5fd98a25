"""Queue statistics from tickets alone, in SQL, per service, counter, staff and hour.

Definitions (docs/statistics.md says them for people):
- a *ticket* is one row of one line: a transfer ends the row (`transferred`) and queues a copy
  that keeps the original issue time, so a transferred ticket's wait counts from its original
  issue and each line it passes through sees it once;
- wait = first call − issue (`called_at` is set once per row; a recall does not touch it);
- service = finish − start of serving, for tickets served to the end (`done`);
- within target = first called within the service's `target_wait_min`; share = within ÷ called;
- no-show rate = no-shows ÷ called; walk-outs = expired or cancelled without being called;
- idle time of a counter (or a staff member) on a day = its working span (first call to last
  finish) minus the time it held tickets (call to finish).
A ticket's hour is the hour of its issue in the branch time zone; its day is its business day.

One query per statistic set scans the business days asked for (indexes of migration 0006) and
groups in SQL; the 90th percentile comes from a 10-second histogram grouped in the same query
(nearest rank, rounded up to 10 s), so no database needs a percentile function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, bindparam, text
from sqlmodel import Session

from branch.errors import DomainError
from branch.models import Role
from branch.settings import BranchConfig
from branch.staff import Actor

GROUPS = ("service", "counter", "staff", "hour")
BUCKET_S = 10
COUNTS = ("issued", "called", "served", "no_shows", "walk_outs", "transferred", "cancelled")
MAX_RANGE_DAYS = 3660


@dataclass
class Stats:
    """The counts and statistics of one group (or of all tickets: the totals)."""

    issued: int = 0
    called: int = 0
    served: int = 0
    no_shows: int = 0
    walk_outs: int = 0
    transferred: int = 0
    cancelled: int = 0
    expired: int = 0
    within_target: int = 0
    wait_sum_s: float = 0.0
    service_n: int = 0
    service_sum_s: float = 0.0
    idle_s: float | None = None
    hist: dict[int, int] = field(default_factory=dict)

    def add(self, other: Stats) -> None:
        for name in (*COUNTS, "expired", "within_target", "wait_sum_s", "service_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.service_sum_s += other.service_sum_s
        if other.idle_s is not None:
            self.idle_s = (self.idle_s or 0.0) + other.idle_s
        for b, n in other.hist.items():
            self.hist[b] = self.hist.get(b, 0) + n

    @property
    def avg_wait_s(self) -> float | None:
        return self.wait_sum_s / self.called if self.called else None

    @property
    def p90_wait_s(self) -> float | None:
        """Nearest-rank 90th percentile of the waits, rounded up to the next 10 s."""
        total = sum(self.hist.values())
        if not total:
            return None
        need = -(-9 * total // 10)  # ceil(0.9 n)
        seen = 0
        for b in sorted(self.hist):
            seen += self.hist[b]
            if seen >= need:
                return float(b * BUCKET_S)
        return None  # pragma: no cover

    @property
    def within_target_share(self) -> float | None:
        return self.within_target / self.called if self.called else None

    @property
    def avg_service_s(self) -> float | None:
        return self.service_sum_s / self.service_n if self.service_n else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.called if self.called else None

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None, nd: int = 1) -> float | None:
            return None if v is None else round(v, nd)

        out: dict[str, Any] = {k: getattr(self, k) for k in COUNTS}
        out.update(
            avg_wait_s=r(self.avg_wait_s),
            p90_wait_s=r(self.p90_wait_s),
            within_target=self.within_target,
            within_target_share=r(self.within_target_share, 4),
            avg_service_s=r(self.avg_service_s),
            no_show_rate=r(self.no_show_rate, 4),
            idle_s=r(self.idle_s),
        )
        return out


@dataclass(frozen=True)
class Report:
    """Statistics for business days `start`..`end`, totals and per group."""

    start: date
    end: date
    by: tuple[str, ...]
    timezone: str
    totals: Stats
    groups: list[tuple[tuple[Any, ...], Stats]]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "timezone": self.timezone,
            "by": list(self.by),
            "totals": self.totals.to_json(),
            "groups": [
                {"key": dict(zip(self.by, key, strict=True)), **s.to_json()}
                for key, s in self.groups
            ],
        }


# -- SQL dialect bits ------------------------------------------------------------------------
def _seconds_between(is_pg: bool, a: str, b: str) -> str:
    """b − a in seconds, as a float expression."""
    if is_pg:
        return f"EXTRACT(EPOCH FROM ({b} - {a}))"
    return f"((julianday({b}) - julianday({a})) * 86400.0)"


def _local_hour(is_pg: bool, col: str, offset_sql: str) -> str:
    if is_pg:
        return f"CAST(EXTRACT(HOUR FROM {col} + ({offset_sql}) * INTERVAL '1 second') AS INTEGER)"
    return f"CAST(strftime('%H', {col}, ({offset_sql}) || ' seconds') AS INTEGER)"


def offset_case(tz: ZoneInfo, start: date, end: date) -> tuple[str, dict[str, Any]]:
    """The branch's UTC offset (seconds) for each business day of the range, as SQL.

    One offset per business day (taken at local noon): exact except for tickets issued in the
    hour a daylight-saving switch happens, which branches spend closed.
    """
    runs: list[tuple[date, int]] = []  # (last day of run, offset)
    day = start
    while day <= end:
        off = datetime.combine(day, time(12), tz).utcoffset()
        secs = int(off.total_seconds()) if off is not None else 0
        if runs and runs[-1][1] == secs:
            runs[-1] = (day, secs)
        else:
            runs.append((day, secs))
        day += timedelta(days=1)
    if len(runs) == 1:
        return str(runs[0][1]), {}
    params: dict[str, Any] = {}
    whens = []
    for i, (last, secs) in enumerate(runs[:-1]):
        params[f"off_d{i}"] = last
        whens.append(f"WHEN business_day <= :off_d{i} THEN {secs}")
    return f"(CASE {' '.join(whens)} ELSE {runs[-1][1]} END)", params


_KEY_SQL = {
    "service": "service_code",
    "counter": "counter_number",
    "staff": "staff_username",
}


def _ticket_stats_sql(is_pg: bool, by: Sequence[str], offset_sql: str) -> str:
    """Waits and service times are computed once per ticket in an inner select (SQLite
    would otherwise repeat the date arithmetic for every aggregate; `LIMIT -1` keeps its
    planner from merging the two levels), then summed per group and 10 s wait bucket."""
    wait = _seconds_between(is_pg, "t.issued_at", "t.called_at")
    service = _seconds_between(is_pg, "t.served_at", "t.finished_at")
    keys = [
        _local_hour(is_pg, "t.issued_at", offset_sql) if g == "hour" else f"t.{_KEY_SQL[g]}"
        for g in by
    ]
    key_cols = "".join(f"{k} AS k{i}, " for i, k in enumerate(keys))
    outer_keys = "".join(f"k{i}, " for i in range(len(keys)))
    group = ", ".join([*(f"k{i}" for i in range(len(keys))), "bucket"])
    fence = "" if is_pg else " LIMIT -1"
    inner = (
        f"SELECT {key_cols}t.status AS st, t.transferred_from AS tf, "
        f"t.called_at IS NOT NULL AS c, {wait} AS w, {service} AS sv_s, "
        "sv.target_wait_min * 60 AS target "
        "FROM ticket t JOIN service sv ON sv.code = t.service_code "
        f"WHERE t.business_day BETWEEN :d0 AND :d1{fence}"
    )
    return (
        f"SELECT {outer_keys}"
        f"(CAST(ROUND(CASE WHEN w < 0 THEN 0 ELSE w END) AS INTEGER) + {BUCKET_S - 1}) "
        f"/ {BUCKET_S} AS bucket, "
        "sum(CASE WHEN tf IS NULL THEN 1 ELSE 0 END), "
        "count(w), "
        "sum(CASE WHEN st = 'done' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'no_show' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st IN ('expired', 'cancelled') AND w IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'transferred' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'cancelled' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'expired' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN w <= target THEN 1 ELSE 0 END), "
        "sum(w), "
        "sum(CASE WHEN st = 'done' AND sv_s IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'done' THEN sv_s END) "
        f"FROM ({inner}) x GROUP BY {group}"
    )


def _idle_sql(is_pg: bool, who: str) -> str:
    busy = _seconds_between(is_pg, "called_at", "finished_at")
    span = _seconds_between(is_pg, "min(called_at)", "max(finished_at)")
    return (
        f"SELECT {who}, {span}, sum({busy}) FROM ticket "
        f"WHERE business_day BETWEEN :d0 AND :d1 AND {who} IS NOT NULL "
        "AND called_at IS NOT NULL AND finished_at IS NOT NULL "
        f"GROUP BY business_day, {who}"
    )


def _bind(sql: str) -> Any:
    return text(sql).bindparams(
        bindparam("d0", type_=Date()), bindparam("d1", type_=Date())
    )


def _check_by(by: Iterable[str]) -> tuple[str, ...]:
    out = tuple(by)
    for g in out:
        if g not in GROUPS:
            raise DomainError(f"unknown grouping {g!r}; choose from {', '.join(GROUPS)}")
    if len(set(out)) != len(out):
        raise DomainError("each grouping may be named once")
    return out


def compute(
    session: Session, config: BranchConfig, start: date, end: date, by: Sequence[str] = ()
) -> Report:
    """Statistics for business days `start`..`end` (inclusive), totals and per `by` group."""
    by = _check_by(by)
    if end < start:
        raise DomainError(f"the range ends ({end}) before it starts ({start})")
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError("a report covers at most ten years")
    is_pg = session.get_bind().dialect.name == "postgresql"
    tz = config.branch.tz
    offset_sql, off_params = offset_case(tz, start, end)
    params = {"d0": start, "d1": end, **off_params}
    sql = _bind(_ticket_stats_sql(is_pg, by, offset_sql))
    if off_params:
        sql = sql.bindparams(*(bindparam(k, type_=Date()) for k in off_params))
    groups: dict[tuple[Any, ...], Stats] = defaultdict(Stats)
    n = len(by)
    for row in session.execute(sql, params):
        key = tuple(row[:n])
        bucket = row[n]
        vals = row[n + 1 :]
        s = Stats(
            issued=int(vals[0] or 0), called=int(vals[1] or 0), served=int(vals[2] or 0),
            no_shows=int(vals[3] or 0), walk_outs=int(vals[4] or 0),
            transferred=int(vals[5] or 0), cancelled=int(vals[6] or 0),
            expired=int(vals[7] or 0), within_target=int(vals[8] or 0),
            wait_sum_s=float(vals[9] or 0.0), service_n=int(vals[10] or 0),
            service_sum_s=float(vals[11] or 0.0),
            hist={int(bucket): int(vals[1])} if bucket is not None and vals[1] else {},
        )  # fmt: skip
        groups[key].add(s)
    idle = _idle(session, is_pg, start, end, by)
    totals = Stats()
    for key, s in groups.items():
        totals.add(s)
        if key in idle:
            s.idle_s = idle[key]
    if set(by) & {"counter", "staff"} or not by:
        totals.idle_s = _idle_total(session, is_pg, start, end)
    ordered = sorted(groups.items(), key=lambda kv: tuple(_sort_key(k) for k in kv[0]))
    return Report(start, end, by, config.branch.timezone, totals, ordered)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def _idle_rows(session: Session, is_pg: bool, who: str, start: date, end: date) -> dict[Any, float]:
    out: dict[Any, float] = defaultdict(float)
    for who_v, span, busy in session.execute(
        _bind(_idle_sql(is_pg, who)), {"d0": start, "d1": end}
    ):
        out[who_v] += max(0.0, float(span or 0.0) - float(busy or 0.0))
    return out


def _idle(
    session: Session, is_pg: bool, start: date, end: date, by: tuple[str, ...]
) -> dict[tuple[Any, ...], float]:
    """Idle time when the grouping is by counter or by staff alone (it has no other meaning)."""
    if by == ("counter",):
        return {(k,): v for k, v in _idle_rows(session, is_pg, "counter_number", start, end).items()}
    if by == ("staff",):
        return {(k,): v for k, v in _idle_rows(session, is_pg, "staff_username", start, end).items()}
    return {}


def _idle_total(session: Session, is_pg: bool, start: date, end: date) -> float:
    return sum(_idle_rows(session, is_pg, "counter_number", start, end).values())


def report(
    session: Session,
    config: BranchConfig,
    start: date,
    end: date,
    by: Sequence[str] = (),
    actor: Actor | None = None,
) -> Report:
    """`compute` for a person: reports are for supervisors and above (DESIGN §7)."""
    if actor is not None:
        actor.require(Role.supervisor, "read reports")
    return compute(session, config, start, end, by)


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a business day starts and ends."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def active_days(session: Session, start: date, end: date) -> int:
    """Business days in the range that issued at least one ticket."""
    sql = _bind(
        "SELECT count(DISTINCT business_day) FROM ticket WHERE business_day BETWEEN :d0 AND :d1"
    )
    return int(session.execute(sql, {"d0": start, "d1": end}).scalar_one() or 0)


def service_time_moments(
    session: Session, start: date, end: date
) -> dict[str, tuple[int, float, float]]:
    """Per service: (n, mean, variance) of service times (s) of tickets served to the end."""
    is_pg = session.get_bind().dialect.name == "postgresql"
    d = _seconds_between(is_pg, "served_at", "finished_at")
    sql = _bind(
        f"SELECT service_code, count(*), avg({d}), avg({d} * {d}) FROM ticket "
        "WHERE business_day BETWEEN :d0 AND :d1 AND status = 'done' AND served_at IS NOT NULL "
        "GROUP BY service_code"
    )
    out: dict[str, tuple[int, float, float]] = {}
    for code, n, mean, sq in session.execute(sql, {"d0": start, "d1": end}):
        mean_f, sq_f = float(mean or 0.0), float(sq or 0.0)
        out[code] = (int(n), mean_f, sq_f - mean_f * mean_f)
    return out

