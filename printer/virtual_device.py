"""`virtual:DIR`: a printer that files each job's bytes and a PNG of what it printed.

It behaves like a connected printer: it keeps stored graphics between jobs (one
interpreter for the whole session), answers `DLE EOT` and `GS r` status requests from its
`paper`, `cover` and `online` attributes (settable from the spec, e.g.
`virtual:out?paper=out`, or by a test), and writes

    DIR/session.bin               every byte of the session, renderable on its own
    DIR/NNNN-setup.bin            start-up and graphics downloads between jobs
    DIR/NNNN-LABEL.bin / .png     one print job and what came out of it
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from printer.devices import Connection, DeviceSpec
from printer.errors import DeviceUnavailable
from printer.virtual import VirtualPrinter, stack_pages

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def status_reply(
    command: str, n: int, *, paper: str = "ok", cover: str = "closed", online: bool = True
) -> int:
    """The byte a printer with ASB off answers to `DLE EOT n` or `GS r 1` in a given state."""
    paper_out = paper == "out"
    near = paper in ("near_end", "out")
    cover_open = cover == "open"
    if command == "DLE EOT":
        byte = 0x12
        if n == 1 and (cover_open or paper_out or not online):
            byte |= 0x08
        elif n == 2:
            byte |= (0x04 if cover_open else 0) | (0x20 if paper_out else 0)
        elif n == 4:
            byte |= (0x0C if near else 0) | (0x60 if paper_out else 0)
        return byte
    return (0x03 if near else 0) | (0x0C if paper_out else 0)  # GS r 1


class VirtualConnection(Connection):
    can_read = True

    def __init__(
        self,
        spec: DeviceSpec,
        directory: Path,
        *,
        dots_per_line: int = 576,
        code_pages: dict[int, str] | None = None,
    ) -> None:
        super().__init__(spec)
        self.directory = directory
        self.paper = spec.params.get("paper", "ok")  # ok | near_end | out
        self.cover = spec.params.get("cover", "closed")  # closed | open
        self.online = spec.params.get("online", "yes") != "no"
        self.printer = VirtualPrinter(dots_per_line, code_pages)
        self.printer.on_request = self._answer
        self._replies = bytearray()
        self._lock = threading.Lock()
        self._seq = 0
        self._job: bytearray | None = None
        self._loose = bytearray()
        self._pages_at_start = 0
        self.is_open = False
        self.files: list[Path] = []

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot create {self.directory}: {exc.strerror}") from None
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    # status replies, as a printer with ASB off gives them ----------------------------

    def _answer(self, command: str, n: int) -> None:
        byte = status_reply(command, n, paper=self.paper, cover=self.cover, online=self.online)
        with self._lock:
            self._replies.append(byte)

    def write(self, data: bytes) -> None:
        if not self.is_open:
            raise DeviceUnavailable(f"{self.spec}: not open")
        self.printer.feed(data)
        with (self.directory / "session.bin").open("ab") as fh:
            fh.write(data)
        if self._job is not None:
            self._job += data
        elif not (len(data) == 3 and data[:2] == b"\x10\x04"):  # status polls are not setup
            self._loose += data

    def read(self, n: int, timeout: float) -> bytes:
        with self._lock:
            out = bytes(self._replies[:n])
            del self._replies[:n]
        return out

    def discard_input(self) -> None:
        with self._lock:
            self._replies.clear()

    # files per job ----------------------------------------------------------------------

    def _file(self, label: str, suffix: str) -> Path:
        return self.directory / f"{self._seq:04d}-{_SAFE.sub('_', label)[:40]}{suffix}"

    def begin_job(self, label: str) -> None:
        if self._loose:
            self._seq += 1
            path = self._file("setup", ".bin")
            path.write_bytes(bytes(self._loose))
            self.files.append(path)
            self._loose.clear()
        self._seq += 1
        self._job = bytearray()
        self._pages_at_start = len(self.printer.pages)

    def end_job(self, label: str, printed: bool) -> None:
        if self._job is None:
            return
        bin_path = self._file(label, ".bin")
        bin_path.write_bytes(bytes(self._job))
        self.files.append(bin_path)
        self.printer.tear_off()
        pages = self.printer.pages[self._pages_at_start :]
        if pages:
            png = self._file(label, ".png")
            stack_pages(pages).save(png)
            self.files.append(png)
        self._job = None

    def last_png(self) -> Path | None:
        return next((p for p in reversed(self.files) if p.suffix == ".png"), None)
