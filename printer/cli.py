"""`tabour printer …` and `tabour display …`.

Printer commands work without a branch.toml: they use the branch's config when there is
one and the demo branch otherwise, so an installer can test a printer before anything else
is set up. Failures are `TabourError`s: one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from branch.cli import AppContext, emit, pass_ctx
from branch.errors import NotFound
from branch.settings import BranchConfig, PrinterConfig, config_path, tabour_home
from printer.errors import PrinterError


class PrintFailed(PrinterError):
    exit_code = 8


def _branch_config(app: AppContext) -> BranchConfig:
    """The branch's config if it has one (errors in it are reported), else the demo's."""
    if config_path(app.env).exists():
        return app.settings.config
    from printer.samples import demo_config

    return demo_config()


def _home(app: AppContext) -> Path:
    return tabour_home(app.env)


def _printer_config(
    config: BranchConfig, device: str | None, profile: str | None, paper: int | None
) -> PrinterConfig:
    base = config.devices.kiosk_printer
    changes: dict[str, object] = {}
    if device:
        changes["device"] = device
    if profile:
        changes["profile"] = profile
    if paper:
        changes["paper_mm"] = paper
    return base.model_copy(update=changes)


@click.group()
def printer() -> None:
    """Ticket printers: test prints, previews of printer bytes, the byte budget."""


@printer.command("test")
@click.option("--device", help="Device spec (default: the kiosk printer in branch.toml).")
@click.option("--lang", type=click.Choice(["ar", "en"]), default="ar", show_default=True)
@click.option("--profile", help="Printer profile, e.g. TM-T20II (`tabour printer profiles`).")
@click.option("--paper", type=click.Choice(["58", "80"]), help="Paper width in mm.")
@click.option("--service", "service_code", help="Service code for the sample ticket.")
@click.option("--timeout", type=float, default=60.0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def printer_test(
    app: AppContext,
    device: str | None,
    lang: str,
    profile: str | None,
    paper: str | None,
    service_code: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Print a sample ticket and report whether the printer confirmed it."""
    from printer.samples import sample_ticket
    from printer.service import TicketPrinter

    config = _branch_config(app)
    pcfg = _printer_config(config, device, profile, int(paper) if paper else None)
    try:
        ticket = sample_ticket(config, "en" if lang == "en" else "ar", service_code=service_code)
    except KeyError:
        raise NotFound(f"unknown service {service_code!r}") from None
    started = time.monotonic()
    tp = TicketPrinter(pcfg, config, home=_home(app), name="test")
    try:
        job = tp.print_ticket(ticket)
        try:
            job.wait(timeout)
        except TimeoutError:
            raise PrintFailed(f"no outcome after {timeout:g} s (printer stalled?)") from None
    finally:
        tp.close(timeout=5)
    if job.state != "printed":
        raise PrintFailed(f"print failed on {pcfg.device}: {job.reason}")
    out = job.as_dict() | {
        "device": pcfg.device,
        "profile": tp.profile.name,
        "seconds": round(time.monotonic() - started, 2),
        "startup_bytes": tp.worker.startup_bytes,
    }
    if job.preview is not None:
        out["png"] = str(job.preview)
    emit(
        out,
        as_json,
        lambda o: (
            f"printed {o['label']} on {o['device']} ({o['bytes_sent']} bytes, "
            f"{o['seconds']} s)"
            + (f"; preview {o['png']}" if o.get("png") else "")
            + (f"; warning: {o['warning']}" if o.get("warning") else "")
        ),
    )


@printer.command("render")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--png", "png", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dots", type=int, default=576, show_default=True, help="Dots per line.")
@click.option("--profile", help="Render as this model: its width, and only its commands.")
@click.option("--json", "as_json", is_flag=True)
def printer_render(
    files: tuple[Path, ...], png: Path, dots: int, profile: str | None, as_json: bool
) -> None:
    """Run ESC/POS bytes through the virtual printer and save what it printed.

    Several files are fed in order to one printer, so a job that prints stored graphics
    can be rendered after the start-up bytes that defined them (or use session.bin).
    With --profile, a command the model lacks is refused, as the model would misprint it.
    """
    from printer.profiles import load_profile
    from printer.virtual import VirtualPrinter

    model = load_profile(profile) if profile else None
    vp = VirtualPrinter(dots, profile=model)
    total = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PrinterError(f"cannot read {path}: {exc.strerror}") from None
        total += len(data)
        try:
            vp.feed(data)
        except PrinterError as exc:
            raise PrinterError(f"{path}: {exc}") from None
    image = vp.preview()
    try:
        png.parent.mkdir(parents=True, exist_ok=True)
        image.save(png)
    except OSError as exc:
        raise PrinterError(f"cannot write {png}: {exc.strerror or exc}") from None
    emit(
        {
            "png": str(png),
            "bytes": total,
            "pages": len(vp.page_images()),
            "cuts": vp.cuts,
            "width": image.width,
            "height": image.height,
        },
        as_json,
        lambda o: f"{o['png']}: {o['pages']} page(s) from {o['bytes']} bytes",
    )


@printer.command("bench")
@click.option("--profile", help="Printer profile (default: the kiosk printer's).")
@click.option("--paper", type=click.Choice(["58", "80"]))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def printer_bench(app: AppContext, profile: str | None, paper: str | None, as_json: bool) -> None:
    """Bytes and wire time of the sample ticket: first, steady, and as one bitmap."""
    from printer.bench import measure, report

    config = _branch_config(app)
    pcfg = _printer_config(config, None, profile, int(paper) if paper else None)
    emit(measure(config, pcfg), as_json, report)


@printer.command("status")
@click.option("--device", help="Device spec (default: the kiosk printer in branch.toml).")
@click.option("--timeout", type=float, default=1.0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def printer_status(app: AppContext, device: str | None, timeout: float, as_json: bool) -> None:
    """Ask the printer for its status (DLE EOT): online, cover, paper."""
    from printer.devices import connect
    from printer.status import query_status

    config = _branch_config(app)
    pcfg = _printer_config(config, device, None, None)
    from printer.profiles import profile_for

    conn = connect(pcfg.device, serial_defaults=profile_for(pcfg).serial, base_dir=_home(app))
    conn.open()
    try:
        if not conn.can_read:
            raise PrinterError(f"{pcfg.device}: this kind of device cannot report status")
        status = query_status(conn, timeout)
    finally:
        conn.close()
    emit(
        {"device": pcfg.device, **status.as_dict()},
        as_json,
        lambda o: f"{o['device']}: {o['problem'] or 'ready'} (paper {o['paper']})",
    )


@printer.command("profiles")
@click.option("--json", "as_json", is_flag=True)
def printer_profiles(as_json: bool) -> None:
    """List the printer profiles Tabour knows (python-escpos's database)."""
    from printer.profiles import known_profiles

    names = known_profiles()
    emit({"profiles": names}, as_json, lambda o: "\n".join(o["profiles"]))


@click.group()
def display() -> None:
    """Serial counter displays: test a display, or emulate one on a pty."""


@display.command("test")
@click.option("--device", required=True, help="serial:/dev/ttyUSB0?baudrate=9600 or virtual:DIR")
@click.option(
    "--driver",
    "driver_name",
    type=click.Choice(["epson", "cd5220"]),
    default="epson",
    show_default=True,
)
@click.option("--code", default="A023", show_default=True)
@click.option("--counter", default="4", show_default=True)
@click.option(
    "--pause",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds the test pattern stays before the call replaces it.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def display_test(
    app: AppContext,
    device: str,
    driver_name: str,
    code: str,
    counter: str,
    pause: float,
    as_json: bool,
) -> None:
    """Show a test pattern, then a call (`A023 -> 4`), on a display."""
    from printer.displays import call_lines, display_connection, driver

    drv = driver(driver_name)
    conn = display_connection(device, _home(app), driver_name)
    conn.open()
    try:
        conn.write(
            drv.init() + drv.clear() + drv.lines("TABOUR DISPLAY TEST", "0123456789 ABCDEFGHIJ")
        )
        time.sleep(pause)  # let a person see the pattern before the call replaces it
        top, bottom = call_lines(code, counter, "COUNTER " + counter)
        conn.write(drv.lines(top, bottom))
    finally:
        conn.close()
    emit(
        {"device": device, "driver": driver_name, "lines": [top, bottom]},
        as_json,
        lambda o: f"{o['device']} ({o['driver']}):\n|{o['lines'][0]}|\n|{o['lines'][1]}|",
    )


@display.command("emulate")
@click.option(
    "--driver",
    "driver_name",
    type=click.Choice(["epson", "cd5220"]),
    default="epson",
    show_default=True,
)
@click.option("--seconds", type=float, default=0, help="Stop after this long (0: until Ctrl-C).")
def display_emulate(driver_name: str, seconds: float) -> None:
    """Emulate a 2x20 display on a pty and draw it here; prints the port to use."""
    from printer.display_emulator import PtyDisplay

    pty = PtyDisplay(driver_name)
    click.echo(f"display on serial:{pty.slave_path}?baudrate=9600  (driver {driver_name})")
    deadline = time.monotonic() + seconds if seconds else None
    last = None
    try:
        while deadline is None or time.monotonic() < deadline:
            pty.emulator.wait_for(lambda e, seen=last: e.text != seen, 0.5)
            if pty.emulator.text != last:
                last = pty.emulator.text
                click.echo("+" + "-" * 20 + "+")
                for line in pty.emulator.lines:
                    click.echo(f"|{line}|")
                click.echo("+" + "-" * 20 + "+")
    except KeyboardInterrupt:
        pass
    finally:
        pty.close()
