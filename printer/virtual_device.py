"""`virtual:DIR`: a printer that files each job's bytes and a PNG of what it printed.

It behaves like a printer on a cable. The printer itself (`VirtualDevice`, one per
directory in a process) outlives connections, as a real one outlives its cable: RAM
graphics stay until it is power-cycled, NV graphics are kept in `DIR/nv-memory.bin` so they
survive a restart of Tabour too, and job numbers continue from the files already in `DIR`
(a second `tabour printer test` never overwrites the first). It answers `DLE EOT`, `GS r`
and the graphics key-code lists from its state, and its faults can be set from the spec
(`virtual:DIR?fault=paper_out`) or by a test (`device.set_fault("offline")`):

    paper_out, near_end, cover_open, offline   states, until cleared
    power_cycle                                 the printer restarts after every job
                                                (RAM graphics lost, line still open)

Files:

    DIR/session.bin               every byte sent, renderable on its own (appended)
    DIR/NNNN-setup.bin            start-up and graphics downloads between jobs
    DIR/NNNN-LABEL.bin / .png     one print job and what came out of it
    DIR/nv-memory-SERIAL.bin      what the printer's NV memory holds (`?serial=` names it)
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from printer import commands as cmd
from printer.devices import VIRTUAL_FAULTS, Connection, DeviceSpec
from printer.errors import DeviceUnavailable
from printer.profiles import PrinterProfile
from printer.virtual import VirtualPrinter, stack_pages

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_NUMBERED = re.compile(r"^(\d{4,})-")
FAULTS = VIRTUAL_FAULTS
_QUERIES = {
    b"".join(cmd.realtime_status(n) for n in (1, 2, 3, 4)),
    *(cmd.realtime_status(n) for n in (1, 2, 3, 4)),
    cmd.query_graphics_keys(False),
    cmd.query_graphics_keys(True),
    cmd.transmit_printer_id(cmd.SERIAL_NUMBER),
}


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


def key_list_reply(printer: VirtualPrinter, fn: int) -> bytes:
    """Header 37h, identifier 73h (download) / 72h (NV), status 40h, key codes, NUL."""
    nv = fn == 64
    keys = printer.graphics_keys(nv)
    return bytes([0x37, 0x72 if nv else 0x73, 0x40]) + b"".join(keys) + b"\x00"


def reply(
    printer: VirtualPrinter,
    command: str,
    n: int,
    *,
    paper: str = "ok",
    cover: str = "closed",
    online: bool = True,
    serial: str = "",
) -> bytes:
    """What a printer in this state sends back for a request the interpreter reported."""
    if command == "GS ( L":
        return key_list_reply(printer, n)
    if command == "GS I":
        return b"_" + serial.encode("ascii") + b"\x00" if n == 68 and serial else b""
    return bytes([status_reply(command, n, paper=paper, cover=cover, online=online)])


def _faults(spec: DeviceSpec) -> set[str]:
    return {f.strip() for f in spec.params.get("fault", "").split(",") if f.strip()}


class VirtualDevice:
    """The virtual printer itself: interpreter, paper, cover, faults, numbered job files."""

    def __init__(
        self,
        spec: DeviceSpec,
        directory: Path,
        *,
        dots_per_line: int = 576,
        code_pages: dict[int, str] | None = None,
        profile: PrinterProfile | None = None,
    ) -> None:
        self.spec = spec
        self.directory = directory
        self.paper = spec.params.get("paper", "ok")  # ok | near_end | out
        self.cover = spec.params.get("cover", "closed")  # closed | open
        self.online = spec.params.get("online", "yes") != "no"
        self.power_cycle_after_job = False
        self.power_cycles = 0
        self.serial = spec.params.get("serial", "VIRTUAL-1")  # what `GS I 68` answers
        for fault in _faults(spec):
            self.set_fault(fault)
        self.printer = VirtualPrinter(dots_per_line, code_pages, profile=profile)
        self.lock = threading.RLock()
        self._nv_loaded = ""
        self._last_number: int | None = None
        self.files: list[Path] = []

    # faults -------------------------------------------------------------------------------

    def set_fault(self, fault: str) -> None:
        """Put the printer in a fault state (see `FAULTS`) until `clear_faults()`."""
        if fault == "paper_out":
            self.paper = "out"
        elif fault == "near_end":
            self.paper = "near_end"
        elif fault == "cover_open":
            self.cover = "open"
        elif fault == "offline":
            self.online = False
        elif fault == "power_cycle":
            self.power_cycle_after_job = True
        else:
            raise ValueError(f"unknown fault {fault!r} (faults: {', '.join(FAULTS)})")

    def clear_faults(self) -> None:
        self.paper, self.cover, self.online = "ok", "closed", True
        self.power_cycle_after_job = False

    def power_cycle(self) -> None:
        """Switch the printer off and on with the line left open: RAM graphics are lost."""
        with self.lock:
            self.printer.power_cycle()
            self.power_cycles += 1

    # files --------------------------------------------------------------------------------

    @property
    def nv_file(self) -> Path:
        """NV memory belongs to the printer, not the directory: one file per serial."""
        return self.directory / f"nv-memory-{_SAFE.sub('_', self.serial)}.bin"

    def ensure_directory(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot create {self.directory}: {exc.strerror}") from None
        if self._nv_loaded != self.serial:  # switched on: its NV memory is what it was
            if self._nv_loaded:  # another printer on the same line: nothing of the old one
                self.printer.power_cycle()
            self._nv_loaded = self.serial
            self.printer.graphics = {k: v for k, v in self.printer.graphics.items() if k[0] != "nv"}
            self.printer.nv_images = {}
            if self.nv_file.exists():
                writes = self.printer.nv_writes  # reading memory back is not writing it
                self.printer.feed(self.nv_file.read_bytes())
                self.printer.nv_writes = writes

    def next_number(self) -> int:
        """The next job file number: one past the highest already in the directory (read
        once per process), so numbering survives restarts and never overwrites a job."""
        with self.lock:
            if self._last_number is None:
                found = (
                    int(m.group(1))
                    for p in self.directory.iterdir()
                    if (m := _NUMBERED.match(p.name))
                )
                self._last_number = max(found, default=0)
            self._last_number += 1
            return self._last_number

    def save_nv(self) -> None:
        tmp = self.nv_file.with_suffix(".tmp")
        tmp.write_bytes(self.printer.nv_memory())
        tmp.replace(self.nv_file)

    def last_png(self) -> Path | None:
        return next((p for p in reversed(self.files) if p.suffix == ".png"), None)


_devices: dict[Path, VirtualDevice] = {}
_devices_lock = threading.Lock()


def virtual_device(spec: DeviceSpec, directory: Path, **printer: object) -> VirtualDevice:
    """The one virtual printer behind `directory` in this process (created on first use)."""
    key = directory.resolve()
    with _devices_lock:
        found = _devices.get(key)
        if found is None:
            found = _devices[key] = VirtualDevice(spec, directory, **printer)  # type: ignore[arg-type]
        return found


def forget_devices() -> None:
    """Drop every virtual printer of this process (a test's stand-in for a restart)."""
    with _devices_lock:
        _devices.clear()


class VirtualConnection(Connection):
    can_read = True

    def __init__(
        self,
        spec: DeviceSpec,
        directory: Path,
        *,
        dots_per_line: int = 576,
        code_pages: dict[int, str] | None = None,
        profile: PrinterProfile | None = None,
    ) -> None:
        super().__init__(spec)
        self.directory = directory
        self.device = virtual_device(
            spec, directory, dots_per_line=dots_per_line, code_pages=code_pages, profile=profile
        )
        self._replies = bytearray()
        self._rlock = threading.Lock()
        self._seq = 0
        self._job: bytearray | None = None
        self._label = ""
        self._loose = bytearray()
        self._pages_at_start = 0
        self.is_open = False

    # state of the printer behind the connection (kept for older callers and tests)
    @property
    def printer(self) -> VirtualPrinter:
        return self.device.printer

    @property
    def files(self) -> list[Path]:
        return self.device.files

    def open(self) -> None:
        self.device.ensure_directory()
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    # status replies, as a printer with ASB off gives them ----------------------------

    def _answer(self, command: str, n: int) -> None:
        d = self.device
        data = reply(
            d.printer, command, n, paper=d.paper, cover=d.cover, online=d.online, serial=d.serial
        )
        with self._rlock:
            self._replies += data

    def write(self, data: bytes) -> None:
        if not self.is_open:
            raise DeviceUnavailable(f"{self.spec}: not open")
        d = self.device
        with d.lock:
            d.printer.on_request = self._answer
            nv_before = d.printer.nv_writes
            d.printer.feed(data)
            if d.printer.nv_writes != nv_before:
                d.save_nv()
        with (self.directory / "session.bin").open("ab") as fh:
            fh.write(data)
        if self._job is not None:
            self._job += data
        elif bytes(data) not in _QUERIES:  # status and key-list questions are not setup
            self._loose += data

    def read(self, n: int, timeout: float) -> bytes:
        with self._rlock:
            out = bytes(self._replies[:n])
            del self._replies[:n]
        return out

    def discard_input(self) -> None:
        with self._rlock:
            self._replies.clear()

    # files per job ----------------------------------------------------------------------

    def _file(self, label: str, suffix: str) -> Path:
        return self.directory / f"{self._seq:04d}-{_SAFE.sub('_', label)[:40]}{suffix}"

    def begin_job(self, label: str) -> None:
        if self._loose:
            self._seq = self.device.next_number()
            path = self._file("setup", ".bin")
            path.write_bytes(bytes(self._loose))
            self.files.append(path)
            self._loose.clear()
        self._seq = self.device.next_number()
        # claim the number now, so a job that never ends still leaves its mark
        self._file(label, ".bin").touch()
        self._job = bytearray()
        self._label = label
        self._pages_at_start = len(self.printer.pages)

    def end_job(self, label: str, printed: bool) -> Path | None:
        if self._job is None:
            return None
        bin_path = self._file(label, ".bin")
        bin_path.write_bytes(bytes(self._job))
        self.files.append(bin_path)
        png: Path | None = None
        with self.device.lock:
            self.printer.tear_off()
            pages = self.printer.pages[self._pages_at_start :]
            if pages:
                png = self._file(label, ".png")
                stack_pages(pages).save(png)
                self.files.append(png)
            if self.device.power_cycle_after_job:
                self.device.power_cycle()
        self._job = None
        return png

    def last_png(self) -> Path | None:
        return self.device.last_png()
