"""The queue engine's rules, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from branch.clock import FixedClock
from branch.db import Database
from branch.errors import DomainError, NotFound, NothingWaiting, PermissionDenied
from branch.models import Role, Ticket, TicketEvent
from branch.settings import Settings
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine

# 09:00 in Amman (UTC+3)
MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
CLERK = Actor("sara", Role.clerk)
OMAR = Actor("omar", Role.clerk)
RAMI = Actor("rami", Role.clerk)
MANAGER = Actor("huda", Role.manager)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def engine(any_db: Database, settings: Settings, clock: FixedClock) -> QueueEngine:
    return QueueEngine(any_db, settings.config, clock)


def events(engine: QueueEngine, ticket_id: int) -> list[str]:
    with engine.db.read() as s:
        rows = s.exec(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(col(TicketEvent.id))
        )
        return [e.kind for e in rows]


def test_full_lifecycle_writes_an_event_per_change(engine: QueueEngine, clock: FixedClock) -> None:
    t = engine.issue("CONTRIB", lang="en")
    assert (t.code, t.status, t.ahead) == ("A001", "waiting", 0)
    clock.advance(300)
    called = engine.call_next(1, CLERK)
    assert (called.id, called.status, called.counter) == (t.id, "called", 1)
    assert engine.recall(1, CLERK).recalls == 1
    clock.advance(20)
    assert engine.start_serving(1, CLERK).status == "serving"
    clock.advance(400)
    done = engine.finish(1, "paid", CLERK)
    assert (done.status, done.outcome) == ("done", "paid")
    assert done.finished_at - done.served_at == timedelta(seconds=400)
    assert events(engine, t.id) == ["issued", "called", "recalled", "serving", "finished"]
    assert engine.current(1) is None


def test_numbers_are_per_service_and_coded(engine: QueueEngine) -> None:
    codes = [engine.issue(s).code for s in ("CONTRIB", "CONTRIB", "INQUIRY", "NAF", "CONTRIB")]
    assert codes == ["A001", "A002", "B001", "N001", "A003"]


def test_invalid_transitions_raise_clear_errors(engine: QueueEngine) -> None:
    with pytest.raises(NothingWaiting, match="nothing is waiting for counter 1"):
        engine.call_next(1, CLERK)
    engine.issue("CONTRIB")
    engine.issue("CONTRIB")
    with pytest.raises(DomainError, match="no called ticket to finish"):
        engine.finish(1, actor=CLERK)
    engine.call_next(1, CLERK)
    with pytest.raises(DomainError, match=r"counter 1 still has A001 \(called\)"):
        engine.call_next(1, CLERK)
    with pytest.raises(DomainError, match="not waiting: it is called at counter 1"):
        engine.call_ticket(2, "A001", OMAR)
    # counter 2 cannot finish counter 1's ticket: it has none of its own
    with pytest.raises(DomainError, match="counter 2 has no called ticket"):
        engine.finish(2, actor=CLERK)
    engine.start_serving(1, CLERK)
    with pytest.raises(DomainError, match="being served; finish it instead"):
        engine.no_show(1, CLERK)
    with pytest.raises(DomainError, match="unknown outcome 'Paid in full!'; choose one of served"):
        engine.finish(1, "Paid in full!", CLERK)
    engine.finish(1, actor=CLERK)
    engine.pause(1, CLERK, reason="break")
    with pytest.raises(DomainError, match="counter 1 is paused"):
        engine.call_next(1, CLERK)
    engine.resume(1, CLERK)
    assert engine.call_next(1, CLERK).code == "A002"


def test_unknown_things(engine: QueueEngine) -> None:
    with pytest.raises(NotFound, match="unknown service 'PIZZA'"):
        engine.issue("PIZZA")
    with pytest.raises(DomainError, match="unknown priority 'vip'"):
        engine.issue("CONTRIB", priority="vip")
    with pytest.raises(NotFound, match="unknown counter 42"):
        engine.call_next(42, CLERK)
    with pytest.raises(NotFound, match="no ticket Z999 today"):
        engine.cancel("Z999")


def test_recall_limit_then_no_show(engine: QueueEngine, settings: Settings) -> None:
    engine.issue("INQUIRY")
    engine.call_next(3, CLERK)
    for _ in range(settings.config.queue.max_recalls):
        engine.recall(3, CLERK)
    with pytest.raises(DomainError, match="mark it no-show"):
        engine.recall(3, CLERK)
    assert engine.no_show(3, CLERK).status == "no_show"


def test_counter_only_calls_its_services(engine: QueueEngine) -> None:
    engine.issue("NAF")
    with pytest.raises(NothingWaiting):
        engine.call_next(1, CLERK)
    with pytest.raises(DomainError, match="does not serve NAF"):
        engine.call_ticket(1, "N001", CLERK)
    assert engine.call_next(8, CLERK).code == "N001"


def test_transfer_to_service_keeps_place(engine: QueueEngine, clock: FixedClock) -> None:
    first = engine.issue("CONTRIB")
    clock.advance(60)
    retire_1 = engine.issue("RETIRE")
    clock.advance(60)
    engine.call_next(1, CLERK)
    moved = engine.transfer(1, to_service="RETIRE", actor=CLERK)
    assert (moved.code, moved.service, moved.status) == ("A001", "RETIRE", "waiting")
    assert moved.issued_at == first.issued_at and moved.transferred_from == first.id
    assert moved.ahead == 0  # issued before C001, so it stays in front
    assert engine.ticket(first.id).status == "transferred"
    assert engine.call_next(4, OMAR).id == moved.id
    assert engine.finish(4, actor=OMAR).status == "done"
    assert engine.call_next(4, OMAR).id == retire_1.id
    assert events(engine, moved.id) == ["requeued", "called", "serving", "finished"]


def test_transfer_to_counter(engine: QueueEngine) -> None:
    engine.issue("CONTRIB")
    engine.issue("CONTRIB")
    engine.call_next(1, CLERK)
    moved = engine.transfer(1, to_counter=8, actor=CLERK)
    assert moved.assigned_counter == 8
    # counter 2 serves CONTRIB but the ticket was sent to counter 8 by name
    assert engine.call_next(2, OMAR).code == "A002"
    assert engine.call_next(8, RAMI).code == "A001"
    with pytest.raises(DomainError, match="exactly one"):
        engine.transfer(8, actor=RAMI)
    with pytest.raises(DomainError, match="already at counter 8"):
        engine.transfer(8, to_counter=8, actor=RAMI)


def test_roles_are_enforced_in_the_engine(engine: QueueEngine) -> None:
    engine.issue("CONTRIB")
    with pytest.raises(PermissionDenied, match=r"sara \(clerk\) may not cancel"):
        engine.cancel("A001", CLERK)
    with pytest.raises(PermissionDenied, match="may not close the business day"):
        engine.close_day(Actor("lina", Role.supervisor))
    assert engine.cancel("A001", Actor("lina", Role.supervisor)).status == "cancelled"
    with pytest.raises(NothingWaiting):
        engine.call_next(1, CLERK)


def test_estimated_wait_uses_recent_service_times(engine: QueueEngine, clock: FixedClock) -> None:
    # two served tickets of 6 minutes each on counter 4 (RETIRE standard is 15 min)
    for _ in range(2):
        engine.issue("RETIRE")
        engine.call_next(4, CLERK)
        engine.start_serving(4, CLERK)
        clock.advance(360)
        engine.finish(4, actor=CLERK)
    engine.open_counter(5, OMAR)  # counters 4 and 5 serve RETIRE
    for _ in range(4):
        engine.issue("RETIRE")
    t = engine.issue("RETIRE")
    assert t.ahead == 4
    assert t.estimated_wait_s == 4 * 360 // 2
    # no history for UNEMP: the published standard (10 min); its one counter (5) first serves
    # the earlier RETIRE tickets with counter 4 (until 720 s), then two UNEMP ones ahead
    u = [engine.issue("UNEMP") for _ in range(3)][-1]
    assert (u.ahead, u.estimated_wait_s) == (2, 720 + 2 * 600)


def test_business_day_rollover_in_amman(engine: QueueEngine, clock: FixedClock) -> None:
    # 23:59 local = 20:59 UTC
    clock.now = datetime(2026, 11, 22, 20, 59, tzinfo=UTC)
    late = [engine.issue("CONTRIB") for _ in range(3)]
    assert [t.code for t in late] == ["A001", "A002", "A003"]
    assert late[0].business_day.isoformat() == "2026-11-22"
    clock.advance(120)  # 00:01 local, next day
    fresh = engine.issue("CONTRIB")
    assert (fresh.code, fresh.business_day.isoformat()) == ("A001", "2026-11-23")
    # yesterday's leftovers are not called today
    assert engine.call_next(1, CLERK).id == fresh.id
    engine.finish(1, actor=CLERK)
    with pytest.raises(NothingWaiting):
        engine.call_next(1, CLERK)
    closed = engine.close_day(MANAGER)
    assert closed["business_day_expired"] == 3
    assert {engine.ticket(t.id).status for t in late} == {"expired"}
    with engine.db.read() as s:
        kinds = s.exec(select(TicketEvent.kind).where(TicketEvent.ticket_id == late[0].id)).all()
    assert list(kinds) == ["issued", "expired"]


def test_print_state_is_recorded(engine: QueueEngine) -> None:
    t = engine.issue("CONTRIB")
    engine.set_print_state(t.id, "failed")
    with engine.db.read() as s:
        assert s.get(Ticket, t.id).print_state == "failed"
    with pytest.raises(DomainError):
        engine.set_print_state(t.id, "smudged")


@pytest.mark.postgres
def test_postgres_call_next_skips_a_ticket_another_counter_is_claiming(
    postgres_db: Database, settings: Settings
) -> None:
    from sqlalchemy import text

    eng = QueueEngine(postgres_db, settings.config, FixedClock(MORNING))
    a1, a2 = eng.issue("CONTRIB"), eng.issue("CONTRIB")
    lock = text("SELECT id FROM ticket WHERE id = :i FOR UPDATE")
    with postgres_db.engine.connect() as other:
        other.begin()
        other.execute(lock, {"i": a1.id})  # "another counter" is claiming A001 right now
        # neither waits for the lock nor takes the locked ticket
        assert eng.call_next(1, CLERK).id == a2.id
        eng.finish(1, actor=CLERK)
        a3 = eng.issue("CONTRIB")
        other.execute(lock, {"i": a3.id})
        with pytest.raises(NothingWaiting):  # all in flight elsewhere: nothing for counter 1
            eng.call_next(1, CLERK)
        other.rollback()
    assert eng.call_next(1, CLERK).id == a1.id  # released: the head is called again
