"""Alerts: conditions staff must see (printer out of paper, central down, a late service).

Plain Python over the branch database. One open alert per (kind, source): raising it again
while open returns the open one unchanged (the partial unique index `ux_alert_open` settles
races between processes). Clearing closes it; a supervisor or manager acknowledges it
(audited). Messages are English source text without personal data; screens translate them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from branch import audit, live
from branch.clock import Clock, utc_now
from branch.db import Database
from branch.errors import DomainError, NotFound
from branch.models import Alert, Role
from branch.settings import BranchConfig
from branch.staff import Actor
from queue_kiosk.dashboard_data import AlertLine

KINDS = (
    "print_failed", "paper_near_end", "paper_out", "printer_offline", "service_past_target",
    "central_down", "central_auth", "dead_letters",
)  # fmt: skip
_TOKEN = re.compile(r"^[a-z][a-z0-9_.:-]{0,47}$")
MAX_MESSAGE = 200


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    source: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @classmethod
    def of(cls, a: Alert) -> AlertView:
        assert a.id is not None
        return cls(
            id=a.id, kind=a.kind, source=a.source, message=a.message, raised_at=a.raised_at,
            cleared_at=a.cleared_at, acknowledged_at=a.acknowledged_at,
            acknowledged_by=a.acknowledged_by,
        )  # fmt: skip

    @property
    def line(self) -> AlertLine:
        return AlertLine(
            kind=self.kind, source=self.source, message=self.message,
            raised_at=self.raised_at, acknowledged_by=self.acknowledged_by,
        )  # fmt: skip


def _check(kind: str, source: str) -> None:
    if kind not in KINDS:
        raise DomainError(f"unknown alert kind {kind!r}; known: {', '.join(KINDS)}")
    if not _TOKEN.match(source):
        raise DomainError(f"bad alert source {source!r} (e.g. kiosk:1, printer:kiosk)")


def _open(s: Session, kind: str, source: str) -> Alert | None:
    return s.exec(
        select(Alert).where(
            Alert.kind == kind, Alert.source == source, col(Alert.cleared_at).is_(None)
        )
    ).first()


class Alerts:
    """Raise, clear, acknowledge and list alerts."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def raise_alert(self, kind: str, source: str, message: str) -> AlertView:
        """Open an alert; while one with this kind and source is open, return that one."""
        _check(kind, source)
        message = " ".join(message.split())[:MAX_MESSAGE]
        if not message:
            raise DomainError("an alert needs a message")
        for _ in range(2):
            try:
                with self.db.write() as s:
                    existing = _open(s, kind, source)
                    if existing is not None:
                        return AlertView.of(existing)
                    alert = Alert(kind=kind, source=source, message=message, raised_at=self.clock())
                    s.add(alert)
                    s.flush()
                    live.announce(s, "alert.raised")
                    return AlertView.of(alert)
            except IntegrityError:  # another process opened it at this instant: read theirs
                continue
        with self.db.read() as s:
            existing = _open(s, kind, source)
            if existing is None:
                raise DomainError(f"could not raise alert {kind} for {source}")
            return AlertView.of(existing)

    def clear_alert(self, kind: str, source: str) -> AlertView | None:
        """Close the open alert with this kind and source; None if none was open."""
        _check(kind, source)
        with self.db.write() as s:
            alert = _open(s, kind, source)
            if alert is None:
                return None
            alert.cleared_at = self.clock()
            s.add(alert)
            s.flush()
            live.announce(s, "alert.cleared")
            return AlertView.of(alert)

    def acknowledge_alert(self, alert_id: int, actor: Actor) -> AlertView:
        """A supervisor or manager says they have seen it (audited). It stays open until the
        condition clears."""
        actor.require(Role.supervisor, "acknowledge alerts")
        with self.db.write() as s:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise NotFound(f"no alert with id {alert_id}")
            if alert.acknowledged_at is not None:
                return AlertView.of(alert)
            now = self.clock()
            alert.acknowledged_at = now
            alert.acknowledged_by = actor.audit_name
            s.add(alert)
            audit.append(
                s, at=now, staff=actor.audit_name, action="alert.acknowledge",
                subject_ref=f"alert:{alert_id};{alert.kind}"[:64], where=alert.source,
            )  # fmt: skip
            live.announce(s, "alert.acknowledged")
            s.flush()
            return AlertView.of(alert)

    def open_alerts(self) -> list[AlertView]:
        with self.db.read() as s:
            return [AlertView.of(a) for a in open_alerts_in(s)]

    def get(self, alert_id: int) -> AlertView:
        with self.db.read() as s:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise NotFound(f"no alert with id {alert_id}")
            return AlertView.of(alert)


def open_alerts_in(s: Session) -> list[Alert]:
    """Open alerts, oldest first, from an open session."""
    stmt = select(Alert).where(col(Alert.cleared_at).is_(None)).order_by(col(Alert.raised_at))
    return list(s.exec(stmt))


def alert_source(session: Session, config: BranchConfig, now: datetime) -> Sequence[AlertLine]:
    """`dashboard_data.AlertSource`: the open alerts for the manager dashboard."""
    return [AlertView.of(a).line for a in open_alerts_in(session)]
