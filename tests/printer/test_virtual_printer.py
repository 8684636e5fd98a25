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


@pytest.mark.parametrize(
    ("slot", "codec", "text"),
    [(16, "cp1252", "café 5€"), (19, "cp858", "Dirección €12"), (0, "cp437", "Ñandú ½")],
)
def test_code_pages_decode_to_the_right_text(slot: int, codec: str, text: str) -> None:
    vp = VirtualPrinter(code_pages={slot: codec})
    vp.feed(cmd.select_codepage(slot) + text.encode(codec) + b"\n" + cmd.cut())
    assert vp.transcript == [text]
    # and the page shows those glyphs: the same text through another table draws the same
    other = 2 if slot != 2 else 0
    again = VirtualPrinter(code_pages={other: "cp850"})
    again.feed(cmd.select_codepage(other) + text.encode("cp850", "replace") + b"\n" + cmd.cut())
    if text.encode("cp850", "replace").decode("cp850") == text:
        assert again.pages[0].tobytes() == vp.pages[0].tobytes()


def test_the_same_byte_is_another_letter_on_another_page() -> None:
    vp = VirtualPrinter()
    data = bytes([0x82]) + b"\n"
    vp.feed(cmd.select_codepage(0) + data + cmd.select_codepage(16) + data + cmd.cut())
    assert vp.transcript == ["é", "‚"]  # cp437 e-acute, cp1252 low quotation mark


def test_column_bit_images_draw_like_raster() -> None:
    img = Image.new("1", (64, 20), 1)
    img.paste(0, (8, 3, 40, 17))
    bm = Bitmap.from_image(img)
    (raster,) = printed(cmd.raster(bm) + cmd.cut(feed=0))
    (column,) = printed(cmd.column_image(bm) + cmd.cut(feed=0))
    assert ink_box(raster) == ink_box(column) == (8, 3, 40, 17)


def test_a_profile_refuses_commands_its_model_lacks() -> None:
    from printer.profiles import load_profile

    u220 = load_profile("TM-U220", 80)
    assert (u220.dots_per_line, u220.columns, u220.raster, u220.native_qr) == (
        400,
        42,
        False,
        False,
    )
    bm = Bitmap.from_image(Image.new("1", (16, 8), 0))
    for data, what in (
        (cmd.raster(bm), "GS v 0"),
        (cmd.qr("X"), "GS \\( k"),
        (cmd.define_graphics(b"!!", bm, nv=False), "GS \\( L"),
    ):
        with pytest.raises(UnsupportedCommand, match=f"{what}: TM-U220 has no such command"):
            VirtualPrinter(profile=u220).feed(data)
    vp = VirtualPrinter(profile=u220)
    vp.feed(b"X" * 43 + b"\n" + cmd.cut())  # 42 columns of font A: the 43rd wraps
    assert vp.transcript == ["X" * 42, "X"] and vp.width == 400
