"""A 2×20 customer display in software: for tests, the demo and installers without hardware.

`DisplayEmulator` interprets the Epson and CD5220 command subsets the drivers send into a
character grid. `PtyDisplay` puts one behind a pseudo-terminal, so the real serial code
(pyserial, timeouts, disconnects) is exercised end to end: point a display's device spec at
the printed slave path. `virtual:DIR` displays feed an emulator in-process and keep the grid
in `DIR/display.txt`.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable
from pathlib import Path

from printer.devices import Connection, DeviceSpec
from printer.displays import COLUMNS, ROWS
from printer.errors import DeviceUnavailable


class DisplayEmulator:
    def __init__(self, driver: str = "epson", columns: int = COLUMNS, rows: int = ROWS) -> None:
        if driver not in ("epson", "cd5220"):
            raise ValueError(f"unknown display driver {driver!r}")
        self.driver = driver
        self.columns, self.rows = columns, rows
        self.grid = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self.cursor_visible = True
        self.unknown: list[bytes] = []  # bytes the emulator did not understand
        self._pending = b""
        self._changed = threading.Condition()

    @property
    def lines(self) -> list[str]:
        return ["".join(row) for row in self.grid]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, predicate: Callable[[DisplayEmulator], bool], timeout: float) -> bool:
        """Block until `predicate(self)` holds (checked on every change) or time runs out."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def wait_for_line(self, row: int, expected: str, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda e: e.lines[row].strip() == expected.strip(), timeout)

    def _clear(self) -> None:
        self.grid = [[" "] * self.columns for _ in range(self.rows)]
        self.x = self.y = 0

    def _put(self, ch: str) -> None:
        if self.x >= self.columns:
            self.x, self.y = 0, (self.y + 1) % self.rows
        self.grid[self.y][self.x] = ch
        self.x += 1

    def feed(self, data: bytes) -> None:
        with self._changed:
            buf = self._pending + data
            i = 0
            while i < len(buf):
                used = self._step(buf, i)
                if used == 0:  # incomplete command: wait for more bytes
                    break
                i += used
            self._pending = buf[i:]
            self._changed.notify_all()

    def _step(self, b: bytes, i: int) -> int:
        c = b[i]
        rest = len(b) - i
        if c == 0x0C:
            self._clear()
            return 1
        if c == 0x0D:
            self.x = 0
            return 1
        if c == 0x0A:
            self.y = (self.y + 1) % self.rows
            return 1
        if c == 0x08:
            self.x = max(0, self.x - 1)
            return 1
        if c == 0x1B:
            if rest < 2:
                return 0
            op = b[i + 1]
            if op == 0x40:
                self._clear()
                self.cursor_visible = True
                return 2
            if self.driver == "cd5220":
                return self._cd5220(b, i, op, rest)
            self.unknown.append(b[i : i + 2])
            return 2
        if c == 0x1F and self.driver == "epson":
            return self._epson_us(b, i, rest)
        if 0x20 <= c <= 0x7E:
            self._put(chr(c))
            return 1
        self.unknown.append(bytes([c]))
        return 1

    def _epson_us(self, b: bytes, i: int, rest: int) -> int:
        if rest < 2:
            return 0
        op = b[i + 1]
        if op in (0x01, 0x02, 0x03):  # US MD1/MD2/MD3 display modes
            return 2
        if op == 0x24:  # US $ x y (1-based)
            if rest < 4:
                return 0
            self.x = max(0, min(self.columns - 1, b[i + 2] - 1))
            self.y = max(0, min(self.rows - 1, b[i + 3] - 1))
            return 4
        if op in (0x43, 0x58):  # US C n cursor, US X n brightness
            if rest < 3:
                return 0
            if op == 0x43:
                self.cursor_visible = bool(b[i + 2])
            return 3
        self.unknown.append(b[i : i + 2])
        return 2

    def _cd5220(self, b: bytes, i: int, op: int, rest: int) -> int:
        if op in (0x11, 0x12, 0x13):  # overwrite / vertical / horizontal scroll
            return 2
        if op == 0x5F:  # ESC _ n cursor
            if rest < 3:
                return 0
            self.cursor_visible = bool(b[i + 2])
            return 3
        if op == 0x6C:  # ESC l x y (1-based)
            if rest < 4:
                return 0
            self.x = max(0, min(self.columns - 1, b[i + 2] - 1))
            self.y = max(0, min(self.rows - 1, b[i + 3] - 1))
            return 4
        if op == 0x51:  # ESC Q A|B text CR: set the upper or lower line
            if rest < 3:
                return 0
            end = b.find(b"\r", i + 3)
            if end < 0:
                return 0
            row = {0x41: 0, 0x42: 1}.get(b[i + 2])
            text = b[i + 3 : end].decode("ascii", "replace")[: self.columns]
            if row is not None:
                self.grid[row] = list(text.ljust(self.columns))
            return end + 1 - i
        self.unknown.append(b[i : i + 2])
        return 2


class PtyDisplay:
    """An emulator reading the master side of a pty; the slave path acts as the serial port."""

    def __init__(self, driver: str = "epson") -> None:
        self.emulator = DisplayEmulator(driver)
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        self._slave = slave  # kept open so the pty survives until the driver opens it
        self._closed = False
        self._thread = threading.Thread(target=self._pump, name="display-pty", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._closed:
            try:
                # poll rather than block: once closed, this fd number may belong to a new pty
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready or self._closed:
                    continue
                data = os.read(self.master, 256)
            except (OSError, ValueError):
                return
            if not data:
                return
            self.emulator.feed(data)

    def unplug(self) -> None:
        """Close the master side: the driver's next write fails as on a pulled cable."""
        self._closed = True
        if threading.current_thread() is not self._thread:
            self._thread.join(2)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    close = unplug


class VirtualDisplayConnection(Connection):
    """`virtual:DIR` for displays: an in-process emulator, mirrored to `DIR/display.txt`."""

    def __init__(self, spec: DeviceSpec, directory: Path, driver: str = "epson") -> None:
        super().__init__(spec)
        self.directory = directory
        self.emulator = DisplayEmulator(driver)
        self._open = False

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot create {self.directory}: {exc.strerror}") from None
        self._open = True

    def write(self, data: bytes) -> None:
        if not self._open:
            raise DeviceUnavailable(f"{self.spec}: not open")
        self.emulator.feed(data)
        (self.directory / "display.txt").write_text(self.emulator.text + "\n", encoding="ascii")

    def close(self) -> None:
        self._open = False
