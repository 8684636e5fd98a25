"""Staffing simulator: a discrete-event simulation that drives the real queue engine.

Customers arrive by the profile (Poisson per local hour and service), take a ticket from the
real `QueueEngine.issue` (so the estimate printed on the ticket is the real one), and counters
call with the real `call_next` (so the real ordering policy decides), walk-up, no-show after a
recall, serve for a lognormal time and finish. Everything happens on a throwaway SQLite
database under a simulated clock: no sleeping, and for a seed and inputs the output is the same
byte for byte (no wall-clock time, no temporary paths in it).

Afterwards the real statistics (queue_kiosk.statistics) read the simulated days, and the
estimate printed on each ticket is compared with the wait it really had, beside the naive
estimator (people ahead × the service's standard time ÷ open counters).
"""

from __future__ import annotations

import heapq
import math
import random
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from branch import reference
from branch.clock import FixedClock
from branch.db import Database
from branch.errors import ConfigError, DomainError, NothingWaiting
from branch.migrate import upgrade
from branch.models import Role, Ticket
from branch.settings import BranchConfig, CounterConfig, _key_of
from branch.staff import Actor
from queue_kiosk import statistics
from queue_kiosk.arrivals import ArrivalProfile, lognormal_params
from queue_kiosk.engine import QueueEngine, TicketView

START_DAY = date(2026, 3, 1)  # a Sunday; fixed so that output never depends on today
RECALL_AFTER_S = 60.0
MANAGER = Actor("simulator", Role.manager)

Estimator = Callable[[Session, BranchConfig, TicketView, datetime], float]


class PlanCounter(BaseModel):
    """One staffed counter: its services (default: the branch's) and hours (default: all day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Annotated[int, Field(ge=1, le=999)]
    services: list[str] | None = None
    primary: str | None = None
    open: Annotated[float, Field(ge=0, le=24)] | None = None
    close: Annotated[float, Field(ge=0, le=24)] | None = None


class StaffingPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    counters: Annotated[list[PlanCounter], Field(min_length=1)]


def load_plan(spec: str | None, config: BranchConfig) -> StaffingPlan:
    """All the branch's counters all day (None), a comma list of numbers, or a TOML file."""
    if spec is None:
        return StaffingPlan(counters=[PlanCounter(number=c.number) for c in config.counters])
    if all(part.strip().isdigit() for part in spec.split(",")):
        plan = StaffingPlan(
            counters=[PlanCounter(number=int(p)) for p in spec.split(",")]
        )
        source = "--counters"
    else:
        try:
            data = tomllib.loads(Path(spec).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                spec, "(file)", "not found; give a plan file or counter numbers like 1,2,8"
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(spec, "(file)", str(exc)) from None
        try:
            plan = StaffingPlan.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(
                spec, _key_of(tuple(err["loc"]), data), err["msg"].removeprefix("Value error, ")
            ) from None
        source = spec
    known = {c.number: c for c in config.counters}
    services = {s.code for s in config.services if s.active}
    seen: set[int] = set()
    for pc in plan.counters:
        if pc.number in seen:
            raise ConfigError(source, f"counters[number={pc.number}]", "counter named twice")
        seen.add(pc.number)
        if pc.services is None and pc.number not in known:
            raise ConfigError(
                source, f"counters[number={pc.number}]", "not a counter of this branch; give services"
            )
        for code in pc.services or []:
            if code not in services:
                raise ConfigError(source, f"counters[number={pc.number}].services", f"unknown service {code!r}")
    return plan


def _sim_config(config: BranchConfig, plan: StaffingPlan) -> BranchConfig:
    known = {c.number: c for c in config.counters}
    counters = []
    for pc in plan.counters:
        base = known.get(pc.number)
        services = pc.services or (base.services if base else [])
        primary = pc.primary if pc.services is not None else (base.primary if base else None)
        counters.append(
            CounterConfig(
                number=pc.number,
                name_ar=base.name_ar if base else "",
                name_en=base.name_en if base else "",
                services=services,
                primary=primary if primary in services else None,
            )
        )
    return config.model_copy(update={"counters": counters})


@dataclass
class _Counter:
    number: int
    services: frozenset[str]
    actor: Actor
    open_at: datetime
    close_at: datetime | None
    state: str = "closed"  # closed | idle | called | serving
    closing: bool = False


@dataclass
class _Issued:
    ticket_id: int
    service: str
    estimate_s: float
    naive_s: float
    others: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EstimateAccuracy:
    tickets: int
    mean_wait_s: float
    mae_s: float
    naive_mae_s: float
    others: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tickets": self.tickets,
            "mean_wait_s": round(self.mean_wait_s, 1),
            "mae_s": round(self.mae_s, 1),
            "naive_mae_s": round(self.naive_mae_s, 1),
            "mae_share_of_mean_wait": _ratio(self.mae_s, self.mean_wait_s),
            "gain_vs_naive": _ratio(self.naive_mae_s - self.mae_s, self.naive_mae_s),
        }
        for name, mae in sorted(self.others.items()):
            out[f"{name}_mae_s"] = round(mae, 1)
        return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


@dataclass(frozen=True)
class SimResult:
    profile: str
    days: int
    seed: int
    counters: list[int]
    report: statistics.Report
    estimate: EstimateAccuracy

    def to_json(self) -> dict[str, Any]:
        keep = ("issued", "called", "served", "no_shows", "walk_outs", "avg_wait_s",
                "p90_wait_s", "within_target_share")  # fmt: skip
        services = []
        for (code,), s in self.report.groups:
            row = s.to_json()
            services.append({"service": code, **{k: row[k] for k in keep}})
        totals = self.report.totals.to_json()
        return {
            "profile": self.profile,
            "days": self.days,
            "seed": self.seed,
            "counters": self.counters,
            "services": services,
            "totals": {k: totals[k] for k in keep},
            "estimate": self.estimate.to_json(),
        }


@contextmanager
def throwaway_db(config: BranchConfig) -> Iterator[Database]:
    """A migrated SQLite database in a temporary directory (in memory-backed /dev/shm when
    the system has one), removed afterwards."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(
        prefix="tabour-sim-", dir=shm if shm.is_dir() else None
    ) as tmp:
        url = f"sqlite:///{Path(tmp) / 'sim.db'}"
        upgrade(url)
        db = Database(url)
        try:
            with db.write() as s:
                reference.sync_reference_data(s, config)
            yield db
        finally:
            db.dispose()


def _at(day: date, hour: float, config: BranchConfig) -> datetime:
    whole = int(hour)
    local = datetime.combine(day, time(whole % 24), config.branch.tz)
    return local.astimezone(UTC) + timedelta(seconds=round((hour - whole) * 3600))


class Simulation:
    """One run: `days` business days of the profile against the plan, from a seed."""

    def __init__(
        self,
        config: BranchConfig,
        profile: ArrivalProfile,
        plan: StaffingPlan,
        seed: int = 1,
        estimators: dict[str, Estimator] | None = None,
    ) -> None:
        self.config = _sim_config(config, plan)
        self.profile = profile
        self.plan = plan
        self.seed = seed
        self.rng = random.Random(seed)
        self.estimators = estimators or {}
        self._lognormal = {
            code: lognormal_params(st.mean_min * 60.0, st.cv)
            for code, st in profile.service_time.items()
        }
        self._seq = 0
        self.issued: list[_Issued] = []

    # -- event queue --------------------------------------------------------------------
    def _push(self, heap: list[Any], at: datetime, kind: str, data: Any) -> None:
        self._seq += 1
        heapq.heappush(heap, (at, self._seq, kind, data))

    def _arrivals(self, day: date) -> list[tuple[datetime, str, str, str]]:
        out = []
        prio_classes = sorted(self.profile.priority)
        for hour in self.profile.hours:
            start = _at(day, hour, self.config)
            for code in sorted(self.profile.arrivals[hour]):
                rate = self.profile.arrivals[hour][code]
                if rate <= 0:
                    continue
                t = self.rng.expovariate(rate / 3600.0)
                while t < 3600.0:
                    u, prio, acc = self.rng.random(), "normal", 0.0
                    for p in prio_classes:
                        acc += self.profile.priority[p]
                        if u < acc:
                            prio = p
                            break
                    lang = "ar" if self.rng.random() < 0.8 else "en"
                    out.append((start + timedelta(seconds=round(t, 3)), code, prio, lang))
                    t += self.rng.expovariate(rate / 3600.0)
        out.sort()
        return out

    def _service_s(self, code: str) -> float:
        mu, sigma = self._lognormal[code]
        return max(30.0, self.rng.lognormvariate(mu, sigma))

    # -- running ------------------------------------------------------------------------
    def run(self, days: int) -> SimResult:
        if not 1 <= days <= 366:
            raise DomainError("simulate between 1 and 366 days")
        with throwaway_db(self.config) as db:
            first = self.profile.hours[0] if self.profile.hours else 8
            clock = FixedClock(_at(START_DAY, first, self.config))
            engine = QueueEngine(db, self.config, clock)
            for n in range(days):
                self._day(engine, clock, START_DAY + timedelta(days=n))
            last = START_DAY + timedelta(days=days - 1)
            with db.read() as s:
                report = statistics.compute(s, self.config, START_DAY, last, ("service",))
                accuracy = self._accuracy(s)
        return SimResult(
            self.profile.name, days, self.seed, [pc.number for pc in self.plan.counters],
            report, accuracy,
        )  # fmt: skip

    def _day(self, engine: QueueEngine, clock: FixedClock, day: date) -> None:
        first = self.profile.hours[0] if self.profile.hours else 8
        heap: list[Any] = []
        counters: dict[int, _Counter] = {}
        for pc, cc in zip(self.plan.counters, self.config.counters, strict=True):
            open_at = _at(day, pc.open if pc.open is not None else first, self.config)
            close_at = _at(day, pc.close, self.config) if pc.close is not None else None
            counters[pc.number] = _Counter(
                pc.number, frozenset(cc.services), Actor(f"clerk{pc.number}", Role.clerk),
                open_at, close_at,
            )  # fmt: skip
            self._push(heap, open_at, "open", pc.number)
            if close_at is not None:
                self._push(heap, close_at, "close", pc.number)
        for at, code, prio, lang in self._arrivals(day):
            self._push(heap, at, "arrive", (code, prio, lang))
        while heap:
            at, _, kind, data = heapq.heappop(heap)
            clock.now = at
            getattr(self, f"_on_{kind}")(engine, heap, counters, at, data)
        engine.close_day(MANAGER)

    def _try_call(self, engine: QueueEngine, heap: list[Any], c: _Counter, at: datetime) -> bool:
        try:
            engine.call_next(c.number, c.actor)
        except NothingWaiting:
            return False
        c.state = "called"
        lo, hi = self.profile.walk_up_s
        walk = self.rng.uniform(lo, hi)
        if self.rng.random() < self.profile.no_show:
            self._push(heap, at + timedelta(seconds=RECALL_AFTER_S), "recall", c.number)
        else:
            self._push(heap, at + timedelta(seconds=walk), "serve", c.number)
        return True

    def _free(self, engine: QueueEngine, heap: list[Any], c: _Counter, at: datetime) -> None:
        c.state = "idle"
        if c.closing:
            engine.close_counter(c.number, c.actor)
            c.state = "closed"
            return
        self._try_call(engine, heap, c, at)

    def _on_open(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                 at: datetime, number: int) -> None:  # fmt: skip
        c = counters[number]
        try:
            engine.open_counter(number, c.actor)
        except DomainError:
            engine.resume(number, c.actor)
        c.state, c.closing = "idle", False
        self._try_call(engine, heap, c, at)

    def _on_close(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                  at: datetime, number: int) -> None:  # fmt: skip
        c = counters[number]
        if c.state == "idle":
            engine.close_counter(number, c.actor)
            c.state = "closed"
        elif c.state != "closed":
            c.closing = True

    def _on_arrive(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                   at: datetime, data: tuple[str, str, str]) -> None:  # fmt: skip
        code, prio, lang = data
        view = engine.issue(code, prio, lang)
        open_n = sum(1 for c in counters.values() if c.state != "closed" and code in c.services)
        std = self.config.service(code).target_service_min * 60.0
        naive = (view.ahead or 0) * std / max(open_n, 1)
        others: dict[str, float] = {}
        if self.estimators:
            with engine.db.read() as s:
                for name, fn in self.estimators.items():
                    others[name] = float(fn(s, self.config, view, at))
        self.issued.append(
            _Issued(view.id, code, float(view.estimated_wait_s or 0), naive, others)
        )
        for c in sorted(counters.values(), key=lambda c: c.number):
            if c.state == "idle" and code in c.services and self._try_call(engine, heap, c, at):
                break

    def _on_recall(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                   at: datetime, number: int) -> None:  # fmt: skip
        engine.recall(number, counters[number].actor)
        self._push(heap, at + timedelta(seconds=RECALL_AFTER_S), "no_show", number)

    def _on_no_show(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                    at: datetime, number: int) -> None:  # fmt: skip
        c = counters[number]
        engine.no_show(number, c.actor)
        self._free(engine, heap, c, at)

    def _on_serve(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                  at: datetime, number: int) -> None:  # fmt: skip
        c = counters[number]
        view = engine.start_serving(number, c.actor)
        c.state = "serving"
        self._push(heap, at + timedelta(seconds=round(self._service_s(view.service), 3)),
                   "finish", number)  # fmt: skip

    def _on_finish(self, engine: QueueEngine, heap: list[Any], counters: dict[int, _Counter],
                   at: datetime, number: int) -> None:  # fmt: skip
        c = counters[number]
        engine.finish(number, "served", c.actor)
        self._free(engine, heap, c, at)

    # -- accuracy -----------------------------------------------------------------------
    def _accuracy(self, s: Session) -> EstimateAccuracy:
        waits: dict[int, float] = {}
        ids = [i.ticket_id for i in self.issued]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for t in s.query(Ticket).filter(Ticket.id.in_(chunk)):  # type: ignore[union-attr]
                if t.called_at is not None:
                    waits[t.id] = (t.called_at - t.issued_at).total_seconds()  # type: ignore[index]
        called = [i for i in self.issued if i.ticket_id in waits]
        n = len(called)
        if not n:
            return EstimateAccuracy(0, 0.0, 0.0, 0.0, {})

        def mae(get: Callable[[_Issued], float]) -> float:
            return math.fsum(abs(get(i) - waits[i.ticket_id]) for i in called) / n

        others = {name: mae(lambda i, k=name: i.others[k]) for name in self.estimators}
        return EstimateAccuracy(
            tickets=n,
            mean_wait_s=math.fsum(waits[i.ticket_id] for i in called) / n,
            mae_s=mae(lambda i: i.estimate_s),
            naive_mae_s=mae(lambda i: i.naive_s),
            others=others,
        )


def simulate(
    config: BranchConfig,
    profile: ArrivalProfile,
    plan: StaffingPlan,
    days: int = 1,
    seed: int = 1,
    estimators: dict[str, Estimator] | None = None,
) -> SimResult:
    return Simulation(config, profile, plan, seed, estimators).run(days)
