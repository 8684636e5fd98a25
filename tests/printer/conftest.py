"""Printer test fixtures: the real renderer and interpreter, and a printer on a real pty.

`PtyPrinter` is the only double: firmware at the far end of a pseudo-terminal. It runs the
real virtual-printer interpreter on what arrives and answers `DLE EOT`/`GS r` like an
Epson with ASB off, from a scripted state (paper, cover, silent), and can be unplugged or
stop reading (a stalled printer) on cue. Everything on our side of the pty is production
code: pyserial, the worker, status decoding.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from branch.settings import BranchConfig
from printer.arabic import ArabicShaper
from printer.escpos_render import EscposRenderer
from printer.graphics_cache import GraphicsCache
from printer.profiles import PrinterProfile, load_profile
from printer.samples import demo_config
from printer.virtual import VirtualPrinter
from printer.virtual_device import reply


@pytest.fixture(scope="session")
def shaper() -> ArabicShaper:
    return ArabicShaper()


@pytest.fixture(scope="session")
def demo() -> BranchConfig:
    return demo_config()


@pytest.fixture
def profile() -> PrinterProfile:
    return load_profile("TM-T20II", 80)


@pytest.fixture
def renderer(profile: PrinterProfile, shaper: ArabicShaper) -> EscposRenderer:
    return EscposRenderer(
        profile, shaper, GraphicsCache(profile.stored_graphics, profile.graphics_capacity)
    )


class PtyPrinter:
    """A scripted printer on the master side of a pty; `path` is the serial port."""

    def __init__(self, dots: int = 576) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.printer = VirtualPrinter(dots)
        self.printer.on_request = self._answer
        self.paper = "ok"
        self.cover = "closed"
        self.online = True
        self.answers_keys = True  # False: firmware that ignores GS ( L key-list questions
        self.silent = False  # answers nothing (switched off, wrong baud rate)
        self.confirm = True  # answers GS r (set False: a printer that hangs mid-job)
        self.unplug_after: int | None = None  # close the line after this many bytes
        self.stall_after: int | None = None  # stop reading after this many bytes
        self.received = bytearray()
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"serial:{self.path}?baudrate=115200&flow=none"

    def _answer(self, command: str, n: int) -> None:
        if self.silent or (command == "GS r" and not self.confirm):
            return
        if command == "GS ( L" and not self.answers_keys:
            return
        with contextlib.suppress(OSError):
            os.write(
                self.master,
                reply(
                    self.printer, command, n, paper=self.paper, cover=self.cover, online=self.online
                ),
            )

    def _pump(self) -> None:
        while not self._closed:
            if self.stall_after is not None and len(self.received) >= self.stall_after:
                return  # stop reading: the pty buffer fills and writes block
            try:
                # poll, never block: a closed fd number may be reused by the next test's pty
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready or self._closed:
                    continue
                chunk = os.read(self.master, 4096)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            if (
                self.unplug_after is not None
                and len(self.received) + len(chunk) >= self.unplug_after
            ):
                keep = self.unplug_after - len(self.received)
                self._record(chunk[:keep])
                self.unplug()
                return
            self._record(chunk)
            self.printer.feed(chunk, final=False)

    def _record(self, chunk: bytes) -> None:
        with self._changed:
            self.received += chunk
            self._changed.notify_all()

    def wait_received(self, predicate, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: predicate(bytes(self.received)), timeout)

    def unplug(self) -> None:
        self._closed = True
        if threading.current_thread() is not self._thread:
            self._thread.join(2)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    p = PtyPrinter()
    yield p
    p.unplug()


@pytest.fixture
def printer_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home
