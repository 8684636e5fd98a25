"""`tabour counter`: with no subcommand, the counter screen; the subcommands (open, close,
pause, resume, sign-in, sign-out, services) are the queue's, unchanged."""

from __future__ import annotations

import click

from branch.cli import AppContext
from branch.errors import NotFound
from queue_kiosk.cli import counter as queue_counter


@click.group("counter", invoke_without_command=True)
@click.option(
    "--counter",
    "counter_no",
    type=int,
    default=None,
    help="Sign in at this counter only (else choose one after the PIN).",
)
@click.option("--lang", type=click.Choice(["ar", "en"]), default=None,
              help="Start in this language (else [ui] default_lang; a staff member's own "
                   "language once signed in).")  # fmt: skip
@click.pass_context
def counter(ctx: click.Context, counter_no: int | None, lang: str | None) -> None:
    """The counter screen; or open, pause, resume, close, sign in/out, services."""
    if ctx.invoked_subcommand is not None:
        return
    app_ctx = ctx.ensure_object(AppContext)
    settings = app_ctx.settings
    if counter_no is not None and counter_no not in {c.number for c in settings.config.counters}:
        known = ", ".join(str(c.number) for c in settings.config.counters)
        raise NotFound(f"unknown counter {counter_no}; this branch has counters {known}")
    from counter_app.app import CounterApp
    from counter_app.parts import CounterParts

    parts = CounterParts.build(settings, counter=counter_no, clock=app_ctx.clock)
    try:
        CounterApp(parts, lang=lang).run()
    finally:  # the screen is gone: close the central link's connections and the printer
        from counter_app.central_session import close_central_session
        from counter_app.payment_flow import close_receipt_printer

        close_central_session(parts)
        close_receipt_printer(parts)


for _name, _cmd in sorted(queue_counter.commands.items()):
    counter.add_command(_cmd, _name)


__all__ = ["counter"]
