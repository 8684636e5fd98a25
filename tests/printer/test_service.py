"""The public API as the queue engine and the counters will use it."""

from __future__ import annotations

import pytest

from branch.settings import PrinterConfig, Settings
from printer import JobState, TicketPrinter, render_receipt_png, render_ticket_png
from printer.errors import PrinterError
from printer.samples import sample_receipt, sample_ticket


def test_kiosk_printer_from_settings(settings: Settings) -> None:
    with TicketPrinter.from_settings(settings) as tp:
        jobs = [tp.print_ticket(sample_ticket(settings.config, number=n)) for n in (1, 2, 3)]
        states = [job.wait(10).state for job in jobs]
    assert states == [JobState.PRINTED] * 3
    assert len({job.id for job in jobs}) == 3
    assert sorted(p.name for p in (settings.home / "printer").glob("*.png"))[-1].endswith(
        "-A003.png"
    )


def test_counter_receipt_printer(settings: Settings, tmp_path) -> None:
    tp = TicketPrinter(
        PrinterConfig(device=f"virtual:{tmp_path}/c1"),
        settings.config,
        home=tmp_path,
        receipts=True,
    )
    try:
        job = tp.print_receipt(sample_receipt(settings.config)).wait(10)
        assert "label:verify" in tp.cache.stored()  # receipt labels were sent at start-up
        assert tp.worker.startup_bytes > job.bytes_sent
    finally:
        tp.close()
    assert job.state == JobState.PRINTED and job.label == "P-AMM-000123"
    assert tp.cache.stored() == {}  # device released: RAM graphics are not trusted any more


def test_unknown_counter_printer(settings: Settings) -> None:
    with pytest.raises(PrinterError, match="no printer configured for counter '9'"):
        TicketPrinter.from_settings(settings, counter="9")


def test_previews_are_paper_width(demo) -> None:
    ticket = render_ticket_png(sample_ticket(demo))
    receipt = render_receipt_png(sample_receipt(demo), PrinterConfig(paper_mm=58))
    assert ticket.width == 576 + 32 and receipt.width == 384 + 32
    # the preview is drawn as the model prints: a TM-U220 is 400 dots wide, not 576
    assert render_ticket_png(sample_ticket(demo), PrinterConfig(profile="TM-U220")).width == 432
    assert ticket.height > 600
