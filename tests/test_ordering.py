"""Weighted aging: examples and properties over random arrival sequences (real engine, on SQLite
and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branch.clock import FixedClock
from branch.db import Database
from branch.errors import NothingWaiting
from branch.models import Role
from branch.settings import PRIORITIES, Settings
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine, TicketView

CLERK = Actor("sara", Role.clerk)
START = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)  # 09:00 Amman


@pytest.fixture
def engine(any_db: Database, settings: Settings) -> QueueEngine:
    """SQLite and PostgreSQL: the two call-next paths must order alike."""
    return QueueEngine(any_db, settings.config, FixedClock(START))


def test_elderly_overtakes_normal_within_boost_only(engine: QueueEngine) -> None:
    clock = engine.clock
    a = engine.issue("RETIRE")  # 09:00
    clock.advance(10 * 60)
    b = engine.issue("RETIRE", "elderly")  # 09:10, boost 15 min: rank 08:55
    clock.advance(10 * 60)
    c = engine.issue("RETIRE")  # 09:20
    clock.advance(20 * 60)
    d = engine.issue("RETIRE", "elderly")  # 09:40, rank 09:25: after c
    order: list[int] = []
    for _ in range(4):
        order.append(engine.call_next(4, CLERK).id)
        engine.finish(4, actor=CLERK)
    assert order == [b.id, a.id, c.id, d.id]


def test_urgent_beats_elderly_and_primary_boost(engine: QueueEngine) -> None:
    clock = engine.clock
    inquiry = engine.issue("INQUIRY")  # counter 1's secondary service
    clock.advance(4 * 60)
    contrib = engine.issue("CONTRIB")  # counter 1's primary: +5 min => ahead of inquiry
    clock.advance(60)
    urgent = engine.issue("INQUIRY", "urgent")
    calls = []
    for _ in range(3):
        calls.append(engine.call_next(1, CLERK).id)
        engine.finish(1, actor=CLERK)
    assert calls == [urgent.id, contrib.id, inquiry.id]


# -- properties ------------------------------------------------------------------------
events = st.lists(
    st.one_of(
        st.tuples(
            st.just("arrive"), st.sampled_from(PRIORITIES), st.sampled_from(["RETIRE", "INJURY"])
        ),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=25 * 60)),
        st.tuples(st.just("call")),
        st.tuples(st.just("transfer")),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seq=events)
def test_properties_over_random_arrivals(engine: QueueEngine, settings: Settings, seq) -> None:
    clock: FixedClock = engine.clock  # type: ignore[assignment]
    clock.advance(24 * 3600)  # every example runs on a fresh business day
    policy = settings.config.queue
    max_boost = timedelta(seconds=max(policy.boost_s(p) for p in PRIORITIES))
    waiting: dict[int, TicketView] = {}
    called: list[tuple[datetime, TicketView, list[TicketView]]] = []
    for ev in seq:
        if ev[0] == "arrive":
            t = engine.issue(ev[2], ev[1])
            waiting[t.id] = t
        elif ev[0] == "wait":
            clock.advance(ev[1])
        elif ev[0] in ("call", "transfer"):
            try:
                t = engine.call_next(4, CLERK)  # counter 4: RETIRE (primary) and INJURY
            except NothingWaiting:
                assert not waiting
                continue
            others = [w for i, w in waiting.items() if i != t.id]
            called.append((clock(), waiting.pop(t.id), others))
            if ev[0] == "transfer":
                dest = "INJURY" if t.service == "RETIRE" else "RETIRE"
                moved = engine.transfer(4, to_service=dest, actor=CLERK)
                assert moved.issued_at == t.issued_at  # keeps its place
                same_line_earlier = [
                    w
                    for w in waiting.values()
                    if w.service == dest
                    and (w.issued_at - timedelta(seconds=policy.boost_s(w.priority)), w.id)
                    < (
                        moved.issued_at - timedelta(seconds=policy.boost_s(moved.priority)),
                        moved.id,
                    )
                ]
                assert moved.ahead == len(same_line_earlier)
                waiting[moved.id] = moved
            else:
                engine.finish(4, actor=CLERK)

    def score(t: TicketView, now: datetime) -> timedelta:
        primary = (
            timedelta(minutes=policy.primary_service_boost_min)
            if t.service == "RETIRE"
            else timedelta(0)
        )
        return now - t.issued_at + timedelta(seconds=policy.boost_s(t.priority)) + primary

    for now, chosen, others in called:
        for other in others:
            # the highest score is called first
            assert score(chosen, now) >= score(other, now)
            # overtaking only within the boost: nobody issued more than the largest boost
            # (plus the primary-service boost) after a waiting ticket is called before it
            slack = max_boost + timedelta(minutes=policy.primary_service_boost_min)
            assert chosen.issued_at - other.issued_at <= slack
