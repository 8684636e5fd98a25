"""Layout elements to ESC/POS bytes, spending as few bytes as the printer allows.

Printer text for Latin and digits; Arabic as pixels, printed by key from graphics memory
when it is fixed artwork, as inline raster otherwise; QR by the printer's own `GS ( k` when
the profile has it. Style commands are sent only when a style changes; each job starts by
setting every style explicitly instead of `ESC @`, so an aborted previous job cannot leak
bold or double size into this one and graphics memory is never put at risk.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from printer import commands as cmd
from printer.arabic import ArabicShaper, ArabicStyle
from printer.graphics_cache import Art, GraphicsCache
from printer.layout import QR, Arabic, Cut, Element, Feed, Line, Rule, Sizes
from printer.profiles import PrinterProfile
from printer.qr import QR_MODULE, qr_bitmap
from printer.raster import Align, Bitmap

RULE_KEY = "rule"


@dataclass
class RenderResult:
    data: bytes
    defined: list[str] = field(default_factory=list)  # artwork downloaded by these bytes
    inline_raster_bytes: int = 0
    graphics_printed: int = 0


@dataclass
class _Style:
    align: Align = "left"
    scale: tuple[int, int] = (1, 1)
    bold: bool = False
    reverse: bool = False
    small: bool = False


def _printable(value: str) -> str:
    """Control characters would be commands to the printer: never let text carry one."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in value)


class EscposRenderer:
    """Renders layouts for one printer; keeps its artwork bitmaps between jobs."""

    def __init__(
        self,
        profile: PrinterProfile,
        shaper: ArabicShaper,
        cache: GraphicsCache | None = None,
        *,
        download_on_demand: bool = True,
    ) -> None:
        self.profile = profile
        self.shaper = shaper
        self.cache = cache or GraphicsCache("none", 0)
        self.sizes = Sizes.for_paper(profile.dots_per_line, profile.columns)
        # FS q redefines every image at once, so it is only ever sent at start-up.
        self.download_on_demand = download_on_demand and self.cache.mode in ("ram", "nv")
        self._arts: dict[tuple[str, str, str], Art] = {}

    # artwork ---------------------------------------------------------------------------

    def art(self, el: Arabic) -> Art:
        """The bitmap for an Arabic element (memoised: fixed artwork is drawn once)."""
        memo = (el.key or "", el.text, f"{el.role}:{el.align}")
        found = self._arts.get(memo)
        if found is None:
            style = ArabicStyle(self.sizes.arabic_px[el.role], self.profile.dots_per_line, el.align)
            image = self.shaper.render(el.text, style)
            found = Art(el.key or "inline", Bitmap.from_image(image, el.align))
            if el.key:  # per-ticket Arabic is not worth keeping
                self._arts[memo] = found
        return found

    def rule_art(self) -> Art:
        """A dotted full-width line: 11 bytes by key instead of a line of dashes."""
        memo = (RULE_KEY, "", "")
        if memo not in self._arts:
            width = self.profile.dots_per_line
            img = Image.new("1", (width, 12), 1)
            draw = ImageDraw.Draw(img)
            for x in range(0, width, 6):
                draw.rectangle((x, 5, x + 3, 6), fill=0)
            self._arts[memo] = Art(RULE_KEY, Bitmap.from_image(img))
        return self._arts[memo]

    def _nv(self) -> bool:
        return self.cache.mode == "nv"

    def _stored(self, art: Art, result: RenderResult, out: bytearray) -> bytes | None:
        """Key code to print `art` by, downloading it first when allowed and it fits."""
        code = self.cache.code_for(art)
        if code is None and self.download_on_demand:
            code = self.cache.reserve(art)
            if code is not None:
                out += cmd.define_graphics(code, art.bitmap, self._nv())
                result.defined.append(art.name)
        return code

    def _print_art(
        self, art: Art, result: RenderResult, out: bytearray, *, cacheable: bool = True
    ) -> None:
        code = self._stored(art, result, out) if cacheable else None
        if code is None:
            out += cmd.image(art.bitmap, self.profile.raster)
            result.inline_raster_bytes += art.bitmap.size_bytes
        elif self.cache.mode == "fs":
            out += cmd.print_nv_bit_image(code[0])
            result.graphics_printed += 1
        else:
            out += cmd.print_graphics(code, self._nv())
            result.graphics_printed += 1

    # whole jobs -------------------------------------------------------------------------

    def startup(self, artwork: list[Arabic]) -> RenderResult:
        """Bytes for printer start-up: initialise, then store the fixed artwork that fits."""
        result = RenderResult(b"")
        out = bytearray(cmd.initialize() + cmd.select_codepage(self.profile.codepage_slot))
        arts = [self.rule_art(), *(self.art(a) for a in artwork)]
        if self.cache.mode == "fs":
            if any(self.cache.code_for(a) is None for a in arts):
                self.cache.reset()
                keep = [a for a in arts if self.cache.reserve(a) is not None]
                order = sorted(keep, key=lambda a: self.cache.code_for(a) or b"")
                out += cmd.define_nv_bit_images([a.bitmap for a in order])
                result.defined = [a.name for a in order]
        elif self.cache.enabled:
            for art in arts:
                if self.cache.code_for(art) is None and (code := self.cache.reserve(art)):
                    out += cmd.define_graphics(code, art.bitmap, self._nv())
                    result.defined.append(art.name)
        result.data = bytes(out)
        return result

    def define(self, artwork: list[Arabic]) -> RenderResult:
        """Bytes that download artwork not yet stored (RAM/NV graphics only), as room allows."""
        result = RenderResult(b"")
        if self.cache.mode not in ("ram", "nv"):
            return result
        out = bytearray()
        for art in (self.art(a) for a in artwork):
            if self.cache.code_for(art) is None and (code := self.cache.reserve(art)):
                out += cmd.define_graphics(code, art.bitmap, self._nv())
                result.defined.append(art.name)
        result.data = bytes(out)
        return result

    def job_prefix(self) -> bytes:
        return (
            cmd.select_codepage(self.profile.codepage_slot)
            + cmd.print_mode(False)
            + cmd.char_size(1, 1)
            + cmd.bold(False)
            + cmd.reverse(False)
            + cmd.align("left")
        )

    def render(self, elements: list[Element]) -> RenderResult:
        result = RenderResult(b"")
        out = bytearray(self.job_prefix())
        style = _Style()

        def set_align(where: Align) -> None:
            if style.align != where:
                out.extend(cmd.align(where))
                style.align = where

        for el in elements:
            if isinstance(el, Line):
                set_align(el.align)
                for chunk in self._wrap(el):
                    for run in chunk.runs:
                        if run.small != style.small:
                            out += cmd.print_mode(run.small)
                            style.small = run.small
                            style.bold = False  # ESC ! clears emphasis too
                        if run.scale != style.scale:
                            out += cmd.char_size(*run.scale)
                            style.scale = run.scale
                        if run.bold != style.bold:
                            out += cmd.bold(run.bold)
                            style.bold = run.bold
                        if run.reverse != style.reverse:
                            out += cmd.reverse(run.reverse)
                            style.reverse = run.reverse
                        out += _printable(run.text).encode(self.profile.codec, "replace")
                    out += cmd.LF
            elif isinstance(el, Arabic):
                set_align(el.align)
                self._print_art(self.art(el), result, out, cacheable=el.key is not None)
            elif isinstance(el, Rule):
                rule = self.rule_art()
                code = self._stored(rule, result, out)
                if code is not None:
                    set_align("center")
                    out += (
                        cmd.print_nv_bit_image(code[0])
                        if self.cache.mode == "fs"
                        else cmd.print_graphics(code, self._nv())
                    )
                    result.graphics_printed += 1
                else:  # a line of dashes is cheaper than a raster line
                    set_align("left")
                    if style.scale != (1, 1):
                        out += cmd.char_size(1, 1)
                        style.scale = (1, 1)
                    out += b"-" * self.sizes.columns + cmd.LF
            elif isinstance(el, Feed):
                out += cmd.feed_dots(el.dots)
            elif isinstance(el, QR):
                set_align("center")
                if self.profile.native_qr:
                    out += cmd.qr(el.data, QR_MODULE)
                else:
                    bitmap = qr_bitmap(el.data, QR_MODULE)
                    out += cmd.image(bitmap, self.profile.raster)
                    result.inline_raster_bytes += bitmap.size_bytes
            elif isinstance(el, Cut):
                out += cmd.cut(self.profile.cut)
        result.data = bytes(out)
        return result

    def _wrap(self, line: Line) -> list[Line]:
        """Split a single-run line that would overflow the paper at its size."""
        if len(line.runs) != 1:
            return [line]
        run = line.runs[0]
        per_char = self.profile.cell_width(run.small) * run.scale[0]
        width = max(1, self.profile.dots_per_line // per_char)
        if len(run.text) <= width:
            return [line]
        parts = textwrap.wrap(run.text, width) or [""]
        return [
            Line((type(run)(p, run.scale, run.bold, run.reverse, run.small),), line.align)
            for p in parts
        ]


def full_bitmap_job(
    page: Image.Image, cut_kind: str = "partial", band: int = 256, *, raster: bool = True
) -> bytes:
    """The whole page as `GS v 0` raster bands (column images on models without raster):
    what image-only ticket printers send."""
    bitmap_img = page.convert("L")
    out = bytearray(cmd.initialize())
    for top in range(0, bitmap_img.height, band):
        part = bitmap_img.crop((0, top, bitmap_img.width, min(bitmap_img.height, top + band)))
        out += cmd.image(Bitmap.from_image(part, "left"), raster)
    out += cmd.cut(cut_kind)
    return bytes(out)
