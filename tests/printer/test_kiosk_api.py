"""What the kiosk builds on: outcomes, faults of the virtual printer, power cycles, NV wear,
job files that survive restarts, tickets from the queue's plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from branch.settings import PrinterConfig
from printer import TicketData, TicketPrinter, render_ticket_png
from printer.jobs import JobState
from printer.profiles import load_profile
from printer.samples import sample_ticket
from printer.virtual import VirtualPrinter
from printer.virtual_device import forget_devices


def same_picture(png: Path, expected: Image.Image) -> bool:
    got = Image.open(png).convert("L")
    return got.size == expected.size and not ImageChops.difference(got, expected).getbbox()


def kiosk(home: Path, demo, device: str = "virtual:kiosk", **cfg) -> TicketPrinter:
    return TicketPrinter(PrinterConfig(device=device, status_timeout_s=0.5, **cfg), demo, home=home)


def test_outcome_printed_with_preview(tmp_path: Path, demo) -> None:
    tp = kiosk(tmp_path, demo)
    try:
        out = tp.print_ticket_and_wait(sample_ticket(demo), timeout=20)
    finally:
        tp.close()
    assert out.printed and out.failure is None and out.reason is None
    assert not out.paper_near_end and out.outcome_known
    assert out.preview == tmp_path / "kiosk" / "0002-A023.png"
    assert same_picture(out.preview, render_ticket_png(sample_ticket(demo)))


@pytest.mark.parametrize(
    ("fault", "failure", "reason"),
    [
        ("paper_out", "paper_out", "paper out"),
        ("offline", "offline", "printer offline"),
        ("cover_open", "cover_open", "printer cover open"),
    ],
)
def test_faults_from_the_spec(tmp_path: Path, demo, fault, failure, reason) -> None:
    tp = kiosk(tmp_path, demo, f"virtual:v?fault={fault}")
    try:
        out = tp.print_ticket_and_wait(sample_ticket(demo), timeout=20)
        assert (out.state, out.failure, out.reason) == ("failed", failure, reason)
        assert out.outcome_known and out.preview is None
        # the fault stays across the worker's reconnect until it is cleared
        assert tp.print_ticket_and_wait(sample_ticket(demo), timeout=20).failure == failure
        assert tp.virtual_device is not None
        tp.virtual_device.clear_faults()
        assert tp.print_ticket_and_wait(sample_ticket(demo), timeout=20).printed
    finally:
        tp.close()


def test_near_end_is_a_flag_on_a_printed_ticket(tmp_path: Path, demo) -> None:
    tp = kiosk(tmp_path, demo)
    try:
        assert not tp.print_ticket_and_wait(sample_ticket(demo), timeout=20).paper_near_end
        tp.virtual_device.set_fault("near_end")  # set by a test, not the spec
        out = tp.print_ticket_and_wait(sample_ticket(demo, number=24), timeout=20)
    finally:
        tp.close()
    assert out.printed and out.paper_near_end and out.failure is None


def test_outcome_timeout_never_raises(pty_printer, demo, printer_home) -> None:
    pty_printer.confirm = False  # takes the job, never says it is done
    config = PrinterConfig(device=pty_printer.spec, status_timeout_s=0.5)
    tp = TicketPrinter(config, demo, home=printer_home, confirm_margin=3)
    try:
        job = tp.print_ticket(sample_ticket(demo))
        out = job.outcome(timeout=0.5)
        assert (out.state, out.failure, out.outcome_known) == ("failed", "timeout", False)
        assert out.reason == "no outcome after 0.5 s (printer stalled?)"
        final = job.outcome(timeout=20)  # the worker gives up on its own, later
        assert (final.state, final.failure, final.outcome_known) == ("failed", "timeout", False)
        assert "did not confirm" in final.reason
    finally:
        tp.close()


def test_printer_without_key_lists_reloads_after_coming_back_online(
    pty_printer, demo, printer_home
) -> None:
    """Older firmware ignores the key-list question: offline -> online counts as a restart."""
    pty_printer.answers_keys = False
    config = PrinterConfig(device=pty_printer.spec, status_timeout_s=0.5)
    tp = TicketPrinter(config, demo, home=printer_home, confirm_margin=3)
    try:
        assert tp.print_ticket(sample_ticket(demo, number=1)).wait(10).state == JobState.PRINTED
        assert tp.print_ticket(sample_ticket(demo, number=2)).wait(10).state == JobState.PRINTED
        assert tp.worker.memory_losses == 0
        pty_printer.online = False  # switched off and on: it reports offline while starting
        pty_printer.printer.power_cycle()
        assert tp.print_ticket(sample_ticket(demo, number=3)).wait(10).reason == "printer offline"
        pty_printer.online = True
        job = tp.print_ticket(sample_ticket(demo, number=4)).wait(10)
    finally:
        tp.close()
    assert job.state == JobState.PRINTED, job.reason
    assert tp.worker.memory_losses == 1


def test_power_cycled_printer_still_prints_arabic(tmp_path: Path, demo) -> None:
    """The printer restarts after every job with its line open: RAM graphics are lost."""
    tp = kiosk(tmp_path, demo, "virtual:pc?fault=power_cycle")
    tickets = [sample_ticket(demo, number=n) for n in (1, 2, 3)]
    try:
        outs = [tp.print_ticket_and_wait(t, timeout=20) for t in tickets]
        device = tp.virtual_device
    finally:
        tp.close()
    assert [o.state for o in outs] == ["printed"] * 3, [o.reason for o in outs]
    assert device is not None and device.power_cycles == 3
    assert tp.worker.memory_losses == 2  # noticed before tickets 2 and 3
    for out, ticket in zip(outs, tickets, strict=True):
        assert same_picture(out.preview, render_ticket_png(ticket))


def test_power_cycle_between_jobs_on_demand(tmp_path: Path, demo) -> None:
    tp = kiosk(tmp_path, demo)
    try:
        assert tp.print_ticket_and_wait(sample_ticket(demo, number=1), timeout=20).printed
        tp.virtual_device.power_cycle()
        out = tp.print_ticket_and_wait(sample_ticket(demo, number=2), timeout=20)
    finally:
        tp.close()
    assert out.printed and same_picture(
        out.preview, render_ticket_png(sample_ticket(demo, number=2))
    )


def test_power_cycle_over_serial(pty_printer, demo, printer_home) -> None:
    config = PrinterConfig(device=pty_printer.spec, status_timeout_s=0.5)
    tp = TicketPrinter(config, demo, home=printer_home, confirm_margin=3)
    try:
        assert tp.print_ticket(sample_ticket(demo, number=1)).wait(10).state == JobState.PRINTED
        pty_printer.printer.power_cycle()
        job = tp.print_ticket(sample_ticket(demo, number=2)).wait(10)
    finally:
        tp.close()
    assert job.state == JobState.PRINTED, job.reason
    expected = render_ticket_png(sample_ticket(demo, number=2)).convert("1")
    page = pty_printer.printer.pages[-1]
    assert (
        ImageChops.difference(
            page.convert("L"),
            expected.crop((16, 16, 16 + page.width, 16 + page.height)).convert("L"),
        ).getbbox()
        is None
    )


@pytest.mark.parametrize(("profile", "mode"), [("TM-T88III", "fs"), ("TM-T20II", "nv")])
def test_ten_restarts_write_nv_graphics_once(tmp_path: Path, demo, profile, mode) -> None:
    for n in range(10):
        forget_devices()  # a new process: only the disk remembers
        tp = kiosk(tmp_path, demo, "virtual:nv", profile=profile, stored_graphics=mode)
        try:
            out = tp.print_ticket_and_wait(sample_ticket(demo, number=n + 1), timeout=30)
        finally:
            tp.close()
        assert out.printed, out.reason
    session = VirtualPrinter(profile=load_profile(profile))
    session.feed((tmp_path / "nv" / "session.bin").read_bytes())
    # every piece of artwork was written to NV memory once in ten start-ups
    once = 1 if mode == "fs" else len(session.graphics_keys(nv=True))
    assert once > 0 and session.nv_writes == once
    assert len(session.pages) == 10


@pytest.mark.parametrize(("profile", "mode"), [("TM-T88III", "fs"), ("TM-T20II", "nv")])
def test_nv_memory_is_keyed_by_the_printer_not_the_port(
    tmp_path: Path, demo, profile, mode
) -> None:
    """Printer A, then printer B swapped in on the same line, then A again."""
    writes = []
    for n, serial in enumerate(("A-100", "B-200", "A-100")):
        forget_devices()
        tp = kiosk(tmp_path, demo, "virtual:line", profile=profile, stored_graphics=mode)
        device = tp.virtual_device
        device.serial = serial
        before = device.printer.nv_writes
        try:
            out = tp.print_ticket_and_wait(sample_ticket(demo, number=n + 1), timeout=30)
        finally:
            tp.close()
        assert out.printed, out.reason
        assert same_picture(
            out.preview, render_ticket_png(sample_ticket(demo, number=n + 1), tp.config)
        )
        writes.append(device.printer.nv_writes - before)
        assert tp.worker.serial_number == serial
    assert writes[0] > 0 and writes[1] > 0 and writes[2] == 0
    assert tp.worker.memory_losses == 0  # known by identity, not found out by a missing key


def test_numbering_continues_and_dir_is_created(tmp_path: Path, demo) -> None:
    device = "virtual:deep/er/dir"
    previews = []
    for n in (1, 2):
        forget_devices()
        tp = kiosk(tmp_path, demo, device)
        try:
            previews.append(tp.print_ticket_and_wait(sample_ticket(demo, number=n), 20).preview)
        finally:
            tp.close()
    assert previews[0] != previews[1] and all(p.is_file() for p in previews)
    assert previews[0].name == "0002-A001.png" and previews[1].name == "0004-A002.png"


def test_ticket_data_from_queue_values(demo) -> None:
    issued = datetime(2025, 3, 1, 22, 30, tzinfo=UTC)  # already 2 March in Amman
    data = TicketData.from_queue(
        code="B007",
        service_code="NAF",
        service_name_ar="صندوق المعونة الوطنية",
        service_name_en="National Aid Fund",
        priority="elderly",
        people_ahead=3,
        estimated_wait=timedelta(minutes=4, seconds=10),
        issued_at=issued,
        branch_code="AMM-ABDALI",
        branch_name_ar="فرع عمّان - العبدلي",
        branch_name_en="Amman - Abdali branch",
        lang="en",
    )
    assert data.business_day.isoformat() == "2025-03-02" and data.estimated_wait_s == 250
    assert data.qr_payload == "TABOUR|AMM-ABDALI|2025-03-02|B007"
    assert render_ticket_png(data).height > 600
    for bad, message in (
        ({"priority": "vip"}, "priority 'vip'"),
        ({"issued_at": datetime(2025, 3, 1)}, "aware"),
        ({"people_ahead": -1}, "negative"),
        ({"code": "a 1"}, "printable code"),
        ({"lang": "fr"}, "language"),
    ):
        args = {
            "code": "B007",
            "service_code": "NAF",
            "service_name_ar": "س",
            "service_name_en": "S",
            "people_ahead": 0,
            "estimated_wait": None,
            "issued_at": issued,
            "branch_code": "X",
            "branch_name_ar": "س",
            "branch_name_en": "X",
        } | bad
        with pytest.raises(ValueError, match=message):
            TicketData.from_queue(**args)


def test_fault_set_before_the_first_job(tmp_path: Path, demo) -> None:
    tp = kiosk(tmp_path, demo, "virtual:early")
    try:
        tp.virtual_device.set_fault("paper_out")
        out = tp.print_ticket_and_wait(sample_ticket(demo), timeout=20)
    finally:
        tp.close()
    assert (out.state, out.failure) == ("failed", "paper_out")
    assert kiosk(tmp_path, demo, "file:/dev/null").virtual_device is None
