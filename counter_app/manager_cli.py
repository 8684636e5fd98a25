"""`tabour manager [--lang ar|en]`: the manager dashboard in a terminal."""

from __future__ import annotations

import click

from branch.cli import AppContext, pass_ctx


@click.command()
@click.option("--lang", type=click.Choice(["ar", "en"]), default=None,
              help="Language to start in (default: [ui] default_lang); Ctrl+L switches.")  # fmt: skip
@pass_ctx
def manager(app: AppContext, lang: str | None) -> None:
    """The manager dashboard: waits against targets, counters, alerts, ratings (sign in with
    a supervisor's or manager's username and PIN)."""
    from counter_app.manager_app import ManagerApp
    from counter_app.parts import CounterParts

    parts = CounterParts.build(app.settings, clock=app.clock)
    ManagerApp(parts, lang).run()
