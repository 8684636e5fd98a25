"""The virtual printer: an ESC/POS interpreter that draws what a real printer would print.

It understands every command the renderer emits (init, text with font/bold/reverse/size and
alignment, Latin code pages, `GS v 0` raster, `GS ( L` / `GS 8 L` stored graphics in RAM
and NV, `FS q`/`FS p` NV bit images, native QR via `GS ( k`, feeds and cut) and refuses
anything else with the byte offset, so tests notice when the renderer grows a command the
preview cannot show. Printer-font text is drawn from the packaged Noto font into 12×24
(font A) and 9×17 (font B) cells and scaled by whole multiples, like a printer's ROM font.
Stored graphics live as long as the interpreter does, as they live in a printer between
jobs; `ESC @` resets modes but keeps them. A cut ends a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from printer import commands as cmd
from printer.arabic import set_weight
from printer.errors import UnsupportedCommand
from printer.profiles import PrinterProfile
from printer.qr import qr_image
from printer.raster import Bitmap

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
DEFAULT_LINE_SPACING = 30
PAPER_MARGIN = 16  # grey border around the paper in previews
CUT_GAP = 24

# ESC t slot -> Python codec, for the Latin pages profiles offer.
DEFAULT_CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858", 40: "iso8859_15"}

_ESC_WITH_ARG = {0x21, 0x45, 0x2D, 0x4D, 0x61, 0x74, 0x4A, 0x64, 0x33}
_COLUMN_MODES = {0: (1, 2), 1: (1, 1), 32: (3, 2), 33: (3, 1)}  # m: (bytes a column, x scale)
FONT_CELLS = {False: (12, 24), True: (9, 17)}  # small (font B)?


@dataclass
class _Mode:
    small: bool = False
    bold: bool = False
    underline: bool = False
    reverse: bool = False
    scale: tuple[int, int] = (1, 1)
    align: int = 0
    codepage: int = 0
    line_spacing: int = DEFAULT_LINE_SPACING


@dataclass
class _Page:
    width: int
    y: int = 0
    ops: list[tuple[int, int, Image.Image]] = field(default_factory=list)

    def place(self, image: Image.Image, align: int) -> None:
        x = {0: 0, 1: (self.width - image.width) // 2, 2: self.width - image.width}[align]
        self.ops.append((max(0, x), self.y, image))

    @property
    def empty(self) -> bool:
        return not self.ops

    def image(self, bottom: int = 0) -> Image.Image:
        height = max(1, self.y + bottom)
        page = Image.new("1", (self.width, height), 1)
        for x, y, img in self.ops:
            mono = img.convert("1")
            # paste black only: ink never erases ink already on the paper
            mask = ImageChops.invert(mono.convert("L"))
            page.paste(0, (x, y), mask)
        return page


@cache
def _latin_font(path: str, px: int, bold: bool) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(path, px, layout_engine=ImageFont.Layout.BASIC)
    set_weight(font, 750 if bold else 500)
    return font


class VirtualPrinter:
    """Feed it bytes; read back pages as images."""

    def __init__(
        self,
        dots_per_line: int = 576,
        code_pages: dict[int, str] | None = None,
        font_path: Path | str | None = None,
        *,
        profile: PrinterProfile | None = None,
    ) -> None:
        if font_path is None:
            from printer.arabic import resolve_font

            font_path = resolve_font()
        # A profile makes this the model it names: its width, its font cells, and only the
        # commands it has (a TM-U220 refuses GS v 0, GS ( k and GS ( L, as the real one
        # ignores or misprints them).
        self.profile = profile
        self.width = profile.dots_per_line if profile else dots_per_line
        self.code_pages = {**DEFAULT_CODE_PAGES, **(code_pages or {})}
        if profile:
            self.code_pages.setdefault(profile.codepage_slot, profile.codec)
        self.cells = (
            {
                False: (profile.cell_width(False), 24),
                True: (profile.cell_width(True), 17),
            }
            if profile and profile.font_columns
            else FONT_CELLS
        )
        # a model with a 42-column font A wraps after 42 characters, whatever dots remain
        self.text_width = {
            small: (
                profile.cell_width(small) * profile.font_columns[small]
                if profile and profile.font_columns
                else self.width
            )
            for small in (False, True)
        }
        self.font_path = str(font_path)
        self.mode = _Mode()
        self.transcript: list[str] = []  # decoded text of each printed line, in order
        self.nv_writes = 0  # NV graphics / NV bit image definitions received
        self._line_text: list[str] = []
        self.graphics: dict[tuple[str, bytes], Bitmap] = {}  # ("ram"|"nv", key) -> bitmap
        self.nv_images: dict[int, Bitmap] = {}
        self.qr_data = b""
        self.qr_module = 3
        self.qr_ec = "M"
        self.pages: list[Image.Image] = []
        self.cuts = 0
        self._page = _Page(self.width)
        self._line: list[Image.Image] = []
        self._line_width = 0
        self._line_align = 0
        self._pending = b""
        # called with ("DLE EOT", n) or ("GS r", n); a virtual device answers through it
        self.on_request: Callable[[str, int], None] | None = None

    def _require(self, feature: str, what: str) -> None:
        if self.profile is not None and not getattr(self.profile, feature):
            raise UnsupportedCommand(f"{what}: {self.profile.name} has no such command")

    def power_cycle(self) -> None:
        """Switched off and on: RAM graphics, modes and the line buffer are gone; NV stays."""
        self.graphics = {k: v for k, v in self.graphics.items() if k[0] == "nv"}
        self.mode = _Mode()
        self._line, self._line_width, self._line_text = [], 0, []
        self._pending = b""
        self.qr_data = b""

    def graphics_keys(self, nv: bool) -> list[bytes]:
        """Key codes defined in download (RAM) or NV graphics memory, in key order."""
        store = "nv" if nv else "ram"
        return sorted(key for kind, key in self.graphics if kind == store)

    def nv_memory(self) -> bytes:
        """Commands that define exactly what NV memory holds (to persist a virtual printer)."""
        out = bytearray()
        for (kind, key), bm in sorted(self.graphics.items()):
            if kind == "nv":
                out += cmd.define_graphics(key, bm, nv=True)
        if self.nv_images:
            out += cmd.define_nv_bit_images([self.nv_images[n] for n in sorted(self.nv_images)])
        return bytes(out)

    # output ----------------------------------------------------------------------------

    def page_images(self) -> list[Image.Image]:
        """Finished pages plus whatever has been printed since the last cut."""
        pending = [] if self._page.empty and not self._line else [self._snapshot()]
        return [*self.pages, *pending]

    def _snapshot(self) -> Image.Image:
        saved = (list(self._page.ops), self._page.y, list(self._line), self._line_width)
        text = (list(self._line_text), len(self.transcript))
        self._print_line()
        img = self._page.image(8)
        self._page.ops, self._page.y, self._line, self._line_width = saved
        self._line_text = text[0]
        del self.transcript[text[1] :]
        return img

    def preview(self) -> Image.Image:
        """All pages on a grey background, separated where the cutter cut."""
        return stack_pages(self.page_images() or [Image.new("1", (self.width, 8), 1)])

    # parsing ---------------------------------------------------------------------------

    def feed(self, data: bytes, *, final: bool = True) -> None:
        """Interpret bytes. With `final=False` (a byte stream arriving in pieces) a command
        cut off at the end is kept until the next call instead of being an error."""
        data = self._pending + data
        self._pending = b""
        i, n = 0, len(data)
        while i < n:
            b = data[i]
            try:
                if b == 0x0A:
                    self._line_feed()
                    i += 1
                elif b == 0x0D:
                    i += 1
                elif b == ESC:
                    i = self._esc(data, i)
                elif b == GS:
                    i = self._gs(data, i)
                elif b == FS:
                    i = self._fs(data, i)
                elif b == DLE:
                    if data[i + 1] != 0x04:
                        raise UnsupportedCommand(f"DLE {data[i + 1]:#04x}")
                    if self.on_request:  # real-time status request: nothing to print
                        self.on_request("DLE EOT", data[i + 2])
                    i += 3
                elif b >= 0x20 and b != 0x7F:
                    self._char(b)
                    i += 1
                else:
                    raise UnsupportedCommand(f"control byte {b:#04x}")
            except IndexError:
                if not final:
                    self._pending = bytes(data[i:])
                    return
                raise UnsupportedCommand(f"truncated command at byte {i}") from None
            except KeyError as exc:
                raise UnsupportedCommand(f"unsupported ESC/POS at byte {i}: value {exc}") from None
            except UnsupportedCommand as exc:
                if str(exc).startswith(("unsupported", "truncated")):
                    raise
                raise UnsupportedCommand(f"unsupported ESC/POS at byte {i}: {exc}") from None
            if i > n:
                raise UnsupportedCommand(f"truncated command at byte {i}")

    def _esc(self, d: bytes, i: int) -> int:
        c = d[i + 1]
        m = self.mode
        if c == 0x40:  # ESC @
            self._print_line_if_any()
            self.mode = _Mode()
            return i + 2
        if c not in _ESC_WITH_ARG and c not in (0x32, 0x2A):
            raise UnsupportedCommand(f"ESC {c:#04x}")
        if c == 0x32:
            m.line_spacing = DEFAULT_LINE_SPACING
            return i + 2
        if c == 0x2A:  # ESC * m nL nH d1..dk: one band of a column bit image
            return self._column_image(d, i)
        arg = d[i + 2]
        if c == 0x21:  # ESC ! n
            m.small = bool(arg & 0x01)
            m.bold = bool(arg & 0x08)
            m.scale = (2 if arg & 0x20 else 1, 2 if arg & 0x10 else 1)
            m.underline = bool(arg & 0x80)
        elif c == 0x45:
            m.bold = bool(arg & 1)
        elif c == 0x2D:
            m.underline = bool(arg & 3)
        elif c == 0x4D:
            m.small = bool(arg & 1)
        elif c == 0x61:
            m.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}[arg]
        elif c == 0x74:
            if arg not in self.code_pages:
                raise UnsupportedCommand(f"code page slot {arg} has no Latin table here")
            m.codepage = arg
        elif c == 0x4A:
            self._print_line_if_any()
            self._page.y += arg
        elif c == 0x64:
            self._print_line_if_any()
            self._page.y += arg * m.line_spacing
        else:  # ESC 3 n
            m.line_spacing = arg
        return i + 3

    def _gs(self, d: bytes, i: int) -> int:
        c = d[i + 1]
        m = self.mode
        if c == 0x21:
            arg = d[i + 2]
            m.scale = ((arg >> 4) + 1, (arg & 0x0F) + 1)
            if max(m.scale) > 8:
                raise UnsupportedCommand("character size beyond 8")
            return i + 3
        if c == 0x42:
            m.reverse = bool(d[i + 2] & 1)
            return i + 3
        if c == 0x49:  # GS I n: printer information (the device answers)
            if self.on_request:
                self.on_request("GS I", d[i + 2])
            return i + 3
        if c == 0x72:  # GS r n: status request, answered once what came before is processed
            self._print_line_if_any()
            if self.on_request:
                self.on_request("GS r", d[i + 2])
            return i + 3
        if c == 0x56:  # GS V m [n]
            kind = d[i + 2]
            if kind in (65, 66):
                self._cut(d[i + 3])
                return i + 4
            if kind in (0, 1, 48, 49):
                self._cut(0)
                return i + 3
            raise UnsupportedCommand(f"GS V {kind}")
        if c == 0x76 and d[i + 2] == 0x30:  # GS v 0 m xL xH yL yH
            self._require("raster", "GS v 0")
            mode = d[i + 3]
            x = d[i + 4] | d[i + 5] << 8
            y = d[i + 6] | d[i + 7] << 8
            end = i + 8 + x * y
            if end > len(d):
                raise IndexError
            bm = Bitmap(x * 8, y, bytes(d[i + 8 : end]))
            sx, sy = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
            self._image(bm.to_image(), sx, sy)
            return end
        if c == 0x28 and d[i + 2] in (0x4C, 0x6B):  # GS ( L / GS ( k
            self._require(
                *(("graphics_commands", "GS ( L") if d[i + 2] == 0x4C else ("native_qr", "GS ( k"))
            )
            size = d[i + 3] | d[i + 4] << 8
            payload = bytes(d[i + 5 : i + 5 + size])
            if len(payload) < size:
                raise IndexError
            (self._graphics if d[i + 2] == 0x4C else self._qr)(payload)
            return i + 5 + size
        if c == 0x38 and d[i + 2] == 0x4C:  # GS 8 L p1..p4
            self._require("graphics_commands", "GS 8 L")
            size = int.from_bytes(d[i + 3 : i + 7], "little")
            payload = bytes(d[i + 7 : i + 7 + size])
            if len(payload) < size:
                raise IndexError
            self._graphics(payload)
            return i + 7 + size
        raise UnsupportedCommand(f"GS {c:#04x}")

    def _fs(self, d: bytes, i: int) -> int:
        c = d[i + 1]
        if c == 0x71:  # FS q n [xL xH yL yH data]...
            count, j = d[i + 2], i + 3
            images: dict[int, Bitmap] = {}
            for number in range(1, count + 1):
                x = d[j] | d[j + 1] << 8
                y = d[j + 2] | d[j + 3] << 8
                size = x * y * 8
                data = bytes(d[j + 4 : j + 4 + size])
                if len(data) < size:
                    raise IndexError
                images[number] = Bitmap.from_columns(data, x * 8, y * 8)
                j += 4 + size
            self.nv_images = images  # FS q replaces every NV bit image
            self.nv_writes += 1
            return j
        if c == 0x70:  # FS p n m
            number, mode = d[i + 2], d[i + 3]
            if number not in self.nv_images:
                raise UnsupportedCommand(f"FS p {number}: no NV bit image with that number")
            sx, sy = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
            self._image(self.nv_images[number].to_image(), sx, sy)
            return i + 4
        raise UnsupportedCommand(f"FS {c:#04x}")

    def _graphics(self, p: bytes) -> None:
        if p[0] != 0x30:
            raise UnsupportedCommand(f"GS ( L m={p[0]}")
        fn = p[1]
        if fn in (83, 67):  # define download (RAM) / NV graphics
            key = p[3:5]
            x = p[6] | p[7] << 8
            y = p[8] | p[9] << 8
            if p[2] != 0x30 or p[5] != 1 or p[10] != 0x31:
                raise UnsupportedCommand("GS ( L define: only monochrome graphics")
            data = p[11:]
            if len(data) != -(-x // 8) * y:
                raise UnsupportedCommand(f"GS ( L define: {len(data)} data bytes for {x}x{y}")
            self.graphics[("nv" if fn == 67 else "ram", key)] = Bitmap(-(-x // 8) * 8, y, data)
            self.nv_writes += fn == 67
        elif fn in (85, 69):  # print download / NV graphics
            key = p[2:4]
            store = "nv" if fn == 69 else "ram"
            bm = self.graphics.get((store, key))
            if bm is None:
                raise UnsupportedCommand(f"GS ( L print: no {store} graphic with key {key!r}")
            self._image(bm.to_image(), p[4], p[5])
        elif fn in (80, 64) and p[2:4] == b"KC":  # key code list: answered, nothing printed
            if self.on_request:
                self.on_request("GS ( L", fn)
        else:
            raise UnsupportedCommand(f"GS ( L function {fn}")

    def _qr(self, p: bytes) -> None:
        if p[0] != 0x31:
            raise UnsupportedCommand(f"GS ( k cn={p[0]}")
        fn = p[1]
        if fn == 0x41:
            if p[2] != 0x32:
                raise UnsupportedCommand("GS ( k: only QR model 2")
        elif fn == 0x43:
            self.qr_module = p[2]
        elif fn == 0x45:
            self.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}[p[2]]
        elif fn == 0x50:
            self.qr_data = p[3:]
        elif fn == 0x51:
            self._image(qr_image(self.qr_data.decode("latin-1"), self.qr_module, self.qr_ec))
        else:
            raise UnsupportedCommand(f"GS ( k function {fn:#04x}")

    # drawing ---------------------------------------------------------------------------

    def _glyph(self, ch: str) -> Image.Image:
        m = self.mode
        w, h = self.cells[m.small]
        font = _latin_font(self.font_path, 15 if m.small else 21, m.bold)
        wide = Image.new("L", (w * 3, h), 255)
        ImageDraw.Draw(wide).text(
            (w * 1.5, h - (4 if m.small else 6)), ch, font=font, fill=0, anchor="ms"
        )
        box = ImageChops.invert(wide).getbbox()
        cell = Image.new("L", (w, h), 255)
        if box:
            ink = wide.crop((box[0], 0, box[2], h))
            if ink.width > w - 1:  # a proportional glyph wider than the ROM cell: squeeze it
                ink = ink.resize((w - 1, h), Image.Resampling.LANCZOS)
            cell.paste(ink, ((w - ink.width) // 2, 0))
        cell = cell.point(lambda v: 0 if v < 140 else 255)
        if m.underline:
            ImageDraw.Draw(cell).line((0, h - 1, w, h - 1), fill=0, width=1)
        if m.reverse:
            cell = ImageChops.invert(cell)
        sx, sy = m.scale
        if (sx, sy) != (1, 1):
            cell = cell.resize((w * sx, h * sy), Image.Resampling.NEAREST)
        return cell.convert("1")

    def _char(self, byte: int) -> None:
        ch = bytes([byte]).decode(self.code_pages[self.mode.codepage], "replace")
        self._add_to_line(self._glyph(ch), ch)

    def _add_to_line(self, glyph: Image.Image, ch: str = "") -> None:
        limit = self.text_width[self.mode.small] if ch else self.width
        if self._line_width + glyph.width > min(limit, self.width):
            self._print_line()  # the printer wraps a full line by itself
        if not self._line:
            self._line_align = self.mode.align  # ESC a counts at the start of a line
        self._line.append(glyph)
        self._line_text.append(ch)
        self._line_width += glyph.width

    def _column_image(self, d: bytes, i: int) -> int:
        self._require("column_images", "ESC *")
        m, n = d[i + 2], d[i + 3] | d[i + 4] << 8
        if m not in _COLUMN_MODES:
            raise UnsupportedCommand(f"ESC * mode {m}")
        per_col, sx = _COLUMN_MODES[m]
        end = i + 5 + n * per_col
        if end > len(d):
            raise IndexError
        band = Bitmap.from_columns(bytes(d[i + 5 : end]), n, 8 * per_col).to_image()
        band = band.crop((0, 0, n, 8 * per_col))
        if sx != 1:
            band = band.resize((n * sx, band.height), Image.Resampling.NEAREST)
        self._add_to_line(band.convert("1"))
        return end

    def _print_line(self) -> None:
        if not self._line:
            return
        height = max(g.height for g in self._line)
        row = Image.new("1", (self._line_width, height), 1)
        x = 0
        for g in self._line:
            row.paste(g, (x, height - g.height))
            x += g.width
        self._page.place(row, self._line_align)
        self._page.y += max(height, self.mode.line_spacing)
        if any(self._line_text):
            self.transcript.append("".join(self._line_text))
        self._line, self._line_width, self._line_text = [], 0, []

    def _print_line_if_any(self) -> None:
        if self._line:
            self._print_line()

    def _line_feed(self) -> None:
        if self._line:
            self._print_line()
        else:
            self._page.y += self.mode.line_spacing

    def _image(self, img: Image.Image, sx: int = 1, sy: int = 1) -> None:
        self._print_line_if_any()
        if (sx, sy) != (1, 1):
            img = img.resize((img.width * sx, img.height * sy), Image.Resampling.NEAREST)
        if img.width > self.width:
            img = img.crop((0, 0, self.width, img.height))
        self._page.place(img, self.mode.align)
        self._page.y += img.height

    def tear_off(self) -> None:
        """End the page without a cut (printers with no cutter: the paper is torn off)."""
        self._print_line_if_any()
        if not self._page.empty:
            self.pages.append(self._page.image())
            self._page = _Page(self.width)

    def _cut(self, feed: int) -> None:
        self._print_line_if_any()
        self._page.y += min(feed, 48)
        self.pages.append(self._page.image())
        self._page = _Page(self.width)
        self.cuts += 1


def stack_pages(pages: list[Image.Image]) -> Image.Image:
    """Pages on a grey background, one under the other with a gap where the cutter cut."""
    width = max(p.width for p in pages) + 2 * PAPER_MARGIN
    height = sum(p.height for p in pages) + CUT_GAP * (len(pages) - 1) + 2 * PAPER_MARGIN
    out = Image.new("L", (width, height), 200)
    y = PAPER_MARGIN
    for page in pages:
        out.paste(page.convert("L"), (PAPER_MARGIN, y))
        y += page.height + CUT_GAP
    return out


def render_bytes(
    data: bytes,
    dots_per_line: int = 576,
    code_pages: dict[int, str] | None = None,
    *,
    profile: PrinterProfile | None = None,
) -> Image.Image:
    """Bytes in, preview image out (a fresh printer: stored graphics must be in `data`)."""
    vp = VirtualPrinter(dots_per_line, code_pages, profile=profile)
    vp.feed(data)
    return vp.preview()
