"""The queue engine: every change to tickets and counters goes through here.

Plain Python over the branch database, used alike by the CLI, the kiosk, the counter TUI and
the tests. Each operation is one write transaction (SQLite `BEGIN IMMEDIATE`; PostgreSQL row
locks with `FOR UPDATE [SKIP LOCKED]`), writes a `TicketEvent` for every state change, and
raises a `DomainError` with a clear message for anything the rules forbid. Roles are checked
here, not only in a UI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session, col, select

from branch import audit, live
from branch.clock import Clock, business_day, utc_now
from branch.db import Database
from branch.errors import DomainError, NotFound, NothingWaiting, PermissionDenied
from branch.models import (
    ACTIVE_SQL,
    Counter,
    CounterStatus,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    UTCDateTime,
)
from branch.settings import PRIORITIES, BranchConfig
from branch.staff import KIOSK, OPERATOR, Actor
from queue_kiosk import estimate
from queue_kiosk.alerts import Alerts, AlertView
from queue_kiosk.feedback import FeedbackBook, FeedbackView
from queue_kiosk.policy import Candidate, choose, rank_at

OUTCOME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
LANGS = ("ar", "en")
LEAVE = ("closed", "paused")
DAY_CLOSED = "day_closed"


@dataclass(frozen=True)
class TicketView:
    """A ticket as callers see it (no ORM session attached)."""

    id: int
    code: str
    service: str
    priority: str
    status: str
    issued_at: datetime
    business_day: date
    number: int
    lang: str
    counter: int | None = None
    assigned_counter: int | None = None
    called_at: datetime | None = None
    served_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    outcome: str | None = None
    ahead: int | None = None
    estimated_wait_s: int | None = None
    transferred_from: int | None = None

    @classmethod
    def of(cls, t: Ticket, **extra: Any) -> TicketView:
        assert t.id is not None
        return cls(
            id=t.id, code=t.code, service=t.service_code, priority=t.priority, status=t.status,
            issued_at=t.issued_at, business_day=t.business_day, number=t.number, lang=t.lang,
            counter=t.counter_number, assigned_counter=t.assigned_counter, called_at=t.called_at,
            served_at=t.served_at, finished_at=t.finished_at, recalls=t.recalls,
            outcome=t.outcome, estimated_wait_s=t.estimated_wait_s,
            transferred_from=t.transferred_from, **extra,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "code": self.code, "service": self.service, "priority": self.priority,
            "status": self.status, "issued_at": self.issued_at.isoformat(),
            "business_day": self.business_day.isoformat(), "counter": self.counter,
            "ahead": self.ahead, "estimated_wait_s": self.estimated_wait_s,
        }  # fmt: skip
        for key in ("called_at", "served_at", "finished_at"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.isoformat()
        if self.assigned_counter is not None:
            out["assigned_counter"] = self.assigned_counter
        if self.recalls:
            out["recalls"] = self.recalls
        if self.outcome:
            out["outcome"] = self.outcome
        return out


def _event(
    session: Session,
    ticket: Ticket,
    kind: str,
    at: datetime,
    counter: int | None,
    actor: Actor,
    **data: Any,
) -> None:
    assert ticket.id is not None
    session.add(TicketEvent(
        ticket_id=ticket.id, kind=kind, at=at, counter_number=counter,
        staff_username=actor.username, data=json.dumps(data, default=str) if data else None,
    ))  # fmt: skip
    live.announce(session, kind, ticket.id, counter)


class QueueEngine:
    """Issue, call, recall, serve, finish, no-show, transfer, pause, cancel, close the day."""

    def __init__(self, db: Database, config: BranchConfig, clock: Clock = utc_now) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.policy = config.queue
        self.tz = config.branch.tz
        self._services = {s.code: s for s in config.services}

    # -- helpers ------------------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        return business_day(now or self.clock(), self.tz)

    def _service_code(self, code: str) -> str:
        cfg = self._services.get(code.upper())
        if cfg is None or not cfg.active:
            known = ", ".join(s.code for s in self.config.services if s.active)
            raise NotFound(f"unknown service {code!r}; this branch offers {known}")
        return cfg.code

    def _counter(self, session: Session, number: int, lock: bool = False) -> Counter:
        stmt = select(Counter).where(Counter.number == number)
        if lock and self.db.is_postgres:
            stmt = stmt.with_for_update()
        counter = session.exec(stmt).first()
        if counter is None or not counter.active:
            known = ", ".join(str(c.number) for c in self.config.counters)
            raise NotFound(f"unknown counter {number}; this branch has counters {known}")
        return counter

    def _active_ticket(self, session: Session, counter: int, lock: bool = True) -> Ticket | None:
        stmt = select(Ticket).where(Ticket.counter_number == counter, text(ACTIVE_SQL))
        if lock and self.db.is_postgres:
            stmt = stmt.with_for_update()
        return session.exec(stmt).first()  # at most one; no ORDER BY, which would scan by id

    def _require_active(self, session: Session, counter: int, action: str) -> Ticket:
        ticket = self._active_ticket(session, counter)
        if ticket is None:
            raise DomainError(f"counter {counter} has no called ticket to {action}")
        return ticket

    def outcome_codes(self) -> list[str]:
        """The outcomes a counter may finish a ticket with (`[queue] outcomes`)."""
        return [o.code for o in self.policy.outcomes]

    # -- one clerk, one counter (DESIGN §7) ---------------------------------------------
    def _check_holder(self, s: Session, c: Counter, actor: Actor) -> None:
        """A staff member may take a counter nobody else holds, and only while they hold no
        other. The branch operator and the kiosk (no username) are not staff: exempt."""
        if actor.username is None:
            return
        if c.staff_username not in (None, actor.username):
            raise DomainError(
                f"counter {c.number} is held by {c.staff_username}; they must sign out first"
            )
        other = s.exec(
            select(Counter.number).where(
                Counter.staff_username == actor.username, Counter.number != c.number
            )
        ).first()
        if other is not None:
            raise DomainError(
                f"{actor.username} is signed in at counter {other}; sign out there first"
            )

    def _take_counter(self, s: Session, c: Counter, actor: Actor) -> None:
        self._check_holder(s, c, actor)
        if actor.username is None or c.staff_username == actor.username:
            return
        c.staff_username = actor.username
        s.add(c)
        try:
            s.flush()
        except IntegrityError:  # another process signed them in elsewhere at this instant
            raise DomainError(
                f"{actor.username} is signed in at another counter; sign out there first"
            ) from None

    @staticmethod
    def _may_act(c: Counter, actor: Actor) -> Counter:
        """A clerk acts only at a counter that is free or their own; supervisors and the
        operator may act at any counter (to clear up after someone)."""
        if (
            actor.username is not None
            and c.staff_username not in (None, actor.username)
            and actor.role.level < Role.supervisor.level
        ):
            raise PermissionDenied(
                f"counter {c.number} is held by {c.staff_username}, not {actor.username}"
            )
        return c

    @staticmethod
    def _check_priority(priority: str) -> None:
        if priority not in PRIORITIES:
            raise DomainError(
                f"unknown priority {priority!r}; choose one of {', '.join(PRIORITIES)}"
            )

    # -- issue --------------------------------------------------------------------------
    def issue(
        self,
        service: str,
        priority: str = "normal",
        lang: str = "ar",
        actor: Actor = KIOSK,
        national_ref: str | None = None,
    ) -> TicketView:
        """A new ticket: next gap-free number of the service for the business day.

        `national_ref` is the kiosk's sealed national-number reference
        (`queue_kiosk.national.Sealer.seal`), kept for the counter until day close."""
        code_s = self._service_code(service)
        self._check_priority(priority)
        if lang not in LANGS:
            raise DomainError(f"unknown language {lang!r}; choose ar or en")
        cfg = self._services[code_s]
        # The estimate reads history and the line from a snapshot, outside the write lock.
        before = self.clock()
        with self.db.read() as r:
            ahead, wait_s = estimate.for_new_ticket(
                r, self.config, code_s, priority, self.today(before), before
            )
        with self.db.write() as s:
            now = self.clock()
            day = self.today(now)
            number = self._next_number(s, day, code_s)
            if number > 999:
                raise DomainError(f"service {code_s} has issued 999 tickets today; no more numbers")
            ticket = Ticket(
                business_day=day, service_code=code_s, number=number,
                code=f"{cfg.prefix}{number:03d}", priority=priority, status=TicketStatus.waiting,
                issued_at=now, rank_at=rank_at(now, priority, self.policy), lang=lang,
                estimated_wait_s=wait_s, national_ref=national_ref,
            )  # fmt: skip
            s.add(ticket)
            s.flush()
            _event(s, ticket, "issued", now, None, actor, priority=priority, ahead=ahead,
                   estimated_wait_s=wait_s)  # fmt: skip
            return TicketView.of(ticket, ahead=ahead)

    def _next_number(self, s: Session, day: date, service: str) -> int:
        row = s.execute(
            text(
                "INSERT INTO daycounter (business_day, service_code, last_number) "
                "VALUES (:d, :s, 1) ON CONFLICT (business_day, service_code) "
                "DO UPDATE SET last_number = daycounter.last_number + 1 RETURNING last_number"
            ),
            {"d": day, "s": service},
        ).one()
        return int(row[0])

    # -- calling ------------------------------------------------------------------------
    def _candidates(
        self, s: Session, counter: Counter, day: date, skip: list[int] | None = None
    ) -> list[Candidate]:
        """The head of each line the counter serves today, read without locking anything;
        `skip` leaves out tickets another counter is claiming at this instant."""
        by_service, by_counter = _HEAD_SKIP if skip else _HEAD
        extra = {"skip": skip} if skip else {}
        out: list[Candidate] = []
        for service in counter.services_on(day):
            row = s.execute(by_service, {"s": service, "d": day, **extra}).first()
            if row is not None:
                out.append(Candidate(row.id, row.rank_at, service))
        row = s.execute(by_counter, {"c": counter.number, "d": day, **extra}).first()
        if row is not None:
            out.append(Candidate(row.id, row.rank_at, row.service_code, assigned=True))
        return out

    def _ready_to_call(self, s: Session, counter_no: int, actor: Actor) -> Counter:
        actor.require(Role.clerk, "call tickets")
        counter = self._counter(s, counter_no, lock=True)
        self._check_holder(s, counter, actor)
        if counter.status == CounterStatus.paused:
            raise DomainError(f"counter {counter_no} is paused; resume it before calling")
        busy = self._active_ticket(s, counter_no)
        if busy is not None:
            raise DomainError(
                f"counter {counter_no} still has {busy.code} ({busy.status}); "
                "finish it, mark it no-show or transfer it first"
            )
        return counter

    def _mark_called(
        self, s: Session, counter: Counter, ticket: Ticket, actor: Actor, now: datetime, how: str
    ) -> TicketView:
        if counter.status != CounterStatus.open:
            counter.status = CounterStatus.open
        s.add(counter)
        self._take_counter(s, counter, actor)
        ticket.status = TicketStatus.called
        ticket.counter_number = counter.number
        ticket.staff_username = actor.username or counter.staff_username
        ticket.called_at = now
        s.add(ticket)
        _event(s, ticket, "called", now, counter.number, actor, how=how)
        s.flush()
        return TicketView.of(ticket)

    def call_next(self, counter: int, actor: Actor = OPERATOR) -> TicketView:
        """Call the highest-scoring waiting ticket among the counter's services.

        PostgreSQL: one transaction. The heads of the lines are read without locks and the best
        is chosen; only that row is then claimed `FOR UPDATE SKIP LOCKED` with its status
        re-checked. If another counter is claiming it at this instant (locked) or took it
        (no longer waiting), it is left out and the choice is made again. Locking every head
        instead made other counters skip heads this counter did not take (a ticket passed
        over by later ones, a line that looked empty). A ticket is thus passed over only
        while another counter is claiming it: at most counters - 1 positions.

        SQLite has a single writer: the
        lines are read from a WAL snapshot first, outside the write lock, and the chosen
        ticket is then taken under `BEGIN IMMEDIATE` only if it is still waiting (else the
        choice is made again). The write lock is held for a few statements, not for the
        search, which keeps call-next fast with many counters.
        """
        actor.require(Role.clerk, "call tickets")
        if self.db.is_postgres:
            with self.db.write() as s:
                c = self._ready_to_call(s, counter, actor)
                now = self.clock()
                day = self.today(now)
                skip: list[int] = []
                while True:
                    best = choose(self._candidates(s, c, day, skip), c.primary_service, self.policy)
                    if best is None:
                        raise NothingWaiting(f"nothing is waiting for counter {counter}")
                    claimed = s.exec(
                        select(Ticket)
                        .where(Ticket.id == best.ticket_id, Ticket.status == TicketStatus.waiting)
                        .with_for_update(skip_locked=True)
                        .execution_options(populate_existing=True)
                    ).first()
                    if claimed is not None:
                        return self._mark_called(s, c, claimed, actor, now, "next")
                    skip.append(best.ticket_id)
        while True:
            with self.db.read() as r:
                c = self._ready_to_call(r, counter, actor)
                best = choose(self._candidates(r, c, self.today()), c.primary_service, self.policy)
            if best is None:
                raise NothingWaiting(f"nothing is waiting for counter {counter}")
            with self.db.write() as s:
                c = self._ready_to_call(s, counter, actor)
                ticket = s.get(Ticket, best.ticket_id)
                if ticket is not None and ticket.status == TicketStatus.waiting:
                    return self._mark_called(s, c, ticket, actor, self.clock(), "next")
            # another counter took it between the snapshot and the lock: choose again

    def call_ticket(self, counter: int, code: str, actor: Actor = OPERATOR) -> TicketView:
        """Call one waiting ticket by its code (out of turn, e.g. an appointment)."""
        with self.db.write() as s:
            c = self._ready_to_call(s, counter, actor)
            now = self.clock()
            ticket = self._find(s, code, now, lock=True)
            if ticket.status != TicketStatus.waiting:
                where = f" at counter {ticket.counter_number}" if ticket.counter_number else ""
                raise DomainError(f"{ticket.code} is not waiting: it is {ticket.status}{where}")
            if ticket.assigned_counter not in (None, counter):
                raise DomainError(f"{ticket.code} was sent to counter {ticket.assigned_counter}")
            if ticket.assigned_counter is None and ticket.service_code not in c.services_on(
                self.today(now)
            ):
                raise DomainError(
                    f"counter {counter} does not serve {ticket.service_code}; transfer the ticket"
                )
            return self._mark_called(s, c, ticket, actor, now, "by_code")

    def _find(self, s: Session, code: str, now: datetime, lock: bool = False) -> Ticket:
        stmt = (
            select(Ticket)
            .where(Ticket.code == code.upper(), Ticket.business_day == self.today(now))
            .order_by(col(Ticket.id).desc())
        )
        if lock and self.db.is_postgres:
            stmt = stmt.with_for_update()
        ticket = s.exec(stmt).first()
        if ticket is None:
            raise NotFound(f"no ticket {code.upper()} today")
        return ticket

    def recall(self, counter: int, actor: Actor = OPERATOR) -> TicketView:
        actor.require(Role.clerk, "recall tickets")
        with self.db.write() as s:
            self._may_act(self._counter(s, counter), actor)
            t = self._require_active(s, counter, "recall")
            if t.status != TicketStatus.called:
                raise DomainError(f"{t.code} is already being served at counter {counter}")
            if t.recalls >= self.policy.max_recalls:
                raise DomainError(
                    f"{t.code} was recalled {t.recalls} times already; mark it no-show"
                )
            now = self.clock()
            t.recalls += 1
            s.add(t)
            _event(s, t, "recalled", now, counter, actor, recalls=t.recalls)
            s.flush()
            return TicketView.of(t)

    def start_serving(self, counter: int, actor: Actor = OPERATOR) -> TicketView:
        actor.require(Role.clerk, "serve tickets")
        with self.db.write() as s:
            self._may_act(self._counter(s, counter), actor)
            t = self._require_active(s, counter, "serve")
            if t.status != TicketStatus.called:
                raise DomainError(f"{t.code} is already being served at counter {counter}")
            now = self.clock()
            t.status, t.served_at = TicketStatus.serving, now
            s.add(t)
            _event(s, t, "serving", now, counter, actor)
            s.flush()
            return TicketView.of(t)

    def finish(
        self, counter: int, outcome: str | None = None, actor: Actor = OPERATOR
    ) -> TicketView:
        actor.require(Role.clerk, "finish tickets")
        if outcome is not None and outcome not in self.outcome_codes():
            raise DomainError(
                f"unknown outcome {outcome!r}; choose one of {', '.join(self.outcome_codes())}"
            )
        with self.db.write() as s:
            self._may_act(self._counter(s, counter), actor)
            t = self._require_active(s, counter, "finish")
            now = self.clock()
            if t.served_at is None:
                t.served_at = now
                _event(s, t, "serving", now, counter, actor, implicit=True)
            t.status, t.finished_at, t.outcome = TicketStatus.done, now, outcome or "served"
            s.add(t)
            _event(s, t, "finished", now, counter, actor, outcome=t.outcome)
            s.flush()
            return TicketView.of(t)

    def no_show(self, counter: int, actor: Actor = OPERATOR) -> TicketView:
        actor.require(Role.clerk, "mark no-shows")
        with self.db.write() as s:
            self._may_act(self._counter(s, counter), actor)
            t = self._require_active(s, counter, "mark no-show")
            if t.status != TicketStatus.called:
                raise DomainError(f"{t.code} is being served; finish it instead")
            now = self.clock()
            t.status, t.finished_at, t.outcome = TicketStatus.no_show, now, "no_show"
            s.add(t)
            _event(s, t, "no_show", now, counter, actor, recalls=t.recalls)
            s.flush()
            return TicketView.of(t)

    def transfer(
        self,
        counter: int,
        to_service: str | None = None,
        to_counter: int | None = None,
        actor: Actor = OPERATOR,
    ) -> TicketView:
        """Send the counter's ticket to another service's line or to one counter.

        The old row ends `transferred`; a new waiting row keeps the code, the priority and the
        original issue time, so the customer keeps their place.
        """
        actor.require(Role.clerk, "transfer tickets")
        if (to_service is None) == (to_counter is None):
            raise DomainError("transfer to a service or to a counter (exactly one)")
        if to_service is not None:
            to_service = self._service_code(to_service)
        with self.db.write() as s:
            self._may_act(self._counter(s, counter), actor)
            if to_counter is not None:
                if to_counter == counter:
                    raise DomainError(f"the ticket is already at counter {counter}")
                self._counter(s, to_counter)
            t = self._require_active(s, counter, "transfer")
            now = self.clock()
            # The copy belongs to the day it is queued in (after midnight: the new day, whose
            # lines call-next reads) and keeps the original issue time for its place.
            new = Ticket(
                business_day=self.today(now), service_code=to_service or t.service_code,
                number=t.number, code=t.code, priority=t.priority, status=TicketStatus.waiting,
                issued_at=t.issued_at, rank_at=rank_at(t.issued_at, t.priority, self.policy),
                assigned_counter=to_counter, transferred_from=t.id, lang=t.lang,
                print_state=t.print_state,
            )  # fmt: skip
            t.status, t.finished_at, t.outcome = TicketStatus.transferred, now, "transferred"
            if t.served_at is None:
                t.served_at = now
            s.add(t)
            s.add(new)
            s.flush()
            target = {"to_service": to_service} if to_service else {"to_counter": to_counter}
            _event(s, t, "transferred", now, counter, actor, new_ticket=new.id, **target)
            _event(s, new, "requeued", now, counter, actor, from_ticket=t.id, **target)
            ahead, wait_s = estimate.for_ticket(s, self.config, new, now)
            new.estimated_wait_s = wait_s
            s.flush()
            return TicketView.of(new, ahead=ahead)

    def cancel(self, code: str, actor: Actor = OPERATOR, reason: str | None = None) -> TicketView:
        actor.require(Role.supervisor, "cancel tickets")
        with self.db.write() as s:
            now = self.clock()
            t = self._find(s, code, now, lock=True)
            if t.status != TicketStatus.waiting:
                raise DomainError(f"{t.code} is {t.status}; only waiting tickets can be cancelled")
            t.status, t.finished_at, t.outcome = TicketStatus.cancelled, now, "cancelled"
            s.add(t)
            _event(s, t, "cancelled", now, None, actor, reason=reason)
            s.flush()
            return TicketView.of(t)

    # -- counters -----------------------------------------------------------------------
    def _set_counter_status(
        self,
        counter: int,
        to: CounterStatus,
        allowed_from: tuple[str, ...],
        actor: Actor,
        verb: str,
        *,
        action: str | None = None,
        pause_reason: str | None = None,
        release: bool = False,
    ) -> Counter:
        """Every change of a counter's status and holder goes through here. A closed counter,
        or one its clerk signed out of (`release`), is held by nobody; any other change
        signs the acting staff member in there (one counter per staff member)."""
        actor.require(Role.clerk, f"{verb} counters")
        with self.db.write() as s:
            c = self._counter(s, counter, lock=True)
            if c.status not in allowed_from:
                raise DomainError(f"counter {counter} is {c.status}; cannot {verb} it")
            if to == CounterStatus.closed:
                busy = self._active_ticket(s, counter)
                if busy is not None:
                    raise DomainError(
                        f"counter {counter} still has {busy.code} ({busy.status}); finish, "
                        "park or transfer it before closing the counter"
                    )
            now = self.clock()
            if to == CounterStatus.closed or release:
                self._may_act(c, actor)
                c.staff_username = None
            else:
                self._take_counter(s, c, actor)
            c.status = to
            c.pause_reason = pause_reason if to == CounterStatus.paused else None
            s.add(c)
            audit.append(
                s,
                at=now,
                staff=actor.audit_name,
                action=action or f"counter.{verb}",
                subject_ref=f"counter:{counter}"
                + (f";reason:{pause_reason}" if pause_reason else ""),
                where=f"counter:{counter}",
            )
            live.announce(s, f"counter.{verb.replace(' ', '_')}", counter=counter)
            s.flush()
            return c

    def open_counter(self, counter: int, actor: Actor = OPERATOR) -> Counter:
        return self._set_counter_status(counter, CounterStatus.open, ("closed",), actor, "open")

    def close_counter(self, counter: int, actor: Actor = OPERATOR) -> Counter:
        return self._set_counter_status(
            counter, CounterStatus.closed, ("open", "paused"), actor, "close"
        )

    def pause(self, counter: int, actor: Actor = OPERATOR, reason: str | None = None) -> Counter:
        """Pause calling at a counter; the reason is one of `[queue] pause_reasons`."""
        codes = [r.code for r in self.policy.pause_reasons]
        if reason is None:
            raise DomainError(f"a pause needs a reason; choose one of {', '.join(codes)}")
        if reason not in codes:
            raise DomainError(f"unknown pause reason {reason!r}; choose one of {', '.join(codes)}")
        return self._set_counter_status(
            counter, CounterStatus.paused, ("open",), actor, "pause", pause_reason=reason
        )

    def resume(self, counter: int, actor: Actor = OPERATOR) -> Counter:
        return self._set_counter_status(counter, CounterStatus.open, ("paused",), actor, "resume")

    # -- the business day ---------------------------------------------------------------
    def close_day(self, actor: Actor = OPERATOR) -> dict[str, int]:
        """End the business day: every ticket still waiting expires (today's and leftovers);
        every ticket a counter still holds (called, serving, parked) ends with outcome
        `day_closed`; every counter closes, its clerk signed out and its services for the
        day back to the config's. Nothing is left for tomorrow to trip over."""
        actor.require(Role.manager, "close the business day")
        with self.db.write() as s:
            now = self.clock()
            day = self.today(now)
            stmt = select(Ticket).where(
                Ticket.status == TicketStatus.waiting, col(Ticket.business_day) <= day
            )
            held_stmt = select(Ticket).where(
                col(Ticket.status).in_(
                    [TicketStatus.called, TicketStatus.serving, TicketStatus.parked]
                )
            )
            if self.db.is_postgres:
                stmt = stmt.with_for_update()
                held_stmt = held_stmt.with_for_update()
            waiting = list(s.exec(stmt))
            for t in waiting:
                t.status, t.finished_at, t.outcome = TicketStatus.expired, now, "expired"
                s.add(t)
                _event(s, t, "expired", now, None, actor)
            held = list(s.exec(held_stmt))
            for t in held:
                was = t.status
                t.status, t.finished_at, t.outcome = TicketStatus.expired, now, DAY_CLOSED
                s.add(t)
                _event(s, t, DAY_CLOSED, now, t.counter_number, actor, was=was)
            # The kiosk's national-number step is for the day only (DESIGN §7).
            s.exec(  # type: ignore[call-overload]
                text("UPDATE ticket SET national_ref = NULL WHERE national_ref IS NOT NULL")
            )
            closed = 0
            for c in s.exec(select(Counter).where(Counter.active)):
                if c.status != CounterStatus.closed:
                    live.announce(s, "counter.close", counter=c.number)
                    closed += 1
                c.status, c.staff_username, c.pause_reason = CounterStatus.closed, None, None
                c.services_today, c.services_day = None, None
                s.add(c)
            audit.append(
                s,
                at=now,
                staff=actor.audit_name,
                action="day.close",
                subject_ref=f"day:{day.isoformat()}",
                outcome=f"expired:{len(waiting)};ended:{len(held)}"[:32],
            )
            s.flush()
            return {
                "business_day_expired": len(waiting),
                "tickets_ended": len(held),
                "counters_closed": closed,
            }

    # -- signing in and out (the counter screen) ----------------------------------------
    def sign_in(self, counter: int, actor: Actor) -> Counter:
        """Open a counter under a staff member. Refused while someone else holds the counter
        or while the staff member is signed in at another one (naming it)."""
        if actor.username is None:
            raise DomainError(
                "only a staff member signs in at a counter; the operator opens counters"
            )
        return self._set_counter_status(
            counter, CounterStatus.open, ("closed", "paused", "open"), actor, "sign in",
            action="counter.sign_in",
        )  # fmt: skip

    def sign_out(self, counter: int, actor: Actor, leave: str = "closed") -> Counter:
        """Leave a counter closed or paused; either way the staff member is free to sign in
        elsewhere. A counter still holding a ticket cannot be closed."""
        if leave not in LEAVE:
            raise DomainError(f"leave the counter closed or paused, not {leave!r}")
        if actor.username is not None:
            with self.db.read() as r:
                holder = self._counter(r, counter).staff_username
            if holder is None:
                raise DomainError(f"{actor.username} is not signed in at counter {counter}")
        return self._set_counter_status(
            counter, CounterStatus(leave), ("open", "paused"), actor, "sign out",
            action="counter.sign_out", release=True,
        )  # fmt: skip

    # -- park and take back ------------------------------------------------------------
    def park(
        self, counter: int, actor: Actor = OPERATOR, call_next: bool = False
    ) -> tuple[TicketView, TicketView | None]:
        """Set the counter's ticket aside at this counter (status `parked`: the customer is
        fetching a document, say), so the counter can call others; optionally call the
        next at once. Returns (the parked ticket, the ticket called or None)."""
        actor.require(Role.clerk, "park tickets")
        with self.db.write() as s:
            c = self._may_act(self._counter(s, counter), actor)
            t = self._require_active(s, counter, "park")
            now = self.clock()
            was = t.status
            t.status = TicketStatus.parked
            t.staff_username = actor.username or c.staff_username or t.staff_username
            s.add(t)
            _event(s, t, "parked", now, counter, actor, was=was)
            s.flush()
            parked = TicketView.of(t)
        called = None
        if call_next:
            try:
                called = self.call_next(counter, actor)
            except NothingWaiting:
                called = None
        return parked, called

    def take_back(self, counter: int, code: str, actor: Actor = OPERATOR) -> TicketView:
        """Call a parked ticket back to this counter, by its code. Only the counter and
        staff member that parked it may, or a supervisor (at any counter)."""
        actor.require(Role.clerk, "take back parked tickets")
        with self.db.write() as s:
            c = self._ready_to_call(s, counter, actor)
            stmt = (
                select(Ticket)
                .where(Ticket.code == code.upper(), Ticket.status == TicketStatus.parked)
                .order_by(col(Ticket.id).desc())
            )
            if self.db.is_postgres:
                stmt = stmt.with_for_update()
            t = s.exec(stmt).first()
            now = self.clock()
            if t is None:
                found = self._find(s, code, now)  # raises NotFound for an unknown code
                raise DomainError(f"{found.code} is not parked: it is {found.status}")
            if actor.role.level < Role.supervisor.level:
                own_counter = t.counter_number == counter
                own_staff = actor.username is None or t.staff_username in (None, actor.username)
                if not (own_counter and own_staff):
                    by = f" by {t.staff_username}" if t.staff_username else ""
                    raise PermissionDenied(
                        f"{t.code} was parked at counter {t.counter_number}{by}; only there, "
                        "or a supervisor, can take it back"
                    )
            if c.status != CounterStatus.open:
                c.status = CounterStatus.open
                s.add(c)
            self._take_counter(s, c, actor)
            from_counter = t.counter_number
            t.status = TicketStatus.serving if t.served_at else TicketStatus.called
            t.counter_number = counter
            t.staff_username = actor.username or c.staff_username
            s.add(t)
            _event(s, t, "taken_back", now, counter, actor, from_counter=from_counter)
            s.flush()
            return TicketView.of(t)

    def parked(self, counter: int) -> list[TicketView]:
        """The tickets parked at a counter, oldest first."""
        with self.db.read() as s:
            self._counter(s, counter)
            rows = s.exec(
                select(Ticket)
                .where(Ticket.counter_number == counter, Ticket.status == TicketStatus.parked)
                .order_by(col(Ticket.id))
            )
            return [TicketView.of(t) for t in rows]

    # -- walk-in -----------------------------------------------------------------------
    def walk_in(
        self,
        counter: int,
        service: str,
        actor: Actor = OPERATOR,
        priority: str = "normal",
        lang: str = "ar",
    ) -> TicketView:
        """A customer without a ticket, served at once: a ticket is issued (numbered like any
        other, event `walk_in`) and called at this counter in the same transaction."""
        actor.require(Role.clerk, "serve walk-ins")
        code_s = self._service_code(service)
        self._check_priority(priority)
        if lang not in LANGS:
            raise DomainError(f"unknown language {lang!r}; choose ar or en")
        cfg = self._services[code_s]
        with self.db.write() as s:
            c = self._ready_to_call(s, counter, actor)
            now = self.clock()
            day = self.today(now)
            if code_s not in c.services_on(day):
                raise DomainError(
                    f"counter {counter} does not serve {code_s} today; it serves "
                    f"{', '.join(c.services_on(day))}"
                )
            number = self._next_number(s, day, code_s)
            if number > 999:
                raise DomainError(f"service {code_s} has issued 999 tickets today; no more numbers")
            ticket = Ticket(
                business_day=day, service_code=code_s, number=number,
                code=f"{cfg.prefix}{number:03d}", priority=priority, status=TicketStatus.waiting,
                issued_at=now, rank_at=rank_at(now, priority, self.policy), lang=lang,
                estimated_wait_s=0,
            )  # fmt: skip
            s.add(ticket)
            s.flush()
            _event(s, ticket, "walk_in", now, counter, actor, priority=priority)
            return self._mark_called(s, c, ticket, actor, now, "walk_in")

    # -- a counter's services for the day (manager) -------------------------------------
    def set_counter_services(
        self, counter: int, services: list[str], actor: Actor = OPERATOR
    ) -> list[str]:
        """Give a counter other services for today only (a manager moving staff where the
        lines are long). The next business day, or `close_day`, goes back to branch.toml."""
        actor.require(Role.manager, "change a counter's services")
        codes: list[str] = []
        for code in services:
            resolved = self._service_code(code)
            if resolved not in codes:
                codes.append(resolved)
        if not codes:
            raise DomainError("give the counter at least one service")
        with self.db.write() as s:
            c = self._counter(s, counter, lock=True)
            now = self.clock()
            c.services_today, c.services_day = ",".join(codes), self.today(now)
            s.add(c)
            audit.append(
                s,
                at=now,
                staff=actor.audit_name,
                action="counter.services",
                subject_ref=f"counter:{counter};services:{','.join(codes)}",
                where=f"counter:{counter}",
            )
            s.flush()
            return codes

    def counter_services(self, counter: int) -> list[str]:
        """What the counter serves today."""
        with self.db.read() as s:
            return self._counter(s, counter).services_on(self.today())

    # -- reads --------------------------------------------------------------------------
    def ticket(self, ticket_id: int) -> TicketView:
        with self.db.read() as s:
            t = s.get(Ticket, ticket_id)
            if t is None:
                raise NotFound(f"no ticket with id {ticket_id}")
            return TicketView.of(t)

    def current(self, counter: int) -> TicketView | None:
        with self.db.read() as s:
            self._counter(s, counter)
            t = self._active_ticket(s, counter, lock=False)
            return TicketView.of(t) if t else None

    def national_ref(self, ticket_id: int, actor: Actor) -> str | None:
        """The sealed national-number reference of a ticket, for the counter's lookup panel
        (clerk and up; every read audited). None when the customer gave none or the day
        closed. Open it with `queue_kiosk.national.Sealer.open`."""
        actor.require(Role.clerk, "read a ticket's national number")
        if actor.audit_name is None:
            raise PermissionDenied("reading a national number needs a named staff member")
        with self.db.write() as s:
            t = s.get(Ticket, ticket_id)
            if t is None:
                raise NotFound(f"no ticket with id {ticket_id}")
            if t.national_ref is None:
                return None
            audit.append(
                s, at=self.clock(), staff=actor.audit_name, action="ticket.national_ref.read",
                subject_ref=f"ticket:{t.code};day:{t.business_day.isoformat()}",
                where=f"counter:{t.counter_number}" if t.counter_number else None,
            )  # fmt: skip
            return t.national_ref

    def reprint(self, code: str, actor: Actor) -> TicketView:
        """A staff member asks for today's ticket `code` to be printed again: checks the role,
        records a `reprint` event and an audit entry, and resets `print_state` to pending.
        The caller then prints the returned ticket and records the outcome."""
        actor.require(Role.clerk, "reprint tickets")
        if actor.audit_name is None:
            raise PermissionDenied("a reprint needs a named staff member (--staff)")
        with self.db.write() as s:
            now = self.clock()
            t = self._find(s, code, now, lock=True)
            t.print_state = "pending"
            s.add(t)
            _event(s, t, "reprint", now, None, actor)
            audit.append(
                s, at=now, staff=actor.audit_name, action="ticket.reprint",
                subject_ref=f"ticket:{t.code};day:{t.business_day.isoformat()}",
            )  # fmt: skip
            s.flush()
            return TicketView.of(t)

    # -- alerts and feedback (queue_kiosk.alerts / queue_kiosk.feedback) -----------------
    @property
    def alerts(self) -> Alerts:
        return Alerts(self.db, self.clock)

    def raise_alert(self, kind: str, source: str, message: str) -> AlertView:
        return self.alerts.raise_alert(kind, source, message)

    def clear_alert(self, kind: str, source: str) -> AlertView | None:
        return self.alerts.clear_alert(kind, source)

    def acknowledge_alert(self, alert_id: int, actor: Actor) -> AlertView:
        return self.alerts.acknowledge_alert(alert_id, actor)

    def open_alerts(self) -> list[AlertView]:
        return self.alerts.open_alerts()

    def record_feedback(
        self, code: str, rating: int, category: str | None = None, text: str | None = None
    ) -> FeedbackView:
        return FeedbackBook(self.db, self.config, self.clock).record_feedback(
            code, rating, category, text
        )

    def feedback_for_day(self, day: date | None = None) -> list[FeedbackView]:
        return FeedbackBook(self.db, self.config, self.clock).for_day(day)

    def set_print_state(self, ticket_id: int, state: str) -> None:
        """Record a print job's outcome (pending|printed|failed) on the ticket."""
        if state not in ("pending", "printed", "failed"):
            raise DomainError(f"unknown print state {state!r}")
        with self.db.write() as s:
            t = s.get(Ticket, ticket_id)
            if t is None:
                raise NotFound(f"no ticket with id {ticket_id}")
            t.print_state = state
            s.add(t)
            _event(s, t, f"print_{state}", self.clock(), None, KIOSK)


def _head_queries(skip: bool) -> tuple[TextClause, TextClause]:
    """The head of one waiting line, optionally leaving out given ids. Literal status/NULL
    tests let SQLite and PostgreSQL use the partial indexes `ix_ticket_waiting_service` /
    `ix_ticket_waiting_counter`. Nothing is locked: call-next claims only the chosen row."""
    cols = {"id": Integer(), "rank_at": UTCDateTime(), "service_code": String()}
    params = [bindparam("d", type_=Date())]
    not_in = ""
    if skip:
        params.append(bindparam("skip", expanding=True))
        not_in = " AND id NOT IN :skip"
    by_service = (
        text(
            "SELECT id, rank_at, service_code FROM ticket WHERE status = 'waiting' "
            f"AND assigned_counter IS NULL AND service_code = :s AND business_day = :d{not_in} "
            "ORDER BY rank_at, id LIMIT 1"
        )
        .bindparams(*params)
        .columns(**cols)
    )
    by_counter = (
        text(
            "SELECT id, rank_at, service_code FROM ticket WHERE status = 'waiting' "
            f"AND assigned_counter = :c AND business_day = :d{not_in} "
            "ORDER BY rank_at, id LIMIT 1"
        )
        .bindparams(*params)
        .columns(**cols)
    )
    return by_service, by_counter


_HEAD = _head_queries(skip=False)
_HEAD_SKIP = _head_queries(skip=True)


__all__ = ["QueueEngine", "TicketView"]
