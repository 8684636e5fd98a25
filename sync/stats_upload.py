"""Per-window queue statistics for central: counts and durations, no personal data.

Computed from `Ticket` rows (the queue engine's record), bucketed into fixed windows of the
branch's local day. A window is uploaded once it has closed (plus a grace period, so the
last calls of the window are in); each is queued as an outbox item whose key names the
window, so it is queued once, and delivered by the relay with an idempotent PUT.
"""

from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from branch.clock import as_utc
from branch.db import Database
from branch.models import OutboxItem, Ticket
from sync import contract as c
from sync import outbox


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)], 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


class _Acc:
    def __init__(self) -> None:
        self.issued = self.called = self.served = self.no_show = 0
        self.waits: list[float] = []
        self.services: list[float] = []


def window_stats(
    tickets: list[Ticket], day: date, tz: ZoneInfo, minutes: int
) -> dict[str, dict[str, c.ServiceWindowStats]]:
    """{"HHMM": {service_code: stats}} for the windows of `day` with any activity."""
    midnight = datetime.combine(day, time(0), tz)
    acc: dict[tuple[str, str], _Acc] = defaultdict(_Acc)

    def slot(t: datetime | None) -> str | None:
        if t is None:
            return None
        local = as_utc(t).astimezone(tz)
        if local.date() != day:
            return None
        n = int((local - midnight).total_seconds() // (minutes * 60))
        start = midnight + timedelta(minutes=n * minutes)
        return f"{start:%H%M}"

    for t in tickets:
        if t.transferred_from is None and (w := slot(t.issued_at)):
            acc[(w, t.service_code)].issued += 1
        if t.called_at is not None and (w := slot(t.called_at)):
            a = acc[(w, t.service_code)]
            a.called += 1
            a.waits.append(max((as_utc(t.called_at) - as_utc(t.issued_at)).total_seconds(), 0))
        if t.status == "done" and (w := slot(t.finished_at)):
            a = acc[(w, t.service_code)]
            a.served += 1
            if t.served_at is not None and t.finished_at is not None:
                a.services.append(
                    max((as_utc(t.finished_at) - as_utc(t.served_at)).total_seconds(), 0)
                )
        if t.status == "no_show" and (w := slot(t.finished_at or t.called_at)):
            acc[(w, t.service_code)].no_show += 1
    out: dict[str, dict[str, c.ServiceWindowStats]] = defaultdict(dict)
    for (w, code), a in sorted(acc.items()):
        out[w][code] = c.ServiceWindowStats(
            service_code=code,
            issued=a.issued,
            called=a.called,
            served=a.served,
            no_show=a.no_show,
            mean_wait_s=_mean(a.waits),
            p90_wait_s=_p90(a.waits),
            mean_service_s=_mean(a.services),
            p90_service_s=_p90(a.services),
        )
    return dict(out)


def stats_key(branch_code: str, day: date, window: str) -> str:
    return f"stats:{branch_code}:{day.isoformat()}:{window}"


def enqueue_closed_windows(
    db: Database,
    *,
    branch_code: str,
    tz: ZoneInfo,
    now: datetime,
    window_minutes: int = 15,
    grace_minutes: int = 5,
) -> int:
    """Queue every closed window of today and yesterday that is not queued yet."""
    local_now = as_utc(now).astimezone(tz)
    queued = 0
    for day in (local_now.date() - timedelta(days=1), local_now.date()):
        start = datetime.combine(day, time(0), tz)
        end = start + timedelta(days=1)
        with db.read() as s:
            tickets = list(
                s.execute(
                    select(Ticket).where(
                        or_(
                            Ticket.business_day == day,
                            Ticket.called_at.between(start, end),  # type: ignore[union-attr]
                            Ticket.finished_at.between(start, end),  # type: ignore[union-attr]
                        )
                    )
                ).scalars()
            )
            if not tickets:
                continue
            have = set(
                s.execute(
                    select(OutboxItem.idempotency_key).where(
                        OutboxItem.kind == outbox.STATS_WINDOW,
                        OutboxItem.idempotency_key.startswith(  # type: ignore[attr-defined]
                            f"stats:{branch_code}:{day.isoformat()}:"
                        ),
                    )
                ).scalars()
            )
        windows = window_stats(tickets, day, tz, window_minutes)
        fresh = []
        for w, services in windows.items():
            key = stats_key(branch_code, day, w)
            closes = datetime.combine(day, time(int(w[:2]), int(w[2:])), tz) + timedelta(
                minutes=window_minutes + grace_minutes
            )
            if key in have or closes > local_now:
                continue
            body = c.StatsWindowUpload(
                window_minutes=window_minutes, services=list(services.values())
            )
            fresh.append((key, w, body))
        if not fresh:
            continue
        with contextlib.suppress(IntegrityError):  # another relay queued them a moment ago
            queued += _enqueue(db, branch_code, day, fresh, now)
    return queued


def _enqueue(
    db: Database,
    branch_code: str,
    day: date,
    fresh: list[tuple[str, str, c.StatsWindowUpload]],
    now: datetime,
) -> int:
    with db.write() as s:
        for key, w, body in fresh:
            outbox.enqueue(
                s,
                kind=outbox.STATS_WINDOW,
                payload={
                    "branch_code": branch_code,
                    "business_day": day.isoformat(),
                    "window_start": w,
                    "body": body.model_dump(mode="json"),
                },
                key=key,
                now=now,
            )
    return len(fresh)
