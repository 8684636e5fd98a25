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
(nearest rank, rounded up to 10 s). Over ranges of more than 31 days the
percentile is left out: its histogram doubled the cost of a year report., so no database needs a percentile function.
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

from branch.clock import as_utc
from branch.errors import DomainError
from branch.models import Role, UTCDateTime
from branch.settings import BranchConfig
from branch.staff import Actor

GROUPS = ("service", "counter", "staff", "hour")
BUCKET_S = 10
PERCENTILE_MAX_DAYS = 31  # longer ranges leave the 90th percentile out (see the docstring)
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
    bucket_s: int = BUCKET_S

    def add(self, other: Stats) -> None:
        for name in (*COUNTS, "expired", "within_target", "wait_sum_s", "service_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.service_sum_s += other.service_sum_s
        if other.idle_s is not None:
            self.idle_s = (self.idle_s or 0.0) + other.idle_s
        self.bucket_s = other.bucket_s
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
                return float(b * self.bucket_s)
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
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': reading the hour and minute from the text is
    # several times cheaper than strftime() over a year of tickets; offsets are whole minutes.
    minute = (
        f"(CAST(substr({col}, 12, 2) AS INTEGER) * 60 + CAST(substr({col}, 15, 2) AS INTEGER)"
        f" + ({offset_sql}) / 60 + 1440)"
    )
    return f"(({minute} % 1440) / 60)"


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


def _targets_sql(config: BranchConfig) -> str:
    """Each service's target wait in seconds, as a literal CASE (no join per ticket)."""
    whens = " ".join(
        f"WHEN '{svc.code}' THEN {svc.target_wait_min * 60}" for svc in config.services
    )  # codes are validated as [A-Z][A-Z0-9_]*, safe as literals
    return f"(CASE t.service_code {whens} ELSE NULL END)"


_KEY_SQL = {
    "service": "service_code",
    "counter": "counter_number",
    "staff": "staff_username",
}


def _epoch(is_pg: bool, col: str) -> str:
    """Seconds (float) on one scale for differences; SQLite's julianday has sub-ms precision."""
    return f"EXTRACT(EPOCH FROM {col})" if is_pg else f"(julianday({col}) * 86400.0)"


def _ticket_stats_sql(
    is_pg: bool, by: Sequence[str], offset_sql: str, targets_sql: str, bucket_s: int
) -> str:
    """Each timestamp is read once per ticket in an inner select (SQLite would otherwise parse
    it again for every aggregate that uses it; `LIMIT -1` keeps its planner from merging the
    two levels); the outer select takes differences and sums them per group and wait bucket."""
    keys = [
        _local_hour(is_pg, "t.issued_at", offset_sql) if g == "hour" else f"t.{_KEY_SQL[g]}"
        for g in by
    ]
    key_cols = "".join(f"{k} AS k{i}, " for i, k in enumerate(keys))
    outer_keys = "".join(f"k{i}, " for i in range(len(keys)))
    fence = "" if is_pg else " LIMIT -1"
    if bucket_s:
        bucket_sql = (
            f"(CAST(ROUND(CASE WHEN ec < ei THEN 0 ELSE ec - ei END) AS INTEGER) "
            f"+ {bucket_s - 1}) / {bucket_s}"
        )
        group = ", ".join([*(f"k{i}" for i in range(len(keys))), "bucket"])
    else:  # no histogram: one row per group
        bucket_sql = "NULL"
        group = ", ".join(f"k{i}" for i in range(len(keys))) or "st"
    inner = (
        f"SELECT {key_cols}t.status AS st, t.transferred_from AS tf, "
        f"{_epoch(is_pg, 't.issued_at')} AS ei, {_epoch(is_pg, 't.called_at')} AS ec, "
        f"CASE WHEN t.status = 'done' THEN {_epoch(is_pg, 't.served_at')} END AS es, "
        f"{_epoch(is_pg, 't.finished_at')} AS ef, {targets_sql} AS target "
        "FROM ticket t "
        f"WHERE t.business_day BETWEEN :d0 AND :d1{fence}"
    )
    return (
        f"SELECT {outer_keys}{bucket_sql} AS bucket, "
        "sum(CASE WHEN tf IS NULL THEN 1 ELSE 0 END), "
        "count(ec), "
        "sum(CASE WHEN st = 'done' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'no_show' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st IN ('expired', 'cancelled') AND ec IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'transferred' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'cancelled' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN st = 'expired' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN ec - ei <= target THEN 1 ELSE 0 END), "
        "sum(ec - ei), "
        "count(es), "
        "sum(ef - es), "
        "sum(ef - ec) "
        f"FROM ({inner}) x GROUP BY {group}"
    )


def _span_sql(who: str) -> Any:
    """First call and last end per business day and counter (or staff member): text min/max
    on the timestamp columns, no arithmetic per ticket."""
    return (
        text(
            f"SELECT {who}, min(called_at) AS mn, max(finished_at) AS mx FROM ticket "
            f"WHERE business_day BETWEEN :d0 AND :d1 AND {who} IS NOT NULL "
            "AND called_at IS NOT NULL AND finished_at IS NOT NULL "
            f"GROUP BY business_day, {who}"
        )
        .bindparams(bindparam("d0", type_=Date()), bindparam("d1", type_=Date()))
        .columns(mn=UTCDateTime(), mx=UTCDateTime())
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
    bucket_s = BUCKET_S if (end - start).days < PERCENTILE_MAX_DAYS else 0
    sql = _bind(_ticket_stats_sql(is_pg, by, offset_sql, _targets_sql(config), bucket_s))
    if off_params:
        sql = sql.bindparams(*(bindparam(k, type_=Date()) for k in off_params))
    groups: dict[tuple[Any, ...], Stats] = defaultdict(Stats)
    busy: dict[tuple[Any, ...], float] = defaultdict(float)
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
            bucket_s=bucket_s or BUCKET_S,
        )  # fmt: skip
        groups[key].add(s)
        busy[key] += float(vals[12] or 0.0)
    idle = _idle(session, start, end, by, busy)
    totals = Stats()
    for key, s in groups.items():
        totals.add(s)
        if key in idle:
            s.idle_s = idle[key]
    if by in (("counter",), ("staff",)):
        totals.idle_s = sum(idle.values())
    elif not by:
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
    session: Session,
    start: date,
    end: date,
    by: tuple[str, ...],
    busy: dict[tuple[Any, ...], float],
) -> dict[tuple[Any, ...], float]:
    """Idle time when the grouping is by counter or by staff alone (it has no other meaning):
    the sum of the daily working spans minus the time tickets were held (from the main query)."""
    if by not in (("counter",), ("staff",)):
        return {}
    who = "counter_number" if by == ("counter",) else "staff_username"
    spans: dict[tuple[Any, ...], float] = defaultdict(float)
    for who_v, first, last in session.execute(_span_sql(who), {"d0": start, "d1": end}):
        spans[(who_v,)] += (as_utc(last) - as_utc(first)).total_seconds()
    return {key: max(0.0, span - busy.get(key, 0.0)) for key, span in spans.items()}


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

