"""What the counter screen needs from the engine: sign in/out (one clerk, one counter), park and
take back, walk-in, pause reasons, outcomes, a counter's services for the day, the day close,
and the counter's own view of its queue. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from branch.clock import FixedClock
from branch.db import Database
from branch.errors import DomainError, NotFound, NothingWaiting, PermissionDenied
from branch.models import AuditEntry, Counter, Payment, Role, TicketEvent
from branch.settings import Settings, parse_config
from branch.staff import OPERATOR, Actor
from queue_kiosk.counter_view import URGENT_FEE_DUE, counter_queue
from queue_kiosk.engine import QueueEngine

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 09:00 in Amman
SARA = Actor("sara", Role.clerk)
OMAR = Actor("omar", Role.clerk)
LINA = Actor("lina", Role.supervisor)
HUDA = Actor("huda", Role.manager)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def engine(any_db: Database, settings: Settings, clock: FixedClock) -> QueueEngine:
    return QueueEngine(any_db, settings.config, clock)


def kinds(engine: QueueEngine, ticket_id: int) -> list[str]:
    with engine.db.read() as s:
        rows = s.exec(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(col(TicketEvent.id))
        )
        return [e.kind for e in rows]


def audit_actions(engine: QueueEngine) -> list[tuple[str | None, str]]:
    with engine.db.read() as s:
        rows = s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(a.staff_username, a.action) for a in rows]


def holder(engine: QueueEngine, number: int) -> tuple[str, str | None]:
    with engine.db.read() as s:
        c = s.get(Counter, number)
        return c.status, c.staff_username


# -- one clerk, one counter --------------------------------------------------------------
def test_a_staff_member_holds_one_counter(engine: QueueEngine) -> None:
    assert engine.sign_in(1, SARA).status == "open"
    assert holder(engine, 1) == ("open", "sara")
    engine.sign_in(1, SARA)  # again at the same counter: fine (a restarted screen)
    with pytest.raises(DomainError, match="sara is signed in at counter 1; sign out there first"):
        engine.sign_in(2, SARA)
    with pytest.raises(DomainError, match="counter 1 is held by sara"):
        engine.sign_in(1, OMAR)
    # the rule holds for every action that takes a counter, not only sign-in
    engine.issue("CONTRIB")
    with pytest.raises(DomainError, match="sara is signed in at counter 1"):
        engine.call_next(2, SARA)
    with pytest.raises(DomainError, match="sara is signed in at counter 1"):
        engine.open_counter(3, SARA)
    with pytest.raises(DomainError, match="counter 1 is held by sara"):
        engine.call_next(1, OMAR)
    # the operator is not a staff member: exempt, and it does not take the counter over
    assert engine.call_next(1, OPERATOR).code == "A001"
    assert holder(engine, 1) == ("open", "sara")
    with pytest.raises(DomainError, match="only a staff member signs in"):
        engine.sign_in(4, OPERATOR)
    # a clerk cannot act on another clerk's counter; a supervisor can
    with pytest.raises(PermissionDenied, match="counter 1 is held by sara, not omar"):
        engine.finish(1, actor=OMAR)
    with pytest.raises(DomainError, match=r"still has A001 \(called\); finish, park or transfer"):
        engine.sign_out(1, SARA)
    assert engine.finish(1, actor=LINA).status == "done"
    # signing out frees the staff member, leaving the counter closed or paused
    assert engine.sign_out(1, SARA, leave="paused").status == "paused"
    assert holder(engine, 1) == ("paused", None)
    with pytest.raises(DomainError, match="sara is not signed in at counter 1"):
        engine.sign_out(1, SARA)
    with pytest.raises(DomainError, match="closed or paused"):
        engine.sign_out(1, SARA, leave="lunch")
    engine.sign_in(2, SARA)
    engine.sign_in(1, OMAR)  # a paused, unheld counter can be taken
    assert engine.sign_out(1, OMAR).status == "closed"
    assert holder(engine, 1) == ("closed", None)
    acts = audit_actions(engine)
    assert ("sara", "counter.sign_in") in acts and ("sara", "counter.sign_out") in acts
    assert ("omar", "counter.sign_out") in acts


def test_the_database_refuses_a_second_counter_too(engine: QueueEngine) -> None:
    """Two processes checking at the same instant: the unique index settles it."""
    engine.sign_in(1, SARA)
    with pytest.raises(IntegrityError), engine.db.write() as s:
        s.execute(text("UPDATE counter SET staff_username = 'sara' WHERE number = 2"))


def _sign_in_worker(url: str, config_path: str, number: int, go, out) -> None:
    from pathlib import Path

    from branch.settings import load_config

    eng = QueueEngine(Database(url), load_config(Path(config_path)))
    go.wait()
    try:
        eng.sign_in(number, Actor("sara", Role.clerk))
        out.put((number, "ok"))
    except DomainError as exc:
        out.put((number, str(exc)))


@pytest.mark.slow
def test_signing_in_at_two_counters_at_once_from_two_processes(
    engine: QueueEngine, settings: Settings
) -> None:
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_sign_in_worker,
            args=(engine.db.url, str(settings.config_path), n, go, out),
        )
        for n in (1, 2, 3, 4)
    ]
    for p in procs:
        p.start()
    go.set()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    won = [n for n, r in results.items() if r == "ok"]
    assert len(won) == 1, results
    assert all("sara is signed in at" in r for n, r in results.items() if n not in won)
    with engine.db.read() as s:
        held = s.exec(select(Counter.number).where(Counter.staff_username == "sara")).all()
    assert list(held) == won


# -- park and take back ------------------------------------------------------------------
def test_park_does_not_block_calling_and_take_back_by_code(
    engine: QueueEngine, clock: FixedClock
) -> None:
    a1, a2, a3 = (engine.issue("CONTRIB") for _ in range(3))
    engine.sign_in(1, SARA)
    engine.sign_in(2, OMAR)
    engine.call_next(1, SARA)
    engine.start_serving(1, SARA)
    clock.advance(120)
    parked, called = engine.park(1, SARA, call_next=True)
    assert (parked.code, parked.status, parked.counter) == ("A001", "parked", 1)
    assert called is not None and called.id == a2.id
    assert [t.code for t in engine.parked(1)] == ["A001"]
    engine.finish(1, actor=SARA)
    # the parked ticket is not called by anyone else
    assert engine.call_next(2, OMAR).id == a3.id
    engine.finish(2, actor=OMAR)
    with pytest.raises(NothingWaiting):
        engine.call_next(2, OMAR)
    # only the counter and staff member that parked it, or a supervisor
    with pytest.raises(PermissionDenied, match="A001 was parked at counter 1 by sara"):
        engine.take_back(2, "A001", OMAR)
    with pytest.raises(DomainError, match="A002 is not parked: it is done"):
        engine.take_back(1, "A002", SARA)
    with pytest.raises(NotFound, match="no ticket Z001 today"):
        engine.take_back(1, "Z001", SARA)
    back = engine.take_back(1, "a001", SARA)
    assert (back.id, back.status, back.counter) == (a1.id, "serving", 1)  # it was being served
    assert engine.parked(1) == []
    assert engine.finish(1, "paid", SARA).outcome == "paid"
    assert kinds(engine, a1.id) == ["issued", "called", "serving", "parked", "taken_back", "finished"]


def test_a_supervisor_takes_back_at_another_counter(engine: QueueEngine) -> None:
    engine.issue("CONTRIB")
    engine.call_next(1, SARA)
    parked, called = engine.park(1, SARA)
    assert called is None and parked.status == "parked"
    with pytest.raises(DomainError, match="counter 1 has no called ticket to park"):
        engine.park(1, SARA)
    back = engine.take_back(2, "A001", LINA)
    assert (back.status, back.counter) == ("called", 2)
    assert holder(engine, 2) == ("open", "lina")


# -- walk-in -----------------------------------------------------------------------------
def test_walk_in_is_issued_and_called_at_once(engine: QueueEngine) -> None:
    engine.issue("CONTRIB")
    w = engine.walk_in(1, "contrib", SARA, priority="urgent", lang="en")
    assert (w.code, w.status, w.counter, w.priority) == ("A002", "called", 1, "urgent")
    assert kinds(engine, w.id) == ["walk_in", "called"]
    with pytest.raises(DomainError, match=r"counter 1 still has A002 \(called\)"):
        engine.walk_in(1, "CONTRIB", SARA)
    engine.finish(1, actor=SARA)
    with pytest.raises(DomainError, match="counter 1 does not serve NAF today"):
        engine.walk_in(1, "NAF", SARA)
    with pytest.raises(NotFound, match="unknown service 'PIZZA'"):
        engine.walk_in(1, "PIZZA", SARA)
    with pytest.raises(DomainError, match="unknown priority"):
        engine.walk_in(1, "CONTRIB", SARA, priority="vip")
    # numbered like any ticket: the kiosk's next one follows it
    assert engine.issue("CONTRIB").code == "A003"
    assert engine.call_next(1, SARA).code == "A001"


# -- pause reasons and outcomes from settings -------------------------------------------
def test_pause_needs_a_reason_from_settings(engine: QueueEngine) -> None:
    engine.sign_in(3, SARA)
    with pytest.raises(DomainError, match="a pause needs a reason; choose one of break, prayer"):
        engine.pause(3, SARA)
    with pytest.raises(DomainError, match="unknown pause reason 'nap'; choose one of break"):
        engine.pause(3, SARA, reason="nap")
    c = engine.pause(3, SARA, reason="prayer")
    assert (c.status, c.pause_reason) == ("paused", "prayer")
    with pytest.raises(DomainError, match="counter 3 is paused"):
        engine.call_next(3, SARA)
    assert engine.resume(3, SARA).pause_reason is None
    assert ("sara", "counter.pause") in audit_actions(engine)


def test_outcomes_come_from_settings(any_db: Database, settings: Settings) -> None:
    raw = settings.config_path.read_text(encoding="utf-8")
    start = raw.index("outcomes = [")
    end = raw.index("]\n", start) + 2
    custom = raw[:start] + (
        'outcomes = [{ code = "done_ok", name_ar = "تم", name_en = "Done" }]\n'
    ) + raw[end:]
    engine = QueueEngine(any_db, parse_config(custom, "custom"), FixedClock(MORNING))
    engine.issue("CONTRIB")
    engine.issue("CONTRIB")
    engine.call_next(1, SARA)
    with pytest.raises(DomainError, match="unknown outcome 'paid'; choose one of done_ok"):
        engine.finish(1, "paid", SARA)
    assert engine.finish(1, "done_ok", SARA).outcome == "done_ok"
    engine.call_next(1, SARA)
    assert engine.finish(1, actor=SARA).outcome == "served"  # no outcome given


def test_outcome_and_reason_lists_are_checked_in_the_config() -> None:
    from branch.errors import ConfigError
    from branch.settings import demo_config_text

    twice = demo_config_text().replace(
        '{ code = "prayer",', '{ code = "break",'
    )
    with pytest.raises(ConfigError, match="pause reason 'break' defined twice"):
        parse_config(twice, "x")


# -- a counter's services for the day ---------------------------------------------------
def test_a_manager_changes_a_counters_services_for_today(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue("NAF")
    with pytest.raises(PermissionDenied, match="may not change a counter's services"):
        engine.set_counter_services(1, ["NAF"], SARA)
    with pytest.raises(NotFound, match="unknown service 'PIZZA'"):
        engine.set_counter_services(1, ["PIZZA"], HUDA)
    with pytest.raises(NothingWaiting):
        engine.call_next(1, SARA)
    assert engine.set_counter_services(1, ["naf", "CONTRIB", "NAF"], HUDA) == ["NAF", "CONTRIB"]
    assert engine.counter_services(1) == ["NAF", "CONTRIB"]
    assert engine.call_next(1, SARA).code == "N001"
    engine.finish(1, actor=SARA)
    assert ("huda", "counter.services") in audit_actions(engine)
    # the next business day goes back to branch.toml
    clock.advance(24 * 3600)
    assert engine.counter_services(1) == ["CONTRIB", "INQUIRY"]
    engine.issue("NAF")
    with pytest.raises(NothingWaiting):
        engine.call_next(1, SARA)
    # and so does closing the day
    engine.set_counter_services(1, ["NAF"], HUDA)
    engine.close_day(HUDA)
    assert engine.counter_services(1) == ["CONTRIB", "INQUIRY"]


# -- day boundaries ----------------------------------------------------------------------
def test_close_day_leaves_no_counter_holding_a_ticket(engine: QueueEngine) -> None:
    for svc in ("CONTRIB", "CONTRIB", "RETIRE", "INQUIRY", "INQUIRY"):
        engine.issue(svc)
    called = engine.call_next(1, SARA)
    serving = engine.call_next(4, OMAR)
    engine.start_serving(4, OMAR)
    engine.call_next(3, LINA)
    parked, _ = engine.park(3, LINA)
    engine.sign_in(2, HUDA)
    engine.pause(2, HUDA, reason="meeting")
    out = engine.close_day(HUDA)
    assert out == {"business_day_expired": 2, "tickets_ended": 3, "counters_closed": 4}
    for t in (called, serving, parked):
        view = engine.ticket(t.id)
        assert (view.status, view.outcome) == ("expired", "day_closed")
        assert kinds(engine, t.id)[-1] == "day_closed"
    with engine.db.read() as s:
        counters = s.exec(select(Counter)).all()
    assert {(c.status, c.staff_username, c.pause_reason) for c in counters} == {
        ("closed", None, None)
    }
    assert engine.current(1) is None and engine.parked(3) == []
    # everyone is free to sign in anywhere the next morning
    engine.sign_in(2, SARA)


def test_a_transfer_across_midnight_stays_callable(engine: QueueEngine, clock: FixedClock) -> None:
    clock.now = datetime(2026, 11, 22, 20, 50, tzinfo=UTC)  # 23:50 in Amman
    late = engine.issue("CONTRIB")
    clock.advance(5 * 60)
    engine.call_next(1, SARA)
    clock.advance(10 * 60)  # 00:05 in Amman: a new business day
    fresh = engine.issue("RETIRE")
    assert fresh.business_day.isoformat() == "2026-11-23"
    moved = engine.transfer(1, to_service="RETIRE", actor=SARA)
    assert moved.business_day.isoformat() == "2026-11-23"
    assert moved.issued_at == late.issued_at  # it keeps its place: before the fresh ticket
    assert moved.ahead == 0
    assert engine.call_next(4, OMAR).id == moved.id
    engine.finish(4, actor=OMAR)
    assert engine.call_next(4, OMAR).id == fresh.id


# -- the counter's view of its queue ----------------------------------------------------
def test_counter_queue_view(engine: QueueEngine, settings: Settings, clock: FixedClock) -> None:
    config = settings.config
    contrib = [engine.issue("CONTRIB") for _ in range(3)]
    clock.advance(60)
    inquiry = engine.issue("INQUIRY", "elderly")  # rank 15 min earlier: first in call order
    engine.issue("NAF")  # not counter 1's
    clock.advance(20 * 60)  # CONTRIB target is 15 min, INQUIRY 10
    engine.call_next(2, OMAR)  # takes the elderly INQUIRY ticket (highest score)
    engine.transfer(2, to_counter=1, actor=OMAR)
    view = counter_queue(engine.db, config, 1, clock())
    assert view.services == ["CONTRIB", "INQUIRY"] and view.current is None
    contrib_line, inquiry_line = view.lines
    assert (contrib_line.waiting, contrib_line.next_codes) == (3, ["A001", "A002", "A003"])
    assert contrib_line.oldest_wait_s == 21 * 60 and contrib_line.over_target
    assert (inquiry_line.waiting, inquiry_line.next_codes) == (0, [])
    assert view.assigned is not None and view.assigned.next_codes == [inquiry.code]
    # call order under the policy: the elderly ticket sent here, then CONTRIB (primary)
    assert view.next_codes == ["B001", "A001", "A002", "A003"]
    urgent = engine.walk_in(1, "CONTRIB", SARA, priority="urgent")
    engine.start_serving(1, SARA)
    clock.advance(90)
    parked, _ = engine.park(1, SARA)
    engine.call_ticket(1, "A002", SARA)
    clock.advance(30)
    view = counter_queue(engine.db, config, 1, clock())
    assert (view.staff, view.status) == ("sara", "open")
    assert view.current is not None and view.current.code == "A002"
    assert view.current.waited_s == 21 * 60 + 90 and view.current.notes == []
    assert [(p.code, p.notes, p.serving_s) for p in view.parked] == [
        (urgent.code, [URGENT_FEE_DUE], None)
    ]
    assert view.lines[0].next_codes == ["A001", "A003"]
    assert view.to_json()["parked"][0]["code"] == "A004"
    engine.finish(1, actor=SARA)
    engine.take_back(1, parked.code, SARA)
    view = counter_queue(engine.db, config, 1, clock())
    assert view.current is not None and view.current.notes == [URGENT_FEE_DUE]
    assert view.current.serving_s == 120
    assert [t.code for t in contrib] == ["A001", "A002", "A003"]
    # once the counter has taken the urgent fee (a payment for this ticket), it is not due
    with engine.db.write() as s:
        s.add(Payment(client_payment_id="fee-1", ticket_id=urgent.id, contributor_ref="c-1",
                      purpose="urgent_fee", amount_fils=5000, status="failed",
                      created_at=clock()))  # fmt: skip
    view = counter_queue(engine.db, config, 1, clock())
    assert view.current is not None and view.current.notes == [URGENT_FEE_DUE]  # failed: due
    with engine.db.write() as s:
        s.add(Payment(client_payment_id="fee-2", ticket_id=urgent.id, contributor_ref="c-1",
                      purpose="urgent_fee", amount_fils=5000, status="pending",
                      created_at=clock()))  # fmt: skip
    view = counter_queue(engine.db, config, 1, clock())
    assert view.current is not None and view.current.notes == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_keeps_a_staff_member_at_one_counter(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """A branch upgraded from 0002, where a clerk was left on two counters, can migrate."""
    from branch.migrate import upgrade

    url = request.getfixturevalue(f"{backend}_url")
    upgrade(url, "0002")
    db = Database(url)
    try:
        with db.write() as s:
            for n, staff in ((1, "omar"), (3, "sara"), (5, "sara"), (6, None)):
                s.execute(
                    text(
                        "INSERT INTO counter (number, name_ar, name_en, services, status, "
                        "staff_username, active) VALUES (:n, '', '', 'CONTRIB', 'open', :st, :a)"
                    ),
                    {"n": n, "st": staff, "a": True},
                )
        upgrade(url)
        with db.read() as s:
            rows = s.execute(text("SELECT number, staff_username FROM counter ORDER BY number"))
            assert [tuple(r) for r in rows] == [(1, "omar"), (3, "sara"), (5, None), (6, None)]
    finally:
        db.dispose()


def test_counter_queue_oldest_wait_is_not_the_heads(
    engine: QueueEngine, settings: Settings, clock: FixedClock
) -> None:
    """The head of a line is the best-ranked ticket, not always the one waiting longest."""
    engine.issue("RETIRE")  # 09:00
    clock.advance(10 * 60)
    engine.issue("RETIRE", "urgent")  # 09:10, ranked 08:40: heads the line
    clock.advance(5 * 60)
    view = counter_queue(engine.db, settings.config, 4, clock())
    line = view.lines[0]
    assert (line.service, line.next_codes) == ("RETIRE", ["C002", "C001"])
    assert line.oldest_wait_s == 15 * 60 and not line.over_target  # RETIRE target: 20 min
    clock.advance(6 * 60)
    assert counter_queue(engine.db, settings.config, 4, clock()).lines[0].over_target
