"""One-bit bitmaps as the printer sees them, and the two byte orders ESC/POS uses.

Raster commands (`GS v 0`, `GS ( L`) take rows of bytes, most significant bit leftmost;
the legacy NV command `FS q` takes columns of bytes, most significant bit topmost. Keeping
both conversions here, next to the one bitmap type, keeps the renderer and the virtual
printer (which undoes them) in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageChops

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Bitmap:
    """A packed 1-bit image: `width` is a multiple of 8, bit 1 is a black dot."""

    width: int
    height: int
    rows: bytes

    @property
    def bytes_per_row(self) -> int:
        return self.width // 8

    @classmethod
    def from_image(cls, image: Image.Image, pad_to: Align = "center") -> Bitmap:
        """Pack a Pillow image (any mode; dark pixels print) padding width to a byte.

        The padding goes opposite the alignment so that a right-aligned image still ends
        exactly at the right margin.
        """
        mono = image if image.mode == "1" else image.convert("L").point(lambda v: 255 * (v >= 128))
        mono = mono.convert("1")
        extra = (-mono.width) % 8
        if extra:
            left = {"left": 0, "center": extra // 2, "right": extra}[pad_to]
            canvas = Image.new("1", (mono.width + extra, mono.height), 1)
            canvas.paste(mono, (left, 0))
            mono = canvas
        # Pillow's "1" raw packing has 1 = white; the printer wants 1 = black.
        inverted = ImageChops.invert(mono.convert("L")).convert("1")
        return cls(inverted.width, inverted.height, inverted.tobytes("raw", "1"))

    def to_image(self) -> Image.Image:
        """The bitmap as a Pillow "1" image with black ink on white."""
        img = Image.frombytes("1", (self.width, self.height), self.rows, "raw", "1")
        return ImageChops.invert(img.convert("L")).convert("1")

    def columns(self, height_multiple: int = 8) -> bytes:
        """Column-major bytes (top bit first) with the height padded to `height_multiple`."""
        img = self.to_image()
        height = -(-self.height // height_multiple) * height_multiple
        px = img.load()
        out = bytearray()
        for x in range(self.width):
            for y0 in range(0, height, 8):
                byte = 0
                for bit in range(8):
                    y = y0 + bit
                    if y < self.height and px[x, y] == 0:
                        byte |= 0x80 >> bit
                out.append(byte)
        return bytes(out)

    @classmethod
    def from_columns(cls, data: bytes, width: int, height: int) -> Bitmap:
        """Undo `columns()`: `height` must be the padded height (a multiple of 8)."""
        img = Image.new("1", (width, height), 1)
        px = img.load()
        per_col = height // 8
        for x in range(width):
            for yb in range(per_col):
                byte = data[x * per_col + yb]
                if not byte:
                    continue
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        px[x, yb * 8 + bit] = 0
        return cls.from_image(img)

    @property
    def size_bytes(self) -> int:
        return len(self.rows)


def crop_to_ink(image: Image.Image, margin_y: int = 2) -> Image.Image:
    """Trim blank rows and columns (keeping `margin_y` blank rows) to save bytes on the wire."""
    gray = image.convert("L")
    box = ImageChops.invert(gray).getbbox()
    if box is None:
        return Image.new("1", (8, 1), 1)
    left, top, right, bottom = box
    top = max(0, top - margin_y)
    bottom = min(gray.height, bottom + margin_y)
    return image.crop((left, top, right, bottom))
