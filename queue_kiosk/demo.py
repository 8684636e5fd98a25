"""The demo branch, alive, without a screen: the simulated day and the plain live queue view.

`tabour demo` (`showcase.cli`) runs a simulated day: a kiosk issues tickets at random (some
elderly, pregnant or urgent), clerks at the counters call, serve and finish them. The simulated clerks are staff accounts of
their own (`sim1`, `sim2`, ...), each signed in at one counter like a person, so the README's
demo staff stay free to sign in at the other counters. Without a terminal the demo shows the
live queue view here, which refreshes when the database changes (SQLite `PRAGMA
data_version`, polled every 100 ms), so a `tabour ticket ...` typed elsewhere shows up at once.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field

from branch.clock import utc_now
from branch.db import Database
from branch.errors import DatabaseBusy, DomainError, NothingWaiting
from branch.i18n import gettext, rtl
from branch.models import Role
from branch.settings import BranchConfig
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine

SIM_CLERK = "sim{}"  # username of the simulated clerk at counter N
PRIORITY_MIX = ["normal"] * 14 + ["elderly", "elderly", "disabled", "pregnant", "urgent"]


@dataclass
class _Clerk:
    counter: int
    actor: Actor
    next_at: float = 0.0
    state: str = "away"  # away -> idle -> called -> serving


@dataclass
class Simulation:
    """A kiosk and a few counters acting on the real engine, in one background thread."""

    engine: QueueEngine
    counters: list[int]
    arrivals_per_min: float = 30.0
    service_s: tuple[float, float] = (6.0, 30.0)
    seed: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    issued: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        rng = random.Random(self.seed)
        services = [s.code for s in self.engine.config.services if s.active]
        weights = [6 if s in ("CONTRIB", "INQUIRY") else 2 for s in services]
        clerks = [_Clerk(n, Actor(SIM_CLERK.format(n), Role.clerk)) for n in self.counters]
        next_arrival = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            try:
                if now >= next_arrival:
                    svc = rng.choices(services, weights)[0]
                    self.engine.issue(svc, rng.choice(PRIORITY_MIX), rng.choice(["ar", "ar", "en"]))
                    self.issued += 1
                    next_arrival = now + rng.expovariate(self.arrivals_per_min / 60.0)
                for c in clerks:
                    if now >= c.next_at:
                        self._step_or_start_over(c, rng, now)
            except DatabaseBusy as exc:
                self.errors.append(str(exc))
            self.stop.wait(0.1)

    def _step_or_start_over(self, c: _Clerk, rng: random.Random, now: float) -> None:
        """One clerk's step; if the counter changed under the clerk (a command typed in another
        terminal finished or moved the ticket), note it and start over rather than crash."""
        try:
            self._step(c, rng, now)
        except DomainError as exc:
            self.errors.append(str(exc))
            c.state, c.next_at = "idle", now + 1.0

    def _step(self, c: _Clerk, rng: random.Random, now: float) -> None:
        eng = self.engine
        if c.state == "away":
            # one clerk, one counter: sign in (again, after a restart) or wait for the
            # person holding the counter to leave it
            try:
                eng.sign_in(c.counter, c.actor)
                c.state = "idle"
            except DomainError:
                c.next_at = now + 5.0
        elif c.state == "idle":
            try:
                current = eng.current(c.counter)
                if current is None:
                    eng.call_next(c.counter, c.actor)
                    c.state = "called"
                else:  # taken up from an earlier run
                    c.state = "serving" if current.status == "serving" else "called"
                c.next_at = now + rng.uniform(1.5, 4.0)
            except NothingWaiting:
                c.next_at = now + 1.0
            except DomainError:
                c.state, c.next_at = "away", now + 5.0  # paused or taken over: sign in again
        elif c.state == "called":
            if rng.random() < 0.05:
                eng.no_show(c.counter, c.actor)
                c.state, c.next_at = "idle", now + 1.0
            else:
                eng.start_serving(c.counter, c.actor)
                c.state, c.next_at = "serving", now + rng.uniform(*self.service_s)
        else:
            eng.finish(c.counter, rng.choice(eng.outcome_codes()), c.actor)
            c.state, c.next_at = "idle", now + rng.uniform(0.5, 2.0)


def add_sim_clerks(db: Database, counters: list[int]) -> None:
    """Staff accounts for the simulated clerks (random PINs: nobody signs in as them)."""
    from branch.models import Staff
    from branch.staff import add_staff

    with db.write() as s:
        for n in counters:
            username = SIM_CLERK.format(n)
            if s.get(Staff, username) is None:
                add_staff(
                    s, username=username, display_name=f"موظف محاكاة {n}", role="clerk",
                    pin=f"{secrets.randbelow(10**12):012d}", now=utc_now(),
                )  # fmt: skip


def live_view(
    db: Database, config: BranchConfig, lang: str, bidi: str, seconds: float | None
) -> None:
    from rich.console import Console, Group
    from rich.live import Live
    from rich.text import Text

    from queue_kiosk.overview import build
    from queue_kiosk.views import overview_renderable

    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    hint = rtl(gettext("Press Ctrl+C to stop the demo.", lang), bidi)  # type: ignore[arg-type]

    def frame() -> Group:
        with db.read() as s:
            ov = build(s, config, utc_now())
        return Group(overview_renderable(ov, lang, bidi), Text(hint, style="dim"))

    end = time.monotonic() + seconds if seconds else None
    if not console.is_terminal:
        # no terminal (CI, a pipe): print a snapshot now and then instead of redrawing
        while end is None or time.monotonic() < end:
            time.sleep(min(5.0, max(0.0, end - time.monotonic())) if end else 5.0)
            console.print(frame())
        return
    last_version, last_draw = -1, 0.0
    with Live(frame(), console=console, screen=False, auto_refresh=False) as live:
        while end is None or time.monotonic() < end:
            version = db.data_version() if db.is_sqlite else 0
            if version != last_version or time.monotonic() - last_draw > 1.0:
                live.update(frame(), refresh=True)
                last_version, last_draw = version, time.monotonic()
            time.sleep(0.1)


def sim_counters(config: BranchConfig) -> list[int]:
    """The counters the simulated clerks hold: the first five and the last (1-5 and 8 in the
    demo branch), leaving 6 and 7 for people."""
    numbers = [c.number for c in config.counters]
    return numbers[:5] + numbers[-1:]
