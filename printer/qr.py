"""QR symbols as pixels: the fallback for printers without `GS ( k`, and the virtual printer.

Both draw with the same function so a native QR and an image QR look alike in previews.
"""

from __future__ import annotations

from typing import Literal

import qrcode
from PIL import Image, ImageDraw

from printer.raster import Bitmap

QR_MODULE = 6
_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_image(
    data: str, module: int = QR_MODULE, ec: Literal["L", "M", "Q", "H"] = "M"
) -> Image.Image:
    code = qrcode.QRCode(error_correction=_LEVELS[ec], box_size=module, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * module
    img = Image.new("1", (size, size), 1)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = x * module, y * module
                draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill=0)
    return img


def qr_bitmap(data: str, module: int = QR_MODULE, ec: Literal["L", "M", "Q", "H"] = "M") -> Bitmap:
    return Bitmap.from_image(qr_image(data, module, ec))
