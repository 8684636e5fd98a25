"""Serial counter displays: the drivers, and a sender that survives unplugged cables.

A counter display is a 2×20 vacuum-fluorescent or LCD pole display on a serial line. It
shows which ticket goes to which counter (`A023 -> 4`) and nothing else: codes and digits
in Latin characters, never Arabic text (the character ROMs have no joined Arabic) and never
personal data. Arabic-Indic digits are turned into Latin ones; any other character is
dropped rather than sent as bytes the display would misread as a command.

`DisplayDriver` turns intentions into bytes for one command set (Epson ESC/POS customer
display, CD5220). `CounterDisplay` owns the connection in a thread: callers set what should
be shown and return at once; a `SerialException` (cable pulled, adapter re-enumerated) is
retried with exponential backoff, and the latest wanted content is sent on reconnect.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from branch.settings import DisplayConfig
from printer.devices import Connection, DeviceSpec, connect, parse_spec
from printer.errors import DeviceUnavailable
from printer.profiles import SerialDefaults

log = logging.getLogger(__name__)

DriverName = Literal["epson", "cd5220"]
COLUMNS, ROWS = 20, 2
_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
DISPLAY_SERIAL = SerialDefaults(baudrate=9600, flow="none")


def display_text(value: str, width: int = COLUMNS) -> str:
    """Printable ASCII only, cut to the display width."""
    value = value.translate(_ARABIC_INDIC)
    return "".join(c for c in value if " " <= c <= "~")[:width]


def call_lines(code: str, counter: int | str, caption: str = "") -> tuple[str, str]:
    """The two lines of a counter display for a call: `A023 -> 4` and a caption."""
    top = display_text(f"{code} -> {counter}")
    return top.center(COLUMNS), display_text(caption).center(COLUMNS)


class DisplayDriver(ABC):
    """Bytes for one display command set; no I/O."""

    name: str
    columns = COLUMNS
    rows = ROWS

    @abstractmethod
    def init(self) -> bytes:
        """Reset the display into overwrite mode with the cursor hidden."""

    @abstractmethod
    def clear(self) -> bytes: ...

    @abstractmethod
    def lines(self, top: str, bottom: str) -> bytes:
        """Replace both lines (each padded to the width, so old characters vanish)."""

    def call(self, code: str, counter: int | str, caption: str = "") -> bytes:
        return self.lines(*call_lines(code, counter, caption))


class EpsonDisplay(DisplayDriver):
    """Epson ESC/POS customer display commands (DM-D series and compatibles)."""

    name = "epson"

    def init(self) -> bytes:
        return b"\x1b\x40" + b"\x1f\x01" + b"\x1f\x43\x00"  # ESC @, US MD1, US C 0

    def clear(self) -> bytes:
        return b"\x0c"

    def lines(self, top: str, bottom: str) -> bytes:
        out = b""
        for row, text in ((1, top), (2, bottom)):
            out += bytes([0x1F, 0x24, 1, row]) + display_text(text).ljust(COLUMNS).encode("ascii")
        return out


class CD5220Display(DisplayDriver):
    """The CD5220 command set most unbranded pole displays speak."""

    name = "cd5220"

    def init(self) -> bytes:
        return b"\x1b\x40" + b"\x1b\x11" + b"\x1b\x5f\x00"  # ESC @, overwrite, cursor off

    def clear(self) -> bytes:
        return b"\x0c"

    def lines(self, top: str, bottom: str) -> bytes:
        return (
            b"\x1bQA"
            + display_text(top).ljust(COLUMNS).encode("ascii")
            + b"\r"
            + b"\x1bQB"
            + display_text(bottom).ljust(COLUMNS).encode("ascii")
            + b"\r"
        )


def driver(name: str) -> DisplayDriver:
    drivers: dict[str, type[DisplayDriver]] = {"epson": EpsonDisplay, "cd5220": CD5220Display}
    if name not in drivers:
        raise ValueError(f"unknown display driver {name!r} (epson or cd5220)")
    return drivers[name]()


def display_connection(
    spec: DeviceSpec | str, base_dir: Path | None = None, driver_name: str = "epson"
) -> Connection:
    """A connection for a display spec: serial (9600 8N1, no flow by default) or virtual."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.kind == "virtual":
        from printer.display_emulator import VirtualDisplayConnection

        directory = Path(spec.target).expanduser()
        if not directory.is_absolute():
            directory = (base_dir or Path.cwd()) / directory
        return VirtualDisplayConnection(spec, directory, driver_name)
    return connect(spec, serial_defaults=DISPLAY_SERIAL, write_timeout=2.0, base_dir=base_dir)


class CounterDisplay:
    """One display, fed from a thread that reconnects with backoff; callers never wait."""

    def __init__(
        self,
        drv: DisplayDriver,
        connect_fn: Callable[[], Connection],
        *,
        backoff_start: float = 0.5,
        backoff_max: float = 30.0,
        name: str = "display",
        caption: str = "",
    ) -> None:
        self.driver = drv
        self.caption = caption
        self._connect = connect_fn
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.name = name
        self._wanted: bytes | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._conn: Connection | None = None
        self.connected = threading.Event()
        self.failures = 0
        self.last_error: str | None = None
        self.sent = 0  # screens delivered, for tests and diagnostics
        self._delivered = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"tabour-{name}", daemon=True)
        self._thread.start()

    # caller side ------------------------------------------------------------------------

    def show(self, top: str, bottom: str = "") -> None:
        self._want(self.driver.lines(top, bottom))

    def show_call(self, code: str, counter: int | str, caption: str | None = None) -> None:
        self._want(self.driver.call(code, counter, self.caption if caption is None else caption))

    def clear(self) -> None:
        self._want(self.driver.clear())

    def _want(self, data: bytes) -> None:
        with self._lock:
            self._wanted = data
        self._wake.set()

    def wait_delivered(self, count: int, timeout: float) -> bool:
        """Wait until `count` screens have reached the device (tests, diagnostics)."""
        with self._delivered:
            return self._delivered.wait_for(lambda: self.sent >= count, timeout)

    def wait_for_failure(self, timeout: float, count: int = 1) -> bool:
        """Wait until `count` sends have failed (tests, diagnostics)."""
        with self._delivered:
            return self._delivered.wait_for(lambda: self.failures >= count, timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    # worker side ------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self.backoff_start
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                break
            with self._lock:
                data, self._wanted = self._wanted, None
                self._wake.clear()
            if data is None:
                continue
            try:
                if self._conn is None:
                    conn = self._connect()
                    conn.open()
                    self._conn = conn
                    conn.write(self.driver.init())
                    self.connected.set()
                self._conn.write(data)
                delay = self.backoff_start
                with self._delivered:
                    self.sent += 1
                    self._delivered.notify_all()
            except DeviceUnavailable as exc:
                self._drop(str(exc))
                with self._lock:  # keep the newest wish, or retry this one
                    if self._wanted is None:
                        self._wanted = data
                self._stop.wait(delay)
                delay = min(self.backoff_max, delay * 2)
                self._wake.set()
        self._drop(None)

    def _drop(self, error: str | None) -> None:
        if error:
            log.warning("%s: %s (retrying)", self.name, error)
            with self._delivered:
                self.failures += 1
                self.last_error = error
                self._delivered.notify_all()
        self.connected.clear()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


def counter_display(config: DisplayConfig, home: Path | None = None) -> CounterDisplay:
    """The display of a `[[devices.displays]]` entry, ready to `show_call()`."""
    spec = parse_spec(config.device)
    return CounterDisplay(
        driver(config.driver),
        lambda: display_connection(spec, home, config.driver),
        name=f"display-{config.counter}",
        caption=config.caption,
    )
