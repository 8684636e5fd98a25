"""ESC/POS command bytes: the exact subset Tabour sends, one builder per command.

The renderer composes these; the virtual printer parses the same subset back. Names follow
the Epson command reference (`GS ( L` function 83 etc.) so a hex dump can be checked
against the manual.
"""

from __future__ import annotations

from typing import Literal

from printer.raster import Bitmap

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF = b"\n"

ALIGN = {"left": 0, "center": 1, "right": 2}
QR_EC = {"L": 48, "M": 49, "Q": 50, "H": 51}


def initialize() -> bytes:
    """ESC @: modes back to power-on defaults (stored graphics are kept)."""
    return bytes([ESC, 0x40])


def select_codepage(slot: int) -> bytes:
    return bytes([ESC, 0x74, slot])


def align(where: str) -> bytes:
    return bytes([ESC, 0x61, ALIGN[where]])


def print_mode(small: bool = False) -> bytes:
    """ESC !: font A/B with emphasis, double size and underline cleared."""
    return bytes([ESC, 0x21, 0x01 if small else 0x00])


def bold(on: bool) -> bytes:
    return bytes([ESC, 0x45, 1 if on else 0])


def reverse(on: bool) -> bytes:
    return bytes([GS, 0x42, 1 if on else 0])


def char_size(width: int, height: int) -> bytes:
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("character multipliers are 1..8")
    return bytes([GS, 0x21, ((width - 1) << 4) | (height - 1)])


def feed_dots(n: int) -> bytes:
    return bytes([ESC, 0x4A, max(0, min(255, n))])


def feed_lines(n: int) -> bytes:
    return bytes([ESC, 0x64, max(0, min(255, n))])


def raster(bitmap: Bitmap) -> bytes:
    """GS v 0: print a bitmap now (nothing is stored)."""
    x, y = bitmap.bytes_per_row, bitmap.height
    return bytes([GS, 0x76, 0x30, 0, x & 0xFF, x >> 8, y & 0xFF, y >> 8]) + bitmap.rows


def column_image(bitmap: Bitmap) -> bytes:
    """ESC * 1 (8-dot double density), band by band: for models without `GS v 0`.

    Each band is 8 dots tall, one byte per column, top bit first, ended by LF; the line
    spacing is set to the band height (`ESC 3 8`, a motion unit taken as one dot row) so
    bands meet, and restored with `ESC 2` afterwards."""
    x = bitmap.width
    out = bytearray([ESC, 0x33, 8])
    img = bitmap.columns(8)
    bands = -(-bitmap.height // 8)
    for band in range(bands):
        data = bytes(img[col * bands + band] for col in range(x))
        out += bytes([ESC, 0x2A, 1, x & 0xFF, x >> 8]) + data + LF
    out += bytes([ESC, 0x32])
    return bytes(out)


def image(bitmap: Bitmap, raster_ok: bool = True) -> bytes:
    """A bitmap printed now: `GS v 0` where the model has it, column images otherwise."""
    return raster(bitmap) if raster_ok else column_image(bitmap)


def query_graphics_keys(nv: bool) -> bytes:
    """GS ( L fn 80 (download graphics) / fn 64 (NV graphics): list the defined key codes."""
    return _gs_l(bytes([0x30, 64 if nv else 80, 0x4B, 0x43]))


SERIAL_NUMBER = 68


def transmit_printer_id(n: int = SERIAL_NUMBER) -> bytes:
    """GS I n: printer information; 68 is the serial number (`_` + ASCII + NUL)."""
    return bytes([GS, 0x49, n])


def _gs_l(payload: bytes) -> bytes:
    """GS ( L with a 2-byte length, or GS 8 L with a 4-byte length for big data."""
    n = len(payload)
    if n <= 0xFFFF:
        return bytes([GS, 0x28, 0x4C, n & 0xFF, n >> 8]) + payload
    return bytes([GS, 0x38, 0x4C]) + n.to_bytes(4, "little") + payload


def define_graphics(code: bytes, bitmap: Bitmap, nv: bool) -> bytes:
    """GS ( L fn 83 (download graphics, RAM) or fn 67 (NV graphics): store under `code`."""
    x, y = bitmap.width, bitmap.height
    head = bytes(
        [
            0x30,
            67 if nv else 83,
            0x30,
            code[0],
            code[1],
            1,
            x & 0xFF,
            x >> 8,
            y & 0xFF,
            y >> 8,
            0x31,
        ]
    )
    return _gs_l(head + bitmap.rows)


def print_graphics(code: bytes, nv: bool) -> bytes:
    """GS ( L fn 85 (download) or fn 69 (NV): print the stored graphic at normal size."""
    return _gs_l(bytes([0x30, 69 if nv else 85, code[0], code[1], 1, 1]))


def define_nv_bit_images(bitmaps: list[Bitmap]) -> bytes:
    """FS q: (re)define all NV bit images at once, numbered 1..n, column format."""
    out = bytearray([FS, 0x71, len(bitmaps)])
    for bm in bitmaps:
        x, y = bm.width // 8, -(-bm.height // 8)
        out += bytes([x & 0xFF, x >> 8, y & 0xFF, y >> 8]) + bm.columns(8)
    return bytes(out)


def print_nv_bit_image(number: int) -> bytes:
    return bytes([FS, 0x70, number, 0])


def qr(data: str, module: int = 6, ec: Literal["L", "M", "Q", "H"] = "M") -> bytes:
    """GS ( k: model 2 QR symbol stored and printed by the printer itself."""
    payload = data.encode("ascii")
    n = len(payload) + 3

    def k(*body: int) -> bytes:
        return bytes([GS, 0x28, 0x6B, len(body) & 0xFF, len(body) >> 8, *body])

    return (
        k(0x31, 0x41, 0x32, 0x00)
        + k(0x31, 0x43, module)
        + k(0x31, 0x45, QR_EC[ec])
        + bytes([GS, 0x28, 0x6B, n & 0xFF, n >> 8, 0x31, 0x50, 0x30])
        + payload
        + k(0x31, 0x51, 0x30)
    )


def cut(kind: str = "partial", feed: int = 96) -> bytes:
    """GS V 65/66 n: feed `n` dots (past the cutter) and cut."""
    if kind == "none":
        return feed_dots(min(255, feed)) + feed_lines(4)
    return bytes([GS, 0x56, 66 if kind == "partial" else 65, max(0, min(255, feed))])


def realtime_status(n: int) -> bytes:
    """DLE EOT n: answered at once even while printing (1 printer, 2 offline, 3 error, 4 paper)."""
    return bytes([DLE, 0x04, n])


def transmit_paper_status() -> bytes:
    """GS r 1: answered only when everything sent before it has been processed."""
    return bytes([GS, 0x72, 1])
