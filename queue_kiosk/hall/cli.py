"""`tabour hall`: the now-serving board, the serial displays and the chime."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

import click

from branch.cli import AppContext, pass_ctx


def _log_to(path: Path | None) -> None:
    """A screen cannot share its terminal with log lines: the board logs to a file."""
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    if path is None:
        logging.basicConfig(level=logging.INFO, format=fmt)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format=fmt, filename=str(path))


@click.command()
@click.option(
    "--lang",
    type=click.Choice(["ar", "en"]),
    default=None,
    help="One language only (overrides [hall] languages).",
)
@click.option(
    "--languages",
    "mode",
    default=None,
    type=click.Choice(["alternate", "side_by_side", "ar", "en"]),
    help="Language mode (default: [hall] languages).",
)
@click.option(
    "--headless", is_flag=True, help="No screen: drive the serial displays and the chime only."
)
@click.option("--no-displays", is_flag=True, help="Leave the serial displays alone.")
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Log file (default: hall.log in TABOUR_HOME; stderr when headless).",
)
@pass_ctx
def hall(
    app: AppContext,
    lang: str | None,
    mode: str | None,
    headless: bool,
    no_displays: bool,
    log_file: Path | None,
) -> None:
    """Show the now-serving board: the last calls, waiting counts, a clock."""
    from queue_kiosk.hall.parts import HallParts

    settings = app.settings
    wanted = lang or mode
    if wanted:
        config = settings.config.model_copy(
            update={"hall": settings.config.hall.model_copy(update={"languages": wanted})}
        )
        settings = settings.model_copy(update={"config": config})
    db = app.migrated_db()
    if headless:
        _log_to(log_file)
        parts = HallParts.build(settings, clock=app.clock, devices=not no_displays, db=db)
        _headless(parts)
        return
    _log_to(log_file or settings.home / "hall.log")
    parts = HallParts.build(settings, clock=app.clock, devices=not no_displays, db=db)
    from queue_kiosk.hall.app import HallApp

    try:
        HallApp(parts).run()
    finally:
        parts.close()


def _headless(parts: Any) -> None:
    from queue_kiosk.hall.headless import run_headless

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        run_headless(parts, stop)
    finally:
        parts.close()


__all__ = ["hall"]
