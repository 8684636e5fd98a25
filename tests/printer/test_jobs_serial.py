"""Print jobs over a real pty: outcomes, faults, no silent reprints, a caller that never waits."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from branch.settings import PrinterConfig
from printer import commands as cmd
from printer.jobs import JobState
from printer.samples import sample_receipt, sample_ticket
from printer.service import TicketPrinter

START = b"\x1b\x40"  # start-up begins with ESC @


def make_printer(pty, demo, home: Path, margin: float = 3.0, **cfg) -> TicketPrinter:
    config = PrinterConfig(device=pty.spec, status_timeout_s=0.5, **cfg)
    return TicketPrinter(config, demo, home=home, confirm_margin=margin)


def test_ticket_printed_over_serial_with_callback(pty_printer, demo, printer_home) -> None:
    tp = make_printer(pty_printer, demo, printer_home)
    seen: list[tuple[str, str]] = []
    done = threading.Event()
    try:
        job = tp.print_ticket(sample_ticket(demo, "ar"))
        job.add_done_callback(lambda j: (seen.append((j.id, j.state)), done.set()))
        assert done.wait(10)
        assert seen == [(job.id, JobState.PRINTED)]
        assert job.outcome_known and job.reason is None
        assert tp.last_status is not None and tp.last_status.ready
        # the far end printed one whole ticket from what came down the line
        assert len(pty_printer.printer.pages) == 1
        assert b"A023" in pty_printer.received
    finally:
        tp.close()


def test_paper_out_fails_before_sending(pty_printer, demo, printer_home) -> None:
    pty_printer.paper = "out"
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert job.state == JobState.FAILED and job.reason == "paper out"
        assert job.outcome_known and job.bytes_sent == 0
        assert START not in pty_printer.received  # only status questions went out
        assert pty_printer.received == b"".join(cmd.realtime_status(n) for n in (1, 2, 3, 4))
        # paper loaded: the next job prints; the failed one is not reprinted by itself
        pty_printer.paper = "ok"
        again = tp.print_ticket(sample_ticket(demo, number=24)).wait(10)
        assert again.state == JobState.PRINTED
        assert pty_printer.received.count(b"|A024") == 1 and b"A023" not in pty_printer.received
    finally:
        tp.close()


def test_cover_open(pty_printer, demo, printer_home) -> None:
    pty_printer.cover = "open"
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert (job.state, job.reason) == (JobState.FAILED, "printer cover open")
    finally:
        tp.close()


def test_silent_printer_is_not_responding(pty_printer, demo, printer_home) -> None:
    pty_printer.silent = True
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert (job.state, job.reason) == (JobState.FAILED, "printer not responding")
        assert job.outcome_known
    finally:
        tp.close()


def test_paper_near_end_prints_with_a_warning(pty_printer, demo, printer_home) -> None:
    pty_printer.paper = "near_end"
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert job.state == JobState.PRINTED and job.warning == "paper near end"
    finally:
        tp.close()


def test_unplugged_mid_job_outcome_unknown_and_not_retried(pty_printer, demo, printer_home) -> None:
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        first = tp.print_ticket(sample_ticket(demo, number=1)).wait(10)
        assert first.state == JobState.PRINTED, first.reason
        before = len(pty_printer.received)
        pty_printer.unplug_after = before + 12 + 100  # status questions, then part of the job
        job = tp.print_ticket(sample_ticket(demo, number=2)).wait(10)
        assert job.state == JobState.FAILED and not job.outcome_known
        assert "outcome unknown" in (job.reason or "") and "not reprinted" in job.reason
        # the port is gone: the next job fails to open it, nothing is resent
        later = tp.print_ticket(sample_ticket(demo, number=3)).wait(10)
        assert later.state == JobState.FAILED and "cannot open" in (later.reason or "")
        assert later.outcome_known
    finally:
        tp.close()


def test_stalled_printer_write_timeout(pty_printer, demo, printer_home) -> None:
    # no graphics memory and a long Arabic purpose: ~30 KB of raster, more than a pty buffers
    tp = make_printer(pty_printer, demo, printer_home, stored_graphics="none", write_timeout_s=0.5)
    pty_printer.stall_after = 12  # answers the status questions, then stops reading
    receipt = replace(sample_receipt(demo), purpose_ar="اشتراك اختياري عن ثلاثة أشهر " * 12)
    try:
        started = time.monotonic()
        job = tp.print_receipt(receipt)
        assert time.monotonic() - started < 0.2  # the caller did not wait for the printer
        job.wait(10)
        assert job.state == JobState.FAILED and not job.outcome_known
        assert "write timed out after 0.5 s" in (job.reason or "")
    finally:
        tp.close()


def test_printer_that_never_confirms(pty_printer, demo, printer_home) -> None:
    pty_printer.confirm = False
    tp = make_printer(pty_printer, demo, printer_home, margin=0.3)
    try:
        job = tp.print_ticket(sample_ticket(demo)).wait(10)
        assert job.state == JobState.FAILED and not job.outcome_known
        assert "did not confirm" in (job.reason or "")
    finally:
        tp.close()


def test_explicit_reprint(pty_printer, demo, printer_home) -> None:
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        first = tp.print_ticket(sample_ticket(demo)).wait(10)
        again = tp.reprint(first).wait(10)
        assert again.state == JobState.PRINTED and again.reprint_of == first.id
        assert again.id != first.id and again.payload.reprint
        assert pty_printer.received.count(b" REPRINT ") == 1
        assert len(pty_printer.printer.pages) == 2
    finally:
        tp.close()


def test_idle_printer_gets_the_rest_of_the_artwork(pty_printer, demo, printer_home) -> None:
    tp = make_printer(pty_printer, demo, printer_home)
    try:
        tp.print_ticket(sample_ticket(demo)).wait(10)
        assert tp.worker.prefetched.wait(10)
        stored = set(tp.cache.stored())
        assert {f"service:{s.code}" for s in demo.services} <= stored
        # a ticket for another service now needs no download
        job = tp.print_ticket(sample_ticket(demo, service_code="HOUSING")).wait(10)
        assert job.state == JobState.PRINTED and job.bytes_sent < 1000
    finally:
        tp.close()
