"""Migration 0007's engine API: alerts, feedback, reprint, a staff member's language.

Runs on SQLite and PostgreSQL alike (`any_db`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from branch.clock import FixedClock
from branch.db import Database
from branch.errors import DomainError, NotFound, PermissionDenied
from branch.models import AuditEntry, Role, Ticket, TicketEvent
from branch.settings import Settings
from branch.staff import Actor, add_staff, save_lang, saved_lang
from queue_kiosk.alerts import alert_source
from queue_kiosk.dashboard_data import dashboard_snapshot
from queue_kiosk.engine import QueueEngine
from queue_kiosk.feedback import AlreadyRated, feedback_source

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
CLERK = Actor("sara", Role.clerk)
SUPERVISOR = Actor("lina", Role.supervisor)
MANAGER = Actor("huda", Role.manager)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def engine(any_db: Database, settings: Settings, clock: FixedClock) -> QueueEngine:
    return QueueEngine(any_db, settings.config, clock)


def audit_actions(db: Database) -> list[str]:
    with db.read() as s:
        return [a.action for a in s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def test_alert_is_idempotent_while_open_and_reopens_after_clear(
    engine: QueueEngine, clock: FixedClock
) -> None:
    a = engine.raise_alert("paper_out", "printer:kiosk", "Kiosk printer is out of paper")
    again = engine.raise_alert("paper_out", "printer:kiosk", "something else")
    assert again.id == a.id and again.message == "Kiosk printer is out of paper"
    other = engine.raise_alert("paper_out", "printer:kiosk2", "Kiosk 2 printer is out of paper")
    assert other.id != a.id
    assert [x.id for x in engine.open_alerts()] == [a.id, other.id]
    clock.advance(60)
    cleared = engine.clear_alert("paper_out", "printer:kiosk")
    assert cleared is not None and cleared.cleared_at == clock()
    assert engine.clear_alert("paper_out", "printer:kiosk") is None
    assert [x.id for x in engine.open_alerts()] == [other.id]
    reopened = engine.raise_alert("paper_out", "printer:kiosk", "Out of paper again")
    assert reopened.id not in (a.id, other.id)


def test_alert_rejects_unknown_kind_and_bad_source(engine: QueueEngine) -> None:
    with pytest.raises(DomainError, match="unknown alert kind"):
        engine.raise_alert("fire", "kiosk:1", "x")
    with pytest.raises(DomainError, match="bad alert source"):
        engine.raise_alert("paper_out", "Kiosk One!", "x")


def test_acknowledge_needs_supervisor_and_is_audited(engine: QueueEngine) -> None:
    a = engine.raise_alert("central_down", "sync:relay", "Central is unreachable")
    with pytest.raises(PermissionDenied, match="needs supervisor"):
        engine.acknowledge_alert(a.id, CLERK)
    ack = engine.acknowledge_alert(a.id, SUPERVISOR)
    assert ack.acknowledged_by == "lina" and ack.acknowledged_at is not None
    assert ack.cleared_at is None  # still open until the condition clears
    assert audit_actions(engine.db).count("alert.acknowledge") == 1
    with pytest.raises(NotFound):
        engine.acknowledge_alert(a.id + 999, MANAGER)


def test_alert_source_feeds_the_dashboard(engine: QueueEngine, settings: Settings) -> None:
    engine.raise_alert("print_failed", "kiosk:1", "A ticket did not print")
    data = dashboard_snapshot(
        engine.db, settings.config, MORNING, alert_source=alert_source,
        feedback_source=feedback_source,
    )  # fmt: skip
    assert [(a.kind, a.source) for a in data.alerts] == [("print_failed", "kiosk:1")]


def test_feedback_one_per_ticket_today(engine: QueueEngine, settings: Settings) -> None:
    t = engine.issue("CONTRIB", lang="en")
    fb = engine.record_feedback(t.code.lower(), 4)
    assert (fb.code, fb.rating, fb.service, fb.category) == (t.code, 4, "CONTRIB", None)
    with pytest.raises(AlreadyRated, match="already been rated"):
        engine.record_feedback(t.code, 5)
    with pytest.raises(NotFound, match="no ticket Z999 today"):
        engine.record_feedback("Z999", 3)
    for bad in (0, 6):
        with pytest.raises(DomainError, match="1 to 5"):
            engine.record_feedback(t.code, bad)
    t2 = engine.issue("CONTRIB")
    with pytest.raises(DomainError, match="at most 280"):
        engine.record_feedback(t2.code, 2, "wait", "x" * 281)
    with pytest.raises(DomainError, match="unknown complaint category"):
        engine.record_feedback(t2.code, 2, "Bad Category")
    engine.record_feedback(t2.code, 2, "wait", "  too   long a wait ")
    listed = engine.feedback_for_day()
    assert [(f.code, f.rating, f.text) for f in listed] == [
        (t.code, 4, None), (t2.code, 2, "too long a wait")
    ]
    with engine.db.read() as s:
        summary = feedback_source(s, settings.config, engine.today())
    assert summary is not None
    assert (summary.ratings, summary.average_rating, summary.complaints) == (2, 3.0, 1)
    assert summary.recent == ("wait: too long a wait",)


def test_feedback_for_yesterdays_ticket_is_refused(
    engine: QueueEngine, clock: FixedClock
) -> None:
    t = engine.issue("CONTRIB")
    clock.advance(24 * 3600)
    with pytest.raises(NotFound):
        engine.record_feedback(t.code, 5)


def test_reprint_records_event_audit_and_needs_staff(engine: QueueEngine) -> None:
    t = engine.issue("CONTRIB")
    engine.set_print_state(t.id, "failed")
    with pytest.raises(PermissionDenied, match="named staff"):
        engine.reprint(t.code, Actor(None, Role.clerk))
    again = engine.reprint(t.code, CLERK)
    assert again.id == t.id
    with engine.db.read() as s:
        kinds = [e.kind for e in s.exec(select(TicketEvent).where(TicketEvent.ticket_id == t.id))]
        assert s.get(Ticket, t.id).print_state == "pending"
    assert kinds[-1] == "reprint"
    assert "ticket.reprint" in audit_actions(engine.db)
    with pytest.raises(NotFound):
        engine.reprint("Z999", CLERK)


def test_close_day_erases_national_refs(engine: QueueEngine) -> None:
    t = engine.issue("CONTRIB")
    with engine.db.write() as s:
        row = s.get(Ticket, t.id)
        row.national_ref = "sealed-token"
        s.add(row)
    engine.close_day(MANAGER)
    with engine.db.read() as s:
        assert s.get(Ticket, t.id).national_ref is None


def test_staff_lang_saved_and_read(engine: QueueEngine) -> None:
    with engine.db.write() as s:
        add_staff(s, username="sara", display_name="Sara", role="clerk", pin="1234", now=MORNING)
        assert saved_lang(s, "sara") is None
        save_lang(s, "sara", "en")
    with engine.db.read() as s:
        assert saved_lang(s, "sara") == "en"
        assert saved_lang(s, "nobody") is None
    with engine.db.write() as s:
        with pytest.raises(DomainError, match="unknown language"):
            save_lang(s, "sara", "fr")
        with pytest.raises(NotFound):
            save_lang(s, "ghost", "ar")
