"""`tabour hall` in a real process on a pseudo-terminal, with its displays on pty emulators.

The hall draws on the pty's slave side as on a TV's terminal; a reader thread keeps every byte
it wrote, with the time each chunk arrived, so a test (or the bench) can wait for a ticket
code to reach the screen. Counter and hall displays are `PtyDisplay` emulators reached through
symlinks (unplug and replug = point the link at a new pty).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

from branch.settings import demo_config_text
from printer.display_emulator import DisplayEmulator, PtyDisplay

ROOT = Path(__file__).resolve().parents[2]
DEMO_DISPLAYS = """displays = [
  { counter = 1, device = "virtual:display-1", driver = "epson" },
  { counter = 8, device = "virtual:display-8", driver = "cd5220" },
]"""


def hall_config(counter_links: dict[int, Path], hall_link: Path | None, extra: str = "") -> str:
    """The demo branch.toml with serial displays at the given links (epson), and `[hall]`."""
    entries = ",\n".join(
        f'  {{ counter = {n}, device = "serial:{link}", driver = "epson" }}'
        for n, link in sorted(counter_links.items())
    )
    text = demo_config_text()
    assert DEMO_DISPLAYS in text, "the demo config's displays changed: update this helper"
    text = text.replace(DEMO_DISPLAYS, f"displays = [\n{entries}\n]")
    text += "\n[hall]\nhighlight_s = 5\n" + extra
    if hall_link is not None:
        text += f'display = {{ device = "serial:{hall_link}", driver = "epson" }}\n'
    return text


class Screen:
    """Everything the hall process wrote to its terminal, with arrival times."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.chunks: list[tuple[float, bytes]] = []
        self._data = bytearray()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._pump, name="hall-pty", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            with self._cond:
                if data:
                    self.chunks.append((time.time(), data))
                    self._data += data
                self._cond.notify_all()
            if not data:
                return

    def mark(self) -> int:
        with self._cond:
            return len(self._data)

    def wait_for(self, needle: bytes, since: int = 0, timeout: float = 30.0) -> float | None:
        """Wall-clock time of the chunk that completed `needle` after offset `since`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                at = self._data.find(needle, since)
                if at >= 0:
                    end, seen = at + len(needle), 0
                    for stamp, chunk in self.chunks:
                        seen += len(chunk)
                        if seen >= end:
                            return stamp
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)


class HallProcess:
    """`python -m branch hall ARGS` on a pty of `size`; stop() quits it with Ctrl+Q."""

    def __init__(self, home: Path, args: list[str], size: tuple[int, int] = (160, 45),
                 database_url: str | None = None) -> None:  # fmt: skip
        master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT),
               "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}  # fmt: skip
        env.pop("TABOUR_CONFIG", None)
        env.pop("TEXTUAL", None)
        if database_url:
            env["TABOUR_DATABASE_URL"] = database_url
        else:
            env.pop("TABOUR_DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "branch", "hall", *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=str(ROOT),
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.screen = Screen(master)

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self.master, b"\x11")  # Ctrl+Q
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.master)
        return self.proc.returncode


class LinkedDisplay:
    """A pty display behind a stable path (a symlink), like /dev/serial/by-id/…"""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.pty = PtyDisplay("epson")
        os.symlink(self.pty.slave_path, link)

    @property
    def emulator(self) -> DisplayEmulator:
        return self.pty.emulator

    def unplug(self) -> None:
        self.pty.unplug()

    def replug(self) -> None:
        """A new pty behind the same path (the adapter came back); the old one stays closed."""
        self.pty = PtyDisplay("epson")
        self.link.unlink()
        os.symlink(self.pty.slave_path, self.link)

    def close(self) -> None:
        self.pty.close()


__all__ = ["HallProcess", "LinkedDisplay", "Screen", "hall_config"]
