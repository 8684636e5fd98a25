"""The interpreter reads back what the renderer writes, and refuses what it does not know."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from printer import commands as cmd
from printer.errors import UnsupportedCommand
from printer.raster import Bitmap
from printer.virtual import VirtualPrinter


def ink_box(page: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.invert(page.convert("L")).getbbox()
    assert box is not None
    return box


def printed(data: bytes) -> list[Image.Image]:
    vp = VirtualPrinter()
    vp.feed(data)
    return vp.pages


@pytest.mark.parametrize(
    ("where", "check"),
    [
        ("left", lambda b: b[0] < 20),
        ("center", lambda b: abs((b[0] + b[2]) / 2 - 288) < 12),
        ("right", lambda b: b[2] > 556),
    ],
)
def test_alignment(where, check) -> None:
    (page,) = printed(cmd.align(where) + b"HELLO\n" + cmd.cut())
    assert check(ink_box(page))


def test_character_size_multiplies_the_cell() -> None:
    (small,) = printed(b"A023\n" + cmd.cut())
    (big,) = printed(cmd.char_size(4, 4) + b"A023\n" + cmd.cut())
    sb, bb = ink_box(small), ink_box(big)
    assert 3.5 < (bb[2] - bb[0]) / (sb[2] - sb[0]) < 4.5
    assert 3.5 < (bb[3] - bb[1]) / (sb[3] - sb[1]) < 4.5


def test_bold_and_reverse_put_more_ink() -> None:
    def ink(data: bytes) -> int:
        (page,) = printed(data + cmd.cut())
        return page.convert("L").histogram()[0]

    plain = ink(b"PRIORITY\n")
    assert ink(cmd.bold(True) + b"PRIORITY\n") > plain
    assert ink(cmd.reverse(True) + b"PRIORITY\n") > 3 * plain


def test_cut_is_a_page_break_and_lines_wrap() -> None:
    vp = VirtualPrinter()
    vp.feed(b"X" * 60 + b"\n" + cmd.cut() + b"second\n" + cmd.cut())
    assert vp.cuts == 2 and len(vp.pages) == 2
    first = vp.pages[0]
    assert ink_box(first)[3] > 40  # 60 characters took two lines of 48


def test_latin_code_page_is_decoded() -> None:
    vp = VirtualPrinter(code_pages={16: "cp1252"})
    vp.feed(cmd.select_codepage(16) + "café".encode("cp1252") + b"\n" + cmd.cut())
    assert len(vp.pages) == 1


def test_raster_and_stored_graphics_draw_the_same_pixels() -> None:
    img = Image.new("1", (64, 16), 1)
    img.paste(0, (8, 4, 40, 12))
    bm = Bitmap.from_image(img)
    (inline,) = printed(cmd.raster(bm) + cmd.cut(feed=0))
    (stored,) = printed(
        cmd.define_graphics(b"K1", bm, nv=False)
        + cmd.print_graphics(b"K1", nv=False)
        + cmd.cut(feed=0)
    )
    (legacy,) = printed(
        cmd.define_nv_bit_images([bm]) + cmd.print_nv_bit_image(1) + cmd.cut(feed=0)
    )
    assert ink_box(inline) == ink_box(stored) == ink_box(legacy) == (8, 4, 40, 12)


def test_stored_graphics_survive_esc_at_and_jobs() -> None:
    bm = Bitmap.from_image(Image.new("1", (16, 8), 0))
    vp = VirtualPrinter()
    vp.feed(cmd.initialize() + cmd.define_graphics(b"ZZ", bm, nv=False))
    vp.feed(cmd.initialize() + cmd.print_graphics(b"ZZ", nv=False) + cmd.cut())
    assert len(vp.pages) == 1


def test_native_qr_is_drawn() -> None:
    (page,) = printed(cmd.align("center") + cmd.qr("TABOUR|X|2025-03-01|A023") + cmd.cut())
    left, top, right, bottom = ink_box(page)
    assert abs((right - left) - (bottom - top)) <= 1 and right - left > 100


def test_bitmap_column_format_round_trip() -> None:
    img = Image.new("1", (24, 13), 1)
    img.paste(0, (3, 2, 20, 11))
    bm = Bitmap.from_image(img)
    back = Bitmap.from_columns(bm.columns(), 24, 16)
    assert back.to_image().crop((0, 0, 24, 13)).tobytes() == bm.to_image().tobytes()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x1b\x07", "byte 0"),
        (b"ok\x1dZ", "byte 2"),
        (cmd.print_graphics(b"NO", nv=False), "no ram graphic with key"),
        (b"\x1d\x76\x30\x00\x10\x00", "truncated"),
        (b"\x07", "control byte"),
    ],
)
def test_unknown_or_broken_bytes_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedCommand, match=message):
        VirtualPrinter().feed(data)


def test_stream_pieces_are_joined() -> None:
    data = cmd.qr("ABC") + b"text\n" + cmd.cut()
    vp = VirtualPrinter()
    for i in range(0, len(data), 5):
        vp.feed(data[i : i + 5], final=False)
    assert len(vp.pages) == 1
