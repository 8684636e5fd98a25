"""Bookkeeping of the Arabic artwork held in a printer's graphics memory.

The renderer asks two questions per keyed piece of artwork: "is it on the printer already,
and under which key code?" and "may I put it there now?". This module answers both and
nothing else (it does not build bytes).

- A piece is identified by its layout key (`service:CONTRIB`) and a digest of its pixels,
  so a renamed service or a new font is downloaded again under the same key code.
- Key codes are two printable bytes (`GS ( L` kc1 kc2, 32..126), handed out in order; FS q
  images are numbered 1..255 and must all be defined by one command.
- RAM graphics (`ram`) vanish when the printer is switched off; the device layer calls
  `invalidate()` whenever the printer may have restarted (reconnect, no status answer).
- NV graphics (`nv`, `fs`) survive power-off but wear the flash with every write, so what
  was written is remembered in a manifest file and written again only when it changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from printer.profiles import StoredGraphics
from printer.raster import Bitmap

log = logging.getLogger(__name__)

# Per-image overhead the printer's memory manager is likely to charge (header, alignment).
_OVERHEAD = 16
_FIRST_CODE = 0x21  # "!": skip space so keys are visible in a hex dump


@dataclass(frozen=True)
class Art:
    """A keyed bitmap ready for the printer."""

    name: str
    bitmap: Bitmap

    @property
    def digest(self) -> str:
        return hashlib.sha256(
            f"{self.bitmap.width}x{self.bitmap.height}".encode() + self.bitmap.rows
        ).hexdigest()[:16]


@dataclass(frozen=True)
class Slot:
    code: bytes  # two bytes for GS ( L; one byte (image number) for FS q
    digest: str
    size: int


class GraphicsCache:
    """Which artwork the printer holds now, under which key code, and room left."""

    def __init__(self, mode: StoredGraphics, capacity: int, manifest: Path | None = None) -> None:
        self.mode = mode
        self.capacity = capacity if mode != "none" else 0
        self.manifest = manifest if mode in ("nv", "fs") else None
        self._lock = threading.Lock()
        self._slots: dict[str, Slot] = {}
        self._codes: dict[str, bytes] = {}  # names keep their code across redefinitions
        self._load()

    @property
    def enabled(self) -> bool:
        return self.mode != "none" and self.capacity > 0

    def used(self) -> int:
        return sum(s.size for s in self._slots.values())

    def code_for(self, art: Art) -> bytes | None:
        """The key code to print `art` by, if the printer holds exactly these pixels."""
        slot = self._slots.get(art.name)
        return slot.code if slot and slot.digest == art.digest else None

    def _next_code(self) -> bytes | None:
        taken = set(self._codes.values())
        if self.mode == "fs":
            for n in range(1, 256):
                if bytes([n]) not in taken:
                    return bytes([n])
            return None
        for i in range(95 * 95):
            code = bytes([_FIRST_CODE + i // 94, _FIRST_CODE + i % 94])
            if code[0] <= 0x7E and code not in taken:
                return code
        return None

    def reserve(self, art: Art) -> bytes | None:
        """Claim room for `art` and return its key code, or None to print it inline."""
        if not self.enabled:
            return None
        with self._lock:
            size = art.bitmap.size_bytes + _OVERHEAD
            old = self._slots.get(art.name)
            room = self.capacity - self.used() + (old.size if old else 0)
            if size > room:
                return None
            code = self._codes.get(art.name) or self._next_code()
            if code is None:
                return None
            self._codes[art.name] = code
            self._slots[art.name] = Slot(code, art.digest, size)
            return code

    def forget(self, name: str) -> None:
        with self._lock:
            self._slots.pop(name, None)

    def reset(self) -> None:
        """Forget everything, key codes included (FS q renumbers every image from 1)."""
        with self._lock:
            self._slots.clear()
            self._codes.clear()

    def stored(self) -> dict[str, Slot]:
        return dict(self._slots)

    def invalidate(self) -> None:
        """The printer may have lost RAM graphics (restart, power cycle, reconnect)."""
        if self.mode == "ram":
            with self._lock:
                self._slots.clear()

    # NV manifest ---------------------------------------------------------------------

    def bind(self, manifest: Path) -> None:
        """Use another manifest (the printer on the line turned out to be this one)."""
        if self.mode not in ("nv", "fs") or manifest == self.manifest:
            return
        with self._lock:
            self.manifest = manifest
            self._slots.clear()
            self._codes.clear()
            self._load()

    def _load(self) -> None:
        if self.manifest is None or not self.manifest.exists():
            return
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
            if data.get("mode") != self.mode:
                return
            for name, slot in data["slots"].items():
                code = bytes.fromhex(slot["code"])
                self._slots[name] = Slot(code, slot["digest"], int(slot["size"]))
                self._codes[name] = code
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable graphics manifest %s: %s", self.manifest, exc)
            self._slots.clear()
            self._codes.clear()

    def save(self) -> None:
        """Record what NV memory now holds (after the define bytes reached the printer)."""
        if self.manifest is None:
            return
        data = {
            "mode": self.mode,
            "slots": {
                n: {"code": s.code.hex(), "digest": s.digest, "size": s.size}
                for n, s in self._slots.items()
            },
        }
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(self.manifest)
