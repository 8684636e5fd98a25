"""`tabour demo` (what `python3 dev.py run` starts): the whole branch, set up and running.

1. The demo branch in `TABOUR_HOME` (`tabour init --demo`: config, database, demo staff;
   again over the same home continues the same day).
2. The sandbox central server and the outbox relay, as child processes (`showcase.services`).
3. A simulated day (`--no-sim` to switch it off): walk-ins at the kiosk and simulated clerks
   at counters 1-5 and 8 (`queue_kiosk.demo`).
4. With a terminal: one Textual app hosting the kiosk, counter 6 (sara signed in), the hall
   board and the manager dashboard (huda), plus what the virtual printers printed.
   Without one (a pipe, CI): the plain live queue view.

Ctrl+C or Ctrl+Q stops everything it started; `--seconds S` stops after S seconds. The
tickets and receipts printed are listed at the end with their PNG files.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

import click

from branch.cli import AppContext, init, pass_ctx
from queue_kiosk.demo import Simulation, add_sim_clerks, live_view, sim_counters
from queue_kiosk.engine import QueueEngine
from showcase.parts import demo_settings
from showcase.services import PrintedList, Services


def _finite(seconds: float | None) -> float | None:
    if seconds is not None and not math.isfinite(seconds):
        raise click.BadParameter(f"{seconds} is not a number of seconds", param_hint="'--seconds'")
    return seconds


def interactive() -> bool:
    """A person at a terminal: both ends of the demo are one."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _on_sigterm(stop: Callable[[], None]) -> None:
    """SIGTERM stops the demo as Ctrl+C does: cleaning up what it started."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)


def _interrupt() -> None:
    raise KeyboardInterrupt


@click.command("demo")
@click.option("--lang", type=click.Choice(["ar", "en"]), default=None, help="Screen language.")
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    callback=lambda _ctx, _param, v: _finite(v),
    help="Stop after this many seconds.",
)
@click.option("--no-sim", is_flag=True, help="No simulated customers and clerks.")
@click.option("--seed", type=int, default=None, help="Seed for the simulated day.")
@click.option("--headless", is_flag=True, help="The plain live queue view, even at a terminal.")
@click.option(
    "--tab",
    type=click.Choice(["kiosk", "counter", "hall", "manager", "printed"]),
    default="counter",
    show_default=True,
    help="The tab to start on.",
)
@pass_ctx
def demo(
    app: AppContext,
    lang: str | None,
    seconds: float | None,
    no_sim: bool,
    seed: int | None,
    headless: bool,
    tab: str,
) -> None:
    """The whole branch in one terminal: kiosk, counter, hall board, manager dashboard."""
    click.get_current_context().invoke(init, demo=True, as_json=False)
    settings = app.settings
    config = settings.config
    db = app.migrated_db()
    services = Services(settings.home, dict(os.environ), seed=seed if seed is not None else 7)
    sim: Simulation | None = None
    runner: threading.Thread | None = None
    devices = demo_settings(settings).config.devices
    printed = PrintedList(
        settings.home,
        {"kiosk": devices.kiosk_printer.device}
        | {n: p.device for n, p in devices.counter_printers.items()},
    )
    try:
        if not interactive():
            _on_sigterm(_interrupt)
        services.start()
        os.environ["TABOUR_CENTRAL_URL"] = services.central_url  # the hosted counter's link
        if not no_sim:
            engine = QueueEngine(db, config, app.clock)
            counters = sim_counters(config)
            add_sim_clerks(db, counters)
            sim = Simulation(engine, counters, seed=seed)
            runner = threading.Thread(target=sim.run, name="tabour-demo-sim", daemon=True)
            runner.start()
        if interactive() and not headless:
            _run_app(app, lang, seconds, tab, printed, services, sim)
        else:
            for note in services.problems:
                click.echo(f"note: {note}", err=True)
            live_view(db, config, lang or config.ui.default_lang, config.ui.bidi, seconds)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if sim is not None and runner is not None:
            sim.stop.set()
            runner.join(timeout=10)  # let its last transaction end before the process does
        services.stop()
    if sim is not None:
        click.echo(f"demo stopped: {sim.issued} tickets issued by the simulated kiosk")
    else:
        click.echo("demo stopped")
    jobs = printed.new()
    if jobs:
        click.echo("printed:")
        for job in jobs:
            click.echo(f"  {job.printer_title():<22} {job.label:<16} {job.path}")


def _run_app(
    app: AppContext,
    lang: str | None,
    seconds: float | None,
    tab: str,
    printed: PrintedList,
    services: Services,
    sim: Simulation | None,
) -> None:
    from showcase.app import ShowcaseApp
    from showcase.parts import ShowcaseParts

    parts = ShowcaseParts.build(app.settings, clock=app.clock)
    parts.sign_in_clerk()

    def status() -> list[str]:
        alive = {c.name: c.running for c in services.children}
        lines = [
            f"central: {services.central_url} ({'running' if alive.get('sandbox') else 'stopped'})",
            f"relay: {'running' if alive.get('relay') else 'stopped'}",
            f"home: {app.settings.home}",
        ]
        if sim is not None:
            lines.append(f"simulated tickets: {sim.issued}")
        return lines + [f"note: {n}" for n in (*services.problems, *parts.notes)]

    showcase = ShowcaseApp(
        parts, lang=lang, start=tab, seconds=seconds, printed=printed, status=status
    )
    _on_sigterm(lambda: showcase.call_later(showcase.exit))
    try:
        showcase.run()
    finally:
        parts.close()
