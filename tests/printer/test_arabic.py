"""Arabic drawn right: font found, letters joined, right-to-left, Latin runs in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from branch.i18n import LRI, PDI
from printer.arabic import ArabicShaper, ArabicStyle, packaged_font, resolve_font
from printer.errors import FontUnavailable
from printer.raster import crop_to_ink


def test_packaged_font_comes_with_the_install() -> None:
    path = packaged_font()
    assert path.is_file() and "NotoSansArabic" in path.name
    assert resolve_font() == path


def test_configured_font_problems_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(FontUnavailable, match="does not exist"):
        resolve_font(str(tmp_path / "missing.ttf"))
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(FontUnavailable, match="cannot be read as a font"):
        resolve_font(str(bogus))


def test_basic_layout_shapes_and_orders_without_raqm() -> None:
    basic = ArabicShaper(mode="basic")
    visual = basic.visual(f"تذكرة {LRI}A023{PDI} - شباك {LRI}4{PDI}")
    assert LRI not in visual and PDI not in visual  # the basic layout would draw boxes
    assert any("\ufe70" <= c <= "\ufeff" for c in visual)  # joined presentation forms
    assert "A023" in visual  # the code is not reversed


def _best_match(haystack: Image.Image, needle: Image.Image) -> float:
    """Smallest share of differing pixels of `needle` over every placement in `haystack`."""
    h, n = haystack.convert("L"), needle.convert("L")
    ink = max(1, sum(n.point(lambda v: 255 if v < 128 else 0).histogram()[255:]))
    best = float("inf")
    for dy in range(0, max(1, h.height - n.height + 1)):
        for dx in range(0, h.width - n.width + 1):
            part = h.crop((dx, dy, dx + n.width, dy + n.height))
            diff = ImageChops.difference(part, n).point(lambda v: 255 if v > 128 else 0)
            best = min(best, diff.histogram()[255] / ink)
    return best


@pytest.mark.parametrize("mode", ["raqm", "basic"])
def test_dates_and_codes_inside_arabic_keep_their_order(mode: str) -> None:
    shaper = ArabicShaper(mode=mode)
    size = 26
    line = crop_to_ink(shaper.draw_line("تاريخ 2025-03-01", size), 0)
    font = ImageFont.truetype(str(shaper.font_path), size, layout_engine=ImageFont.Layout.BASIC)
    font.set_variation_by_axes([float(shaper.weight), 100.0])

    def ltr(text: str) -> Image.Image:
        img = Image.new("L", (400, 60), 255)
        ImageDraw.Draw(img).text((10, 10), text, font=font, fill=0)
        return crop_to_ink(img.point(lambda v: 255 * (v >= 128)), 0)

    right, wrong = _best_match(line, ltr("2025-03-01")), _best_match(line, ltr("01-03-2025"))
    assert right < 0.4 and right * 2 < wrong, (right, wrong)


def test_long_text_wraps_within_the_paper(shaper: ArabicShaper) -> None:
    text = "يرجى الانتظار حتى المناداة على رقمك " * 3
    style = ArabicStyle(size=26, max_width=300)
    lines = shaper.wrap(text, style)
    assert len(lines) > 1
    image = shaper.render(text, style)
    assert image.mode == "1" and image.width <= 300


@pytest.mark.parametrize("mode", ["raqm", "basic"])
def test_arabic_runs_right_to_left_and_joined(mode: str) -> None:
    """The first word sits on the right; a joined word is narrower than its loose letters."""
    shaper = ArabicShaper(mode=mode)
    size = 32
    line = crop_to_ink(shaper.draw_line("سلام عليكم", size), 0)
    first = crop_to_ink(shaper.draw_line("سلام", size), 0)
    second = crop_to_ink(shaper.draw_line("عليكم", size), 0)
    half = line.width // 2
    right_half = line.crop((half - 4, 0, line.width, line.height))
    left_half = line.crop((0, 0, half + 4, line.height))
    assert _best_match(right_half, first) < 0.4 and _best_match(left_half, first) > 0.5
    assert _best_match(left_half, second) < 0.4 and _best_match(right_half, second) > 0.5
    loose = crop_to_ink(shaper.draw_line("ع ل ي ك م", size), 0)
    assert second.width < loose.width * 0.8
