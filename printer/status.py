"""Printer status from `DLE EOT`, and the end-of-job confirmation from `GS r 1`.

python-escpos 3.1's `paper_status()` reports "plenty" when the printer does not answer,
which is how a switched-off printer would look. Here silence is its own state: a status
is `answered` only when all four real-time replies arrived in time and carry the fixed
bits Epson defines for them (bit 1 and bit 4 set, bits 0 and 7 clear); anything else is
"printer not responding", never "all good".

`GS r 1` differs from `DLE EOT`: the printer answers it only after processing everything
sent before it, so its reply tells us the job went through the printer. Its reply has
bit 4 clear, which is how it is told apart from a late `DLE EOT` reply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from printer import commands as cmd
from printer.devices import Connection

Paper = Literal["ok", "near_end", "out", "unknown"]


@dataclass(frozen=True)
class PrinterStatus:
    answered: bool
    online: bool = False
    cover_open: bool = False
    paper: Paper = "unknown"
    error: bool = False
    raw: bytes = b""

    @property
    def ready(self) -> bool:
        return self.problem is None

    @property
    def problem(self) -> str | None:
        """The reason not to print now, in words a supervisor understands (None = go)."""
        if not self.answered:
            return "printer not responding"
        if self.cover_open:
            return "printer cover open"
        if self.paper == "out":
            return "paper out"
        if self.error:
            return "printer error (cutter jam or mechanism fault)"
        if not self.online:
            return "printer offline"
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "answered": self.answered,
            "online": self.online,
            "cover_open": self.cover_open,
            "paper": self.paper,
            "error": self.error,
            "problem": self.problem,
        }


NOT_RESPONDING = PrinterStatus(answered=False)


def _is_status_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


def decode(replies: bytes) -> PrinterStatus:
    """Decode the four replies to DLE EOT 1, 2, 3, 4 (in that order)."""
    if len(replies) != 4 or not all(_is_status_reply(b) for b in replies):
        return PrinterStatus(answered=False, raw=replies)
    printer, offline, error, paper = replies
    if paper & 0x60 == 0x60:
        roll: Paper = "out"
    elif paper & 0x0C == 0x0C:
        roll = "near_end"
    else:
        roll = "ok"
    if offline & 0x20:  # stopped because the paper ran out
        roll = "out"
    return PrinterStatus(
        answered=True,
        online=not printer & 0x08,
        cover_open=bool(offline & 0x04),
        paper=roll,
        error=bool(offline & 0x40) or bool(error & 0x68),
        raw=replies,
    )


def query_status(conn: Connection, timeout: float = 1.0) -> PrinterStatus:
    """Ask the four real-time status questions; silence or garbage means not responding."""
    if not conn.can_read:
        return NOT_RESPONDING
    conn.discard_input()
    conn.write(b"".join(cmd.realtime_status(n) for n in (1, 2, 3, 4)))
    deadline = time.monotonic() + timeout
    replies = b""
    while len(replies) < 4:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        chunk = conn.read(4 - len(replies), min(left, 0.25))
        replies += bytes(b for b in chunk if _is_status_reply(b))
    return decode(replies)


Confirmation = Literal["done", "paper_near_end", "paper_out", "silent"]


def await_confirmation(conn: Connection, timeout: float) -> Confirmation:
    """Wait for the `GS r 1` reply that follows a job's bytes."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        for byte in conn.read(1, min(left, 0.25)):
            if byte & 0x90:  # a DLE EOT reply or noise, not ours
                continue
            if byte & 0x0C:
                return "paper_out"
            return "paper_near_end" if byte & 0x03 else "done"
    return "silent"


def query_graphics_keys(conn: Connection, nv: bool, timeout: float = 1.0) -> set[bytes] | None:
    """The key codes the printer holds in download (RAM) or NV graphics memory.

    This is how a printer power-cycled while its line stayed open is noticed: its status
    replies look normal, but its RAM graphics list comes back empty. None means no valid
    answer (a model without the function stays silent)."""
    conn.discard_input()
    conn.write(cmd.query_graphics_keys(nv))
    ident = 0x72 if nv else 0x73
    deadline = time.monotonic() + timeout
    data = b""
    while (left := deadline - time.monotonic()) > 0:
        data += conn.read(64, min(left, 0.25))
        start = data.find(bytes([0x37, ident]))
        if start < 0:
            continue
        end = data.find(b"\x00", start + 3)
        if end < 0:
            continue
        body = data[start + 3 : end]
        if len(body) % 2 or data[start + 2] not in (0x40, 0x41):
            return None
        return {body[i : i + 2] for i in range(0, len(body), 2)}
    return None


def query_serial_number(conn: Connection, timeout: float = 1.0) -> str | None:
    """The printer's serial number (`GS I 68`), which keys what its NV memory holds.

    None when the printer does not say (older models): the device spec stands in."""
    conn.discard_input()
    conn.write(cmd.transmit_printer_id(cmd.SERIAL_NUMBER))
    deadline = time.monotonic() + timeout
    data = b""
    while (left := deadline - time.monotonic()) > 0:
        data += conn.read(32, min(left, 0.25))
        start = data.find(b"_")
        end = data.find(b"\x00", start + 1) if start >= 0 else -1
        if end > start >= 0:
            text = data[start + 1 : end].decode("ascii", "replace").strip()
            return text if text and text.isprintable() else None
    return None
