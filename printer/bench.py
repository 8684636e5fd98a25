"""The byte budget of a ticket, measured with the real renderer against the goals.

Goals (issue 3): a steady-state bilingual ticket ≤ 1,000 bytes (≤ 1.1 s at 9600 baud),
at least 20× fewer bytes than the same ticket as one bitmap, and the first ticket after
start-up, graphics download included, ≤ 25 KB. The full-bitmap figure is honest: it is
the virtual printer's own picture of the ticket, sent as `GS v 0` bands.
"""

from __future__ import annotations

from typing import Any

from branch.settings import BranchConfig, PrinterConfig
from printer import commands as cmd
from printer.arabic import ArabicShaper, resolve_font
from printer.escpos_render import EscposRenderer, full_bitmap_job
from printer.graphics_cache import GraphicsCache
from printer.layout import fixed_artwork, ticket_layout
from printer.profiles import profile_for
from printer.samples import demo_config, sample_ticket
from printer.service import split_artwork, virtual_code_pages
from printer.virtual import VirtualPrinter

BAUDS = (9600, 19200, 38400, 115200)
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop

GOALS = {
    "steady_ticket_bytes": 1000,
    "steady_ticket_s_9600": 1.1,
    "bitmap_ratio": 20.0,
    "first_ticket_bytes": 25_000,
}


def wire_seconds(n: int, baud: int) -> float:
    return n * BITS_PER_BYTE / baud


def measure(
    config: BranchConfig | None = None, printer: PrinterConfig | None = None
) -> dict[str, Any]:
    """Bytes and wire times of the sample bilingual ticket (Arabic first, with QR)."""
    config = config or demo_config()
    printer = printer or config.devices.kiosk_printer
    profile = profile_for(printer)
    shaper = ArabicShaper(resolve_font(printer.font))
    renderer = EscposRenderer(
        profile, shaper, GraphicsCache(profile.stored_graphics, profile.graphics_capacity)
    )
    arts = fixed_artwork(
        config.branch.code,
        config.branch.name_ar,
        [(s.code, s.name_ar) for s in config.services if s.active],
        renderer.sizes,
    )
    startup_art, later_art = split_artwork(arts, False, profile.stored_graphics)
    ticket = sample_ticket(config, "ar")
    elements = ticket_layout(ticket, renderer.sizes, qr=printer.qr)
    confirm = len(cmd.transmit_paper_status())
    # asked before every job: DLE EOT 1..4, and the graphics key list where graphics are kept
    questions = len(b"".join(cmd.realtime_status(n) for n in (1, 2, 3, 4)))
    if profile.stored_graphics in ("ram", "nv") and profile.graphics_commands:
        questions += len(cmd.query_graphics_keys(profile.stored_graphics == "nv"))

    startup = renderer.startup(startup_art)
    first = renderer.render(elements)
    steady = renderer.render(elements)
    rest = renderer.define(later_art)

    vp = VirtualPrinter(
        profile.dots_per_line, virtual_code_pages(profile), shaper.font_path, profile=profile
    )
    vp.feed(startup.data + first.data)
    full = full_bitmap_job(vp.page_images()[-1], profile.cut, raster=profile.raster)

    # NV graphics are keyed by the printer's serial number, asked once per connection
    identity = len(cmd.transmit_printer_id()) if profile.stored_graphics in ("nv", "fs") else 0
    first_bytes = len(startup.data) + len(first.data) + confirm + questions + identity
    steady_bytes = len(steady.data) + confirm + questions
    figures: dict[str, Any] = {
        "profile": profile.name,
        "paper_mm": profile.paper_mm,
        "dots_per_line": profile.dots_per_line,
        "stored_graphics": profile.stored_graphics,
        # NV graphics survive power-off: the start-up download happens once per artwork change
        "startup_download_persists": profile.stored_graphics in ("nv", "fs"),
        "shaper": shaper.mode,
        "ticket": ticket.code,
        "startup_bytes": len(startup.data),
        "first_ticket_bytes": first_bytes,
        "steady_ticket_bytes": steady_bytes,
        "full_bitmap_bytes": len(full),
        "bitmap_ratio": round(len(full) / steady_bytes, 1),
        "all_artwork_bytes": len(startup.data) + len(first.data) + len(rest.data),
        "graphics_memory_used": renderer.cache.used(),
        "graphics_memory_capacity": renderer.cache.capacity,
        "steady_graphics_printed": steady.graphics_printed,
        "status_query_bytes": questions,
        "steady_inline_raster_bytes": steady.inline_raster_bytes,
        "wire_s": {
            name: {str(b): round(wire_seconds(n, b), 3) for b in BAUDS}
            for name, n in (
                ("first_ticket", first_bytes),
                ("steady_ticket", steady_bytes),
                ("full_bitmap", len(full)),
            )
        },
    }
    steady_s = wire_seconds(steady_bytes, 9600)
    figures["goals"] = {
        "steady_ticket_bytes": {
            "goal": "<= 1000",
            "value": steady_bytes,
            "met": steady_bytes <= 1000,
        },
        "steady_ticket_s_9600": {
            "goal": "<= 1.1",
            "value": round(steady_s, 3),
            "met": steady_s <= 1.1,
        },
        "bitmap_ratio": {
            "goal": ">= 20",
            "value": figures["bitmap_ratio"],
            "met": figures["bitmap_ratio"] >= 20,
        },
        "first_ticket_bytes": {
            "goal": "<= 25000",
            "value": first_bytes,
            "met": first_bytes <= 25_000,
        },
    }
    figures["all_goals_met"] = all(g["met"] for g in figures["goals"].values())
    return figures


def report(figures: dict[str, Any]) -> str:
    """The figures as a table, each beside its goal."""
    g = figures["goals"]
    mark = {True: "ok", False: "MISSED"}
    wire = figures["wire_s"]
    lines = [
        f"sample bilingual ticket {figures['ticket']} on {figures['profile']} "
        f"({figures['paper_mm']} mm, {figures['dots_per_line']} dots, "
        f"graphics {figures['stored_graphics']}, shaping {figures['shaper']})",
        "",
        f"{'':28}{'bytes':>9}  {'9600':>8} {'19200':>8} {'38400':>8} {'115200':>8}  goal",
    ]
    for label, key, wkey, goal in (
        ("first ticket after start-up", "first_ticket_bytes", "first_ticket", "first_ticket_bytes"),
        ("steady-state ticket", "steady_ticket_bytes", "steady_ticket", "steady_ticket_bytes"),
        ("same ticket as one bitmap", "full_bitmap_bytes", "full_bitmap", None),
    ):
        times = " ".join(f"{wire[wkey][str(b)]:>7.2f}s" for b in BAUDS)
        goal_text = f"{g[goal]['goal']} bytes: {mark[g[goal]['met']]}" if goal else ""
        lines.append(f"{label:<28}{figures[key]:>9,}  {times}  {goal_text}")
    lines += [
        "",
        f"steady ticket at 9600 baud: {g['steady_ticket_s_9600']['value']:.2f} s "
        f"(goal {g['steady_ticket_s_9600']['goal']} s: {mark[g['steady_ticket_s_9600']['met']]})",
        f"bitmap / steady: {figures['bitmap_ratio']}x "
        f"(goal {g['bitmap_ratio']['goal']}x: {mark[g['bitmap_ratio']['met']]})",
        f"start-up download {figures['startup_bytes']:,} bytes; all fixed artwork "
        f"{figures['all_artwork_bytes']:,} bytes; graphics memory "
        f"{figures['graphics_memory_used']:,}/{figures['graphics_memory_capacity']:,} bytes",
    ]
    if figures["startup_download_persists"]:
        lines.append(
            "NV graphics: the start-up download is written once and kept across power-offs; "
            "later start-ups send none of it"
        )
    return "\n".join(lines)
