"""Command-level tests: what the renderer sends, and the byte budget against the goals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from branch.settings import PrinterConfig
from printer import commands as cmd
from printer.bench import measure
from printer.errors import UnknownProfile
from printer.escpos_render import EscposRenderer
from printer.graphics_cache import GraphicsCache
from printer.layout import fixed_artwork, keyed_art, ticket_layout
from printer.profiles import load_profile, with_graphics
from printer.samples import sample_ticket
from printer.virtual import VirtualPrinter

DEFINE_RAM = b"\x30\x53\x30"  # GS ( L payload start: m=48 fn=83 a=48
PRINT_RAM = b"\x06\x00\x30\x55"


def ticket_elements(renderer: EscposRenderer, demo, **kw):
    return ticket_layout(sample_ticket(demo, "ar", **kw), renderer.sizes)


def test_goals_from_the_bench(demo) -> None:
    f = measure(demo)
    assert f["steady_ticket_bytes"] <= 1000
    assert f["wire_s"]["steady_ticket"]["9600"] <= 1.1
    assert f["full_bitmap_bytes"] >= 20 * f["steady_ticket_bytes"]
    assert f["first_ticket_bytes"] <= 25_000
    assert f["all_goals_met"]
    assert f["steady_inline_raster_bytes"] == 0  # every Arabic piece printed by key


def test_latin_goes_as_text_and_arabic_by_key(renderer, demo) -> None:
    els = ticket_elements(renderer, demo)
    renderer.startup(keyed_art(els))
    data = renderer.render(els).data
    assert b"A023" in data and b"Contributions & payments" in data
    assert b"Amman - Abdali branch" in data and b"2025-03-01   09:41" in data
    assert DEFINE_RAM not in data  # steady state: nothing downloaded
    assert data.count(PRINT_RAM) == 5 + 3  # 5 Arabic pieces + 3 rules
    assert cmd.qr("TABOUR|AMM-ABDALI|2025-03-01|A023") in data
    assert data.endswith(cmd.cut("partial"))
    assert "فرع".encode() not in data


def test_first_use_downloads_then_prints_by_key(renderer, demo) -> None:
    els = ticket_elements(renderer, demo)
    first = renderer.render(els)
    assert "service:CONTRIB" in first.defined and first.data.count(DEFINE_RAM) >= 6
    second = renderer.render(els)
    assert second.defined == [] and DEFINE_RAM not in second.data
    renderer.cache.invalidate()  # printer restarted: RAM graphics gone
    third = renderer.render(els)
    assert set(third.defined) == set(first.defined)


def test_without_stored_graphics_arabic_goes_inline(profile, shaper, demo) -> None:
    bare = with_graphics(profile, "none")
    r = EscposRenderer(bare, shaper, GraphicsCache("none", 0))
    result = r.render(ticket_elements(r, demo))
    assert b"\x1d\x28\x4c" not in result.data  # no GS ( L at all
    assert result.data.count(b"\x1dv0") == 5  # five Arabic bitmaps as GS v 0
    assert result.data.count(b"-" * 48 + b"\n") == 3  # rules as dashes, not raster
    assert result.inline_raster_bytes > 5000


def test_full_graphics_memory_falls_back_to_inline(profile, shaper, demo) -> None:
    r = EscposRenderer(profile, shaper, GraphicsCache("ram", 3000))
    result = r.render(ticket_elements(r, demo))
    assert result.graphics_printed >= 1 and result.inline_raster_bytes > 0
    assert r.cache.used() <= 3000


def test_qr_is_an_image_where_the_profile_has_no_native_qr(shaper, demo) -> None:
    prof = load_profile("ZJ-5870", 58)
    assert not prof.native_qr and prof.stored_graphics == "none"
    r = EscposRenderer(prof, shaper)
    data = r.render(ticket_elements(r, demo)).data
    assert b"\x1d(k" not in data
    vp = VirtualPrinter(prof.dots_per_line, {prof.codepage_slot: prof.codec})
    vp.feed(data)
    assert vp.cuts == 0  # this model has no cutter
    (page,) = vp.page_images()
    assert page.width == 384


def test_control_bytes_in_text_never_reach_the_printer(renderer, demo) -> None:
    ticket = replace(sample_ticket(demo), service_name_en="Evil\x1b@\x1dV\x00name")
    data = renderer.render(ticket_layout(ticket, renderer.sizes)).data
    assert b"Evil @ V name" in data
    assert b"\x1b@" not in data


def test_fs_q_nv_bit_images_for_old_printers(shaper, demo) -> None:
    prof = load_profile("TM-T88III", 80)
    assert prof.stored_graphics == "fs" and prof.dots_per_line == 512
    r = EscposRenderer(prof, shaper, GraphicsCache("fs", prof.graphics_capacity))
    arts = fixed_artwork(
        demo.branch.code, demo.branch.name_ar, [(s.code, s.name_ar) for s in demo.services], r.sizes
    )
    startup = r.startup(arts)
    assert startup.data.count(b"\x1cq") == 1 and len(startup.defined) == len(arts) + 1
    job = r.render(ticket_elements(r, demo))
    assert b"\x1cp" in job.data and job.inline_raster_bytes == 0
    vp = VirtualPrinter(prof.dots_per_line, {prof.codepage_slot: prof.codec})
    vp.feed(startup.data + job.data)
    assert len(vp.pages) == 1
    assert r.startup(arts).data.count(b"\x1cq") == 0  # nothing changed: no flash write


def test_nv_graphics_are_written_once_across_restarts(tmp_path: Path, shaper, demo) -> None:
    prof = with_graphics(load_profile("TM-T20II"), "nv")
    manifest = tmp_path / "nv.json"
    arts = fixed_artwork(
        demo.branch.code,
        demo.branch.name_ar,
        [("CONTRIB", "الاشتراكات والدفعات")],
        load_profile("TM-T20II") and EscposRenderer(prof, shaper).sizes,
    )
    r1 = EscposRenderer(prof, shaper, GraphicsCache("nv", prof.graphics_capacity, manifest))
    first = r1.startup(arts)
    assert b"\x30\x43\x30" in first.data  # GS ( L fn 67: NV define
    r1.cache.save()
    r2 = EscposRenderer(prof, shaper, GraphicsCache("nv", prof.graphics_capacity, manifest))
    again = r2.startup(arts)
    assert again.defined == [] and b"\x30\x43" not in again.data
    job = r2.render(ticket_elements(r2, demo))
    assert b"\x06\x00\x30\x45" in job.data  # fn 69: print NV graphic


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(UnknownProfile, match="unknown printer profile 'TM-X1'"):
        load_profile("TM-X1")


def test_profile_from_settings(demo) -> None:
    from printer.profiles import profile_for

    p = profile_for(PrinterConfig(profile="TM-T20II", paper_mm=58, stored_graphics="none"))
    assert p.dots_per_line == 384 and p.columns == 32 and p.stored_graphics == "none"
    assert p.latin_codepage == "CP1252" and p.codepage_slot == 16


def test_big_graphics_use_gs_8_l(profile, shaper) -> None:
    from printer.raster import Bitmap

    big = Bitmap(576, 1000, b"\x55" * 72 * 1000)
    data = cmd.define_graphics(b"AA", big, nv=False)
    assert data.startswith(b"\x1d8L") and len(data) == 3 + 4 + 11 + 72_000
    vp = VirtualPrinter()
    vp.feed(data + cmd.print_graphics(b"AA", nv=False) + cmd.cut())
    assert vp.pages[0].height >= 1000


def test_per_receipt_arabic_is_never_stored(renderer, demo) -> None:
    from printer.layout import receipt_layout
    from printer.samples import sample_receipt

    result = renderer.render(receipt_layout(sample_receipt(demo), renderer.sizes))
    assert result.inline_raster_bytes > 0  # the purpose, drawn for this receipt only
    assert "inline" not in renderer.cache.stored() and "inline" not in result.defined
    assert "label:purpose" in result.defined


def test_tm_u220_without_stored_graphics_uses_its_42_columns(shaper) -> None:
    from printer.escpos_render import EscposRenderer
    from printer.graphics_cache import GraphicsCache
    from printer.layout import ticket_layout
    from printer.profiles import load_profile
    from printer.samples import sample_ticket
    from printer.virtual import VirtualPrinter

    u220 = load_profile("TM-U220", 80, stored_graphics="none")
    renderer = EscposRenderer(u220, shaper, GraphicsCache("none", 0))
    data = renderer.render(ticket_layout(sample_ticket(), renderer.sizes)).data
    assert b"-" * 42 + b"\n" in data and b"-" * 43 not in data
    assert b"\x1d\x76\x30" not in data and b"\x1b\x2a\x01" in data
    vp = VirtualPrinter(profile=u220, font_path=shaper.font_path)
    vp.feed(data)
    assert vp.page_images()[0].width == 400 and "-" * 42 in vp.transcript
