"""Printer profiles: python-escpos capability data plus what Tabour needs to know on top.

python-escpos ships a capability database (code-page slots, fonts, media width, features).
We read its JSON file directly instead of importing `escpos.capabilities`, because that
module calls `logging.basicConfig()` and writes a pickle into a temporary directory at
import time, side effects a kiosk process should not get from asking "how wide is the paper".
On top of it we add the facts the database lacks or gets wrong for our purpose: which
stored-graphics command set a model really has, how much graphics memory we allow ourselves,
and serial defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from branch.settings import PrinterConfig
from printer.errors import UnknownProfile

StoredGraphics = Literal["ram", "nv", "fs", "none"]
Cut = Literal["full", "partial", "none"]

# Latin code pages we can encode with Python codecs, in order of preference.
_LATIN_CODEPAGES = {
    "CP1252": "cp1252",
    "CP858": "cp858",
    "CP850": "cp850",
    "CP437": "cp437",
    "ISO_8859-15": "iso8859_15",
}

# Bytes of stored graphics we let ourselves use. Epson documents the download (RAM) area of
# the TM-T20 family as shared with user-defined characters; 24 KiB is a safe floor we have
# not seen a GS ( L capable model go below. NV areas are larger but wear with each write.
DEFAULT_RAM_CAPACITY = 24 * 1024
DEFAULT_NV_CAPACITY = 64 * 1024

# What python-escpos's database does not say. TM-T88II/III predate GS ( L and keep
# their images in NV memory defined all at once with FS q; so does the TM-U220 impact
# printer (no GS ( L, no GS v 0; FS q with 128 KB of NV graphics per its specification).
_OVERRIDES: dict[str, dict[str, Any]] = {
    "TM-T88II": {"stored_graphics": "fs", "baudrate": 9600},
    "TM-T88III": {"stored_graphics": "fs", "baudrate": 9600},
    "TM-U220": {"stored_graphics": "fs", "baudrate": 9600},
    "TM-T20II": {"baudrate": 38400},
    "TM-T20II-42col": {"baudrate": 38400},
    "TM-T88V": {"baudrate": 38400},
}


@dataclass(frozen=True)
class SerialDefaults:
    """Line settings used when the device spec does not name them."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    flow: Literal["rtscts", "dsrdtr", "xonxoff", "none"] = "rtscts"

    @property
    def bits_per_byte(self) -> float:
        return 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    vendor: str
    paper_mm: int
    dots_per_line: int
    dpi: int
    code_pages: dict[str, int]
    latin_codepage: str
    stored_graphics: StoredGraphics
    graphics_capacity: int
    native_qr: bool
    raster: bool
    cut: Cut
    answers_status: bool = True
    serial: SerialDefaults = field(default_factory=SerialDefaults)
    column_images: bool = True  # ESC * (8-dot column bit images)
    graphics_commands: bool = True  # GS ( L / GS 8 L exist on this model
    font_columns: tuple[int, int] | None = None  # font A, font B characters per line

    @property
    def columns(self) -> int:
        """Characters per line in font A (the database's figure, else 12-dot cells)."""
        return self.font_columns[0] if self.font_columns else self.dots_per_line // 12

    def cell_width(self, small: bool = False) -> int:
        """Dots one character of font A (or B) takes on this model."""
        if self.font_columns:
            return max(1, self.dots_per_line // self.font_columns[1 if small else 0])
        return 9 if small else 12

    @property
    def codepage_slot(self) -> int:
        return self.code_pages[self.latin_codepage]

    @property
    def codec(self) -> str:
        return _LATIN_CODEPAGES[self.latin_codepage]


@cache
def _database() -> dict[str, Any]:
    text = resources.files("escpos").joinpath("capabilities.json").read_text(encoding="utf-8")
    return json.loads(text)


def known_profiles() -> list[str]:
    return sorted(_database()["profiles"])


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _dots(data: dict[str, Any], paper_mm: int, dpi: int) -> int:
    width = data.get("media", {}).get("width", {})
    mm, pixels = _int_or_none(width.get("mm")), _int_or_none(width.get("pixels"))
    if paper_mm == 58:
        if mm is not None and mm <= 60 and pixels:
            return pixels
        return 384 if dpi >= 200 else 360
    if pixels and (pixels >= 500 or (mm is not None and mm > 60)):
        return pixels  # an 80 mm model, impact heads included (TM-U220: 400 dots)
    return 576 if dpi >= 200 else 512


def _font_columns(data: dict[str, Any], dots: int) -> tuple[int, int] | None:
    """Font A/B columns from the database, when they describe this paper width."""
    pixels = _int_or_none(data.get("media", {}).get("width", {}).get("pixels"))
    fonts = data.get("fonts", {})
    a = _int_or_none(fonts.get("0", {}).get("columns"))
    b = _int_or_none(fonts.get("1", {}).get("columns")) or a
    if pixels != dots or not a or not b:
        return None
    return a, b


def load_profile(
    name: str,
    paper_mm: int = 80,
    *,
    stored_graphics: str = "auto",
    dots_per_line: int | None = None,
) -> PrinterProfile:
    """The profile for a model name from python-escpos's database, adjusted by settings."""
    profiles = _database()["profiles"]
    if name not in profiles:
        close = [p for p in profiles if p.lower().startswith(name[:4].lower())][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise UnknownProfile(
            f"unknown printer profile {name!r}{hint} (`tabour printer profiles` lists all)"
        )
    data = profiles[name]
    extra = _OVERRIDES.get(name, {})
    features = data.get("features", {})
    dpi = _int_or_none(data.get("media", {}).get("dpi")) or 203
    code_pages = {
        str(cp): int(slot) for slot, cp in data.get("codePages", {}).items() if str(slot).isdigit()
    }
    latin = next((cp for cp in _LATIN_CODEPAGES if cp in code_pages), None)
    if latin is None:
        code_pages.setdefault("CP437", 0)
        latin = "CP437"
    if "stored_graphics" in extra:
        graphics: StoredGraphics = extra["stored_graphics"]
    else:
        graphics = "ram" if features.get("graphics") else "none"
    if stored_graphics != "auto":
        graphics = stored_graphics  # type: ignore[assignment]
    capacity = {"ram": DEFAULT_RAM_CAPACITY, "nv": DEFAULT_NV_CAPACITY, "fs": DEFAULT_NV_CAPACITY}
    cut: Cut = (
        "partial"
        if features.get("paperPartCut")
        else "full"
        if features.get("paperFullCut")
        else "none"
    )
    dots = dots_per_line or _dots(data, paper_mm, dpi)
    fs_model = extra.get("stored_graphics") == "fs"
    return PrinterProfile(
        name=name,
        vendor=str(data.get("vendor", "")),
        paper_mm=paper_mm,
        dots_per_line=dots,
        dpi=dpi,
        code_pages=code_pages,
        latin_codepage=latin,
        stored_graphics=graphics,
        graphics_capacity=capacity.get(graphics, 0),
        native_qr=bool(features.get("qrCode")),
        raster=bool(features.get("bitImageRaster", True)),
        cut=cut,
        serial=SerialDefaults(baudrate=int(extra.get("baudrate", 9600))),
        column_images=bool(features.get("bitImageColumn", True)),
        graphics_commands=bool(features.get("graphics")) and not fs_model,
        font_columns=_font_columns(data, dots),
    )


def profile_for(config: PrinterConfig) -> PrinterProfile:
    """The profile a `[devices]` printer entry asks for."""
    return load_profile(
        config.profile,
        config.paper_mm,
        stored_graphics=config.stored_graphics,
        dots_per_line=config.dots_per_line,
    )


def with_graphics(profile: PrinterProfile, mode: StoredGraphics) -> PrinterProfile:
    """The same printer with another stored-graphics mode (used by the bench)."""
    capacity = {"ram": DEFAULT_RAM_CAPACITY, "nv": DEFAULT_NV_CAPACITY, "fs": DEFAULT_NV_CAPACITY}
    return replace(profile, stored_graphics=mode, graphics_capacity=capacity.get(mode, 0))
