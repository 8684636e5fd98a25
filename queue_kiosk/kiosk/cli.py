"""`tabour kiosk`: the touch kiosk on this terminal, printing to the kiosk printer."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from branch.cli import AppContext, pass_ctx


@click.command()
@click.option(
    "--printer",
    "printer",
    default=None,
    metavar="SPEC",
    help="Printer device (e.g. virtual:DIR, serial:/dev/ttyUSB0, tcp:HOST:9100); "
    "default: [devices] kiosk_printer.",
)
@click.option(
    "--lang",
    type=click.Choice(["ar", "en"]),
    default=None,
    help="Language of the home screen (default: [ui] default_lang).",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Log file (default: kiosk.log in TABOUR_HOME).",
)
@pass_ctx
def kiosk(app: AppContext, printer: str | None, lang: str | None, log_file: Path | None) -> None:
    """Run the touch kiosk: customers take tickets, which print; stop it with a signal."""
    from printer.devices import parse_spec
    from printer.errors import PrinterError
    from queue_kiosk.kiosk.parts import KioskParts

    if printer:
        try:
            parse_spec(printer)
        except (PrinterError, ValueError) as error:
            raise click.UsageError(f"--printer {printer}: {error}") from None
    settings = app.settings
    path = log_file or settings.home / "kiosk.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=str(path),
    )
    parts = KioskParts.build(settings, clock=app.clock, db=app.migrated_db(), printer=printer)
    from queue_kiosk.kiosk.app import KioskApp

    try:
        KioskApp(parts, lang=lang, handle_signals=True).run()
    finally:
        parts.close()


__all__ = ["kiosk"]
