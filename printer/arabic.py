"""Arabic drawn as pixels: font discovery, shaping, bidi, wrapping, thresholding to 1 bit.

Printers' Arabic code pages join nothing, so Arabic goes to paper as a bitmap. Pillow's Raqm
layout (HarfBuzz + FriBiDi) shapes and orders a line itself; when Pillow was built without
Raqm we shape with arabic-reshaper and order with python-bidi, then draw with the basic
layout. Doing both would reverse the text twice, so exactly one path is used per shaper.
Latin and digit runs are isolated with LRI…PDI first so codes and dates keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont, features

from branch.i18n import FSI, LRI, PDI, RLI, isolate_latin
from printer.errors import FontUnavailable
from printer.raster import Align, crop_to_ink

ShaperMode = Literal["raqm", "basic"]
PACKAGED_FAMILY = "Noto Sans Arabic"
_ISOLATES = str.maketrans("", "", LRI + RLI + FSI + PDI + "\u200e\u200f")
# Heavier than regular: thin strokes break up on a 203 dpi thermal head.
DEFAULT_WEIGHT = 600


def packaged_font() -> Path:
    """The Arabic font that comes with `pip install` (the fontpkg Noto Sans Arabic package)."""
    try:
        import fontpkg

        return Path(fontpkg.path(PACKAGED_FAMILY))
    except Exception as exc:  # ImportError, fontpkg's own errors, a broken install
        raise FontUnavailable(
            f"no Arabic font: the packaged {PACKAGED_FAMILY} is not usable ({exc}); "
            "reinstall Tabour or set [devices.kiosk_printer] font = '/path/to/arabic.ttf'"
        ) from None


def _covers_arabic(path: Path) -> bool:
    """True when the font has a real glyph for Arabic letters (not the .notdef box)."""
    font = ImageFont.truetype(str(path), 24, layout_engine=ImageFont.Layout.BASIC)

    def pixels(ch: str) -> bytes:
        img = Image.new("L", (48, 48), 0)
        ImageDraw.Draw(img).text((8, 8), ch, font=font, fill=255)
        return img.tobytes()

    beh = pixels("\u0628")
    missing = pixels("\ue000")  # private use: no real font maps it, so this is .notdef
    return bool(beh.strip(b"\x00")) and beh != missing


def resolve_font(configured: str | None = None) -> Path:
    """The font to draw Arabic with: the configured file, else the packaged one.

    Fails with one clear line when the file is missing, unreadable or has no Arabic, rather
    than printing boxes on every ticket.
    """
    path = Path(configured).expanduser() if configured else packaged_font()
    where = f"font {str(path)!r}" + (" (from settings)" if configured else "")
    if not path.is_file():
        raise FontUnavailable(f"{where} does not exist")
    try:
        ok = _covers_arabic(path)
    except OSError as exc:
        raise FontUnavailable(f"{where} cannot be read as a font: {exc}") from None
    if not ok:
        raise FontUnavailable(f"{where} has no Arabic letters; use an Arabic-capable font")
    return path


def set_weight(font: ImageFont.FreeTypeFont, weight: float) -> None:
    """Set the weight axis of a variable font (static fonts are left as they are)."""
    try:
        axes = font.get_variation_axes()
    except OSError:  # not a variable font
        return
    values = []
    for axis in axes:
        name = axis["name"]
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        is_weight = name.strip().lower() in ("weight", "wght")
        values.append(float(weight) if is_weight else float(axis["default"]))
    font.set_variation_by_axes(values)


def default_mode() -> ShaperMode:
    return "raqm" if features.check("raqm") else "basic"


@dataclass(frozen=True)
class ArabicStyle:
    """Pixel size of the font and the widest line allowed before wrapping."""

    size: int
    max_width: int
    align: Align = "center"
    line_gap: int = 3


class ArabicShaper:
    """Turns logical-order Arabic (with Latin runs) into a 1-bit image."""

    def __init__(
        self,
        font_path: Path | str | None = None,
        mode: ShaperMode | None = None,
        weight: int = DEFAULT_WEIGHT,
    ) -> None:
        self.font_path = Path(font_path) if font_path else resolve_font()
        self.mode: ShaperMode = mode or default_mode()
        if self.mode == "raqm" and not features.check("raqm"):
            raise FontUnavailable("Raqm layout requested but this Pillow was built without it")
        self.weight = weight
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    @cached_property
    def identity(self) -> str:
        """What changes the pixels: font file, weight and shaping path (a cache-key part)."""
        stat = self.font_path.stat()
        return f"{self.font_path.name}:{stat.st_size}:{self.weight}:{self.mode}"

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._fonts:
            layout = ImageFont.Layout.RAQM if self.mode == "raqm" else ImageFont.Layout.BASIC
            font = ImageFont.truetype(str(self.font_path), size, layout_engine=layout)
            set_weight(font, self.weight)
            self._fonts[size] = font
        return self._fonts[size]

    def visual(self, text: str) -> str:
        """For the basic layout: shaped glyph forms in visual (left-to-right) order."""
        import arabic_reshaper
        from bidi import get_display

        return get_display(arabic_reshaper.reshape(text), base_dir="R").translate(_ISOLATES)

    def _prepared(self, line: str) -> str:
        return isolate_latin(line)

    def width(self, line: str, size: int) -> float:
        font = self.font(size)
        text = self._prepared(line)
        if self.mode == "raqm":
            return font.getlength(text, direction="rtl")
        return font.getlength(self.visual(text))

    def wrap(self, text: str, style: ArabicStyle) -> list[str]:
        """Break logical text into lines no wider than the style allows (words kept whole)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for word in paragraph.split():
                trial = f"{current} {word}".strip()
                if current and self.width(trial, style.size) > style.max_width:
                    lines.append(current)
                    current = word
                else:
                    current = trial
            lines.append(current)
        return lines

    def draw_line(self, line: str, size: int) -> Image.Image:
        """One line at full font height, a little wider than its advance, black on white."""
        font = self.font(size)
        ascent, descent = font.getmetrics()
        text = self._prepared(line)
        advance = int(self.width(line, size)) + 2 * size
        img = Image.new("L", (max(advance, 8), ascent + descent + size // 2), 255)
        draw = ImageDraw.Draw(img)
        if self.mode == "raqm":
            draw.text(
                (img.width - size, size // 4), text, font=font, fill=0, anchor="ra", direction="rtl"
            )
        else:
            draw.text(
                (img.width - size, size // 4), self.visual(text), font=font, fill=0, anchor="ra"
            )
        return img

    def render(self, text: str, style: ArabicStyle) -> Image.Image:
        """The text as a 1-bit image cropped to its ink, wrapped and aligned within itself."""
        parts = [
            crop_to_ink(self.draw_line(line, style.size), 0) for line in self.wrap(text, style)
        ]
        parts = [p for p in parts if p.width > 1]
        if not parts:
            return Image.new("1", (8, 1), 1)
        width = min(max(p.width for p in parts), style.max_width)
        height = sum(p.height for p in parts) + style.line_gap * (len(parts) + 1)
        canvas = Image.new("L", (width, height), 255)
        y = style.line_gap
        for part in parts:
            if part.width > width:  # a single word wider than the paper: scale it down
                part = part.resize((width, max(1, part.height * width // part.width)))
            x = {"left": 0, "center": (width - part.width) // 2, "right": width - part.width}[
                style.align
            ]
            canvas.paste(part.convert("L"), (x, y))
            y += part.height + style.line_gap
        return canvas.point(lambda v: 255 * (v >= 128)).convert("1")
