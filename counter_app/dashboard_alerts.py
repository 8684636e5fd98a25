"""Alerts the dashboard works out for itself, read-only, from tables other parts write.

The kiosk and printers raise their own alerts (printer failed, out of paper) into the alerts
table; three conditions need nobody to raise them, because the database already says so:

- a service whose longest wait is past its target (from the dashboard snapshot);
- the central link down or refusing our credentials (`centrallink`, written by `sync`);
- outbox items that will never be delivered (dead letters, with the reason central gave).

Derived alerts disappear by themselves when the condition ends; they cannot be acknowledged
(there is nothing to acknowledge: fix the cause). Plain Python, no Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from branch.clock import as_utc
from branch.models import CentralLink, OutboxItem
from branch.settings import BranchConfig
from queue_kiosk.dashboard_data import AlertLine, AlertSource, DashboardData

SERVICE_PAST_TARGET = "service_past_target"
CENTRAL_DOWN = "central_down"
CENTRAL_AUTH = "central_auth"
DEAD_LETTER = "dead_letters"
MAX_DEAD_LETTERS = 20
_REASON_CHARS = 120


def central_alerts(session: Session) -> list[AlertLine]:
    """One alert per upstream whose breaker is not closed, or whose last fault was our
    credentials being refused (401/403 never heal by waiting)."""
    out = []
    for row in session.exec(select(CentralLink).order_by(col(CentralLink.upstream))):
        auth = row.fault_kind == "auth_failed" and row.failures > 0
        if row.state == "closed" and not auth:
            continue
        out.append(
            AlertLine(
                kind=CENTRAL_AUTH if auth else CENTRAL_DOWN,
                source=f"central:{row.upstream}",
                message=(row.last_error or row.fault_kind or row.state)[:_REASON_CHARS],
                raised_at=as_utc(row.changed_at),
            )
        )
    return out


def dead_letter_alerts(session: Session, limit: int = MAX_DEAD_LETTERS) -> list[AlertLine]:
    """The newest dead outbox items with their reasons (a payment central refused for good)."""
    rows = session.exec(
        select(OutboxItem)
        .where(OutboxItem.status == "dead")
        .order_by(col(OutboxItem.id).desc())
        .limit(limit)
    )
    out = []
    for item in rows:
        reason = (item.last_error or "").strip().splitlines()[0:1]
        out.append(
            AlertLine(
                kind=DEAD_LETTER,
                source=f"outbox:{item.id}",
                message=f"{reason[0] if reason else '-'} ({item.kind})"[:_REASON_CHARS],
                raised_at=as_utc(item.done_at or item.created_at),
            )
        )
    return out


def late_service_alerts(data: DashboardData) -> list[AlertLine]:
    """A service past its target, raised when its oldest waiting ticket crossed the target."""
    out = []
    for svc in data.late_services:
        oldest = data.at - timedelta(seconds=svc.longest_wait_s)
        out.append(
            AlertLine(
                kind=SERVICE_PAST_TARGET,
                source=f"service:{svc.code}",
                message=f"longest wait {svc.longest_wait_s // 60} min, "
                f"target {svc.target_wait_min} min",
                raised_at=oldest + timedelta(minutes=svc.target_wait_min),
            )
        )
    return out


def derived_source(stored: AlertSource | None = None) -> AlertSource:
    """An `alert_source` for `dashboard_snapshot`: the stored alerts (if the alerts feature
    gives a source), then the central link and the dead letters."""

    def source(session: Session, config: BranchConfig, now: datetime) -> Sequence[AlertLine]:
        lines = list(stored(session, config, now)) if stored is not None else []
        return merge(lines, [*central_alerts(session), *dead_letter_alerts(session)])

    return source


def merge(stored: Sequence[AlertLine], derived: Sequence[AlertLine]) -> list[AlertLine]:
    """Stored alerts first; a derived one only where no stored alert has its kind and source."""
    seen = {(a.kind, a.source) for a in stored}
    return [*stored, *(a for a in derived if (a.kind, a.source) not in seen)]


def with_late_services(data: DashboardData) -> DashboardData:
    """The snapshot with "service past its target" alerts added (unless already stored)."""
    return replace(data, alerts=tuple(merge(data.alerts, late_service_alerts(data))))
